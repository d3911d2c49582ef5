//! The MNIST and Fashion-MNIST data sets: the four IDX files of a directory.

use std::path::{Path, PathBuf};

use dendrite_tensor::Matrix;

use crate::{Error, IdxImages, Result, read_idx_images, read_idx_labels};

/// A training and a test set of images with their labels, as MNIST and Fashion-MNIST ship them.
///
/// The images are matrices of one image per row, `rows · cols` raw pixel values `0.0..=255.0`
/// each (scale them with [`crate::Scaling`]); the labels are class indices.
#[derive(Debug, Clone, PartialEq)]
pub struct MnistData {
    /// Training images, `train_y.len() × (rows · cols)`.
    pub train_x: Matrix,
    /// Training labels.
    pub train_y: Vec<usize>,
    /// Test images, `test_y.len() × (rows · cols)`.
    pub test_x: Matrix,
    /// Test labels.
    pub test_y: Vec<usize>,
    /// Rows of each image (28 for MNIST).
    pub rows: usize,
    /// Columns of each image (28 for MNIST).
    pub cols: usize,
}

/// The names a file may have: each stem, plain, then gzip-compressed.
fn candidates(stems: &[&str]) -> Vec<String> {
    stems.iter().flat_map(|stem| [(*stem).to_owned(), format!("{stem}.gz")]).collect()
}

/// The first of `stems`' names (plain or `.gz`) that is a file in `dir`.
fn find(dir: &Path, stems: &[&str]) -> Result<PathBuf> {
    let names = candidates(stems);
    names
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::MissingFile { dir: dir.to_path_buf(), candidates: names.clone() })
}

/// Reads an image file and its label file, and checks that they have as many samples.
fn read_pair(images: &Path, labels: &Path) -> Result<(IdxImages, Vec<usize>)> {
    let x = read_idx_images(images)?;
    let y = read_idx_labels(labels)?;
    x.check_labels(&y).map_err(|e| e.in_file(labels))?;
    Ok((x, y.into_iter().map(usize::from).collect()))
}

/// Reads MNIST or Fashion-MNIST from a directory of its four IDX files.
///
/// The files are `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, and for the test set
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (the published names) or
/// `test-images-idx3-ubyte` and `test-labels-idx1-ubyte`; each may be plain or have a `.gz`
/// suffix (the content decides whether it is decompressed, see [`crate::parse_idx_images`]).
/// When both a plain and a `.gz` file exist, the plain one is read; `t10k-` is preferred to
/// `test-`.
///
/// # Errors
/// - [`Error::MissingFile`], naming the directory and the names looked for, when a file is
///   missing (all four are looked for before any is read);
/// - [`Error::File`] with the path of the file at fault, wrapping an error of
///   [`crate::read_idx_images`] or [`crate::read_idx_labels`], [`Error::CountMismatch`] when a
///   label file does not have one label per image, or [`Error::ColumnMismatch`] when the test
///   images do not have the training images' size.
///
/// # Example
/// ```no_run
/// use dendrite_data::{Scaling, read_mnist_dir};
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let mut mnist = read_mnist_dir("data/mnist")?;
/// assert_eq!(mnist.train_x.ncols(), 28 * 28);
/// let scaling = Scaling::book_pixels();
/// scaling.apply(&mut mnist.train_x)?;
/// scaling.apply(&mut mnist.test_x)?;
/// # Ok(())
/// # }
/// ```
pub fn read_mnist_dir(dir: impl AsRef<Path>) -> Result<MnistData> {
    let dir = dir.as_ref();
    // All four are looked for before any is read.
    let paths = [
        find(dir, &["train-images-idx3-ubyte"])?,
        find(dir, &["train-labels-idx1-ubyte"])?,
        find(dir, &["t10k-images-idx3-ubyte", "test-images-idx3-ubyte"])?,
        find(dir, &["t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"])?,
    ];
    let [train_images, train_labels, test_images, test_labels] = &paths;
    let (train, train_y) = read_pair(train_images, train_labels)?;
    let (test, test_y) = read_pair(test_images, test_labels)?;
    if (test.rows(), test.cols()) != (train.rows(), train.cols()) {
        let e = Error::ColumnMismatch {
            op: "read_mnist_dir (test images against training images)",
            expected: train.pixels_per_image(),
            got: test.pixels_per_image(),
        };
        return Err(e.in_file(test_images));
    }
    Ok(MnistData {
        train_x: train.to_matrix(),
        train_y,
        test_x: test.to_matrix(),
        test_y,
        rows: train.rows(),
        cols: train.cols(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory for one test.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Result<Self> {
            let path = std::env::temp_dir().join(format!("dendrite-data-{}-{name}", std::process::id()));
            // Left over from an interrupted run, if anything.
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path)?;
            Ok(Self(path))
        }

        fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
            Ok(std::fs::write(self.0.join(name), bytes)?)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn images(count: u32, rows: u32, cols: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        for word in [2051, count, rows, cols] {
            bytes.extend(u32::to_be_bytes(word));
        }
        bytes.extend((0..count * rows * cols).map(|i| i as u8));
        bytes
    }

    fn labels(values: &[u8]) -> Vec<u8> {
        let mut bytes = [2049, values.len() as u32].map(u32::to_be_bytes).concat();
        bytes.extend(values);
        bytes
    }

    /// The shipped sample of MNIST, `data/mnist/` at the workspace root.
    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist")
    }

    // The expected values, from the files themselves:
    //
    //   import gzip, struct
    //   d = 'data/mnist/'
    //   def images(name):
    //       b = gzip.open(d + name).read()
    //       magic, n, r, c = struct.unpack('>IIII', b[:16])
    //       return magic, n, r, c, b[16:]
    //   def labels(name):
    //       b = gzip.open(d + name).read()
    //       magic, n = struct.unpack('>II', b[:8])
    //       return magic, n, b[8:]
    //   m, n, r, c, px = images('train-images-idx3-ubyte.gz')   # 2051 6000 28 28
    //   print(px[0*784 + 14*28 + 14])                           # 170: train image 0, row 14, col 14
    //   print(sum(px[:784]))                                    # 22235
    //   m, n, lb = labels('train-labels-idx1-ubyte.gz')         # 2049 6000
    //   print(list(lb[:10]), max(lb))                           # [8, 1, 7, 4, 3, 4, 3, 3, 0, 0] 9
    //   m, n, r, c, px2 = images('test-images-idx3-ubyte.gz')   # 2051 2000 28 28
    //   print(px2[1999*784 + 14*28 + 14])                       # 171: test image 1999, row 14, col 14
    //   m, n, lb2 = labels('test-labels-idx1-ubyte.gz')         # 2049 2000
    //   print(list(lb2[-3:]))                                   # [5, 0, 6]
    #[test]
    fn reads_the_shipped_mnist_sample() -> Result<()> {
        let mnist = read_mnist_dir(shipped())?;
        assert_eq!((mnist.rows, mnist.cols), (28, 28));
        assert_eq!(mnist.train_x.shape(), (6_000, 784));
        assert_eq!(mnist.test_x.shape(), (2_000, 784));
        assert_eq!((mnist.train_y.len(), mnist.test_y.len()), (6_000, 2_000));
        assert!(mnist.train_y.iter().chain(&mnist.test_y).all(|&y| y <= 9));
        assert_eq!(mnist.train_x[(0, 14 * 28 + 14)], 170.0);
        assert_eq!(mnist.train_x.row(0).sum(), 22_235.0);
        assert_eq!(mnist.train_y[..10], [8, 1, 7, 4, 3, 4, 3, 3, 0, 0]);
        assert_eq!(mnist.test_x[(1_999, 14 * 28 + 14)], 171.0);
        assert_eq!(mnist.test_y[1_997..], [5, 0, 6]);
        assert!(mnist.train_x.iter().chain(mnist.test_x.iter()).all(|&p| (0.0..=255.0).contains(&p)));
        // Every digit occurs in both sets.
        for digit in 0..10 {
            assert!(mnist.train_y.contains(&digit) && mnist.test_y.contains(&digit), "{digit}");
        }
        Ok(())
    }

    #[test]
    fn reads_the_published_names_plain() -> Result<()> {
        let dir = TempDir::new("t10k")?;
        dir.write("train-images-idx3-ubyte", &images(3, 2, 2))?;
        dir.write("train-labels-idx1-ubyte", &labels(&[0, 1, 2]))?;
        dir.write("t10k-images-idx3-ubyte", &images(1, 2, 2))?;
        dir.write("t10k-labels-idx1-ubyte", &labels(&[9]))?;
        let data = read_mnist_dir(&dir.0)?;
        assert_eq!((data.train_x.shape(), data.test_x.shape()), ((3, 4), (1, 4)));
        assert_eq!((data.train_y, data.test_y), (vec![0, 1, 2], vec![9]));
        assert_eq!(data.train_x[(2, 3)], 11.0);
        Ok(())
    }

    #[test]
    fn a_missing_file_is_named() -> Result<()> {
        let dir = TempDir::new("missing")?;
        dir.write("train-images-idx3-ubyte", &images(1, 1, 1))?;
        dir.write("train-labels-idx1-ubyte", &labels(&[0]))?;
        dir.write("test-images-idx3-ubyte", &images(1, 1, 1))?;
        let e = read_mnist_dir(&dir.0).unwrap_err();
        let expected = candidates(&["t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"]);
        assert_eq!(e, Error::MissingFile { dir: dir.0.clone(), candidates: expected });
        assert!(e.to_string().contains("test-labels-idx1-ubyte.gz"), "{e}");
        Ok(())
    }

    #[test]
    fn label_counts_must_match_image_counts() -> Result<()> {
        let dir = TempDir::new("count")?;
        dir.write("train-images-idx3-ubyte", &images(3, 1, 1))?;
        dir.write("train-labels-idx1-ubyte", &labels(&[0, 1]))?;
        dir.write("test-images-idx3-ubyte", &images(1, 1, 1))?;
        dir.write("test-labels-idx1-ubyte", &labels(&[0]))?;
        let e = read_mnist_dir(&dir.0).unwrap_err();
        let path = dir.0.join("train-labels-idx1-ubyte");
        assert_eq!(e, Error::CountMismatch { images: 3, labels: 2 }.in_file(&path));
        Ok(())
    }

    #[test]
    fn test_images_must_have_the_training_size() -> Result<()> {
        let dir = TempDir::new("size")?;
        dir.write("train-images-idx3-ubyte", &images(1, 2, 2))?;
        dir.write("train-labels-idx1-ubyte", &labels(&[0]))?;
        dir.write("test-images-idx3-ubyte", &images(1, 3, 3))?;
        dir.write("test-labels-idx1-ubyte", &labels(&[0]))?;
        let e = read_mnist_dir(&dir.0).unwrap_err();
        let Error::File { error, .. } = e else { panic!("{e:?}") };
        assert!(matches!(*error, Error::ColumnMismatch { expected: 4, got: 9, .. }), "{error}");
        Ok(())
    }

    #[test]
    fn a_bad_file_is_named() -> Result<()> {
        let dir = TempDir::new("bad")?;
        dir.write("train-images-idx3-ubyte.gz", &labels(&[0]))?;
        dir.write("train-labels-idx1-ubyte", &labels(&[0]))?;
        dir.write("test-images-idx3-ubyte", &images(1, 1, 1))?;
        dir.write("test-labels-idx1-ubyte", &labels(&[0]))?;
        let e = read_mnist_dir(&dir.0).unwrap_err();
        let path = dir.0.join("train-images-idx3-ubyte.gz");
        assert_eq!(e, Error::BadMagic { what: "images", expected: 2051, found: 2049 }.in_file(&path));
        Ok(())
    }
}
