//! Binary cross-entropy.

use dendrite_tensor::{Matrix, resize};

use crate::loss::{clip, mean_of, rows_of};
use crate::{Loss, Result, Targets};

/// Binary cross-entropy for independent sigmoid outputs:
/// `−(y·ln ŷ + (1 − y)·ln(1 − ŷ))`, averaged over the outputs of a sample, then over samples.
///
/// Predictions are clipped to `[1e-7, 1 − 1e-7]` in both passes. Gradient:
/// `−(y / ŷ − (1 − y) / (1 − ŷ)) / outputs / samples`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BinaryCrossEntropy;

const NAME: &str = "binary cross-entropy";

impl Loss for BinaryCrossEntropy {
    fn name(&self) -> &'static str {
        NAME
    }

    fn forward(&self, y_pred: &Matrix, y_true: Targets<'_>) -> Result<f32> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        Ok(mean_of(y_pred, y, y_pred.ncols() as f64, |p, t| {
            let p = f64::from(clip(p as f32));
            -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
        }))
    }

    fn backward(&self, y_pred: &Matrix, y_true: Targets<'_>, dinputs: &mut Matrix) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        let (n, outputs) = y_pred.shape();
        resize(dinputs, n, outputs);
        let scale = 1.0 / (outputs as f32 * n as f32);
        for ((d, &p), &t) in dinputs.as_mut_slice().iter_mut().zip(y_pred.as_slice()).zip(y.as_slice()) {
            let p = clip(p);
            *d = -(t / p - (1.0 - t) / (1.0 - p)) * scale;
        }
        Ok(())
    }

    fn sample_losses(&self, y_pred: &Matrix, y_true: Targets<'_>, out: &mut Vec<f64>) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        rows_of(y_pred, y, y_pred.ncols() as f64, out, |p, t| {
            let p = f64::from(clip(p as f32));
            -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::loss::check::{check_loss, probabilities};

    #[test]
    fn gradient_check() {
        let p = probabilities();
        let y = Matrix::from_fn(4, 3, |i, j| ((i + j) % 2) as f32);
        check_loss(&BinaryCrossEntropy, &p, Targets::Values(&y));
    }

    #[test]
    fn class_indices_are_the_wrong_kind() {
        let p = Matrix::from_element(2, 1, 0.5);
        let err = BinaryCrossEntropy.forward(&p, Targets::Classes(&[0, 0])).unwrap_err();
        assert_eq!(err, Error::WrongTargetKind { loss: NAME, expected: "value (matrix)" });
    }
}
