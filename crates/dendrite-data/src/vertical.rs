//! The book's vertical data set.

use dendrite_tensor::{Matrix, RandomSource};

/// The book's vertical data: `classes` vertical clusters of `samples` points each, centred at
/// `(c/3, 0.5)` for class `c`; the Python `nnfs` package's `nnfs.datasets.vertical_data`.
///
/// Returns `X`, a `(samples · classes) × 2` matrix, and `y`, the class of each row (class 0's
/// rows first). For each class `c` in turn, the book's definition is
///
/// ```python
/// X[ix] = np.c_[np.random.randn(samples)*.1 + c/3, np.random.randn(samples)*.1 + 0.5]
/// ```
///
/// computed with NumPy's types after `nnfs.init()`: the normal draws are rounded to `f32`, and
/// the scale and the offsets are `f32` operations (`0.1`, `c/3` and `0.5` rounded to `f32`).
/// Each class draws `samples` deviates for its first column, then `samples` for its second.
/// With a [`crate::NumpyRng`] seeded as `nnfs.init()` seeds NumPy, the result is the book's data
/// bit for bit. No samples or no classes give an empty matrix.
///
/// # Example
/// ```
/// use dendrite_data::vertical_data;
/// use dendrite_tensor::Rng;
/// let mut rng = Rng::seed_from_u64(0);
/// let (x, y) = vertical_data(100, 3, &mut rng);
/// assert_eq!(x.shape(), (300, 2));
/// assert_eq!((y[0], y[299]), (0, 2));
/// ```
pub fn vertical_data<R: RandomSource + ?Sized>(
    samples: usize,
    classes: usize,
    rng: &mut R,
) -> (Matrix, Vec<usize>) {
    let rows = samples * classes;
    let mut x = Matrix::zeros(rows, 2);
    let mut y = Vec::with_capacity(rows);
    for class in 0..classes {
        let centres = [(class as f64 / 3.0) as f32, 0.5f32];
        for (col, centre) in centres.into_iter().enumerate() {
            for i in 0..samples {
                let noise = rng.standard_normal() as f32 * 0.1f32;
                x[(class * samples + i, col)] = noise + centre;
            }
        }
        y.extend(std::iter::repeat_n(class, samples));
    }
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NumpyRng;
    use dendrite_tensor::Rng;

    #[test]
    fn shapes_labels_and_balance() {
        let mut rng = Rng::seed_from_u64(2);
        let (x, y) = vertical_data(500, 3, &mut rng);
        assert_eq!(x.shape(), (1_500, 2));
        assert_eq!(y.len(), 1_500);
        for class in 0..3 {
            let rows = class * 500..(class + 1) * 500;
            assert!(y[rows.clone()].iter().all(|&c| c == class));
            // Each cluster's mean is within a few standard errors (0.1 / sqrt(500)) of its centre.
            let mean = |col: usize| rows.clone().map(|i| f64::from(x[(i, col)])).sum::<f64>() / 500.0;
            assert!((mean(0) - class as f64 / 3.0).abs() < 0.02, "class {class}");
            assert!((mean(1) - 0.5).abs() < 0.02, "class {class}");
        }
    }

    #[test]
    fn draws_the_first_column_then_the_second() {
        let mut rng = NumpyRng::new(3);
        let (x, _) = vertical_data(4, 2, &mut rng);
        let mut reference = NumpyRng::new(3);
        for class in 0..2 {
            for col in 0..2 {
                let centre = if col == 0 { (f64::from(class as u8) / 3.0) as f32 } else { 0.5 };
                for i in 0..4 {
                    let z = reference.standard_normal() as f32;
                    assert_eq!(x[(class * 4 + i, col)].to_bits(), (z * 0.1 + centre).to_bits());
                }
            }
        }
        assert_eq!(rng, reference);
    }

    #[test]
    fn same_seed_same_data_and_empty_cases() {
        let a = vertical_data(10, 3, &mut Rng::seed_from_u64(8));
        assert_eq!(a, vertical_data(10, 3, &mut Rng::seed_from_u64(8)));
        assert_ne!(a, vertical_data(10, 3, &mut Rng::seed_from_u64(9)));
        let (x, y) = vertical_data(0, 3, &mut Rng::seed_from_u64(8));
        assert_eq!((x.shape(), y.len()), ((0, 2), 0));
    }
}
