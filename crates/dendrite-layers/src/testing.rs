//! The whole-layer finite-difference gradient check (feature `testing`).
//!
//! For a layer `f` and a fixed random weighting `r` of its output, the check differentiates the
//! scalar `L = Σ f(x) ∘ r + Σ penalties` numerically and compares the result with what
//! `backward(r)` reports: the input gradient and every parameter's gradient (penalty terms
//! included). Any layer, built-in or plug-in, can be checked this way.
//!
//! # Example
//! ```
//! use dendrite_layers::{Dense, Mode, testing::check_layer};
//! use dendrite_tensor::{Matrix, Rng};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut dense = Dense::new(3, 2, &mut Rng::seed_from_u64(0))?;
//! let x = Matrix::from_fn(4, 3, |i, j| (i + 2 * j) as f32 * 0.1);
//! check_layer(&mut dense, &x, Mode::Train, Default::default())?;
//! # Ok(())
//! # }
//! ```

use dendrite_tensor::testing::{GradCheck, numeric_gradient, weighted_sum};
use dendrite_tensor::{Matrix, Param, Parameterized, Rng};

use crate::{Layer, Mode};

/// What a failed check reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The layer itself failed.
    #[error(transparent)]
    Layer(#[from] crate::Error),
    /// A gradient disagrees with the finite difference.
    #[error(transparent)]
    Gradient(#[from] dendrite_tensor::testing::GradCheckError),
}

/// Checks the input and parameter gradients of `layer` at `input`.
///
/// # Errors
/// The first disagreement, or an error of the layer.
pub fn check_layer<L: Layer + ?Sized>(
    layer: &mut L,
    input: &Matrix,
    mode: Mode,
    cfg: GradCheck,
) -> Result<(), CheckError> {
    check_layer_with(layer, input, mode, cfg, &mut |_| {})
}

/// [`check_layer`] with a hook run before every forward pass, which a stochastic layer uses to
/// reset its generator so that every pass draws the same random numbers.
///
/// # Errors
/// The first disagreement, or an error of the layer.
pub fn check_layer_with<L: Layer + ?Sized>(
    layer: &mut L,
    input: &Matrix,
    mode: Mode,
    cfg: GradCheck,
    before_forward: &mut dyn FnMut(&mut L),
) -> Result<(), CheckError> {
    // The weighting r: fixed pseudo-random numbers in [-1, 1).
    before_forward(layer);
    let out_shape = layer.forward(input, mode)?.shape();
    let mut rng = Rng::seed_from_u64(0x5eed);
    let r = Matrix::from_fn(out_shape.0, out_shape.1, |_, _| 2.0 * rng.uniform_f32() - 1.0);

    let dinputs = layer.backward(&r)?.clone();
    let mut analytic: Vec<(String, Vec<f32>)> = Vec::new();
    layer.visit_params(&mut |p| analytic.push((p.name().to_owned(), p.grad.as_slice().to_vec())));

    let scalar = |layer: &mut L, x: &Matrix, hook: &mut dyn FnMut(&mut L)| -> Result<f64, crate::Error> {
        hook(layer);
        let mut total = weighted_sum(layer.forward(x, mode)?, &r);
        layer.visit_params(&mut |p| total += p.regularizer.penalty(&p.value));
        Ok(total)
    };

    // Input gradient.
    let mut failure = None;
    let mut x = input.clone();
    let numeric = numeric_gradient(
        &mut x,
        input.len(),
        |x, i, d| x[i] += d,
        |x| {
            scalar(layer, x, before_forward).unwrap_or_else(|e| {
                failure.get_or_insert(e);
                f64::NAN
            })
        },
        cfg.epsilon,
    );
    if let Some(e) = failure {
        return Err(e.into());
    }
    cfg.compare("dinputs", dinputs.as_slice(), &numeric)?;

    // Parameter gradients, one parameter at a time.
    for (k, (name, grad)) in analytic.iter().enumerate() {
        let mut failure = None;
        let numeric = numeric_gradient(
            layer,
            grad.len(),
            |layer, i, d| nth_param(layer, k, &mut |p| p.value[i] += d),
            |layer| {
                scalar(layer, input, before_forward).unwrap_or_else(|e| {
                    failure.get_or_insert(e);
                    f64::NAN
                })
            },
            cfg.epsilon,
        );
        if let Some(e) = failure {
            return Err(e.into());
        }
        cfg.compare(name, grad, &numeric)?;
    }
    Ok(())
}

/// Runs `f` on the `k`-th parameter the visitor reaches.
fn nth_param<L: Layer + ?Sized>(layer: &mut L, k: usize, f: &mut dyn FnMut(&mut Param)) {
    let mut seen = 0;
    layer.visit_params_mut(&mut |p| {
        if seen == k {
            f(p);
        }
        seen += 1;
    });
}
