//! Categorical cross-entropy.

use dendrite_tensor::{Matrix, ln_in_place, resize};

use crate::loss::clip;
use crate::{Loss, Result, Targets};

/// Categorical cross-entropy: `−ln ŷ[true class]` per sample, averaged.
///
/// Predictions are probabilities (rows of a softmax), clipped to `[1e-7, 1 − 1e-7]`. Targets
/// are class indices or one-hot rows. Gradient: `−y / ŷ / samples` (the clipped `ŷ` in the
/// denominator, so that a zero probability gives a large finite gradient, not infinity).
///
/// # Example
/// ```
/// use dendrite_losses::{CategoricalCrossEntropy, Loss, Targets};
/// use dendrite_tensor::Matrix;
/// # fn main() -> dendrite_losses::Result<()> {
/// let p = Matrix::from_row_slice(2, 3, &[0.7, 0.1, 0.2, 0.1, 0.5, 0.4]);
/// let loss = CategoricalCrossEntropy.forward(&p, Targets::Classes(&[0, 1]))?;
/// assert!((loss - (-(0.7f32.ln() + 0.5f32.ln()) / 2.0)).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoricalCrossEntropy;

const NAME: &str = "categorical cross-entropy";

impl Loss for CategoricalCrossEntropy {
    fn name(&self) -> &'static str {
        NAME
    }

    fn forward(&self, y_pred: &Matrix, y_true: Targets<'_>) -> Result<f32> {
        y_true.check(NAME, y_pred)?;
        let n = y_pred.nrows();
        let total: f64 = match y_true {
            Targets::Classes(y) => {
                let mut total = 0.0f64;
                class_logs(y_pred, y, |logs| total -= logs.iter().map(|&l| f64::from(l)).sum::<f64>());
                total
            }
            Targets::Values(y) => (0..n).map(|i| row_loss(y_pred, y, i)).sum(),
        };
        Ok((total / n as f64) as f32)
    }

    fn backward(&self, y_pred: &Matrix, y_true: Targets<'_>, dinputs: &mut Matrix) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let (n, classes) = y_pred.shape();
        resize(dinputs, n, classes);
        let inv_n = 1.0 / n as f32;
        match y_true {
            Targets::Classes(y) => {
                dinputs.fill(0.0);
                for (i, &c) in y.iter().enumerate() {
                    dinputs[(i, c)] = -inv_n / clip(y_pred[(i, c)]);
                }
            }
            Targets::Values(y) => {
                for ((d, &p), &t) in
                    dinputs.as_mut_slice().iter_mut().zip(y_pred.as_slice()).zip(y.as_slice())
                {
                    *d = -t / clip(p) * inv_n;
                }
            }
        }
        Ok(())
    }

    fn sample_losses(&self, y_pred: &Matrix, y_true: Targets<'_>, out: &mut Vec<f64>) -> Result<()> {
        y_true.check(NAME, y_pred)?;
        let n = y_pred.nrows();
        out.clear();
        match y_true {
            // The logarithms as `forward` takes them, so the mean of these is its loss.
            Targets::Classes(y) => {
                class_logs(y_pred, y, |logs| out.extend(logs.iter().map(|&l| -f64::from(l))))
            }
            Targets::Values(y) => out.extend((0..n).map(|i| row_loss(y_pred, y, i))),
        }
        Ok(())
    }
}

/// The logarithms of the true classes' clipped probabilities, 64 rows at a time in one
/// vectorized pass, handed to `each` chunk by chunk in row order.
fn class_logs(y_pred: &Matrix, labels: &[usize], mut each: impl FnMut(&[f32])) {
    const CHUNK: usize = 64;
    let n = y_pred.nrows();
    let x = y_pred.as_slice();
    let mut logs = [0.0f32; CHUNK];
    for (r0, chunk) in (0..n).step_by(CHUNK).zip(labels.chunks(CHUNK)) {
        let logs = &mut logs[..chunk.len()];
        for (i, (l, &c)) in logs.iter_mut().zip(chunk).enumerate() {
            *l = clip(x[r0 + i + c * n]);
        }
        ln_in_place(logs);
        each(logs);
    }
}

/// Row `i`'s loss against a row of (one-hot or soft) targets: `−ln Σ_j clip(p_j) · t_j`.
fn row_loss(y_pred: &Matrix, y: &Matrix, i: usize) -> f64 {
    let confidence: f64 =
        y_pred.row(i).iter().zip(y.row(i).iter()).map(|(&p, &t)| f64::from(clip(p)) * f64::from(t)).sum();
    -confidence.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::loss::check::{check_loss, probabilities};

    #[test]
    fn gradient_check_sparse_and_one_hot() {
        let p = probabilities();
        let labels = [0, 2, 1, 2];
        check_loss(&CategoricalCrossEntropy, &p, Targets::Classes(&labels));
        let one_hot = Matrix::from_fn(4, 3, |i, j| if labels[i] == j { 1.0 } else { 0.0 });
        check_loss(&CategoricalCrossEntropy, &p, Targets::Values(&one_hot));
        let a = CategoricalCrossEntropy.forward(&p, Targets::Classes(&labels)).unwrap();
        let b = CategoricalCrossEntropy.forward(&p, Targets::Values(&one_hot)).unwrap();
        assert!((a - b).abs() < 1e-6);
    }

    #[test]
    fn clips_zero_probabilities() {
        let p = Matrix::from_row_slice(1, 2, &[0.0, 1.0]);
        let loss = CategoricalCrossEntropy.forward(&p, Targets::Classes(&[0])).unwrap();
        assert!((loss - 1e-7f32.ln().abs()).abs() < 1e-3, "{loss}");
        let mut d = Matrix::zeros(0, 0);
        CategoricalCrossEntropy.backward(&p, Targets::Classes(&[0]), &mut d).unwrap();
        assert!(d.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_targets_are_errors() {
        let p = probabilities();
        let err = CategoricalCrossEntropy.forward(&p, Targets::Classes(&[0, 1, 3, 0])).unwrap_err();
        assert_eq!(err, Error::LabelOutOfRange { loss: NAME, sample: 2, label: 3, classes: 3 });
        assert_eq!(
            err.to_string(),
            "categorical cross-entropy: label 3 of sample 2 is out of range for 3 classes"
        );
        let err = CategoricalCrossEntropy.forward(&p, Targets::Classes(&[0, 1])).unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
        let err = CategoricalCrossEntropy.forward(&Matrix::zeros(0, 3), Targets::Classes(&[])).unwrap_err();
        assert!(matches!(err, Error::EmptyBatch { .. }), "{err}");
    }
}
