//! Feature scaling, fitted on training data and saved with a model.

use dendrite_tensor::Matrix;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A per-feature transform of the inputs, fitted on training data and applied to every input
/// the model sees (serializable, so a model file can carry it).
///
/// Each variant maps a value `v` of column `j` to `(v − shift_j) / divisor_j`:
///
/// | variant | shift | divisor |
/// | --- | --- | --- |
/// | `None` | 0 | 1 |
/// | `MinMax` | `min[j]` | `max[j] − min[j]`, or 1 when that is 0 |
/// | `Standardize` | `mean[j]` | `std[j]`, or 1 when that is 0 |
/// | `Affine` | `shift` | `scale`, for every column |
///
/// A constant column therefore becomes 0 under `MinMax` and `Standardize` instead of NaN. The
/// book scales its Fashion-MNIST pixels with `(X − 127.5) / 127.5`, which is
/// [`Scaling::book_pixels`].
///
/// # Example
/// ```
/// use dendrite_data::Scaling;
/// use dendrite_tensor::Matrix;
/// # fn main() -> Result<(), dendrite_data::Error> {
/// let train = Matrix::from_row_slice(3, 2, &[0.0, 10.0, 5.0, 10.0, 10.0, 10.0]);
/// let scaling = Scaling::fit_min_max(&train)?;
/// let test = Matrix::from_row_slice(1, 2, &[2.5, 10.0]);
/// assert_eq!(scaling.apply_to_copy(&test)?.as_slice(), &[0.25, 0.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub enum Scaling {
    /// The inputs as they are.
    #[default]
    None,
    /// To `[0, 1]` over the range seen in training: `(v − min) / (max − min)`.
    MinMax {
        /// Each column's smallest training value.
        min: Vec<f32>,
        /// Each column's largest training value.
        max: Vec<f32>,
    },
    /// To zero mean and unit variance over the training data: `(v − mean) / std`.
    Standardize {
        /// Each column's training mean.
        mean: Vec<f32>,
        /// Each column's training standard deviation (the population one, dividing by `n`).
        std: Vec<f32>,
    },
    /// The same `(v − shift) / scale` for every column.
    Affine {
        /// Subtracted first.
        shift: f32,
        /// Divided by then; not zero.
        scale: f32,
    },
}

impl Scaling {
    /// Min–max scaling fitted on `x`'s columns.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `x` has no rows or holds a value that is not finite.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::Scaling;
    /// use dendrite_tensor::Matrix;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let x = Matrix::from_row_slice(2, 2, &[1.0, -1.0, 3.0, 1.0]);
    /// assert_eq!(Scaling::fit_min_max(&x)?, Scaling::MinMax { min: vec![1.0, -1.0], max: vec![3.0, 1.0] });
    /// # Ok(())
    /// # }
    /// ```
    pub fn fit_min_max(x: &Matrix) -> Result<Self> {
        check_fit_input("fit_min_max", x)?;
        let min = x.column_iter().map(|c| c.iter().copied().fold(f32::INFINITY, f32::min)).collect();
        let max = x.column_iter().map(|c| c.iter().copied().fold(f32::NEG_INFINITY, f32::max)).collect();
        Ok(Scaling::MinMax { min, max })
    }

    /// Standardization fitted on `x`'s columns: their means and population standard deviations,
    /// accumulated in `f64`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `x` has no rows or holds a value that is not finite.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::Scaling;
    /// use dendrite_tensor::Matrix;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let x = Matrix::from_row_slice(2, 1, &[1.0, 3.0]);
    /// assert_eq!(Scaling::fit_standardize(&x)?, Scaling::Standardize { mean: vec![2.0], std: vec![1.0] });
    /// # Ok(())
    /// # }
    /// ```
    pub fn fit_standardize(x: &Matrix) -> Result<Self> {
        check_fit_input("fit_standardize", x)?;
        let n = x.nrows() as f64;
        let (mut mean, mut std) = (Vec::with_capacity(x.ncols()), Vec::with_capacity(x.ncols()));
        for column in x.column_iter() {
            let m = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = column.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n;
            mean.push(m as f32);
            std.push(var.sqrt() as f32);
        }
        Ok(Scaling::Standardize { mean, std })
    }

    /// The book's pixel scaling, `(x − 127.5) / 127.5`: bytes `0..=255` to `[-1, 1]`.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::Scaling;
    /// use dendrite_tensor::Matrix;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let pixels = Matrix::from_row_slice(1, 3, &[0.0, 127.5, 255.0]);
    /// assert_eq!(Scaling::book_pixels().apply_to_copy(&pixels)?.as_slice(), &[-1.0, 0.0, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn book_pixels() -> Self {
        Scaling::Affine { shift: 127.5, scale: 127.5 }
    }

    /// Scales `x` in place.
    ///
    /// # Errors
    /// - [`Error::ColumnMismatch`] when `x` has another number of columns than the scaling was
    ///   fitted on;
    /// - [`Error::InvalidArgument`] when the scaling itself is invalid, as only a hand-made or
    ///   deserialized one can be: `min` and `max` (or `mean` and `std`) of different lengths,
    ///   values that are not finite, `max < min`, a negative `std`, or a zero `scale`.
    ///
    /// `x` is unchanged on error.
    ///
    /// # Example
    /// ```
    /// use dendrite_data::Scaling;
    /// use dendrite_tensor::Matrix;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let scaling = Scaling::Standardize { mean: vec![1.0, 0.0], std: vec![2.0, 0.0] };
    /// let mut x = Matrix::from_row_slice(1, 2, &[5.0, 3.0]);
    /// scaling.apply(&mut x)?;
    /// assert_eq!(x.as_slice(), &[2.0, 3.0]); // a zero std divides by 1
    /// assert!(scaling.apply(&mut Matrix::zeros(1, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn apply(&self, x: &mut Matrix) -> Result<()> {
        match self {
            Scaling::None => {}
            Scaling::MinMax { min, max } => {
                let ranges = checked_pairs("min", min, "max", max, x.ncols(), |lo, hi| hi >= lo)?;
                shift_and_divide(x, ranges.map(|(lo, hi)| (lo, hi - lo)));
            }
            Scaling::Standardize { mean, std } => {
                let moments = checked_pairs("mean", mean, "std", std, x.ncols(), |_, s| s >= 0.0)?;
                shift_and_divide(x, moments);
            }
            &Scaling::Affine { shift, scale } => {
                if !shift.is_finite() || !scale.is_finite() || scale == 0.0 {
                    return Err(invalid(format!(
                        "affine scaling needs a finite shift and a finite, non-zero scale, not {shift} and {scale}"
                    )));
                }
                x.apply(|v| *v = (*v - shift) / scale);
            }
        }
        Ok(())
    }

    /// A scaled copy of `x`; see [`Scaling::apply`].
    ///
    /// # Errors
    /// Those of [`Scaling::apply`].
    ///
    /// # Example
    /// ```
    /// use dendrite_data::Scaling;
    /// use dendrite_tensor::Matrix;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// let x = Matrix::from_row_slice(1, 2, &[255.0, 0.0]);
    /// let scaled = Scaling::book_pixels().apply_to_copy(&x)?;
    /// assert_eq!((scaled.as_slice(), x[(0, 0)]), (&[1.0, -1.0][..], 255.0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn apply_to_copy(&self, x: &Matrix) -> Result<Matrix> {
        let mut copy = x.clone();
        self.apply(&mut copy)?;
        Ok(copy)
    }
}

/// An [`Error::InvalidArgument`] of [`Scaling::apply`].
fn invalid(reason: String) -> Error {
    Error::InvalidArgument { op: "Scaling::apply", reason }
}

/// Checks that a matrix can be fitted on: rows, and only finite values.
fn check_fit_input(op: &'static str, x: &Matrix) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::InvalidArgument { op, reason: "no rows to fit on".to_owned() });
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        // Column-major: entry i is at row i mod rows, column i / rows.
        let (row, col) = (i % x.nrows(), i / x.nrows());
        return Err(Error::InvalidArgument {
            op,
            reason: format!("the value {} at row {row}, column {col} is not finite", x[(row, col)]),
        });
    }
    Ok(())
}

/// Checks a fitted scaling's two vectors against each other and against `cols` columns; returns
/// them as pairs.
fn checked_pairs<'a>(
    a_name: &str,
    a: &'a [f32],
    b_name: &str,
    b: &'a [f32],
    cols: usize,
    valid: impl Fn(f32, f32) -> bool,
) -> Result<impl Iterator<Item = (f32, f32)> + 'a> {
    if a.len() != b.len() {
        return Err(invalid(format!("{a_name} has {} values but {b_name} has {}", a.len(), b.len())));
    }
    if a.len() != cols {
        return Err(Error::ColumnMismatch { op: "Scaling::apply", expected: a.len(), got: cols });
    }
    if let Some(j) = (0..cols).find(|&j| !(a[j].is_finite() && b[j].is_finite() && valid(a[j], b[j]))) {
        return Err(invalid(format!("column {j} has {a_name} {} and {b_name} {}", a[j], b[j])));
    }
    Ok(a.iter().copied().zip(b.iter().copied()))
}

/// `x[i, j] = (x[i, j] − shift_j) / divisor_j` for each column's `(shift_j, divisor_j)`, a zero
/// divisor standing for 1.
fn shift_and_divide(x: &mut Matrix, columns: impl Iterator<Item = (f32, f32)>) {
    for (mut column, (shift, divisor)) in x.column_iter_mut().zip(columns) {
        let divisor = if divisor == 0.0 { 1.0 } else { divisor };
        column.apply(|v| *v = (*v - shift) / divisor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: usize, cols: usize, values: &[f32]) -> Matrix {
        Matrix::from_row_slice(rows, cols, values)
    }

    #[test]
    fn min_max_maps_the_training_range_to_the_unit_interval() -> Result<()> {
        let x = m(3, 2, &[1.0, -4.0, 3.0, 0.0, 2.0, 4.0]);
        let scaling = Scaling::fit_min_max(&x)?;
        assert_eq!(scaling, Scaling::MinMax { min: vec![1.0, -4.0], max: vec![3.0, 4.0] });
        assert_eq!(scaling.apply_to_copy(&x)?, m(3, 2, &[0.0, 0.0, 1.0, 0.5, 0.5, 1.0]));
        // Outside the training range, values fall outside [0, 1].
        assert_eq!(scaling.apply_to_copy(&m(1, 2, &[5.0, -8.0]))?, m(1, 2, &[2.0, -0.5]));
        Ok(())
    }

    #[test]
    fn standardize_gives_zero_mean_and_unit_variance() -> Result<()> {
        let x = m(4, 2, &[1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]);
        let scaling = Scaling::fit_standardize(&x)?;
        let Scaling::Standardize { mean, std } = &scaling else { panic!("{scaling:?}") };
        assert_eq!(mean, &[2.5, 25.0]);
        assert!((std[0] - 1.25f32.sqrt()).abs() < 1e-6 && (std[1] - 125f32.sqrt()).abs() < 1e-5);
        let z = scaling.apply_to_copy(&x)?;
        for col in z.column_iter() {
            let (mean, var) = (col.mean(), col.map(|v| v * v).mean());
            assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{mean} {var}");
        }
        Ok(())
    }

    #[test]
    fn constant_columns_divide_by_one() -> Result<()> {
        let x = m(2, 2, &[7.0, 1.0, 7.0, 2.0]);
        for scaling in [Scaling::fit_min_max(&x)?, Scaling::fit_standardize(&x)?] {
            let scaled = scaling.apply_to_copy(&m(1, 2, &[9.0, 1.0]))?;
            assert_eq!(scaled[(0, 0)], 2.0, "{scaling:?}");
            assert!(scaled.iter().all(|v| v.is_finite()));
        }
        Ok(())
    }

    #[test]
    fn the_book_pixels_and_none() -> Result<()> {
        let x = m(1, 4, &[0.0, 51.0, 127.5, 255.0]);
        let scaled = Scaling::book_pixels().apply_to_copy(&x)?;
        // NumPy: (np.float32([0, 51, 127.5, 255]) - 127.5) / 127.5
        assert_eq!(scaled, m(1, 4, &[-1.0, -0.6, 0.0, 1.0]));
        assert_eq!(Scaling::default().apply_to_copy(&x)?, x);
        // None and Affine apply to any width.
        assert_eq!(Scaling::book_pixels().apply_to_copy(&Matrix::zeros(2, 7))?.shape(), (2, 7));
        Ok(())
    }

    #[test]
    fn column_mismatches_and_bad_fits_are_errors() -> Result<()> {
        let scaling = Scaling::fit_min_max(&m(1, 2, &[0.0, 1.0]))?;
        let mut x = m(1, 3, &[1.0, 2.0, 3.0]);
        let e = scaling.apply(&mut x).unwrap_err();
        assert_eq!(e, Error::ColumnMismatch { op: "Scaling::apply", expected: 2, got: 3 });
        assert_eq!(x, m(1, 3, &[1.0, 2.0, 3.0]));
        assert!(matches!(Scaling::fit_min_max(&Matrix::zeros(0, 3)), Err(Error::InvalidArgument { .. })));
        let e = Scaling::fit_standardize(&m(2, 2, &[0.0, 1.0, 2.0, f32::NAN])).unwrap_err();
        assert!(e.to_string().contains("row 1, column 1"), "{e}");
        Ok(())
    }

    #[test]
    fn invalid_hand_made_scalings_are_errors() {
        let bad = [
            Scaling::MinMax { min: vec![0.0], max: vec![1.0, 2.0] },
            Scaling::MinMax { min: vec![1.0], max: vec![0.0] },
            Scaling::MinMax { min: vec![f32::NAN], max: vec![0.0] },
            Scaling::Standardize { mean: vec![0.0], std: vec![-1.0] },
            Scaling::Standardize { mean: vec![f32::INFINITY], std: vec![1.0] },
            Scaling::Affine { shift: 0.0, scale: 0.0 },
            Scaling::Affine { shift: f32::NAN, scale: 1.0 },
        ];
        for scaling in bad {
            let mut x = Matrix::zeros(2, 1);
            let e = scaling.apply(&mut x).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { .. }), "{scaling:?}: {e}");
            assert_eq!(x, Matrix::zeros(2, 1));
        }
    }

    #[test]
    fn serde_round_trip() -> Result<(), serde_json::Error> {
        for scaling in [
            Scaling::None,
            Scaling::MinMax { min: vec![0.5, -1.0], max: vec![2.0, 1.0] },
            Scaling::Standardize { mean: vec![0.1], std: vec![3.0] },
            Scaling::book_pixels(),
        ] {
            let text = serde_json::to_string(&scaling)?;
            assert_eq!(serde_json::from_str::<Scaling>(&text)?, scaling);
        }
        let text = serde_json::to_string(&Scaling::book_pixels())?;
        assert_eq!(text, r#"{"Affine":{"shift":127.5,"scale":127.5}}"#);
        Ok(())
    }
}
