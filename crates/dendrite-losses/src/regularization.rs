//! The regularization penalty of a network's parameters.

use dendrite_tensor::Parameterized;

/// The sum of every parameter's penalty, `Σ l1·Σ|w| + l2·Σw²` (the book's
/// `loss.regularization_loss(layer)` summed over layers).
///
/// # Example
/// ```
/// use dendrite_losses::regularization_loss;
/// use dendrite_tensor::{Matrix, Param, Regularizer};
/// let w = Param::new("weight", Matrix::from_element(2, 2, 0.5))
///     .with_regularizer(Regularizer { l1: 0.0, l2: 0.1 });
/// assert!((regularization_loss(&w) - 0.1).abs() < 1e-7);
/// ```
#[must_use]
pub fn regularization_loss<P: Parameterized + ?Sized>(params: &P) -> f32 {
    let mut total = 0.0f64;
    params.visit_params(&mut |p| total += p.regularizer.penalty(&p.value));
    total as f32
}
