//! Weight initializers.

use serde::{Deserialize, Serialize};

use crate::{Matrix, Rng};

/// A source of uniform and standard normal draws.
///
/// Dendrite's own [`Rng`] is one; `dendrite-data`'s NumPy-compatible generator is another, so
/// that initializers and data sets can reproduce NumPy's streams exactly.
pub trait RandomSource {
    /// A uniform draw in `[0, 1)`.
    fn uniform(&mut self) -> f64;
    /// A standard normal draw, N(0, 1).
    fn standard_normal(&mut self) -> f64;
}

impl RandomSource for Rng {
    fn uniform(&mut self) -> f64 {
        self.uniform_f64()
    }
    fn standard_normal(&mut self) -> f64 {
        self.normal_f64()
    }
}

/// How a weight matrix of shape `fan_in × fan_out` is filled.
///
/// Entries are drawn in row-major order (row 0 first), the order of NumPy's
/// `np.random.randn(n_inputs, n_neurons)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Init {
    /// `std · N(0, 1)`; the book's default is `std = 0.01`.
    Normal {
        /// The standard deviation.
        std: f64,
    },
    /// He (Kaiming) normal: `N(0, 2 / fan_in)`, for ReLU networks.
    HeNormal,
    /// Glorot (Xavier) uniform: `U(−a, a)` with `a = sqrt(6 / (fan_in + fan_out))`.
    GlorotUniform,
    /// All zeros (the book's biases).
    Zeros,
}

impl Default for Init {
    /// The book's `0.01 · N(0, 1)`.
    fn default() -> Self {
        Init::Normal { std: 0.01 }
    }
}

impl Init {
    /// A new `rows × cols` matrix filled by this initializer (`fan_in = rows`, `fan_out = cols`).
    pub fn matrix<R: RandomSource + ?Sized>(&self, rows: usize, cols: usize, rng: &mut R) -> Matrix {
        let mut m = Matrix::zeros(rows, cols);
        self.fill(&mut m, rng);
        m
    }

    /// Fills `m` (taken as `fan_in × fan_out`) in row-major draw order.
    pub fn fill<R: RandomSource + ?Sized>(&self, m: &mut Matrix, rng: &mut R) {
        let (rows, cols) = m.shape();
        // (uniform?, scale): every initializer is a scaled normal or a scaled symmetric uniform.
        let (uniform, scale) = match *self {
            Init::Normal { std } => (false, std),
            Init::HeNormal => (false, (2.0 / rows.max(1) as f64).sqrt()),
            Init::GlorotUniform => (true, (6.0 / (rows + cols).max(1) as f64).sqrt()),
            Init::Zeros => {
                m.fill(0.0);
                return;
            }
        };
        for i in 0..rows {
            for j in 0..cols {
                let z = if uniform { 2.0 * rng.uniform() - 1.0 } else { rng.standard_normal() };
                m[(i, j)] = (scale * z) as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(m: &Matrix) -> (f64, f64) {
        let n = m.len() as f64;
        let mean = m.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = m.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn book_default_draws_row_major_from_the_stream() {
        let mut rng = Rng::seed_from_u64(1);
        let m = Init::default().matrix(2, 3, &mut rng);
        let mut again = Rng::seed_from_u64(1);
        for i in 0..2 {
            for j in 0..3 {
                assert_eq!(m[(i, j)], (0.01 * again.normal_f64()) as f32);
            }
        }
    }

    #[test]
    fn he_and_glorot_have_their_variances() {
        let mut rng = Rng::seed_from_u64(2);
        let (_, var) = moments(&Init::HeNormal.matrix(200, 300, &mut rng));
        assert!((var - 2.0 / 200.0).abs() < 0.02 * (2.0 / 200.0), "{var}");
        let g = Init::GlorotUniform.matrix(200, 300, &mut rng);
        let a = (6.0f64 / 500.0).sqrt();
        assert!(g.iter().all(|&v| f64::from(v.abs()) <= a));
        let (_, var) = moments(&g);
        assert!((var - a * a / 3.0).abs() < 0.02 * a * a / 3.0, "{var}");
        assert!(Init::Zeros.matrix(3, 3, &mut rng).iter().all(|&v| v == 0.0));
    }
}
