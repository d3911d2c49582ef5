//! Accuracy metrics.

use dendrite_losses::Targets;
use dendrite_tensor::Matrix;

/// How accuracy is measured (the book's `Accuracy_*` classes).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Accuracy {
    /// The arg-max of each row against the class (or the arg-max of a one-hot row).
    Categorical,
    /// Each output above 0.5 counts as 1, against 0/1 targets.
    Binary,
    /// `|ŷ − y| < precision`; `precision` is set from the training targets to `std(y) / 250`.
    Regression {
        /// The tolerance; `None` until `fit` sets it from the targets.
        precision: Option<f32>,
    },
}

impl Accuracy {
    /// The number of correct comparisons in a batch and the number of comparisons.
    pub(crate) fn count(&self, output: &Matrix, y: Targets<'_>) -> (usize, usize) {
        match (self, y) {
            (Accuracy::Categorical, Targets::Classes(c)) => {
                let pred = dendrite_tensor::argmax_rows(output);
                (pred.iter().zip(c).filter(|(p, t)| p == t).count(), c.len())
            }
            (Accuracy::Categorical, Targets::Values(v)) => {
                let pred = dendrite_tensor::argmax_rows(output);
                let truth = dendrite_tensor::argmax_rows(v);
                (pred.iter().zip(&truth).filter(|(p, t)| p == t).count(), truth.len())
            }
            (Accuracy::Binary, Targets::Values(v)) => {
                let hits =
                    output.iter().zip(v.iter()).filter(|&(&p, &t)| f32::from(u8::from(p > 0.5)) == t).count();
                (hits, v.len())
            }
            (Accuracy::Regression { precision }, Targets::Values(v)) => {
                let eps = precision.unwrap_or_else(|| regression_precision(v));
                let hits = output.iter().zip(v.iter()).filter(|&(&p, &t)| (p - t).abs() < eps).count();
                (hits, v.len())
            }
            (_, Targets::Classes(c)) => (0, c.len()),
        }
    }
}

/// `std(y) / 250` over all entries, the book's regression precision.
pub(crate) fn regression_precision(y: &Matrix) -> f32 {
    let n = y.len().max(1) as f64;
    let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = y.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    (var.sqrt() / 250.0) as f32
}
