//! Mean squared error.

use dendrite_tensor::{Matrix, resize};

use crate::loss::{mean_of, rows_of};
use crate::{Loss, Result, Targets};

/// Mean squared error: `(y − ŷ)²` averaged over outputs, then samples; gradient
/// `−2(y − ŷ) / outputs / samples`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mse;

const NAME: &str = "mean squared error";

impl Loss for Mse {
    fn name(&self) -> &'static str {
        NAME
    }

    fn forward(&self, y_pred: &Matrix, y_true: Targets<'_>) -> Result<f32> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        Ok(mean_of(y_pred, y, y_pred.ncols() as f64, |p, t| (t - p) * (t - p)))
    }

    fn backward(&self, y_pred: &Matrix, y_true: Targets<'_>, dinputs: &mut Matrix) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        let (n, outputs) = y_pred.shape();
        resize(dinputs, n, outputs);
        let scale = -2.0 / (outputs as f32 * n as f32);
        for ((d, &p), &t) in dinputs.as_mut_slice().iter_mut().zip(y_pred.as_slice()).zip(y.as_slice()) {
            *d = (t - p) * scale;
        }
        Ok(())
    }

    fn sample_losses(&self, y_pred: &Matrix, y_true: Targets<'_>, out: &mut Vec<f64>) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        rows_of(y_pred, y, y_pred.ncols() as f64, out, |p, t| (t - p) * (t - p));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::check::check_loss;

    #[test]
    fn gradient_check() {
        let p = Matrix::from_fn(4, 2, |i, j| (i as f32 - j as f32) * 0.4);
        let y = Matrix::from_fn(4, 2, |i, j| ((i * 2 + j) as f32).sin());
        check_loss(&Mse, &p, Targets::Values(&y));
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let err = Mse.forward(&Matrix::zeros(3, 1), Targets::Values(&Matrix::zeros(3, 2))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in mean squared error: expected targets of shape 3x1, got 3x2"
        );
    }
}
