//! The `Loss` trait and the split of a loss into its data and regularization parts.

use dendrite_tensor::Matrix;

use crate::{Result, Targets};

/// A loss function: stateless, it compares predictions with targets and gives the mean loss
/// over the batch and its gradient with respect to the predictions.
pub trait Loss: Send + Sync + std::fmt::Debug {
    /// The loss's name, as messages and files give it.
    fn name(&self) -> &'static str;

    /// The mean loss over the batch (the book's `calculate`).
    ///
    /// # Errors
    /// When the targets do not fit the predictions (shape, label range, kind) or the batch is
    /// empty.
    fn forward(&self, y_pred: &Matrix, y_true: Targets<'_>) -> Result<f32>;

    /// The gradient of the mean loss with respect to `y_pred`, written into `dinputs` (resized,
    /// reusing its buffer).
    ///
    /// # Errors
    /// As [`Loss::forward`].
    fn backward(&self, y_pred: &Matrix, y_true: Targets<'_>, dinputs: &mut Matrix) -> Result<()>;

    /// Each sample's loss, whose mean [`Loss::forward`] gives, written into `out` (one per
    /// row, reusing its buffer): what weighting samples needs. The built-in losses give them; a
    /// plug-in that does not is [`crate::Error::Unsupported`].
    ///
    /// # Errors
    /// As [`Loss::forward`].
    fn sample_losses(&self, y_pred: &Matrix, y_true: Targets<'_>, out: &mut Vec<f64>) -> Result<()> {
        let _ = (y_pred, y_true, out);
        Err(crate::Error::Unsupported { loss: self.name(), what: "per-sample losses" })
    }
}

/// Per row, `Σ_j f(pred, target)` divided by `per_row`: each sample's loss for
/// [`Loss::sample_losses`], as [`mean_of`] averages them.
pub(crate) fn rows_of(
    y_pred: &Matrix,
    y_true: &Matrix,
    per_row: f64,
    out: &mut Vec<f64>,
    f: impl Fn(f64, f64) -> f64,
) {
    let (n, cols) = y_pred.shape();
    out.clear();
    out.resize(n, 0.0);
    let (p, t) = (y_pred.as_slice(), y_true.as_slice());
    for j in 0..cols {
        for (i, o) in out.iter_mut().enumerate() {
            *o += f(f64::from(p[i + j * n]), f64::from(t[i + j * n]));
        }
    }
    for o in out.iter_mut() {
        *o /= per_row;
    }
}

/// A loss split as the book prints it: the data loss and the regularization penalty.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LossParts {
    /// The mean data loss.
    pub data: f32,
    /// The regularization penalty of the parameters.
    pub regularization: f32,
}

impl LossParts {
    /// The total loss, data plus regularization.
    #[must_use]
    pub fn total(&self) -> f32 {
        self.data + self.regularization
    }
}

/// The predictions clipped as every probability loss clips them: to `[1e-7, 1 − 1e-7]`.
#[inline]
pub(crate) fn clip(p: f32) -> f32 {
    dendrite_tensor::kernels::math::clip_probability(p)
}

/// Mean over samples of `Σ_j f(pred, target)` over a row divided by `per_row` (1 or the number
/// of outputs), in `f64`: the book's "mean over outputs, then over samples".
pub(crate) fn mean_of(y_pred: &Matrix, y_true: &Matrix, per_row: f64, f: impl Fn(f64, f64) -> f64) -> f32 {
    let total: f64 = y_pred.iter().zip(y_true.iter()).map(|(&p, &t)| f(f64::from(p), f64::from(t))).sum();
    (total / per_row / y_pred.nrows() as f64) as f32
}

/// The finite-difference check every loss's tests run.
#[cfg(test)]
pub(crate) mod check {
    use dendrite_tensor::Matrix;
    use dendrite_tensor::testing::{GradCheck, numeric_gradient};

    use crate::{Loss, Targets};

    /// Checks `loss.backward` against central differences of `loss.forward` at `y_pred`.
    pub(crate) fn check_loss(loss: &dyn Loss, y_pred: &Matrix, y_true: Targets<'_>) {
        let cfg = GradCheck { epsilon: 1e-3, ..GradCheck::default() };
        let mut analytic = Matrix::zeros(0, 0);
        loss.backward(y_pred, y_true, &mut analytic).unwrap();
        let mut x = y_pred.clone();
        let numeric = numeric_gradient(
            &mut x,
            y_pred.len(),
            |x, i, d| x[i] += d,
            |x| f64::from(loss.forward(x, y_true).unwrap()),
            cfg.epsilon,
        );
        cfg.compare(loss.name(), analytic.as_slice(), &numeric).unwrap();
    }

    /// Probabilities away from the clipping bounds: rows of a softmax.
    pub(crate) fn probabilities() -> Matrix {
        let logits = Matrix::from_fn(4, 3, |i, j| ((i * 3 + j) as f32 * 1.3).sin());
        let mut p = Matrix::zeros(0, 0);
        dendrite_tensor::softmax_rows(&logits, &mut p);
        p
    }
}
