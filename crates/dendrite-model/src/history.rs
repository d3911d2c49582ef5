//! The per-epoch record of a training run.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::Result;

/// What one epoch of [`crate::Model::fit`] measured.
///
/// The validation's precision, recall and F1 are macro averages over the classes (every class
/// counts the same, as scikit-learn's `average="macro"`), for classifiers on class targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// The epoch's number as the printout gives it (from 0 in full-batch training, as the
    /// book's early chapters count; from 1 with batches, as its model chapter counts).
    pub epoch: usize,
    /// Data loss plus regularization loss.
    pub loss: f64,
    /// The mean data loss over the epoch's samples.
    pub data_loss: f64,
    /// The regularization penalty.
    pub regularization_loss: f64,
    /// The accuracy over the epoch's samples.
    pub accuracy: f64,
    /// The optimizer's learning rate at the end of the epoch.
    pub learning_rate: f64,
    /// The validation loss, when validation ran after this epoch.
    pub validation_loss: Option<f64>,
    /// The validation accuracy, when validation ran after this epoch.
    pub validation_accuracy: Option<f64>,
    /// The validation's macro-averaged precision.
    #[serde(default)]
    pub validation_precision: Option<f64>,
    /// The validation's macro-averaged recall.
    #[serde(default)]
    pub validation_recall: Option<f64>,
    /// The validation's macro-averaged F1.
    #[serde(default)]
    pub validation_f1: Option<f64>,
}

/// The records of a training run, one per epoch, writable as CSV and JSON.
///
/// # Example
/// ```
/// use dendrite_model::{EpochRecord, History};
/// # fn main() -> dendrite_model::Result<()> {
/// let mut history = History::default();
/// history.epochs.push(EpochRecord {
///     epoch: 0, loss: 1.1, data_loss: 1.0, regularization_loss: 0.1, accuracy: 0.4,
///     learning_rate: 0.05, ..EpochRecord::default()
/// });
/// let mut csv = Vec::new();
/// history.write_csv(&mut csv)?;
/// assert_eq!(History::read_csv(csv.as_slice())?, history);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One record per completed epoch, in order.
    pub epochs: Vec<EpochRecord>,
}

impl History {
    /// The last record, if any epoch completed.
    #[must_use]
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// Writes the records as CSV with a header row; a missing validation value is an empty cell
    /// (feature `csv`).
    ///
    /// # Errors
    /// [`crate::Error::Csv`] when writing fails.
    #[cfg(feature = "csv")]
    pub fn write_csv<W: Write>(&self, writer: W) -> Result<()> {
        let mut w = csv::Writer::from_writer(writer);
        for record in &self.epochs {
            w.serialize(record)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Reads records written by [`History::write_csv`] (feature `csv`).
    ///
    /// # Errors
    /// [`crate::Error::Csv`] for unreadable or malformed CSV.
    #[cfg(feature = "csv")]
    pub fn read_csv<R: Read>(reader: R) -> Result<Self> {
        let mut r = csv::Reader::from_reader(reader);
        let epochs = r.deserialize().collect::<Result<Vec<EpochRecord>, csv::Error>>()?;
        Ok(Self { epochs })
    }

    /// Writes the records as a JSON object `{"epochs": [...]}`.
    ///
    /// # Errors
    /// [`crate::Error::Json`] when writing fails.
    pub fn write_json<W: Write>(&self, writer: W) -> Result<()> {
        serde_json::to_writer_pretty(writer, self)?;
        Ok(())
    }

    /// Reads records written by [`History::write_json`].
    ///
    /// # Errors
    /// [`crate::Error::Json`] for unreadable or malformed JSON.
    pub fn read_json<R: Read>(reader: R) -> Result<Self> {
        Ok(serde_json::from_reader(reader)?)
    }
}

/// Writes each epoch's record to a CSV file as the epoch ends (the format of
/// [`History::write_csv`], which [`History::read_csv`] reads), flushed every epoch: the file
/// holds every finished epoch even when training fails later (feature `csv`).
///
/// # Example
/// ```
/// use dendrite_model::{CsvLogger, FitOptions, History, LossKind, Matrix, Model, Report};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("dendrite-csv-logger-doc-{}.csv", std::process::id()));
/// let mut model = Model::builder(2).dense(4).relu().dense(2).softmax()
///     .loss(LossKind::CategoricalCrossEntropy).build()?;
/// let x = Matrix::from_row_slice(4, 2, &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
/// let y = vec![0, 1, 1, 0];
/// let hook = CsvLogger::create(&path)?.into_hook();
/// let history = model.fit(&x, (&y).into(), FitOptions { epochs: 3, on_epoch_end: Some(hook), report: Report::Quiet, ..FitOptions::default() })?;
/// assert_eq!(History::read_csv(std::fs::File::open(&path)?)?, history);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "csv")]
pub struct CsvLogger {
    writer: csv::Writer<std::fs::File>,
}

#[cfg(feature = "csv")]
impl std::fmt::Debug for CsvLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvLogger").finish_non_exhaustive()
    }
}

#[cfg(feature = "csv")]
impl CsvLogger {
    /// A logger writing to a new file at `path` (an existing file is replaced).
    ///
    /// # Errors
    /// [`crate::Error::Io`] when the file cannot be created.
    pub fn create(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(Self { writer: csv::Writer::from_writer(std::fs::File::create(path)?) })
    }

    /// Writes one record and flushes it to the file.
    ///
    /// # Errors
    /// [`crate::Error::Csv`] or [`crate::Error::Io`] when writing fails.
    pub fn log(&mut self, record: &EpochRecord) -> Result<()> {
        self.writer.serialize(record)?;
        self.writer.flush()?;
        Ok(())
    }

    /// The logger as `fit`'s end-of-epoch hook.
    #[must_use]
    pub fn into_hook<'a>(mut self) -> crate::EpochHook<'a> {
        Box::new(move |_, record| {
            self.log(record)?;
            Ok(crate::Flow::Continue)
        })
    }
}
