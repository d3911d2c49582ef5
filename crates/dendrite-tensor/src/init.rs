//! Weight initializers.

use serde::{Deserialize, Serialize};

use crate::{Matrix, RandomSource};

/// How a weight matrix of shape `fan_in × fan_out` is filled.
///
/// Entries are drawn in row-major order (row 0 first), the order of NumPy's
/// `np.random.randn(n_inputs, n_neurons)`, from any [`RandomSource`]: Dendrite's [`crate::Rng`],
/// any `rand` generator, or the NumPy-compatible generator of `dendrite-data`. Each initializer
/// is a scaled standard normal or a scaled symmetric uniform draw (`2u − 1` with `u` the
/// source's uniform), so the same source gives the same matrix on every platform.
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
    /// He (Kaiming) uniform: `U(−a, a)` with `a = sqrt(6 / fan_in)`, PyTorch's
    /// `kaiming_uniform_` for ReLU.
    HeUniform,
    /// Glorot (Xavier) normal: `N(0, 2 / (fan_in + fan_out))`.
    GlorotNormal,
    /// `U(−limit, limit)`.
    Uniform {
        /// The bound of the interval.
        limit: f64,
    },
    /// `std · N(0, 1)` truncated to two standard deviations: a draw outside `[−2, 2]` is drawn
    /// again, as Keras' `TruncatedNormal` and PyTorch's `trunc_normal_(std=s, a=−2s, b=2s)`.
    TruncatedNormal {
        /// The standard deviation before truncation.
        std: f64,
    },
    /// `gain ·` an orthogonal matrix (Saxe et al.): the Q of a QR decomposition of a standard
    /// normal matrix (of its transpose when it is wide), the signs fixed by R's diagonal, as
    /// PyTorch's `orthogonal_`. Its columns (rows, when wide) are orthonormal.
    Orthogonal {
        /// The scale of the matrix.
        gain: f64,
    },
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
        let (fan_in, fan_sum) = (rows.max(1) as f64, (rows + cols).max(1) as f64);
        let normal = |rng: &mut R| rng.standard_normal();
        let symmetric = |rng: &mut R| 2.0 * rng.uniform() - 1.0;
        match *self {
            Init::Normal { std } => fill_scaled(m, rng, std, normal),
            Init::HeNormal => fill_scaled(m, rng, (2.0 / fan_in).sqrt(), normal),
            Init::GlorotNormal => fill_scaled(m, rng, (2.0 / fan_sum).sqrt(), normal),
            Init::HeUniform => fill_scaled(m, rng, (6.0 / fan_in).sqrt(), symmetric),
            Init::GlorotUniform => fill_scaled(m, rng, (6.0 / fan_sum).sqrt(), symmetric),
            Init::Uniform { limit } => fill_scaled(m, rng, limit, symmetric),
            Init::TruncatedNormal { std } => fill_scaled(m, rng, std, |rng: &mut R| {
                loop {
                    let z = rng.standard_normal();
                    if z.abs() <= 2.0 {
                        break z;
                    }
                }
            }),
            Init::Orthogonal { gain } => fill_orthogonal(m, rng, gain),
            Init::Zeros => m.fill(0.0),
        }
    }
}

/// `m[i, j] = scale · draw()` in row-major order.
fn fill_scaled<R: ?Sized>(m: &mut Matrix, rng: &mut R, scale: f64, mut draw: impl FnMut(&mut R) -> f64) {
    let (rows, cols) = m.shape();
    for i in 0..rows {
        for j in 0..cols {
            m[(i, j)] = (scale * draw(rng)) as f32;
        }
    }
}

/// `gain · Q`, with `Q` from the QR decomposition of a standard normal matrix drawn in
/// row-major order (transposed when wide, so that QR runs on the tall orientation).
fn fill_orthogonal<R: RandomSource + ?Sized>(m: &mut Matrix, rng: &mut R, gain: f64) {
    let (rows, cols) = m.shape();
    if rows == 0 || cols == 0 {
        return;
    }
    let mut a = nalgebra::DMatrix::<f64>::zeros(rows, cols);
    for i in 0..rows {
        for j in 0..cols {
            a[(i, j)] = rng.standard_normal();
        }
    }
    let wide = rows < cols;
    if wide {
        a = a.transpose();
    }
    let qr = a.qr();
    let (mut q, r) = (qr.q(), qr.r());
    for (k, mut column) in q.column_iter_mut().enumerate() {
        if r[(k, k)] < 0.0 {
            column.neg_mut();
        }
    }
    let q = if wide { q.transpose() } else { q };
    for i in 0..rows {
        for j in 0..cols {
            m[(i, j)] = (gain * q[(i, j)]) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;

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
