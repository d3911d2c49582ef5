//! IDX files, the format of MNIST and Fashion-MNIST: images (`*-images-idx3-ubyte`) and labels
//! (`*-labels-idx1-ubyte`), plain or gzip-compressed.

use std::io::Read;
use std::path::Path;

use dendrite_tensor::Matrix;
use flate2::read::MultiGzDecoder;

use crate::{Error, Result};

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// At most this many bytes per compressed byte are reserved before decompressing; beyond that the
/// buffer grows only as decompressed data arrives. The published files compress by less than 6.
const GZIP_RESERVE_RATIO: usize = 16;

/// The longest header: a magic number and three dimensions.
const MAX_HEADER: usize = 16;

/// What an IDX file of one kind looks like: unsigned bytes (type code 0x08) in `dims` dimensions.
struct Layout {
    /// `"images"` or `"labels"`, for error messages.
    what: &'static str,
    /// `0x0000_08nn`: two zero bytes, the type code and the number of dimensions.
    magic: u32,
    /// Number of dimensions, the sample count first.
    dims: usize,
}

impl Layout {
    /// The header's length in bytes: the magic number and one big-endian `u32` per dimension.
    fn header_len(&self) -> usize {
        4 + 4 * self.dims
    }
}

const IMAGES: Layout = Layout { what: "images", magic: 2051, dims: 3 };
const LABELS: Layout = Layout { what: "labels", magic: 2049, dims: 1 };

/// The images of an IDX image file: `count` grey-scale images of `rows × cols` bytes.
///
/// The pixels are stored image after image, each row by row, as in the file. The fields are
/// private so that `pixels` always holds exactly `count · rows · cols` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    count: usize,
    rows: usize,
    cols: usize,
    pixels: Vec<u8>,
}

impl IdxImages {
    /// Number of images.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Rows of each image (28 for MNIST).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of each image (28 for MNIST).
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Pixels per image, `rows · cols`: the width of [`IdxImages::to_matrix`].
    #[must_use]
    pub fn pixels_per_image(&self) -> usize {
        // The product was checked when the header was read.
        self.rows * self.cols
    }

    /// All pixels, image after image, each row by row.
    #[must_use]
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixels of image `index`, row by row, or `None` past the last image.
    #[must_use]
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        let n = self.pixels_per_image();
        let start = index.checked_mul(n)?;
        self.pixels.get(start..start.checked_add(n)?)
    }

    /// The pixels, giving up the dimensions.
    #[must_use]
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }

    /// The images as a `count × (rows · cols)` matrix, one image per row, of the raw byte values
    /// `0.0..=255.0`; scale them with [`crate::Scaling`].
    ///
    /// # Example
    /// ```
    /// use dendrite_data::parse_idx_images;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// // Two 1×2 images: [0, 255] and [7, 9].
    /// let bytes = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255, 7, 9];
    /// let x = parse_idx_images(&bytes)?.to_matrix();
    /// assert_eq!(x.shape(), (2, 2));
    /// assert_eq!((x[(0, 1)], x[(1, 0)]), (255.0, 7.0));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn to_matrix(&self) -> Matrix {
        Matrix::from_row_iterator(
            self.count,
            self.pixels_per_image(),
            self.pixels.iter().map(|&p| f32::from(p)),
        )
    }

    /// Checks that `labels` has one label per image.
    ///
    /// # Errors
    /// [`Error::CountMismatch`] when the counts differ.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::parse_idx_images;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let images = parse_idx_images(&[0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 4, 5])?;
    /// images.check_labels(&[3, 1])?;
    /// assert!(images.check_labels(&[3]).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_labels(&self, labels: &[u8]) -> Result<()> {
        if labels.len() == self.count {
            Ok(())
        } else {
            Err(Error::CountMismatch { images: self.count, labels: labels.len() })
        }
    }
}

/// Reads an IDX image file (`*-images-idx3-ubyte`, plain or gzip-compressed).
///
/// See [`parse_idx_images`] for the format and the checks.
///
/// # Errors
/// [`Error::File`] with the path, wrapping [`Error::Io`] when the file cannot be read or any
/// error of [`parse_idx_images`].
///
/// # Example
/// ```no_run
/// use dendrite_data::read_idx_images;
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let images = read_idx_images("data/mnist/train-images-idx3-ubyte.gz")?;
/// assert_eq!((images.rows(), images.cols()), (28, 28));
/// # Ok(())
/// # }
/// ```
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<IdxImages> {
    let path = path.as_ref();
    std::fs::read(path)
        .map_err(Error::from)
        .and_then(|bytes| parse_idx_images(&bytes))
        .map_err(|e| e.in_file(path))
}

/// Parses the bytes of an IDX image file, plain or gzip-compressed.
///
/// The format: the magic number 2051 (`0x00000803`: unsigned bytes, three dimensions), then the
/// image count, rows and columns as big-endian `u32`, then `count · rows · cols` pixel bytes.
/// Gzip is recognized by its magic bytes `1f 8b`, whatever the file is called; concatenated gzip
/// members are read as one stream, as `gzip -d` reads them.
///
/// Bytes after the declared data are rejected ([`Error::TrailingData`]): a file longer than its
/// header says is damaged or not what it claims to be. Decompression stops one byte past the
/// declared data, so a gzip bomb costs at most that much memory, and the pixel buffer is never
/// reserved larger than the data present justifies.
///
/// # Errors
/// - [`Error::BadMagic`] when the magic number is not 2051 (2049 is a label file);
/// - [`Error::TruncatedHeader`] when there are fewer than 16 header bytes;
/// - [`Error::DimensionOverflow`] when `count · rows · cols` does not fit in a `usize`;
/// - [`Error::TruncatedData`] when there are fewer pixel bytes than declared;
/// - [`Error::TrailingData`] when there are more;
/// - [`Error::Gzip`] when a gzip stream is corrupt or truncated (its checksum is verified).
///
/// # Example
/// ```
/// use dendrite_data::{Error, parse_idx_images};
/// # fn main() -> Result<(), dendrite_data::Error> {
/// // One 2×2 image.
/// let images = parse_idx_images(&[0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4])?;
/// assert_eq!((images.count(), images.rows(), images.cols()), (1, 2, 2));
/// assert_eq!(images.pixels(), &[1, 2, 3, 4]);
/// // A label file is not an image file.
/// let labels = [0, 0, 8, 1, 0, 0, 0, 1, 5];
/// assert!(matches!(parse_idx_images(&labels), Err(Error::BadMagic { found: 2049, .. })));
/// # Ok(())
/// # }
/// ```
pub fn parse_idx_images(bytes: &[u8]) -> Result<IdxImages> {
    let (dims, pixels) = parse_idx(bytes, &IMAGES)?;
    let [count, rows, cols] = dims;
    Ok(IdxImages { count, rows, cols, pixels })
}

/// The images of an IDX image file (plain or gzip) read a chunk at a time, each image a row
/// of pixel values: an image file of any size is read in memory proportional to the chunk.
/// The checks are [`parse_idx_images`]'s; a truncated file or bytes after the declared
/// images are an error when the chunk that reaches them is read.
///
/// # Example
/// ```
/// use dendrite_data::IdxImageChunks;
/// # fn main() -> Result<(), dendrite_data::Error> {
/// // Three 1×2 images.
/// let bytes: &[u8] = &[0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6];
/// let mut chunks = IdxImageChunks::new(bytes)?;
/// assert_eq!((chunks.count(), chunks.pixels_per_image()), (3, 2));
/// assert_eq!(chunks.next_chunk(2)?.map(|x| x.shape()), Some((2, 2)));
/// assert_eq!(chunks.next_chunk(2)?.map(|x| x[(0, 1)]), Some(6.0));
/// assert!(chunks.next_chunk(2)?.is_none());
/// # Ok(())
/// # }
/// ```
pub struct IdxImageChunks<R: Read> {
    reader: R,
    count: usize,
    pixels_per_image: usize,
    /// Images read so far.
    done: usize,
    /// The pixel bytes of a chunk, reused.
    buffer: Vec<u8>,
}

impl<R: Read> std::fmt::Debug for IdxImageChunks<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdxImageChunks")
            .field("count", &self.count)
            .field("pixels_per_image", &self.pixels_per_image)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl IdxImageChunks<Box<dyn Read>> {
    /// The images of the file at `path`, plain or gzip (recognized by its magic bytes).
    ///
    /// # Errors
    /// As [`IdxImageChunks::new`], each with the path ([`Error::File`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let open = || -> Result<Self> {
            let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
            let gzip = std::io::BufRead::fill_buf(&mut file)?.starts_with(&GZIP_MAGIC);
            let reader: Box<dyn Read> =
                if gzip { Box::new(MultiGzDecoder::new(file)) } else { Box::new(file) };
            Self::new(reader)
        };
        open().map_err(|e| e.in_file(path))
    }
}

impl<R: Read> IdxImageChunks<R> {
    /// Reads the header of a plain (not compressed) stream of an IDX image file.
    ///
    /// # Errors
    /// [`Error::BadMagic`], [`Error::TruncatedHeader`] or [`Error::DimensionOverflow`] as
    /// [`parse_idx_images`]; [`Error::Io`] when the stream cannot be read.
    pub fn new(mut reader: R) -> Result<Self> {
        let mut header = [0u8; MAX_HEADER];
        let got = read_up_to(&mut reader, &mut header).map_err(|e| self::stream_error(e, &IMAGES))?;
        let ([count, rows, cols], _) = parse_header::<3>(&header[..got], &IMAGES)?;
        Ok(Self { reader, count, pixels_per_image: rows * cols, done: 0, buffer: Vec::new() })
    }

    /// The number of images the header declares.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Pixels per image: the width of each row of a chunk.
    #[must_use]
    pub fn pixels_per_image(&self) -> usize {
        self.pixels_per_image
    }

    /// The next at most `max_rows` images as rows of pixel values (`0.0` to `255.0`), or `None`
    /// after the last.
    ///
    /// # Errors
    /// [`Error::TruncatedData`] when the stream ends before the declared images,
    /// [`Error::TrailingData`] when bytes follow them, [`Error::Gzip`] or [`Error::Io`] when it
    /// cannot be read.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Matrix>> {
        let rows = max_rows.min(self.count - self.done);
        if rows == 0 {
            // Past the last image there must be nothing.
            let mut extra = [0u8; 1];
            if read_up_to(&mut self.reader, &mut extra).map_err(|e| stream_error(e, &IMAGES))? != 0 {
                let expected = self.count.saturating_mul(self.pixels_per_image);
                return Err(Error::TrailingData { what: IMAGES.what, expected });
            }
            return Ok(None);
        }
        let len = rows * self.pixels_per_image;
        self.buffer.resize(len, 0);
        let got = read_up_to(&mut self.reader, &mut self.buffer).map_err(|e| stream_error(e, &IMAGES))?;
        if got < len {
            let expected = self.count.saturating_mul(self.pixels_per_image);
            let before = self.done * self.pixels_per_image;
            return Err(Error::TruncatedData { what: IMAGES.what, expected, got: before + got });
        }
        self.done += rows;
        let pixels = self.pixels_per_image;
        Ok(Some(Matrix::from_fn(rows, pixels, |i, j| f32::from(self.buffer[i * pixels + j]))))
    }
}

/// A stream's error while reading an IDX file: the decompressor's, or plain I/O.
fn stream_error(e: std::io::Error, layout: &Layout) -> Error {
    if e.kind() == std::io::ErrorKind::InvalidData || e.kind() == std::io::ErrorKind::InvalidInput {
        gzip_error(e, layout)
    } else {
        Error::from(e)
    }
}

/// Reads an IDX label file (`*-labels-idx1-ubyte`, plain or gzip-compressed).
///
/// See [`parse_idx_labels`] for the format and the checks.
///
/// # Errors
/// [`Error::File`] with the path, wrapping [`Error::Io`] when the file cannot be read or any
/// error of [`parse_idx_labels`].
///
/// # Example
/// ```no_run
/// use dendrite_data::read_idx_labels;
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let labels = read_idx_labels("data/mnist/train-labels-idx1-ubyte.gz")?;
/// assert!(labels.iter().all(|&l| l <= 9));
/// # Ok(())
/// # }
/// ```
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path)
        .map_err(Error::from)
        .and_then(|bytes| parse_idx_labels(&bytes))
        .map_err(|e| e.in_file(path))
}

/// Parses the bytes of an IDX label file, plain or gzip-compressed.
///
/// The format: the magic number 2049 (`0x00000801`: unsigned bytes, one dimension), the label
/// count as a big-endian `u32`, then one byte per label. Gzip, trailing bytes and memory are
/// handled as by [`parse_idx_images`]. The values are not checked against a number of classes.
///
/// # Errors
/// - [`Error::BadMagic`] when the magic number is not 2049 (2051 is an image file);
/// - [`Error::TruncatedHeader`] when there are fewer than 8 header bytes;
/// - [`Error::TruncatedData`] when there are fewer labels than declared;
/// - [`Error::TrailingData`] when there are more;
/// - [`Error::Gzip`] when a gzip stream is corrupt or truncated.
///
/// # Example
/// ```
/// use dendrite_data::parse_idx_labels;
/// # fn main() -> Result<(), dendrite_data::Error> {
/// assert_eq!(parse_idx_labels(&[0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])?, [7, 2, 1]);
/// assert!(parse_idx_labels(&[0, 0, 8, 1, 0, 0, 0, 3, 7, 2]).is_err());
/// # Ok(())
/// # }
/// ```
pub fn parse_idx_labels(bytes: &[u8]) -> Result<Vec<u8>> {
    parse_idx::<1>(bytes, &LABELS).map(|(_, labels)| labels)
}

/// Parses an IDX file of `D` dimensions, plain or gzip: its dimensions and its data.
fn parse_idx<const D: usize>(bytes: &[u8], layout: &Layout) -> Result<([usize; D], Vec<u8>)> {
    debug_assert_eq!(D, layout.dims, "the layout's dimensions are the array's");
    if bytes.starts_with(&GZIP_MAGIC) {
        let reserve_limit = bytes.len().saturating_mul(GZIP_RESERVE_RATIO);
        read_idx(MultiGzDecoder::new(bytes), layout, reserve_limit)
            .map_err(|e| gzip_error(e, layout))
            .and_then(|r| r)
    } else {
        let header_len = layout.header_len().min(bytes.len());
        let (header, data) = bytes.split_at(header_len);
        let (dims, len) = parse_header::<D>(header, layout)?;
        check_len(data.len(), len, layout)?;
        Ok((dims, data.to_vec()))
    }
}

/// Reads an IDX file from a stream: the header, then at most one byte more than the data it
/// declares. The outer error is the stream's, the inner one the format's.
fn read_idx<const D: usize>(
    mut reader: impl Read,
    layout: &Layout,
    reserve_limit: usize,
) -> std::io::Result<Result<([usize; D], Vec<u8>)>> {
    let mut header = [0u8; MAX_HEADER];
    let header = &mut header[..layout.header_len()];
    let got = read_up_to(&mut reader, header)?;
    let (dims, len) = match parse_header::<D>(&header[..got], layout) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(e)),
    };
    let mut data = Vec::with_capacity(len.min(reserve_limit));
    let limit = u64::try_from(len).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_to_end(&mut data)?;
    Ok(check_len(data.len(), len, layout).map(|()| (dims, data)))
}

/// Fills `buf` from `reader` as far as the stream goes; returns the number of bytes read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Checks the magic number and the header's length; returns the dimensions and the number of
/// data bytes they declare.
fn parse_header<const D: usize>(header: &[u8], layout: &Layout) -> Result<([usize; D], usize)> {
    let word = |i: usize| -> Option<u32> {
        let bytes = header.get(4 * i..4 * i + 4)?;
        Some(u32::from_be_bytes(bytes.try_into().ok()?))
    };
    if let Some(found) = word(0)
        && found != layout.magic
    {
        return Err(Error::BadMagic { what: layout.what, expected: layout.magic, found });
    }
    let truncated =
        || Error::TruncatedHeader { what: layout.what, expected: layout.header_len(), got: header.len() };
    let mut raw = [0u32; D];
    for (i, d) in raw.iter_mut().enumerate() {
        *d = word(i + 1).ok_or_else(truncated)?;
    }
    // From the last dimension to the count, so that the pixels per image are checked even when
    // there are no images.
    let overflow = || Error::DimensionOverflow { what: layout.what, dims: raw.to_vec() };
    let mut dims = [0usize; D];
    let mut len = 1usize;
    for (d, &r) in dims.iter_mut().zip(&raw).rev() {
        *d = usize::try_from(r).map_err(|_| overflow())?;
        len = len.checked_mul(*d).ok_or_else(overflow)?;
    }
    Ok((dims, len))
}

/// Checks that there are exactly `expected` data bytes.
fn check_len(got: usize, expected: usize, layout: &Layout) -> Result<()> {
    match got.cmp(&expected) {
        std::cmp::Ordering::Less => Err(Error::TruncatedData { what: layout.what, expected, got }),
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(Error::TrailingData { what: layout.what, expected }),
    }
}

/// A decompressor's error.
fn gzip_error(e: std::io::Error, layout: &Layout) -> Error {
    Error::Gzip { what: layout.what, message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend(d.to_be_bytes());
        }
        bytes
    }

    fn images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
        let mut bytes = header(2051, &[count, rows, cols]);
        bytes.extend(pixels);
        bytes
    }

    fn labels(values: &[u8]) -> Vec<u8> {
        let mut bytes = header(2049, &[values.len() as u32]);
        bytes.extend(values);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes)?;
        Ok(encoder.finish()?)
    }

    #[test]
    fn plain_and_gzip_images_parse_alike() -> Result<()> {
        let pixels: Vec<u8> = (0..24).collect();
        let plain = images(2, 3, 4, &pixels);
        let a = parse_idx_images(&plain)?;
        assert_eq!(a, parse_idx_images(&gzip(&plain)?)?);
        assert_eq!((a.count(), a.rows(), a.cols(), a.pixels_per_image()), (2, 3, 4, 12));
        assert_eq!(a.image(1), Some(&pixels[12..]));
        assert_eq!(a.image(2), None);
        assert_eq!(a.image(usize::MAX), None);
        let x = a.to_matrix();
        assert_eq!(x.shape(), (2, 12));
        // Image 1, row 2, column 3: pixel 12 + 2·4 + 3.
        assert_eq!(x[(1, 2 * 4 + 3)], 23.0);
        assert_eq!(a.into_pixels(), pixels);
        Ok(())
    }

    #[test]
    fn chunks_read_the_images_plain_and_gzip_and_check_the_length() -> Result<()> {
        let pixels: Vec<u8> = (0..60).collect();
        let plain = images(5, 3, 4, &pixels);
        let whole = parse_idx_images(&plain)?.to_matrix();
        for bytes in [plain.clone(), gzip(&plain)?] {
            let dir = std::env::temp_dir().join(format!("dendrite-idx-chunks-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("images-idx3-ubyte");
            std::fs::write(&path, &bytes)?;
            let mut chunks = IdxImageChunks::open(&path)?;
            let mut rows = Vec::new();
            while let Some(x) = chunks.next_chunk(2)? {
                rows.extend(x.row_iter().map(|r| r.iter().copied().collect::<Vec<f32>>()));
            }
            let expected: Vec<Vec<f32>> = whole.row_iter().map(|r| r.iter().copied().collect()).collect();
            assert_eq!(rows, expected);
            std::fs::remove_dir_all(&dir)?;
        }
        // Truncated in the third chunk; a byte too many after the last.
        let mut short = IdxImageChunks::new(&plain[..plain.len() - 3])?;
        assert!(short.next_chunk(2)?.is_some() && short.next_chunk(2)?.is_some());
        assert!(matches!(short.next_chunk(2), Err(Error::TruncatedData { got: 57, expected: 60, .. })));
        let mut long = plain.clone();
        long.push(0);
        let mut long = IdxImageChunks::new(long.as_slice())?;
        assert_eq!(long.next_chunk(4)?.map(|x| x.nrows()), Some(4));
        assert_eq!(long.next_chunk(4)?.map(|x| x.nrows()), Some(1));
        assert!(matches!(long.next_chunk(4), Err(Error::TrailingData { expected: 60, .. })));
        assert!(matches!(IdxImageChunks::new(labels(&[1, 2]).as_slice()), Err(Error::BadMagic { .. })));
        Ok(())
    }

    #[test]
    fn plain_and_gzip_labels_parse_alike() -> Result<()> {
        let plain = labels(&[3, 1, 4, 1, 5]);
        assert_eq!(parse_idx_labels(&plain)?, [3, 1, 4, 1, 5]);
        assert_eq!(parse_idx_labels(&gzip(&plain)?)?, [3, 1, 4, 1, 5]);
        // Concatenated gzip members are one stream.
        let mut two = gzip(&plain[..6])?;
        two.extend(gzip(&plain[6..])?);
        assert_eq!(parse_idx_labels(&two)?, [3, 1, 4, 1, 5]);
        Ok(())
    }

    #[test]
    fn empty_sets_are_valid() -> Result<()> {
        let none = parse_idx_images(&images(0, 28, 28, &[]))?;
        assert_eq!(none.to_matrix().shape(), (0, 784));
        assert!(parse_idx_labels(&labels(&[]))?.is_empty());
        Ok(())
    }

    #[test]
    fn wrong_magic_names_both_numbers() -> Result<()> {
        let label_file = labels(&[1, 2]);
        for bytes in [label_file.clone(), gzip(&label_file)?] {
            let e = parse_idx_images(&bytes).unwrap_err();
            assert_eq!(e, Error::BadMagic { what: "images", expected: 2051, found: 2049 });
            let text = e.to_string();
            assert!(text.contains("2049") && text.contains("2051"), "{text}");
        }
        let e = parse_idx_labels(&images(1, 1, 1, &[0])).unwrap_err();
        assert_eq!(e, Error::BadMagic { what: "labels", expected: 2049, found: 2051 });
        // A PNG is not an IDX file either; the magic is checked before the header's length.
        let e = parse_idx_images(b"\x89PNG\r\n").unwrap_err();
        assert!(matches!(e, Error::BadMagic { found: 0x8950_4e47, .. }), "{e}");
        Ok(())
    }

    #[test]
    fn truncated_headers() -> Result<()> {
        let full = images(1, 1, 1, &[0]);
        for cut in [0, 3, 4, 15] {
            let e = parse_idx_images(&full[..cut]).unwrap_err();
            assert_eq!(e, Error::TruncatedHeader { what: "images", expected: 16, got: cut }, "cut {cut}");
            assert_eq!(parse_idx_images(&gzip(&full[..cut])?).unwrap_err(), e);
        }
        let e = parse_idx_labels(&labels(&[1])[..7]).unwrap_err();
        assert_eq!(e, Error::TruncatedHeader { what: "labels", expected: 8, got: 7 });
        Ok(())
    }

    #[test]
    fn overflowing_dimensions() -> Result<()> {
        let bytes = images(u32::MAX, u32::MAX, u32::MAX, &[]);
        for bytes in [bytes.clone(), gzip(&bytes)?] {
            let e = parse_idx_images(&bytes).unwrap_err();
            assert_eq!(e, Error::DimensionOverflow { what: "images", dims: vec![u32::MAX; 3] });
        }
        Ok(())
    }

    #[test]
    fn data_shorter_than_declared() -> Result<()> {
        // A header that declares 60,000 images over 784 pixels of data, and one that declares
        // 2^48 bytes: neither allocates what it declares.
        for (count, rows, cols) in [(60_000, 28, 28), (u32::MAX, 65_535, 1)] {
            let bytes = images(count, rows, cols, &[7; 784]);
            let expected = count as usize * rows as usize * cols as usize;
            let e = Error::TruncatedData { what: "images", expected, got: 784 };
            assert_eq!(parse_idx_images(&bytes).unwrap_err(), e);
            assert_eq!(parse_idx_images(&gzip(&bytes)?).unwrap_err(), e);
        }
        let mut short = labels(&[1, 2, 3]);
        short.pop();
        assert_eq!(
            parse_idx_labels(&short).unwrap_err(),
            Error::TruncatedData { what: "labels", expected: 3, got: 2 }
        );
        Ok(())
    }

    #[test]
    fn trailing_data_is_rejected() -> Result<()> {
        let mut long = images(1, 2, 2, &[1, 2, 3, 4]);
        long.push(0);
        let e = Error::TrailingData { what: "images", expected: 4 };
        assert_eq!(parse_idx_images(&long).unwrap_err(), e);
        assert_eq!(parse_idx_images(&gzip(&long)?).unwrap_err(), e);
        // Bytes after the gzip stream that are not gzip.
        let mut after = gzip(&labels(&[1, 2]))?;
        after.extend(b"garbage");
        assert!(matches!(parse_idx_labels(&after), Err(Error::Gzip { what: "labels", .. })));
        Ok(())
    }

    #[test]
    fn decompression_stops_past_the_declared_data() -> Result<()> {
        // An endless stream after a header that declares 4 bytes: reading stops at the fifth.
        let head = images(1, 2, 2, &[]);
        let endless = head.as_slice().chain(std::io::repeat(0));
        let e = read_idx::<3>(endless, &IMAGES, 0)?.unwrap_err();
        assert_eq!(e, Error::TrailingData { what: "images", expected: 4 });
        // A gzip bomb: 64 MiB of zeros (64 KiB compressed) behind the same header.
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&head)?;
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            encoder.write_all(&zeros)?;
        }
        let bomb = encoder.finish()?;
        assert!(bomb.len() < 1 << 18, "{}", bomb.len());
        assert_eq!(parse_idx_images(&bomb).unwrap_err(), e);
        Ok(())
    }

    #[test]
    fn corrupt_gzip_streams() -> Result<()> {
        let packed = gzip(&images(2, 3, 4, &[9; 24]))?;
        // Cut short.
        let e = parse_idx_images(&packed[..packed.len() - 6]).unwrap_err();
        assert!(matches!(e, Error::Gzip { what: "images", .. }), "{e}");
        // A flipped bit in the CRC-32 trailer.
        let mut flipped = packed.clone();
        let crc = flipped.len() - 8;
        flipped[crc] ^= 1;
        assert!(matches!(parse_idx_images(&flipped), Err(Error::Gzip { .. })));
        // Only the magic bytes.
        assert!(matches!(parse_idx_images(&GZIP_MAGIC), Err(Error::Gzip { .. })));
        Ok(())
    }

    #[test]
    fn labels_must_match_the_images() -> Result<()> {
        let images = parse_idx_images(&images(3, 1, 1, &[0, 1, 2]))?;
        images.check_labels(&[0, 0, 0])?;
        let e = images.check_labels(&[0, 0]).unwrap_err();
        assert_eq!(e, Error::CountMismatch { images: 3, labels: 2 });
        assert_eq!(e.to_string(), "3 images but 2 labels");
        Ok(())
    }

    #[test]
    fn file_errors_name_the_file() {
        let path = Path::new("no/such/dir/train-images-idx3-ubyte.gz");
        let e = read_idx_images(path).unwrap_err();
        let Error::File { path: p, error } = &e else { panic!("{e:?}") };
        assert_eq!(p, path);
        assert!(matches!(**error, Error::Io { kind: std::io::ErrorKind::NotFound, .. }), "{e}");
        assert!(e.to_string().starts_with("no/such/dir/train-images-idx3-ubyte.gz: i/o error"), "{e}");
        assert!(matches!(read_idx_labels(path), Err(Error::File { .. })));
    }
}
