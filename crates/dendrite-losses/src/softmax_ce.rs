//! Softmax and categorical cross-entropy fused.

use dendrite_tensor::{Matrix, resize, softmax_rows};

use crate::{CategoricalCrossEntropy, Error, Loss, Result, Targets};

/// Softmax followed by categorical cross-entropy, with the fused gradient
/// `(softmax(z) − y) / samples` with respect to the logits `z` (the book's
/// `Activation_Softmax_Loss_CategoricalCrossentropy`).
///
/// It keeps the probabilities of the last forward pass (for accuracy and for `backward`).
///
/// # Example
/// ```
/// use dendrite_losses::{SoftmaxCrossEntropy, Targets};
/// use dendrite_tensor::Matrix;
/// # fn main() -> dendrite_losses::Result<()> {
/// let mut loss = SoftmaxCrossEntropy::new();
/// let logits = Matrix::from_row_slice(1, 3, &[0.0, 0.0, 0.0]);
/// let l = loss.forward(&logits, Targets::Classes(&[2]))?;
/// assert!((l - 3f32.ln()).abs() < 1e-6);
/// let mut grad = Matrix::zeros(0, 0);
/// loss.backward(Targets::Classes(&[2]), &mut grad)?;
/// assert!((grad[(0, 2)] - (1.0 / 3.0 - 1.0)).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SoftmaxCrossEntropy {
    output: Matrix,
    forwarded: bool,
}

const NAME: &str = "softmax cross-entropy";

impl SoftmaxCrossEntropy {
    /// A new fused softmax + cross-entropy.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Computes the probabilities of `logits` and returns the mean cross-entropy.
    ///
    /// # Errors
    /// When the targets do not fit (shape, label range) or the batch is empty.
    pub fn forward(&mut self, logits: &Matrix, y_true: Targets<'_>) -> Result<f32> {
        y_true.check(NAME, logits)?;
        softmax_rows(logits, &mut self.output);
        self.forwarded = true;
        CategoricalCrossEntropy.forward(&self.output, y_true)
    }

    /// The probabilities of the last forward pass.
    #[must_use]
    pub fn output(&self) -> &Matrix {
        &self.output
    }

    /// The gradient with respect to the logits of the last forward pass: `(ŷ − y) / samples`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] before any forward pass or when the targets do not fit it.
    pub fn backward(&self, y_true: Targets<'_>, dinputs: &mut Matrix) -> Result<()> {
        if !self.forwarded {
            return Err(Error::ShapeMismatch {
                loss: NAME,
                expected: "a forward pass before backward".to_owned(),
                got: "none".to_owned(),
            });
        }
        y_true.check(NAME, &self.output)?;
        let (n, classes) = self.output.shape();
        resize(dinputs, n, classes);
        let inv_n = 1.0 / n as f32;
        match y_true {
            Targets::Classes(y) => {
                for (d, &p) in dinputs.as_mut_slice().iter_mut().zip(self.output.as_slice()) {
                    *d = p * inv_n;
                }
                for (i, &c) in y.iter().enumerate() {
                    dinputs[(i, c)] = (self.output[(i, c)] - 1.0) * inv_n;
                }
            }
            Targets::Values(y) => {
                for ((d, &p), &t) in
                    dinputs.as_mut_slice().iter_mut().zip(self.output.as_slice()).zip(y.as_slice())
                {
                    *d = (p - t) * inv_n;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use dendrite_tensor::testing::{GradCheck, numeric_gradient};

    use super::*;

    fn logits() -> Matrix {
        Matrix::from_fn(5, 4, |i, j| ((i * 4 + j) as f32 * 0.77).cos() * 2.0)
    }

    fn check(y_true: Targets<'_>) {
        let z = logits();
        let mut fused = SoftmaxCrossEntropy::new();
        fused.forward(&z, y_true).unwrap();
        let mut analytic = Matrix::zeros(0, 0);
        fused.backward(y_true, &mut analytic).unwrap();
        let cfg = GradCheck { epsilon: 1e-3, ..GradCheck::default() };
        let mut x = z.clone();
        let numeric = numeric_gradient(
            &mut x,
            z.len(),
            |x, i, d| x[i] += d,
            |x| f64::from(SoftmaxCrossEntropy::new().forward(x, y_true).unwrap()),
            cfg.epsilon,
        );
        cfg.compare(NAME, analytic.as_slice(), &numeric).unwrap();
    }

    #[test]
    fn gradient_check_sparse_and_one_hot() {
        let labels = [3, 0, 1, 1, 2];
        check(Targets::Classes(&labels));
        let one_hot = Matrix::from_fn(5, 4, |i, j| if labels[i] == j { 1.0 } else { 0.0 });
        check(Targets::Values(&one_hot));
    }

    #[test]
    fn backward_before_forward_is_an_error() {
        let mut d = Matrix::zeros(0, 0);
        assert!(SoftmaxCrossEntropy::new().backward(Targets::Classes(&[0]), &mut d).is_err());
    }

    #[test]
    fn out_of_range_labels_are_errors() {
        let err =
            SoftmaxCrossEntropy::new().forward(&logits(), Targets::Classes(&[0, 1, 2, 3, 4])).unwrap_err();
        assert!(matches!(err, Error::LabelOutOfRange { label: 4, classes: 4, .. }), "{err}");
    }
}
