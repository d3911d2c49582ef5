//! The input preprocessing a model expects, stored with it.

use dendrite_tensor::{Matrix, resize};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How raw inputs become the network's inputs: `x' = (x − shift) / scale`.
///
/// A model applies it in `fit`, `evaluate` and `predict`, and saves it in its file, so that a
/// loaded model takes raw inputs (MNIST's pixel bytes, say) exactly as the trainer did.
///
/// # Example
/// ```
/// use dendrite_model::Preprocessing;
/// use dendrite_tensor::Matrix;
/// # fn main() -> dendrite_model::Result<()> {
/// let book = Preprocessing::book_pixels(); // (x − 127.5) / 127.5
/// let x = book.apply(&Matrix::from_row_slice(1, 3, &[0.0, 127.5, 255.0]))?.unwrap();
/// assert_eq!(x.as_slice(), &[-1.0, 0.0, 1.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Preprocessing {
    /// Inputs are used as they are.
    #[default]
    Identity,
    /// One shift and scale for every feature.
    Affine {
        /// Subtracted first.
        shift: f32,
        /// Divided by next.
        scale: f32,
    },
    /// A shift and a scale per feature (min-max scaling, standardization).
    PerFeature {
        /// Subtracted first, one per column.
        #[serde(deserialize_with = "dendrite_tensor::bounded::bounded_vec")]
        shift: Vec<f32>,
        /// Divided by next, one per column.
        #[serde(deserialize_with = "dendrite_tensor::bounded::bounded_vec")]
        scale: Vec<f32>,
    },
}

impl Preprocessing {
    /// The book's pixel scaling to [−1, 1]: `(x − 127.5) / 127.5`.
    #[must_use]
    pub fn book_pixels() -> Self {
        Preprocessing::Affine { shift: 127.5, scale: 127.5 }
    }

    /// Checks the parameters against a model's input width: finite values, non-zero scales,
    /// one value per column.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] naming what is wrong.
    pub fn validate(&self, width: usize) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidSetting(format!("preprocessing: {m}")));
        match self {
            Preprocessing::Identity => Ok(()),
            Preprocessing::Affine { shift, scale } => {
                if !shift.is_finite() || !scale.is_finite() || *scale == 0.0 {
                    return bad(format!(
                        "shift {shift} and scale {scale} must be finite, the scale non-zero"
                    ));
                }
                Ok(())
            }
            Preprocessing::PerFeature { shift, scale } => {
                if shift.len() != width || scale.len() != width {
                    return bad(format!(
                        "{} shifts and {} scales for {width} input columns",
                        shift.len(),
                        scale.len()
                    ));
                }
                if let Some(j) =
                    (0..width).find(|&j| !shift[j].is_finite() || !scale[j].is_finite() || scale[j] == 0.0)
                {
                    return bad(format!(
                        "column {j}: shift {} and scale {} must be finite, the scale non-zero",
                        shift[j], scale[j]
                    ));
                }
                Ok(())
            }
        }
    }

    /// The preprocessed copy of `x`, or `None` for [`Preprocessing::Identity`].
    ///
    /// # Errors
    /// [`Error::InvalidData`] when a per-feature preprocessing has another width than `x`.
    pub fn apply(&self, x: &Matrix) -> Result<Option<Matrix>> {
        if matches!(self, Preprocessing::Identity) {
            return Ok(None);
        }
        let mut out = Matrix::zeros(0, 0);
        self.apply_into(x, &mut out)?;
        Ok(Some(out))
    }

    /// `x` preprocessed into `out` (resized, reusing its buffer; a copy for
    /// [`Preprocessing::Identity`]).
    ///
    /// # Errors
    /// As [`Preprocessing::apply`].
    pub fn apply_into(&self, x: &Matrix, out: &mut Matrix) -> Result<()> {
        if let Preprocessing::PerFeature { shift, scale } = self
            && (shift.len() != x.ncols() || scale.len() != x.ncols())
        {
            return Err(Error::InvalidData(format!(
                "preprocessing for {} columns, inputs have {}",
                shift.len(),
                x.ncols()
            )));
        }
        resize(out, x.nrows(), x.ncols());
        match self {
            Preprocessing::Identity => out.copy_from(x),
            Preprocessing::Affine { shift, scale } => {
                let inv = 1.0 / scale;
                for (o, &v) in out.as_mut_slice().iter_mut().zip(x.as_slice()) {
                    *o = (v - shift) * inv;
                }
            }
            Preprocessing::PerFeature { shift, scale } => {
                let rows = x.nrows();
                if rows > 0 {
                    let cols = out.as_mut_slice().chunks_exact_mut(rows).zip(x.as_slice().chunks_exact(rows));
                    for (j, (o, v)) in cols.enumerate() {
                        let (s, inv) = (shift[j], 1.0 / scale[j]);
                        for (o, &v) in o.iter_mut().zip(v) {
                            *o = (v - s) * inv;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
