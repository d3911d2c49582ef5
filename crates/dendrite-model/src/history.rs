//! The per-epoch record of a training run.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::Result;

/// What one epoch of [`crate::Model::fit`] measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
///     learning_rate: 0.05, validation_loss: None, validation_accuracy: None,
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
