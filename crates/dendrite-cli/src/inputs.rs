//! Reading inputs and labels from CSV or IDX files.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dendrite_data::{CsvChunks, CsvOptions, IdxImageChunks, read_csv, read_idx_images, read_idx_labels};
use dendrite_tensor::Matrix;
use flate2::read::MultiGzDecoder;

use crate::{CliError, CliResult};

/// The raw features of an input file (CSV rows, or IDX images as rows of pixel values), read a
/// chunk of rows at a time, with the number of the file's bytes read so far.
pub(crate) struct InputChunks {
    path: PathBuf,
    source: Source,
    read: Arc<AtomicU64>,
    size: u64,
}

enum Source {
    Csv(Box<CsvChunks<Counting>>),
    Idx(IdxImageChunks<Box<dyn Read>>),
}

/// A file that counts the bytes read from it.
struct Counting {
    file: File,
    read: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl InputChunks {
    /// Opens `path`: IDX images by the file's name (plain or gzip by its first bytes), CSV
    /// otherwise (a header is detected).
    pub(crate) fn open(path: &Path) -> CliResult<Self> {
        let data_error = CliError::data(path);
        let file = File::open(path).map_err(|e| CliError::data(path)(e.into()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let read = Arc::new(AtomicU64::new(0));
        let counting = Counting { file, read: Arc::clone(&read) };
        let source = if is_idx(path) {
            let mut buffered = BufReader::new(counting);
            let gzip =
                buffered.fill_buf().map_err(|e| CliError::data(path)(e.into()))?.starts_with(&[0x1f, 0x8b]);
            let reader: Box<dyn Read> =
                if gzip { Box::new(MultiGzDecoder::new(buffered)) } else { Box::new(buffered) };
            Source::Idx(IdxImageChunks::new(reader).map_err(data_error)?)
        } else {
            Source::Csv(Box::new(CsvChunks::new(counting, &CsvOptions::default()).map_err(data_error)?))
        };
        Ok(Self { path: path.to_owned(), source, read, size })
    }

    /// The next at most `max_rows` rows, or `None` after the last.
    pub(crate) fn next_chunk(&mut self, max_rows: usize) -> CliResult<Option<Matrix>> {
        let chunk = match &mut self.source {
            Source::Csv(chunks) => chunks.next_chunk(max_rows).map(|c| c.map(|c| c.x)),
            Source::Idx(chunks) => chunks.next_chunk(max_rows),
        };
        chunk.map_err(CliError::data(&self.path))
    }

    /// The file's size in bytes.
    pub(crate) fn progress_total(&self) -> u64 {
        self.size
    }

    /// Bytes of the file read so far.
    pub(crate) fn progress(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

/// Whether a file is an IDX file, by its name (`…-ubyte`, `….idx3`, optionally `.gz`).
fn is_idx(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with("ubyte") || name.contains(".idx") || name.ends_with(".idx1") || name.ends_with(".idx3")
}

/// Raw features, whole: CSV rows (a header is detected), or IDX images as rows of pixel
/// values.
pub(crate) fn read_inputs(path: &Path) -> CliResult<Matrix> {
    if is_idx(path) {
        Ok(read_idx_images(path).map_err(CliError::data(path))?.to_matrix())
    } else {
        Ok(read_csv(path, &CsvOptions::default()).map_err(CliError::data(path))?.x)
    }
}

/// Labels as a matrix of values, one row per sample: IDX labels (one class per row) or CSV.
pub(crate) fn read_labels(path: &Path) -> CliResult<Matrix> {
    if is_idx(path) {
        let labels = read_idx_labels(path).map_err(CliError::data(path))?;
        Ok(Matrix::from_iterator(labels.len(), 1, labels.iter().map(|&l| f32::from(l))))
    } else {
        Ok(read_csv(path, &CsvOptions::default()).map_err(CliError::data(path))?.x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_idx_names() {
        assert!(is_idx(Path::new("t10k-images-idx3-ubyte.gz")));
        assert!(is_idx(Path::new("data/train-labels-idx1-ubyte")));
        assert!(!is_idx(Path::new("inputs.csv")));
    }
}
