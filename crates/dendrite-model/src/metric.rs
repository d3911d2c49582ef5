//! Accuracy metrics.

use dendrite_losses::Targets;
use dendrite_tensor::{Matrix, argmax_row_chunks};

/// How accuracy is measured (the book's `Accuracy_*` classes).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Accuracy {
    /// The arg-max of each row against the class (or the arg-max of a one-hot row).
    Categorical,
    /// Each output above 0.5 counts as 1, against 0/1 targets.
    Binary,
    /// `|ŷ − y| < precision`; `fit` sets the precision from the training targets to
    /// `std(y) / 250` when it is `None`.
    Regression {
        /// The tolerance.
        precision: Option<f32>,
    },
}

/// Index of the largest entry of row `i` (the first on ties), without allocating.
pub(crate) fn argmax_row(m: &Matrix, i: usize) -> usize {
    let (rows, cols) = m.shape();
    let x = m.as_slice();
    let mut best = 0;
    for j in 1..cols {
        if x[i + j * rows] > x[i + best * rows] {
            best = j;
        }
    }
    best
}

impl Accuracy {
    /// The number of correct comparisons in a batch and the number of comparisons.
    pub(crate) fn count(&self, output: &Matrix, y: Targets<'_>) -> (usize, usize) {
        match (self, y) {
            (Accuracy::Categorical, Targets::Classes(c)) => {
                let mut hits = 0;
                argmax_row_chunks(output, |first, best| {
                    hits += best.iter().zip(&c[first..]).filter(|&(&b, &t)| b as usize == t).count();
                });
                (hits, c.len())
            }
            (Accuracy::Categorical, Targets::Values(v)) => {
                let n = v.nrows();
                ((0..n).filter(|&i| argmax_row(output, i) == argmax_row(v, i)).count(), n)
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
            (Accuracy::Binary | Accuracy::Regression { .. }, Targets::Classes(c)) => (0, c.len()),
        }
    }

    /// The metric with its regression precision fixed from the training targets.
    pub(crate) fn fitted_to(self, y: Targets<'_>) -> Self {
        match (self, y) {
            (Accuracy::Regression { precision: None }, Targets::Values(v)) => {
                Accuracy::Regression { precision: Some(regression_precision(v)) }
            }
            _ => self,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_accuracies() {
        let out = Matrix::from_row_slice(3, 2, &[0.9, 0.1, 0.2, 0.8, 0.6, 0.4]);
        assert_eq!(Accuracy::Categorical.count(&out, Targets::Classes(&[0, 1, 1])), (2, 3));
        let one_hot = Matrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
        assert_eq!(Accuracy::Categorical.count(&out, Targets::Values(&one_hot)), (2, 3));
        assert_eq!(Accuracy::Binary.count(&out, Targets::Values(&one_hot)), (4, 6));
        let y = Matrix::from_row_slice(2, 1, &[0.0, 1.0]);
        let reg = Accuracy::Regression { precision: Some(0.01) };
        assert_eq!(reg.count(&Matrix::from_row_slice(2, 1, &[0.005, 0.9]), Targets::Values(&y)), (1, 2));
        let fitted = Accuracy::Regression { precision: None }.fitted_to(Targets::Values(&y));
        assert_eq!(fitted, Accuracy::Regression { precision: Some(0.5 / 250.0) });
    }
}
