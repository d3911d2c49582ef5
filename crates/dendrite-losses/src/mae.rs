//! Mean absolute error.

use dendrite_tensor::{Matrix, resize};

use crate::loss::{mean_of, rows_of};
use crate::{Loss, Result, Targets};

/// Mean absolute error: `|y − ŷ|` averaged over outputs, then samples; gradient
/// `−sign(y − ŷ) / outputs / samples` with sign(0) = 0 (NumPy's `np.sign`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mae;

const NAME: &str = "mean absolute error";

impl Loss for Mae {
    fn name(&self) -> &'static str {
        NAME
    }

    fn forward(&self, y_pred: &Matrix, y_true: Targets<'_>) -> Result<f32> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        Ok(mean_of(y_pred, y, y_pred.ncols() as f64, |p, t| (t - p).abs()))
    }

    fn backward(&self, y_pred: &Matrix, y_true: Targets<'_>, dinputs: &mut Matrix) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        let (n, outputs) = y_pred.shape();
        resize(dinputs, n, outputs);
        let scale = -1.0 / (outputs as f32 * n as f32);
        for ((d, &p), &t) in dinputs.as_mut_slice().iter_mut().zip(y_pred.as_slice()).zip(y.as_slice()) {
            let diff = t - p;
            let sign = if diff > 0.0 {
                1.0
            } else if diff < 0.0 {
                -1.0
            } else {
                0.0
            };
            *d = sign * scale;
        }
        Ok(())
    }

    fn sample_losses(&self, y_pred: &Matrix, y_true: Targets<'_>, out: &mut Vec<f64>) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let y = y_true.values(NAME)?;
        rows_of(y_pred, y, y_pred.ncols() as f64, out, |p, t| (t - p).abs());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::check::check_loss;

    #[test]
    fn gradient_check() {
        // Predictions kept away from the targets, where |y − ŷ| has its kink.
        let p = Matrix::from_fn(4, 2, |i, j| (i as f32 - j as f32) * 0.4 + 0.05);
        let y = Matrix::from_fn(4, 2, |i, j| ((i * 2 + j) as f32).sin() * 3.0);
        check_loss(&Mae, &p, Targets::Values(&y));
    }
}
