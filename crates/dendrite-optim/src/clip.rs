//! Gradient clipping, before an optimizer's step.

use dendrite_tensor::Parameterized;

/// The norm that [`clip_grad_norm`] measures all gradients together by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GradNorm {
    /// The L2 norm: the square root of the sum of every squared entry.
    L2,
    /// The largest absolute entry.
    Inf,
}

/// Scales every gradient of `params` by `min(1, max_norm / (total + 1e-6))`, where `total` is
/// the norm of all of them together, as PyTorch's `clip_grad_norm_` does (the `1e-6` is always
/// added: a clipped gradient's norm ends just below `max_norm`). Returns the norm before
/// clipping; the sums are taken in `f64`.
///
/// # Example
/// ```
/// use dendrite_optim::{GradNorm, Param, clip_grad_norm};
/// use dendrite_optim::tensor::Matrix;
/// let mut p = Param::new("weight", Matrix::zeros(1, 2));
/// p.grad = Matrix::from_row_slice(1, 2, &[3.0, 4.0]);
/// let total = clip_grad_norm(&mut p, 1.0, GradNorm::L2);
/// assert_eq!(total, 5.0);
/// assert!((p.grad[0] - 0.6).abs() < 1e-6);
/// ```
pub fn clip_grad_norm(params: &mut dyn Parameterized, max_norm: f64, norm: GradNorm) -> f64 {
    let mut total = 0.0f64;
    params.visit_params(&mut |p| {
        for &g in p.grad.iter() {
            let g = f64::from(g);
            match norm {
                GradNorm::L2 => total += g * g,
                GradNorm::Inf => total = total.max(g.abs()),
            }
        }
    });
    if norm == GradNorm::L2 {
        total = total.sqrt();
    }
    let scale = (max_norm / (total + 1e-6)).min(1.0);
    if scale < 1.0 {
        params.visit_params_mut(&mut |p| p.grad.iter_mut().for_each(|g| *g = (f64::from(*g) * scale) as f32));
    }
    total
}

/// Clamps every gradient entry of `params` to `[−clip_value, clip_value]`, as PyTorch's
/// `clip_grad_value_`.
///
/// # Example
/// ```
/// use dendrite_optim::{Param, clip_grad_value};
/// use dendrite_optim::tensor::Matrix;
/// let mut p = Param::new("weight", Matrix::zeros(1, 3));
/// p.grad = Matrix::from_row_slice(1, 3, &[-2.0, 0.5, 3.0]);
/// clip_grad_value(&mut p, 1.0);
/// assert_eq!(p.grad.as_slice(), &[-1.0, 0.5, 1.0]);
/// ```
pub fn clip_grad_value(params: &mut dyn Parameterized, clip_value: f32) {
    params.visit_params_mut(&mut |p| p.grad.iter_mut().for_each(|g| *g = g.clamp(-clip_value, clip_value)));
}

/// Gradient clipping as a setting (of `Model::fit`'s options, or `train_batch_with`).
///
/// # Example
/// ```
/// use dendrite_optim::{Clip, GradNorm, Param};
/// use dendrite_optim::tensor::Matrix;
/// let mut p = Param::new("weight", Matrix::zeros(1, 2));
/// p.grad = Matrix::from_row_slice(1, 2, &[3.0, -4.0]);
/// Clip::Value(1.0).apply(&mut p);
/// assert_eq!(p.grad.as_slice(), &[1.0, -1.0]);
/// assert_eq!(Clip::Norm { max_norm: 10.0, norm: GradNorm::L2 }.apply(&mut p), Some(2f64.sqrt()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Clip {
    /// [`clip_grad_norm`] with this maximum and norm.
    Norm {
        /// The largest norm the gradients keep.
        max_norm: f64,
        /// How the norm is measured.
        norm: GradNorm,
    },
    /// [`clip_grad_value`] with this bound.
    Value(f32),
}

impl Clip {
    /// Clips the gradients of `params`; returns the norm before clipping for [`Clip::Norm`].
    pub fn apply(&self, params: &mut dyn Parameterized) -> Option<f64> {
        match *self {
            Clip::Norm { max_norm, norm } => Some(clip_grad_norm(params, max_norm, norm)),
            Clip::Value(bound) => {
                clip_grad_value(params, bound);
                None
            }
        }
    }
}
