//! The book's sine data set.

use dendrite_tensor::Matrix;

/// The book's sine data: `samples` points of one period of a sine, for regression; the Python
/// `nnfs` package's `nnfs.datasets.sine_data`.
///
/// Returns `X` and `y`, both `samples × 1`:
///
/// ```python
/// X = np.arange(samples).reshape(-1, 1) / samples
/// y = np.sin(2 * np.pi * X).reshape(-1, 1)
/// ```
///
/// NumPy computes both in `f64` (`2 * np.pi` first); the values are rounded to `f32` here. No
/// random numbers are drawn. Zero samples give two empty matrices.
///
/// # Example
/// ```
/// use dendrite_data::sine_data;
/// let (x, y) = sine_data(4);
/// assert_eq!(x.as_slice(), &[0.0, 0.25, 0.5, 0.75]);
/// assert_eq!(y[(1, 0)], 1.0);
/// ```
#[must_use]
pub fn sine_data(samples: usize) -> (Matrix, Matrix) {
    let n = samples as f64;
    let two_pi = 2.0 * std::f64::consts::PI;
    let x: Vec<f64> = (0..samples).map(|i| i as f64 / n).collect();
    let y = Matrix::from_iterator(samples, 1, x.iter().map(|&v| libm::sin(two_pi * v) as f32));
    let x = Matrix::from_iterator(samples, 1, x.into_iter().map(|v| v as f32));
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_period_on_a_regular_grid() {
        let (x, y) = sine_data(1_000);
        assert_eq!((x.shape(), y.shape()), ((1_000, 1), (1_000, 1)));
        assert_eq!((x[(0, 0)], x[(500, 0)], x[(999, 0)]), (0.0, 0.5, 0.999));
        assert_eq!((y[(0, 0)], y[(250, 0)], y[(750, 0)]), (0.0, 1.0, -1.0));
        for i in 0..1_000 {
            let expected = (2.0 * std::f64::consts::PI * f64::from(x[(i, 0)])).sin();
            assert!((f64::from(y[(i, 0)]) - expected).abs() < 1e-6, "row {i}");
        }
        assert_eq!(sine_data(1_000), (x, y));
    }

    #[test]
    fn zero_samples_give_empty_matrices() {
        let (x, y) = sine_data(0);
        assert_eq!((x.shape(), y.shape()), ((0, 1), (0, 1)));
    }
}
