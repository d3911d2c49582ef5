//! The book's spiral data set.

use dendrite_tensor::{Matrix, RandomSource};

/// `np.linspace(start, stop, num)` as NumPy computes it: `i · step + start` with
/// `step = (stop − start) / (num − 1)`, the last element set to `stop` exactly.
pub(crate) fn linspace(start: f64, stop: f64, num: usize) -> impl Iterator<Item = f64> {
    let delta = stop - start;
    let div = num.saturating_sub(1) as f64;
    let step = delta / div;
    (0..num).map(move |i| {
        if num > 1 && i == num - 1 {
            stop
        } else if num == 1 {
            // NumPy: `0 · delta + start`.
            0.0 * delta + start
        } else if step == 0.0 {
            // NumPy divides first when the step underflows to zero.
            i as f64 / div * delta + start
        } else {
            i as f64 * step + start
        }
    })
}

/// The book's spiral data: `classes` interleaved spiral arms of `samples` points each, in the
/// plane; the Python `nnfs` package's `nnfs.datasets.spiral_data`.
///
/// Returns `X`, a `(samples · classes) × 2` matrix, and `y`, the class of each row (class 0's
/// rows first). For each class `c` in turn, the book's definition is
///
/// ```python
/// r = np.linspace(0.0, 1, samples)                                            # radius
/// t = np.linspace(c*4, (c+1)*4, samples) + np.random.randn(samples)*0.2     # angle
/// X[ix] = np.c_[r*np.sin(t*2.5), r*np.cos(t*2.5)]
/// ```
///
/// and it is computed with NumPy's types after `nnfs.init()`: each normal draw is rounded to
/// `f32`, multiplied by `0.2` in `f32`, and added in `f64` to the `f64` linspace; the
/// coordinates are computed in `f64` and rounded to `f32`. With a [`crate::NumpyRng`] seeded as
/// `nnfs.init()` seeds NumPy, the result is the book's data bit for bit.
///
/// Each class draws `samples` normal deviates from `rng`, in order. No samples or no classes
/// give an empty matrix.
///
/// # Example
/// ```
/// use dendrite_data::spiral_data;
/// use dendrite_tensor::Rng;
/// let mut rng = Rng::seed_from_u64(0);
/// let (x, y) = spiral_data(100, 3, &mut rng);
/// assert_eq!(x.shape(), (300, 2));
/// assert_eq!((y[0], y[299]), (0, 2));
/// ```
pub fn spiral_data<R: RandomSource + ?Sized>(
    samples: usize,
    classes: usize,
    rng: &mut R,
) -> (Matrix, Vec<usize>) {
    let rows = samples * classes;
    let mut x = Matrix::zeros(rows, 2);
    let mut y = Vec::with_capacity(rows);
    for class in 0..classes {
        let start = class as f64 * 4.0;
        let radii = linspace(0.0, 1.0, samples);
        let angles = linspace(start, start + 4.0, samples);
        for (i, (r, t)) in radii.zip(angles).enumerate() {
            let noise = rng.standard_normal() as f32 * 0.2f32;
            let t = (t + f64::from(noise)) * 2.5;
            let row = class * samples + i;
            x[(row, 0)] = (r * libm::sin(t)) as f32;
            x[(row, 1)] = (r * libm::cos(t)) as f32;
            y.push(class);
        }
    }
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NumpyRng;
    use dendrite_tensor::Rng;

    #[test]
    fn linspace_follows_numpy() {
        let v: Vec<f64> = linspace(0.0, 1.0, 5).collect();
        assert_eq!(v, [0.0, 0.25, 0.5, 0.75, 1.0]);
        let v: Vec<f64> = linspace(4.0, 8.0, 4).collect();
        assert_eq!(v, [4.0, 4.0 + 4.0 / 3.0, 4.0 + 2.0 * (4.0 / 3.0), 8.0]);
        assert_eq!(linspace(3.0, 7.0, 1).collect::<Vec<_>>(), [3.0]);
        assert_eq!(linspace(3.0, 3.0, 3).collect::<Vec<_>>(), [3.0, 3.0, 3.0]);
        assert_eq!(linspace(0.0, 1.0, 0).count(), 0);
    }

    #[test]
    fn shapes_labels_and_balance() {
        let mut rng = Rng::seed_from_u64(1);
        let (x, y) = spiral_data(50, 4, &mut rng);
        assert_eq!(x.shape(), (200, 2));
        assert_eq!(y.len(), 200);
        for class in 0..4 {
            assert!(y[class * 50..(class + 1) * 50].iter().all(|&c| c == class));
        }
        // Every point lies within the unit disc; each arm starts at the origin and ends on the circle.
        for i in 0..200 {
            let norm = f64::from(x[(i, 0)]).hypot(f64::from(x[(i, 1)]));
            assert!(norm <= 1.0 + 1e-6, "row {i}: {norm}");
        }
        for class in 0..4 {
            assert_eq!((x[(class * 50, 0)].abs(), x[(class * 50, 1)].abs()), (0.0, 0.0));
            let end = class * 50 + 49;
            assert!((f64::from(x[(end, 0)]).hypot(f64::from(x[(end, 1)])) - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn same_seed_same_data_and_draws_one_normal_per_point() {
        let (a, ya) = spiral_data(20, 3, &mut NumpyRng::new(4));
        let mut rng = NumpyRng::new(4);
        let (b, yb) = spiral_data(20, 3, &mut rng);
        assert_eq!((a.clone(), ya), (b, yb));
        let mut reference = NumpyRng::new(4);
        for _ in 0..60 {
            reference.standard_normal();
        }
        assert_eq!(rng, reference);
        let (c, _) = spiral_data(20, 3, &mut NumpyRng::new(5));
        assert_ne!(a, c);
    }

    #[test]
    fn empty_when_there_is_nothing_to_draw() {
        let mut rng = Rng::seed_from_u64(0);
        assert_eq!(spiral_data(0, 3, &mut rng).0.shape(), (0, 2));
        let (x, y) = spiral_data(5, 0, &mut rng);
        assert_eq!((x.shape(), y.len()), ((0, 2), 0));
        let (x, _) = spiral_data(1, 2, &mut rng);
        assert_eq!(x.shape(), (2, 2));
    }
}
