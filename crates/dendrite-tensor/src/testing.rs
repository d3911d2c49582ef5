//! Finite-difference gradient checks, for anyone who writes a layer or a loss.
//!
//! Enabled by the `testing` feature. `dendrite-layers` builds a whole-layer check on top of
//! these (`dendrite_layers::testing::check_layer`); use these directly for anything else.
//!
//! # Example
//! ```
//! use dendrite_tensor::Matrix;
//! use dendrite_tensor::testing::{GradCheck, numeric_gradient};
//! # fn main() -> Result<(), dendrite_tensor::testing::GradCheckError> {
//! // f(x) = Σ x², so ∂f/∂x = 2x.
//! let mut x = Matrix::from_row_slice(1, 3, &[0.5, -1.0, 2.0]);
//! let analytic = &x * 2.0;
//! let cfg = GradCheck::default();
//! let numeric = numeric_gradient(
//!     &mut x,
//!     3,
//!     |x, i, d| x[i] += d,
//!     |x| x.iter().map(|&v| f64::from(v * v)).sum(),
//!     cfg.epsilon,
//! );
//! cfg.compare("x", analytic.as_slice(), &numeric)?;
//! # Ok(())
//! # }
//! ```

use crate::Matrix;

/// Settings of a finite-difference check. The defaults suit `f32` layers whose outputs are of
/// order one: a step of `1e-2` keeps rounding noise small against the central difference.
#[derive(Debug, Clone, Copy)]
pub struct GradCheck {
    /// Step of the central difference.
    pub epsilon: f32,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Default for GradCheck {
    fn default() -> Self {
        Self { epsilon: 1e-2, rtol: 1e-2, atol: 2e-3 }
    }
}

/// An entry whose analytic gradient disagrees with the finite difference.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("gradient check failed for {what}[{index}]: analytic {analytic}, numeric {numeric}")]
pub struct GradCheckError {
    /// What was checked (`"dinputs"`, `"weight"`, …).
    pub what: String,
    /// The entry's index in column-major order.
    pub index: usize,
    /// The gradient the code computed.
    pub analytic: f64,
    /// The central difference.
    pub numeric: f64,
}

impl GradCheck {
    /// Compares an analytic gradient with a numeric one entry by entry.
    ///
    /// # Errors
    /// The first entry where `|a − n| > atol + rtol·max(|a|, |n|)`, or a length mismatch
    /// (reported at the index where one side ends).
    pub fn compare(&self, what: &str, analytic: &[f32], numeric: &[f64]) -> Result<(), GradCheckError> {
        if analytic.len() != numeric.len() {
            let index = analytic.len().min(numeric.len());
            return Err(GradCheckError {
                what: what.to_owned(),
                index,
                analytic: f64::NAN,
                numeric: f64::NAN,
            });
        }
        for (index, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
            let a = f64::from(a);
            let tol = self.atol + self.rtol * a.abs().max(n.abs());
            let agrees = (a - n).abs() <= tol; // false for NaN on either side
            if !agrees {
                return Err(GradCheckError { what: what.to_owned(), index, analytic: a, numeric: n });
            }
        }
        Ok(())
    }
}

/// Central differences `(f(x + εeᵢ) − f(x − εeᵢ)) / 2ε` for `len` entries of some state.
///
/// `nudge(state, i, d)` adds `d` to entry `i`; `eval(state)` computes the scalar function. The
/// state is restored after every entry.
pub fn numeric_gradient<S: ?Sized>(
    state: &mut S,
    len: usize,
    nudge: impl Fn(&mut S, usize, f32),
    mut eval: impl FnMut(&mut S) -> f64,
    epsilon: f32,
) -> Vec<f64> {
    (0..len)
        .map(|i| {
            nudge(state, i, epsilon);
            let plus = eval(state);
            nudge(state, i, -2.0 * epsilon);
            let minus = eval(state);
            nudge(state, i, epsilon);
            (plus - minus) / (2.0 * f64::from(epsilon))
        })
        .collect()
}

/// `Σ out ∘ r` in `f64`: the scalar a gradient check differentiates, given an output and a fixed
/// random weighting `r` (whose gradient with respect to `out` is `r` itself).
#[must_use]
pub fn weighted_sum(out: &Matrix, r: &Matrix) -> f64 {
    out.iter().zip(r.iter()).map(|(&o, &w)| f64::from(o) * f64::from(w)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_a_wrong_gradient() {
        let mut x = Matrix::from_row_slice(1, 2, &[1.0, 2.0]);
        let cfg = GradCheck::default();
        let numeric =
            numeric_gradient(&mut x, 2, |x, i, d| x[i] += d, |x| f64::from(x[0] * x[1]), cfg.epsilon);
        assert!(cfg.compare("x", &[2.0, 1.0], &numeric).is_ok());
        let err = cfg.compare("x", &[2.0, 1.5], &numeric).unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(x.as_slice(), &[1.0, 2.0], "state restored");
    }
}
