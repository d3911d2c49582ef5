//! Numeric tables from CSV files: features, and optionally a label column.

use std::io::Read;
use std::path::Path;

use dendrite_tensor::Matrix;

use crate::csv_lines::LineTracker;
use crate::{Error, Result};

/// Cells quoted in errors are cut to this many characters.
const EXCERPT_CHARS: usize = 40;

/// The largest class index an `f32` label may hold: `f32` holds every integer up to 2²⁴.
const MAX_CLASS_LABEL: f32 = 16_777_216.0;

/// Which column of a CSV table holds the labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// The column at this 0-based index.
    Index(usize),
    /// The column of this name in the header (the first of that name).
    Name(String),
}

/// How to read a CSV table; `CsvOptions::default()` reads comma-separated values, detects a
/// header and has no label column.
///
/// # Example
/// ```
/// use dendrite_data::{CsvOptions, LabelColumn};
/// let options = CsvOptions { label: Some(LabelColumn::Name("species".into())), ..Default::default() };
/// assert_eq!((options.has_header, options.delimiter), (None, b','));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Whether the first row is a header: `Some(true)` or `Some(false)`, or `None` to detect it,
    /// a header being a first row none of whose cells is a number. Set it when the column names
    /// are numbers (a header `2019,2020` is detected as data) or when a first data row may have
    /// no number at all.
    pub has_header: Option<bool>,
    /// The column that holds the labels, or `None` when every column is a feature.
    pub label: Option<LabelColumn>,
    /// The field delimiter, `b','` by default.
    pub delimiter: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self { has_header: None, label: None, delimiter: b',' }
    }
}

/// A numeric table read from CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvData {
    /// The features: one row per data row, one column per column of the file except the label
    /// column.
    pub x: Matrix,
    /// The label column's values, one per row, when a label column was given. They are `f32`
    /// so that class indices and regression targets both fit; [`CsvData::class_labels`] gives
    /// class indices.
    pub labels: Option<Vec<f32>>,
    /// The names of `x`'s columns, in order (the label column's name left out), when the file
    /// has a header.
    pub header: Option<Vec<String>>,
}

impl CsvData {
    /// The labels as class indices.
    ///
    /// # Errors
    /// [`Error::InvalidLabel`] with the row for a label that is not a non-negative integer (at
    /// most 2²⁴); [`Error::InvalidArgument`] when there is no label column.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::{CsvOptions, LabelColumn, parse_csv};
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let options = CsvOptions { label: Some(LabelColumn::Index(2)), ..Default::default() };
    /// let data = parse_csv("0.5,1.5,2\n0.1,0.2,0\n".as_bytes(), &options)?;
    /// assert_eq!(data.class_labels()?, [2, 0]);
    /// let data = parse_csv("0.5,1.5,2.5\n".as_bytes(), &options)?;
    /// assert!(data.class_labels().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn class_labels(&self) -> Result<Vec<usize>> {
        let labels = self.labels.as_ref().ok_or_else(|| Error::InvalidArgument {
            op: "class_labels",
            reason: "the data has no label column".to_owned(),
        })?;
        labels
            .iter()
            .enumerate()
            .map(|(row, &value)| {
                if (0.0..=MAX_CLASS_LABEL).contains(&value) && value.fract() == 0.0 {
                    // A non-negative integer of at most 2^24: the conversion is exact.
                    Ok(value as usize)
                } else {
                    Err(Error::InvalidLabel { row, value })
                }
            })
            .collect()
    }
}

/// Reads a numeric CSV table from a file; see [`parse_csv`].
///
/// # Errors
/// [`Error::File`] with the path, wrapping [`Error::Io`] when the file cannot be opened or read,
/// or any error of [`parse_csv`].
///
/// # Example
/// ```no_run
/// use dendrite_data::{CsvOptions, LabelColumn, read_csv};
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let options = CsvOptions { label: Some(LabelColumn::Name("class".into())), ..Default::default() };
/// let data = read_csv("iris.csv", &options)?;
/// let y = data.class_labels()?;
/// assert_eq!(data.x.nrows(), y.len());
/// # Ok(())
/// # }
/// ```
pub fn read_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<CsvData> {
    let path = path.as_ref();
    std::fs::File::open(path)
        .map_err(Error::from)
        .and_then(|file| parse_csv(file, options))
        .map_err(|e| e.in_file(path))
}

/// Parses a numeric CSV table.
///
/// Every cell must be a finite number as Rust's `f32` parser reads it (`1`, `-2.5`, `3e-4`;
/// surrounding spaces are trimmed, and cells may be quoted); `nan`, `inf` and empty cells are
/// rejected. All rows must have as many fields as the first (the header when there is one).
/// Blank lines are skipped. The table is read row by row into memory proportional to its size.
///
/// # Errors
/// Line numbers are 1-based lines of the input (where the row starts), columns 1-based fields:
/// - [`Error::EmptyInput`] when there is no data row (no rows at all, or a header alone);
/// - [`Error::RaggedRow`] when a row has another number of fields than the first;
/// - [`Error::NonNumeric`] for a cell that is not a finite number, with its text (cut to 40
///   characters);
/// - [`Error::UnknownColumn`] when the label column is named but not in the header, and
///   [`Error::InvalidArgument`] when it is named and there is no header;
/// - [`Error::ColumnOutOfRange`] when the label column's index is past the last column;
/// - [`Error::Io`] or [`Error::Csv`] when the input cannot be read.
///
/// # Example
/// ```
/// use dendrite_data::{CsvOptions, Error, LabelColumn, parse_csv};
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let text = "height,weight,label\n1.8,80,1\n1.6,55,0\n";
/// let options = CsvOptions { label: Some(LabelColumn::Name("label".into())), ..Default::default() };
/// let data = parse_csv(text.as_bytes(), &options)?;
/// assert_eq!(data.x.shape(), (2, 2));
/// assert_eq!(data.x[(1, 1)], 55.0);
/// assert_eq!(data.labels, Some(vec![1.0, 0.0]));
/// assert_eq!(data.header, Some(vec!["height".to_owned(), "weight".to_owned()]));
///
/// let e = parse_csv("1,2\n3,?\n".as_bytes(), &CsvOptions::default()).unwrap_err();
/// assert!(matches!(e, Error::NonNumeric { line: 2, column: 2, .. }));
/// # Ok(())
/// # }
/// ```
pub fn parse_csv(reader: impl Read, options: &CsvOptions) -> Result<CsvData> {
    let mut chunks = CsvChunks::new(reader, options)?;
    let header = chunks.header.take();
    match chunks.next_chunk(usize::MAX)? {
        Some(data) => Ok(CsvData { header, ..data }),
        None => Err(Error::EmptyInput { reason: "a header but no data rows" }),
    }
}

/// A numeric CSV table read a chunk of rows at a time, so that a table of any length is
/// read in memory proportional to the chunk: what `dendrite predict` streams through. The
/// rules and errors are [`parse_csv`]'s, and so are the line numbers (of the whole input).
///
/// # Example
/// ```
/// use dendrite_data::{CsvChunks, CsvOptions};
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let text = "a,b\n1,2\n3,4\n5,6\n";
/// let mut chunks = CsvChunks::new(text.as_bytes(), &CsvOptions::default())?;
/// assert_eq!(chunks.header(), Some(&["a".to_owned(), "b".to_owned()][..]));
/// let first = chunks.next_chunk(2)?.unwrap();
/// assert_eq!(first.x.shape(), (2, 2));
/// let rest = chunks.next_chunk(2)?.unwrap();
/// assert_eq!(rest.x[(0, 1)], 6.0);
/// assert!(chunks.next_chunk(2)?.is_none());
/// # Ok(())
/// # }
/// ```
pub struct CsvChunks<R: Read> {
    csv: csv::Reader<LineTracker<R>>,
    record: csv::ByteRecord,
    /// The first record, when it is data and not yet returned.
    first: Option<(csv::ByteRecord, u64)>,
    header: Option<Vec<String>>,
    columns: usize,
    label: Option<usize>,
}

impl<R: Read> std::fmt::Debug for CsvChunks<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvChunks")
            .field("columns", &self.columns)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl CsvChunks<std::fs::File> {
    /// The table in the file at `path`.
    ///
    /// # Errors
    /// As [`CsvChunks::new`], each with the path ([`Error::File`]).
    pub fn open(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Self> {
        let path = path.as_ref();
        std::fs::File::open(path)
            .map_err(Error::from)
            .and_then(|file| Self::new(file, options))
            .map_err(|e| e.in_file(path))
    }
}

impl<R: Read> CsvChunks<R> {
    /// Reads the first row: the header (detected or as `options` say) or the first data row.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] when there are no rows; the label column's errors of
    /// [`parse_csv`]; [`Error::Io`] or [`Error::Csv`] when the input cannot be read.
    pub fn new(reader: R, options: &CsvOptions) -> Result<Self> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(options.delimiter)
            .trim(csv::Trim::All)
            .from_reader(LineTracker::new(reader));
        let mut record = csv::ByteRecord::new();
        if !csv.read_byte_record(&mut record).map_err(csv_error)? {
            return Err(Error::EmptyInput { reason: "no rows" });
        }
        let columns = record.len();
        let has_header =
            options.has_header.unwrap_or_else(|| record.iter().all(|cell| number(cell).is_none()));
        let names: Option<Vec<String>> = has_header
            .then(|| record.iter().map(|cell| String::from_utf8_lossy(cell).into_owned()).collect());
        let label = label_index(options.label.as_ref(), names.as_deref(), columns)?;
        let first = if has_header {
            None
        } else {
            let line = record_line(&mut csv, &record);
            Some((record.clone(), line))
        };
        let header = names.map(|mut names| {
            if let Some(i) = label {
                names.remove(i);
            }
            names
        });
        Ok(Self { csv, record, first, header, columns, label })
    }

    /// The names of the feature columns (the label column's left out), when there is a header.
    #[must_use]
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// The number of feature columns.
    #[must_use]
    pub fn features(&self) -> usize {
        self.columns - usize::from(self.label.is_some())
    }

    /// The next at most `max_rows` data rows (`header` left `None`), or `None` after the last.
    ///
    /// # Errors
    /// As [`parse_csv`], for the rows of this chunk.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<CsvData>> {
        let mut table = Table {
            columns: self.columns,
            label: self.label,
            values: Vec::new(),
            labels: Vec::new(),
            rows: 0,
        };
        if let Some((record, line)) = self.first.take() {
            table.push(&record, line)?;
        }
        while table.rows < max_rows && self.csv.read_byte_record(&mut self.record).map_err(csv_error)? {
            let line = record_line(&mut self.csv, &self.record);
            table.push(&self.record, line)?;
        }
        if table.rows == 0 {
            return Ok(None);
        }
        Ok(Some(CsvData {
            x: Matrix::from_row_slice(table.rows, self.features(), &table.values),
            labels: self.label.map(|_| table.labels),
            header: None,
        }))
    }
}

/// The rows read so far.
struct Table {
    /// Fields per row.
    columns: usize,
    /// The label column's index.
    label: Option<usize>,
    /// The features, row by row.
    values: Vec<f32>,
    /// The labels, when there is a label column.
    labels: Vec<f32>,
    /// Rows read.
    rows: usize,
}

impl Table {
    /// Checks and appends one data row, which starts at `line`.
    fn push(&mut self, record: &csv::ByteRecord, line: u64) -> Result<()> {
        if record.len() != self.columns {
            return Err(Error::RaggedRow { line, expected: self.columns, got: record.len() });
        }
        for (i, cell) in record.iter().enumerate() {
            let value =
                number(cell).ok_or_else(|| Error::NonNumeric { line, column: i + 1, cell: excerpt(cell) })?;
            if Some(i) == self.label {
                self.labels.push(value);
            } else {
                self.values.push(value);
            }
        }
        self.rows += 1;
        Ok(())
    }
}

/// The 1-based line where `record`, just read by `csv`, starts.
fn record_line<R: Read>(csv: &mut csv::Reader<LineTracker<R>>, record: &csv::ByteRecord) -> u64 {
    let position = record.position().map_or(0, csv::Position::byte);
    csv.get_mut().record_line(position)
}

/// The index of the label column among `columns`, if there is one.
fn label_index(
    label: Option<&LabelColumn>,
    names: Option<&[String]>,
    columns: usize,
) -> Result<Option<usize>> {
    match label {
        None => Ok(None),
        Some(&LabelColumn::Index(index)) if index < columns => Ok(Some(index)),
        Some(&LabelColumn::Index(index)) => Err(Error::ColumnOutOfRange { index, columns }),
        Some(LabelColumn::Name(name)) => {
            let names = names.ok_or_else(|| Error::InvalidArgument {
                op: "parse_csv",
                reason: format!("the label column is named {name:?} but the input has no header row"),
            })?;
            let index = names.iter().position(|n| n == name);
            index.map(Some).ok_or_else(|| Error::UnknownColumn { name: name.clone() })
        }
    }
}

/// The cell's value, if it is a finite number.
fn number(cell: &[u8]) -> Option<f32> {
    std::str::from_utf8(cell).ok()?.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// The cell's text for an error message, cut to [`EXCERPT_CHARS`] characters.
fn excerpt(cell: &[u8]) -> String {
    let text = String::from_utf8_lossy(cell);
    let mut chars = text.chars();
    let mut head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        head.push('…');
    }
    head
}

/// The `csv` crate's error as the crate's own.
fn csv_error(e: csv::Error) -> Error {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        _ => Error::Csv { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, options: &CsvOptions) -> Result<CsvData> {
        parse_csv(text.as_bytes(), options)
    }

    fn label(column: LabelColumn) -> CsvOptions {
        CsvOptions { label: Some(column), ..Default::default() }
    }

    fn names(names: &[&str]) -> Option<Vec<String>> {
        Some(names.iter().map(|&n| n.to_owned()).collect())
    }

    #[test]
    fn a_header_is_detected_and_kept() -> Result<()> {
        let data = parse("a,b,c\n1,2,3\n4,5,6\n", &CsvOptions::default())?;
        assert_eq!(data.header, names(&["a", "b", "c"]));
        assert_eq!(data.x, Matrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        assert_eq!(data.labels, None);
        // An empty name (pandas' index column) is no number either.
        assert_eq!(parse(",x\n0,1.5\n", &CsvOptions::default())?.header, names(&["", "x"]));
        Ok(())
    }

    #[test]
    fn without_a_header_every_row_is_data() -> Result<()> {
        let data = parse("1,2\n-3.5,4e2\n", &CsvOptions::default())?;
        assert_eq!(data.header, None);
        assert_eq!(data.x, Matrix::from_row_slice(2, 2, &[1.0, 2.0, -3.5, 400.0]));
        // Forced either way: numeric names, and a first row that must be data.
        let forced = CsvOptions { has_header: Some(true), ..Default::default() };
        let data = parse("2019,2020\n1,2\n", &forced)?;
        assert_eq!((data.header, data.x.shape()), (names(&["2019", "2020"]), (1, 2)));
        let forced = CsvOptions { has_header: Some(false), ..Default::default() };
        let e = parse("a,b\n1,2\n", &forced).unwrap_err();
        assert_eq!(e, Error::NonNumeric { line: 1, column: 1, cell: "a".to_owned() });
        Ok(())
    }

    #[test]
    fn label_by_name() -> Result<()> {
        let data = parse("x1,y,x2\n1,0,2\n3,1,4\n5,2,6\n", &label(LabelColumn::Name("y".into())))?;
        assert_eq!(data.x, Matrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        assert_eq!(data.labels, Some(vec![0.0, 1.0, 2.0]));
        assert_eq!(data.header, names(&["x1", "x2"]));
        assert_eq!(data.class_labels()?, [0, 1, 2]);
        Ok(())
    }

    #[test]
    fn label_by_index() -> Result<()> {
        let data = parse("0.5,1,2\n-1.25,3,4\n", &label(LabelColumn::Index(0)))?;
        assert_eq!(data.x, Matrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]));
        assert_eq!(data.labels, Some(vec![0.5, -1.25]));
        // The only column as label leaves no features.
        let data = parse("7\n8\n", &label(LabelColumn::Index(0)))?;
        assert_eq!((data.x.shape(), data.labels), ((2, 0), Some(vec![7.0, 8.0])));
        Ok(())
    }

    #[test]
    fn a_bad_label_column_is_an_error() {
        let e = parse("a,b\n1,2\n", &label(LabelColumn::Name("c".into()))).unwrap_err();
        assert_eq!(e, Error::UnknownColumn { name: "c".into() });
        let e = parse("1,2\n", &label(LabelColumn::Name("c".into()))).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
        let e = parse("1,2\n", &label(LabelColumn::Index(2))).unwrap_err();
        assert_eq!(e, Error::ColumnOutOfRange { index: 2, columns: 2 });
        assert_eq!(e.to_string(), "label column index 2 out of range: the table has 2 columns");
    }

    #[test]
    fn a_ragged_row_names_its_line() {
        let e = parse("a,b\n1,2\n\n3\n", &CsvOptions::default()).unwrap_err();
        // Line 3 is blank and skipped.
        assert_eq!(e, Error::RaggedRow { line: 4, expected: 2, got: 1 });
        assert_eq!(e.to_string(), "ragged CSV row at line 4: expected 2 fields, got 1");
        let e = parse("1,2\n3,4,5\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::RaggedRow { line: 2, expected: 2, got: 3 });
    }

    #[test]
    fn a_non_numeric_cell_names_its_line_and_column() {
        let e = parse("a,b,c\n1,2,3\n4,five,6\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::NonNumeric { line: 3, column: 2, cell: "five".to_owned() });
        assert_eq!(e.to_string(), "non-numeric cell at line 3, column 2: \"five\" is not a finite number");
        // Empty, infinite, NaN, non-UTF-8 and long cells.
        for (cell, shown) in
            [("", ""), ("inf", "inf"), ("NaN", "NaN"), ("1e39", "1e39"), ("\u{fffd}", "\u{fffd}")]
        {
            let e = parse(&format!("1,2\n3,{cell}\n"), &CsvOptions::default()).unwrap_err();
            assert_eq!(e, Error::NonNumeric { line: 2, column: 2, cell: shown.to_owned() }, "{cell:?}");
        }
        let e = parse_csv(&b"1\n\xff\n"[..], &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::NonNumeric { line: 2, column: 1, cell: "\u{fffd}".to_owned() });
        let long = "x".repeat(1_000);
        let e = parse(&format!("1\n{long}\n"), &CsvOptions::default()).unwrap_err();
        let Error::NonNumeric { cell, .. } = e else { panic!("{e:?}") };
        assert_eq!(cell, format!("{}…", "x".repeat(40)));
    }

    #[test]
    fn line_numbers_count_blank_lines_crlf_and_quoted_breaks() {
        // The `csv` crate's own positions would say line 2 here (see `csv_lines`).
        let e = parse("1,2\r\n\r\n3,x\r\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::NonNumeric { line: 3, column: 2, cell: "x".to_owned() });
        let e = parse("\n\na,b\n1,\"2\n\"\n3,4\n\n\n5\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::RaggedRow { line: 9, expected: 2, got: 1 });
    }

    #[test]
    fn empty_input_is_an_error() {
        let e = parse("", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::EmptyInput { reason: "no rows" });
        let e = parse("\n\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::EmptyInput { reason: "no rows" });
        let e = parse("a,b\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(e, Error::EmptyInput { reason: "a header but no data rows" });
    }

    #[test]
    fn delimiters_quotes_and_spaces() -> Result<()> {
        let options = CsvOptions { delimiter: b';', ..Default::default() };
        let data = parse("\"a\" ; b\n\"1.5\" ; 2 \r\n3;4", &options)?;
        assert_eq!(data.header, names(&["a", "b"]));
        assert_eq!(data.x, Matrix::from_row_slice(2, 2, &[1.5, 2.0, 3.0, 4.0]));
        Ok(())
    }

    #[test]
    fn class_labels_must_be_non_negative_integers() -> Result<()> {
        let data = |labels: Vec<f32>| CsvData {
            x: Matrix::zeros(labels.len(), 0),
            labels: Some(labels),
            header: None,
        };
        assert_eq!(data(vec![0.0, 3.0, 16_777_216.0]).class_labels()?, [0, 3, 16_777_216]);
        for (bad, row) in
            [(vec![1.0, 0.5], 1), (vec![-1.0], 0), (vec![2.0, 1.0, f32::NAN], 2), (vec![1e10], 0)]
        {
            let value = bad[row];
            let e = data(bad).class_labels().unwrap_err();
            let Error::InvalidLabel { row: r, value: v } = e else { panic!("{e:?}") };
            assert_eq!(r, row);
            assert_eq!(v.to_bits(), value.to_bits());
        }
        let none = CsvData { x: Matrix::zeros(1, 1), labels: None, header: None };
        assert!(matches!(none.class_labels(), Err(Error::InvalidArgument { .. })));
        Ok(())
    }

    #[test]
    fn chunks_read_the_table_parse_csv_reads_with_the_same_line_numbers() -> Result<()> {
        let text: String = std::iter::once("x,y,label\n".to_owned())
            .chain((0..10).map(|i| format!("{i},{},{}\n", i * 2, i % 3)))
            .collect();
        let options = label(LabelColumn::Name("label".into()));
        let whole = parse(&text, &options)?;
        let mut chunks = CsvChunks::new(text.as_bytes(), &options)?;
        assert_eq!(chunks.features(), 2);
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        while let Some(chunk) = chunks.next_chunk(3)? {
            assert!(chunk.x.nrows() <= 3);
            rows.extend(chunk.x.row_iter().map(|r| r.iter().copied().collect::<Vec<f32>>()));
            labels.extend(chunk.labels.unwrap_or_default());
        }
        let expected: Vec<Vec<f32>> = whole.x.row_iter().map(|r| r.iter().copied().collect()).collect();
        assert_eq!(rows, expected);
        assert_eq!(Some(labels), whole.labels);

        // A bad row in a later chunk names its line in the whole input.
        let bad = "1,2\n3,4\n5,6\n7,x\n";
        let mut chunks = CsvChunks::new(bad.as_bytes(), &CsvOptions::default())?;
        assert!(chunks.next_chunk(2)?.is_some());
        assert!(matches!(chunks.next_chunk(2), Err(Error::NonNumeric { line: 4, column: 2, .. })));
        Ok(())
    }

    #[test]
    fn file_errors_name_the_file() -> Result<()> {
        let e = read_csv("no/such/file.csv", &CsvOptions::default()).unwrap_err();
        let Error::File { path, error } = e else { panic!("{e:?}") };
        assert_eq!(path, Path::new("no/such/file.csv"));
        assert!(matches!(*error, Error::Io { kind: std::io::ErrorKind::NotFound, .. }));
        let path = std::env::temp_dir().join(format!("dendrite-data-{}-table.csv", std::process::id()));
        std::fs::write(&path, "a,b\n1,2\n")?;
        let read = read_csv(&path, &CsvOptions::default());
        std::fs::remove_file(&path)?;
        assert_eq!(read?.x, Matrix::from_row_slice(1, 2, &[1.0, 2.0]));
        Ok(())
    }
}
