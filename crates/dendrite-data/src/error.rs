//! The data crate's error type.

use std::path::PathBuf;

/// What can go wrong when generating, reading, splitting or scaling data.
///
/// The enum is `Clone` and `PartialEq` so that tests can compare errors; errors of the standard
/// library and of the `csv` and `flate2` crates, which are neither, are kept as their kind and
/// message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A probability that is NaN or outside `[0, 1]`.
    #[error("invalid probability in {op}: {p} is not in [0, 1]")]
    InvalidProbability {
        /// The operation that rejected the probability.
        op: &'static str,
        /// The probability it was given.
        p: f64,
    },
    /// An argument outside its valid range.
    #[error("invalid argument to {op}: {reason}")]
    InvalidArgument {
        /// The operation that rejected the argument.
        op: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// An error that occurred while reading a file: `error`, with the file's path.
    #[error("{}: {error}", path.display())]
    File {
        /// The file being read.
        path: PathBuf,
        /// What went wrong.
        error: Box<Error>,
    },
    /// None of the names a data set's file may have exists in its directory.
    #[error("missing file in {}: none of {} exists", dir.display(), candidates.join(", "))]
    MissingFile {
        /// The directory searched.
        dir: PathBuf,
        /// The file names looked for, in order of preference.
        candidates: Vec<String>,
    },
    /// An input/output error.
    #[error("i/o error: {message}")]
    Io {
        /// The kind of the underlying [`std::io::Error`].
        kind: std::io::ErrorKind,
        /// Its message.
        message: String,
    },
    /// A gzip stream that does not decompress: corrupt, truncated, or followed by bytes that are
    /// not gzip.
    #[error("corrupt or truncated gzip stream in IDX {what} file: {message}")]
    Gzip {
        /// `"images"` or `"labels"`.
        what: &'static str,
        /// The decompressor's message.
        message: String,
    },
    /// An IDX file whose magic number is not the one its kind has (2051 for images, 2049 for
    /// labels).
    #[error(
        "not an IDX {what} file: magic number {found} (0x{found:08x}), expected {expected} (0x{expected:08x})"
    )]
    BadMagic {
        /// `"images"` or `"labels"`.
        what: &'static str,
        /// The magic number the kind of file has.
        expected: u32,
        /// The first four bytes of the file, big-endian.
        found: u32,
    },
    /// An IDX file shorter than its header.
    #[error("truncated IDX {what} header: {got} bytes, expected {expected}")]
    TruncatedHeader {
        /// `"images"` or `"labels"`.
        what: &'static str,
        /// The header's length in bytes.
        expected: usize,
        /// The bytes there were.
        got: usize,
    },
    /// IDX dimensions whose product does not fit in a `usize`.
    #[error("IDX {what} dimensions {dims:?} overflow: their product does not fit in memory")]
    DimensionOverflow {
        /// `"images"` or `"labels"`.
        what: &'static str,
        /// The dimensions in the header (count first).
        dims: Vec<u32>,
    },
    /// IDX data shorter than its header declares.
    #[error("truncated IDX {what} data: the header declares {expected} bytes, found {got}")]
    TruncatedData {
        /// `"images"` or `"labels"`.
        what: &'static str,
        /// The data bytes the header declares.
        expected: usize,
        /// The data bytes there were.
        got: usize,
    },
    /// Bytes after the data an IDX header declares.
    #[error("trailing data in IDX {what} file: more than the {expected} data bytes its header declares")]
    TrailingData {
        /// `"images"` or `"labels"`.
        what: &'static str,
        /// The data bytes the header declares.
        expected: usize,
    },
    /// An image file and a label file with different numbers of samples.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// CSV that the `csv` crate cannot read.
    #[error("malformed CSV: {message}")]
    Csv {
        /// The `csv` crate's message.
        message: String,
    },
    /// CSV input without data rows.
    #[error("empty CSV input: {reason}")]
    EmptyInput {
        /// What was found instead: no rows at all, or a header alone.
        reason: &'static str,
    },
    /// A CSV row with another number of fields than the first row.
    #[error("ragged CSV row at line {line}: expected {expected} fields, got {got}")]
    RaggedRow {
        /// The 1-based line where the row starts.
        line: u64,
        /// The number of fields of the first row.
        expected: usize,
        /// The number of fields of this row.
        got: usize,
    },
    /// A CSV cell that is not a finite number.
    #[error("non-numeric cell at line {line}, column {column}: {cell:?} is not a finite number")]
    NonNumeric {
        /// The 1-based line of the cell's row.
        line: u64,
        /// The 1-based column of the cell.
        column: usize,
        /// The cell's text, truncated to 40 characters.
        cell: String,
    },
    /// A label column named by a name the header does not have.
    #[error("label column {name:?} is not in the header")]
    UnknownColumn {
        /// The name asked for.
        name: String,
    },
    /// A label column index past the last column.
    #[error("label column index {index} out of range: the table has {columns} columns")]
    ColumnOutOfRange {
        /// The 0-based index asked for.
        index: usize,
        /// The number of columns.
        columns: usize,
    },
    /// A label that is not a class index (a non-negative integer below 2²⁴, where `f32` still
    /// holds every integer).
    #[error("label {value} in row {row} is not a class index (a non-negative integer)")]
    InvalidLabel {
        /// The 0-based data row (the row of the feature matrix).
        row: usize,
        /// The label.
        value: f32,
    },
    /// Features and targets with different numbers of rows.
    #[error("{op}: {rows} rows of features but {targets} targets")]
    LengthMismatch {
        /// The operation that found the mismatch.
        op: &'static str,
        /// Rows of the feature matrix.
        rows: usize,
        /// Number of targets.
        targets: usize,
    },
    /// A matrix with another number of columns than a fitted transform expects.
    #[error("{op}: expected {expected} columns, got {got}")]
    ColumnMismatch {
        /// The operation that found the mismatch.
        op: &'static str,
        /// The columns the transform was fitted on.
        expected: usize,
        /// The columns of the matrix.
        got: usize,
    },
}

impl Error {
    /// Wraps `self` with the path of the file being read.
    pub(crate) fn in_file(self, path: &std::path::Path) -> Self {
        Error::File { path: path.to_path_buf(), error: Box::new(self) }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io { kind: e.kind(), message: e.to_string() }
    }
}

/// Result with the data crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
