//! Shuffled training/validation splits.

use dendrite_tensor::{Matrix, shuffle};

use crate::{Error, Result};

/// Targets that can be split by sample: class indices (`[T]`, `Vec<T>`) or a matrix of target
/// rows (one-hot rows, regression targets).
pub trait Samples {
    /// The owned targets of a subset of the samples.
    type Owned;

    /// Number of samples.
    fn sample_count(&self) -> usize;

    /// The samples at `indices`, in that order, or `None` when an index is out of range.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::Samples;
    /// let y = vec![10, 11, 12];
    /// assert_eq!(y.take_samples(&[2, 0]), Some(vec![12, 10]));
    /// assert_eq!(y.take_samples(&[3]), None);
    /// ```
    fn take_samples(&self, indices: &[usize]) -> Option<Self::Owned>;
}

impl<T: Clone> Samples for [T] {
    type Owned = Vec<T>;

    fn sample_count(&self) -> usize {
        self.len()
    }

    fn take_samples(&self, indices: &[usize]) -> Option<Vec<T>> {
        indices.iter().map(|&i| self.get(i).cloned()).collect()
    }
}

impl<T: Clone> Samples for Vec<T> {
    type Owned = Vec<T>;

    fn sample_count(&self) -> usize {
        self.len()
    }

    fn take_samples(&self, indices: &[usize]) -> Option<Vec<T>> {
        self.as_slice().take_samples(indices)
    }
}

impl Samples for Matrix {
    type Owned = Matrix;

    fn sample_count(&self) -> usize {
        self.nrows()
    }

    fn take_samples(&self, indices: &[usize]) -> Option<Matrix> {
        if indices.iter().any(|&i| i >= self.nrows()) {
            return None;
        }
        // Every index is a row of `self`.
        Some(Matrix::from_fn(indices.len(), self.ncols(), |i, j| self[(indices[i], j)]))
    }
}

/// A training set and a validation set.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<Y> {
    /// Training features.
    pub train_x: Matrix,
    /// Training targets.
    pub train_y: Y,
    /// Validation features.
    pub validation_x: Matrix,
    /// Validation targets.
    pub validation_y: Y,
}

/// Splits features and targets into shuffled training and validation sets.
///
/// The validation set gets `round(n · fraction)` of the `n` samples. The sample indices are
/// shuffled with [`dendrite_tensor::shuffle`] from any `rand` generator (Dendrite's
/// [`dendrite_tensor::Rng`] or another); the first `n − round(n · fraction)` of the permutation go to
/// training, the rest to validation, so a seed gives the same split on every platform. Features
/// and targets stay paired.
///
/// # Errors
/// - [`Error::InvalidArgument`] when `fraction` is not strictly between 0 and 1, or leaves
///   either set empty (`round(n · fraction)` is 0 or `n`);
/// - [`Error::LengthMismatch`] when `x` and `y` have different numbers of samples.
///
/// # Example
/// ```
/// use dendrite_data::{Split, train_validation_split};
/// use dendrite_tensor::{Matrix, Rng};
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let x = Matrix::from_fn(10, 2, |i, j| (2 * i + j) as f32);
/// let y: Vec<usize> = (0..10).collect();
/// let mut rng = Rng::seed_from_u64(0);
/// let Split { train_x, train_y, validation_x, validation_y } =
///     train_validation_split(&x, &y, 0.2, &mut rng)?;
/// assert_eq!((train_x.nrows(), validation_x.nrows()), (8, 2));
/// assert_eq!(validation_x[(0, 0)], 2.0 * validation_y[0] as f32);
/// assert!(train_validation_split(&x, &y, 1.0, &mut rng).is_err());
/// # Ok(())
/// # }
/// ```
pub fn train_validation_split<Y: Samples + ?Sized, R: rand_core::Rng + ?Sized>(
    x: &Matrix,
    y: &Y,
    fraction: f64,
    rng: &mut R,
) -> Result<Split<Y::Owned>> {
    const OP: &str = "train_validation_split";
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!("the validation fraction {fraction} is not strictly between 0 and 1"),
        });
    }
    let n = x.nrows();
    if y.sample_count() != n {
        return Err(Error::LengthMismatch { op: OP, rows: n, targets: y.sample_count() });
    }
    // In [0, n]: fraction is in (0, 1).
    let validation = (n as f64 * fraction).round() as usize;
    if validation == 0 || validation == n {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!(
                "a validation fraction of {fraction} of {n} samples leaves {} for training and {validation} \
                 for validation; both need at least one",
                n - validation
            ),
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(rng, &mut order);
    let (train, valid) = order.split_at(n - validation);
    let out_of_range = || Error::InvalidArgument {
        op: OP,
        reason: "the targets did not give the samples they count".to_owned(),
    };
    Ok(Split {
        // The permutation's indices are all below n, the rows of x.
        train_x: x.take_samples(train).ok_or_else(out_of_range)?,
        train_y: y.take_samples(train).ok_or_else(out_of_range)?,
        validation_x: x.take_samples(valid).ok_or_else(out_of_range)?,
        validation_y: y.take_samples(valid).ok_or_else(out_of_range)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dendrite_tensor::Rng;

    /// Ten samples whose features encode their index: row i is [i, 100 + i].
    fn data() -> (Matrix, Vec<usize>) {
        (Matrix::from_fn(10, 2, |i, j| (100 * j + i) as f32), (0..10).collect())
    }

    #[test]
    fn sizes_pairing_and_coverage() -> Result<()> {
        let (x, y) = data();
        let split = train_validation_split(&x, &y, 0.3, &mut Rng::seed_from_u64(1))?;
        assert_eq!((split.train_x.shape(), split.validation_x.shape()), ((7, 2), (3, 2)));
        assert_eq!((split.train_y.len(), split.validation_y.len()), (7, 3));
        let parts = [(&split.train_x, &split.train_y), (&split.validation_x, &split.validation_y)];
        let mut seen = Vec::new();
        for (px, py) in parts {
            for (r, &label) in py.iter().enumerate() {
                assert_eq!((px[(r, 0)], px[(r, 1)]), (label as f32, 100.0 + label as f32));
                seen.push(label);
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, y);
        Ok(())
    }

    #[test]
    fn shuffled_and_reproducible() -> Result<()> {
        let (x, y) = data();
        let a = train_validation_split(&x, &y, 0.5, &mut Rng::seed_from_u64(7))?;
        assert_eq!(a, train_validation_split(&x, y.as_slice(), 0.5, &mut Rng::seed_from_u64(7))?);
        // The split follows Rng::shuffle's permutation.
        let mut order: Vec<usize> = (0..10).collect();
        Rng::seed_from_u64(7).shuffle(&mut order);
        assert_eq!((a.train_y.as_slice(), a.validation_y.as_slice()), order.split_at(5));
        assert_ne!(a.train_y, [0, 1, 2, 3, 4]);
        Ok(())
    }

    #[test]
    fn matrix_targets_split_alike() -> Result<()> {
        let (x, _) = data();
        let targets = Matrix::from_fn(10, 1, |i, _| i as f32 * 0.5);
        let split = train_validation_split(&x, &targets, 0.2, &mut Rng::seed_from_u64(3))?;
        assert_eq!(split.validation_y.shape(), (2, 1));
        for r in 0..2 {
            assert_eq!(split.validation_y[(r, 0)], split.validation_x[(r, 0)] * 0.5);
        }
        assert_eq!(targets.take_samples(&[10]), None);
        Ok(())
    }

    #[test]
    fn bad_fractions_and_lengths_are_errors() {
        let (x, y) = data();
        let mut rng = Rng::seed_from_u64(0);
        for fraction in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            let e = train_validation_split(&x, &y, fraction, &mut rng).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { .. }), "{fraction}: {e}");
        }
        // 10 · 0.04 rounds to no validation sample, 10 · 0.96 to no training sample.
        for fraction in [0.04, 0.96] {
            let e = train_validation_split(&x, &y, fraction, &mut rng).unwrap_err();
            assert!(e.to_string().contains("both need at least one"), "{e}");
        }
        let e = train_validation_split(&x, &y[..9], 0.5, &mut rng).unwrap_err();
        assert_eq!(e, Error::LengthMismatch { op: "train_validation_split", rows: 10, targets: 9 });
        let empty = Matrix::zeros(0, 2);
        assert!(train_validation_split(&empty, &[] as &[usize], 0.5, &mut rng).is_err());
    }
}
