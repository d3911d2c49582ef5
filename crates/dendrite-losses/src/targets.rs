//! Ground-truth targets: class indices or value rows.

use dendrite_tensor::{Matrix, Shape};

use crate::{Error, Result};

/// The ground truth of a batch.
///
/// Classification takes sparse class indices ([`Targets::Classes`]) or one-hot rows
/// ([`Targets::Values`]); binary and regression losses take value rows of the predictions'
/// shape.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// One class index per sample.
    Classes(&'a [usize]),
    /// One row of values per sample: one-hot rows, binary labels or regression targets.
    Values(&'a Matrix),
}

impl<'a> From<&'a [usize]> for Targets<'a> {
    fn from(y: &'a [usize]) -> Self {
        Targets::Classes(y)
    }
}

impl<'a> From<&'a Vec<usize>> for Targets<'a> {
    fn from(y: &'a Vec<usize>) -> Self {
        Targets::Classes(y)
    }
}

impl<'a> From<&'a Matrix> for Targets<'a> {
    fn from(y: &'a Matrix) -> Self {
        Targets::Values(y)
    }
}

impl Targets<'_> {
    /// Number of samples.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Targets::Classes(y) => y.len(),
            Targets::Values(y) => y.nrows(),
        }
    }

    /// Whether there are no samples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the targets against predictions with `classes` columns and `samples` rows.
    ///
    /// # Errors
    /// [`Error::EmptyBatch`], [`Error::ShapeMismatch`] or [`Error::LabelOutOfRange`].
    pub fn check(&self, loss: &'static str, y_pred: &Matrix) -> Result<()> {
        let (samples, classes) = y_pred.shape();
        if samples == 0 {
            return Err(Error::EmptyBatch { loss });
        }
        match self {
            Targets::Classes(y) => {
                if y.len() != samples {
                    return Err(Error::ShapeMismatch {
                        loss,
                        expected: format!("{samples} labels"),
                        got: format!("{} labels", y.len()),
                    });
                }
                if let Some((sample, &label)) = y.iter().enumerate().find(|&(_, &l)| l >= classes) {
                    return Err(Error::LabelOutOfRange { loss, sample, label, classes });
                }
            }
            Targets::Values(y) => {
                if y.shape() != y_pred.shape() {
                    return Err(Error::ShapeMismatch {
                        loss,
                        expected: format!("targets of shape {}", Shape::of(y_pred)),
                        got: Shape::of(y).to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The value targets, or an error naming the loss that needs them.
    pub(crate) fn values(&self, loss: &'static str) -> Result<&Matrix> {
        match self {
            Targets::Values(y) => Ok(y),
            Targets::Classes(_) => Err(Error::WrongTargetKind { loss, expected: "value (matrix)" }),
        }
    }
}
