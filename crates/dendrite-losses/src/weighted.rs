//! Weighted cross-entropy: class weights and sample weights, averaged as PyTorch or as Keras
//! averages them.

use dendrite_tensor::{Matrix, resize, softmax_rows};

use crate::loss::clip;
use crate::{Error, Result};

const NAME: &str = "weighted cross-entropy";

/// What the weighted sum of per-sample losses is divided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WeightedMean {
    /// The sum of the samples' weights: PyTorch's `CrossEntropyLoss(weight=…)` with class
    /// weights (a batch's loss stays a mean of the per-sample losses).
    SumOfWeights,
    /// The number of samples: Keras' `class_weight` and `sample_weight` (zero weights count).
    Samples,
}

/// Per-sample weights and how they are averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights<'a> {
    /// One weight per sample (non-negative, finite).
    pub per_sample: &'a [f32],
    /// The denominator.
    pub mean: WeightedMean,
}

impl Weights<'_> {
    /// Checks the weights against `samples` and returns the denominator.
    fn denominator(&self, samples: usize) -> Result<f64> {
        if self.per_sample.len() != samples {
            return Err(Error::ShapeMismatch {
                loss: NAME,
                expected: format!("{samples} weights, one per sample"),
                got: self.per_sample.len().to_string(),
            });
        }
        if let Some(i) = self.per_sample.iter().position(|w| !(*w >= 0.0 && w.is_finite())) {
            return Err(Error::ShapeMismatch {
                loss: NAME,
                expected: "non-negative finite weights".to_owned(),
                got: format!("weight {} of sample {i}", self.per_sample[i]),
            });
        }
        let denominator = match self.mean {
            WeightedMean::SumOfWeights => self.per_sample.iter().map(|&w| f64::from(w)).sum(),
            WeightedMean::Samples => samples as f64,
        };
        if denominator > 0.0 {
            Ok(denominator)
        } else {
            Err(Error::ShapeMismatch {
                loss: NAME,
                expected: "some positive weight".to_owned(),
                got: "none".to_owned(),
            })
        }
    }
}

/// Each sample's weight: its class's weight (`class_weights[y[i]]`) or its own
/// (`sample_weights[i]`), or their product when both are given; 1 for neither.
///
/// # Errors
/// [`Error::ShapeMismatch`] for a list of the wrong length; [`Error::LabelOutOfRange`] for a
/// class without a weight.
///
/// # Example
/// ```
/// use dendrite_losses::sample_weights;
/// # fn main() -> dendrite_losses::Result<()> {
/// assert_eq!(sample_weights(&[0, 1, 1], Some(&[0.5, 2.0]), None)?, [0.5, 2.0, 2.0]);
/// # Ok(())
/// # }
/// ```
pub fn sample_weights(
    y_true: &[usize],
    class_weights: Option<&[f32]>,
    sample_weights: Option<&[f32]>,
) -> Result<Vec<f32>> {
    if let Some(s) = sample_weights
        && s.len() != y_true.len()
    {
        return Err(Error::ShapeMismatch {
            loss: NAME,
            expected: format!("{} sample weights", y_true.len()),
            got: s.len().to_string(),
        });
    }
    y_true
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let class = match class_weights {
                Some(w) => *w.get(c).ok_or(Error::LabelOutOfRange {
                    loss: NAME,
                    label: c,
                    classes: w.len(),
                    sample: i,
                })?,
                None => 1.0,
            };
            Ok(class * sample_weights.map_or(1.0, |s| s[i]))
        })
        .collect()
}

fn check_classes(m: &Matrix, y_true: &[usize]) -> Result<()> {
    let (n, classes) = m.shape();
    if n == 0 {
        return Err(Error::EmptyBatch { loss: NAME });
    }
    if y_true.len() != n {
        return Err(Error::ShapeMismatch {
            loss: NAME,
            expected: format!("{n} labels"),
            got: y_true.len().to_string(),
        });
    }
    match y_true.iter().position(|&c| c >= classes) {
        Some(row) => Err(Error::LabelOutOfRange { loss: NAME, label: y_true[row], classes, sample: row }),
        None => Ok(()),
    }
}

/// The weighted mean of `−ln p[i, y[i]]` over the rows of probabilities `p`, clipped to
/// `[1e-7, 1 − 1e-7]` as the unweighted categorical cross-entropy.
///
/// # Errors
/// Targets or weights that do not fit `p`.
pub fn weighted_cross_entropy(p: &Matrix, y_true: &[usize], weights: Weights<'_>) -> Result<f32> {
    check_classes(p, y_true)?;
    let denominator = weights.denominator(p.nrows())?;
    Ok(weighted_mean(p, y_true, weights.per_sample, denominator))
}

/// `Σ w_i · −ln clip(p[i, y_i]) / denominator`, for checked inputs.
fn weighted_mean(p: &Matrix, y_true: &[usize], per_sample: &[f32], denominator: f64) -> f32 {
    let sum: f64 = y_true
        .iter()
        .zip(per_sample)
        .enumerate()
        .map(|(i, (&c, &w))| f64::from(w) * -f64::from(clip(p[(i, c)])).ln())
        .sum();
    (sum / denominator) as f32
}

/// The gradient of [`weighted_cross_entropy`] with respect to `p`: `−w_i / p / denominator`
/// in the target column (the clipped `p`, as the unweighted loss), 0 elsewhere.
///
/// # Errors
/// As [`weighted_cross_entropy`].
pub fn weighted_cross_entropy_backward(
    p: &Matrix,
    y_true: &[usize],
    weights: Weights<'_>,
    dinputs: &mut Matrix,
) -> Result<()> {
    check_classes(p, y_true)?;
    let denominator = weights.denominator(p.nrows())?;
    resize(dinputs, p.nrows(), p.ncols());
    dinputs.fill(0.0);
    for (i, (&c, &w)) in y_true.iter().zip(weights.per_sample).enumerate() {
        dinputs[(i, c)] = (-f64::from(w) / f64::from(clip(p[(i, c)])) / denominator) as f32;
    }
    Ok(())
}

/// Softmax and [`weighted_cross_entropy`] fused: the loss of `logits`, their probabilities in
/// `probabilities`, and the gradient with respect to the logits
/// `w_i · (softmax(z)_i − onehot(y_i)) / denominator` in `dlogits`.
///
/// # Errors
/// As [`weighted_cross_entropy`].
///
/// # Example
/// ```
/// use dendrite_losses::{WeightedMean, Weights, weighted_softmax_cross_entropy};
/// use dendrite_tensor::Matrix;
/// # fn main() -> dendrite_losses::Result<()> {
/// let logits = Matrix::from_row_slice(2, 2, &[0.0, 0.0, 1.0, -1.0]);
/// let weights = Weights { per_sample: &[1.0, 3.0], mean: WeightedMean::SumOfWeights };
/// let (mut p, mut d) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
/// let loss = weighted_softmax_cross_entropy(&logits, &[0, 1], weights, &mut p, &mut d)?;
/// assert!(loss > 2f32.ln());
/// assert!((d[(1, 1)] - 3.0 * (p[(1, 1)] - 1.0) / 4.0).abs() < 1e-7);
/// # Ok(())
/// # }
/// ```
pub fn weighted_softmax_cross_entropy(
    logits: &Matrix,
    y_true: &[usize],
    weights: Weights<'_>,
    probabilities: &mut Matrix,
    dlogits: &mut Matrix,
) -> Result<f32> {
    check_classes(logits, y_true)?;
    let denominator = weights.denominator(logits.nrows())?;
    softmax_rows(logits, probabilities);
    let loss = weighted_mean(probabilities, y_true, weights.per_sample, denominator);
    resize(dlogits, logits.nrows(), logits.ncols());
    for i in 0..logits.nrows() {
        let scale = f64::from(weights.per_sample[i]) / denominator;
        for j in 0..logits.ncols() {
            let target = if j == y_true[i] { 1.0 } else { 0.0 };
            dlogits[(i, j)] = ((f64::from(probabilities[(i, j)]) - target) * scale) as f32;
        }
    }
    Ok(loss)
}

#[cfg(test)]
mod tests {
    use dendrite_tensor::testing::numeric_gradient;

    use super::*;

    #[test]
    fn the_fused_gradient_is_the_derivative_of_the_weighted_loss() {
        let logits = Matrix::from_fn(5, 3, |i, j| ((i * 3 + j) as f32 * 0.9).sin() * 2.0);
        let y = [0, 2, 1, 1, 0];
        let w = [0.5, 2.0, 1.0, 0.0, 3.0];
        for mean in [WeightedMean::SumOfWeights, WeightedMean::Samples] {
            let weights = Weights { per_sample: &w, mean };
            let (mut p, mut d) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
            weighted_softmax_cross_entropy(&logits, &y, weights, &mut p, &mut d).unwrap();
            let mut x = logits.clone();
            let numeric = numeric_gradient(
                &mut x,
                logits.len(),
                |x, i, e| x[i] += e,
                |x| {
                    let (mut p, mut d) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
                    f64::from(weighted_softmax_cross_entropy(x, &y, weights, &mut p, &mut d).unwrap())
                },
                1e-3,
            );
            for (a, n) in d.iter().zip(&numeric) {
                assert!((f64::from(*a) - n).abs() < 2e-3, "{a} against {n}");
            }
        }
    }

    #[test]
    fn bad_weights_are_errors() {
        let p = Matrix::from_element(2, 2, 0.5);
        let weights = |w: &'static [f32]| Weights { per_sample: w, mean: WeightedMean::SumOfWeights };
        assert!(weighted_cross_entropy(&p, &[0, 1], weights(&[1.0])).is_err());
        assert!(weighted_cross_entropy(&p, &[0, 1], weights(&[1.0, -1.0])).is_err());
        assert!(weighted_cross_entropy(&p, &[0, 1], weights(&[0.0, 0.0])).is_err());
        assert!(weighted_cross_entropy(&p, &[0, 2], weights(&[1.0, 1.0])).is_err());
        assert!(sample_weights(&[0, 3], Some(&[1.0, 2.0]), None).is_err());
    }
}
