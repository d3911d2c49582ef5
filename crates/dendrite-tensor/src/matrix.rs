//! The matrix type and shape helpers.

use crate::{Error, Result};

/// Dendrite's matrix: a column-major `nalgebra::DMatrix<f32>`.
///
/// Rows are samples, columns are features, as in the book. Being nalgebra's own type, every
/// nalgebra operation works on it; Dendrite adds fast products ([`crate::matmul`]) and row-wise
/// operations on top.
pub type Matrix = nalgebra::DMatrix<f32>;

/// A matrix shape, `rows × cols`, for error messages and shape checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    /// Number of rows (samples).
    pub rows: usize,
    /// Number of columns (features).
    pub cols: usize,
}

impl Shape {
    /// The shape of `m`.
    #[must_use]
    pub fn of(m: &Matrix) -> Self {
        Self { rows: m.nrows(), cols: m.ncols() }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.rows, self.cols)
    }
}

/// Gives `m` the shape `rows × cols`, reusing its buffer.
///
/// Nothing is allocated when the buffer's capacity already holds `rows · cols` elements, so a
/// layer that sees alternating batch sizes (a full batch, then a short last one) reuses one
/// buffer. The contents after a shape change are unspecified (callers overwrite them); an
/// unchanged shape leaves the contents as they are.
pub fn resize(m: &mut Matrix, rows: usize, cols: usize) {
    if m.nrows() == rows && m.ncols() == cols {
        return;
    }
    let mut data: Vec<f32> = std::mem::take(m).data.into();
    data.resize(rows * cols, 0.0);
    *m = Matrix::from_vec(rows, cols, data);
}

/// Writes the transpose of `src` into `out` (resized, reusing its buffer), in 32 × 32 tiles so
/// that both the reads and the writes stay within a few cache lines: several times faster than
/// an element-by-element transpose on matrices larger than the cache.
pub fn transpose_into(src: &Matrix, out: &mut Matrix) {
    const TILE: usize = 32;
    let (rows, cols) = src.shape();
    resize(out, cols, rows);
    let (s, d) = (src.as_slice(), out.as_mut_slice());
    if rows == 0 || cols == 0 {
        return;
    }
    // Output column i (source row i) is the contiguous run d[i·cols..]; a tile writes 32 such
    // runs 32 elements at a time while reading 32 source columns 32 elements at a time.
    for (t, out_tile) in d.chunks_mut(TILE * cols).enumerate() {
        let i0 = t * TILE;
        for j0 in (0..cols).step_by(TILE) {
            let j1 = (j0 + TILE).min(cols);
            for (k, out_col) in out_tile.chunks_exact_mut(cols).enumerate() {
                let i = i0 + k;
                for (j, o) in (j0..j1).zip(&mut out_col[j0..j1]) {
                    *o = s[i + j * rows];
                }
            }
        }
    }
}

/// Builds a matrix from rows of equal length.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the rows differ in length.
///
/// # Example
/// ```
/// # fn main() -> Result<(), dendrite_tensor::Error> {
/// let m = dendrite_tensor::from_rows(&[[1.0, 2.0], [3.0, 4.0]])?;
/// assert_eq!(m[(1, 0)], 3.0);
/// # Ok(())
/// # }
/// ```
pub fn from_rows<R: AsRef<[f32]>>(rows: &[R]) -> Result<Matrix> {
    let cols = rows.first().map_or(0, |r| r.as_ref().len());
    let mut m = Matrix::zeros(rows.len(), cols);
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_ref();
        if row.len() != cols {
            return Err(Error::ShapeMismatch {
                op: "from_rows",
                expected: format!("{cols} columns in every row"),
                got: format!("{} columns in row {i}", row.len()),
            });
        }
        for (j, &v) in row.iter().enumerate() {
            m[(i, j)] = v;
        }
    }
    Ok(m)
}

/// Checks that `m` has `cols` columns; `op` names the caller in the error.
///
/// # Errors
/// [`Error::ShapeMismatch`] when it has another number of columns.
pub fn expect_cols(op: &'static str, m: &Matrix, cols: usize) -> Result<()> {
    if m.ncols() == cols {
        Ok(())
    } else {
        Err(Error::ShapeMismatch { op, expected: format!("{cols} columns"), got: Shape::of(m).to_string() })
    }
}

/// Checks that `a` and `b` have the same shape; `op` names the caller in the error.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the shapes differ.
pub fn expect_same_shape(op: &'static str, a: &Matrix, b: &Matrix) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(Error::ShapeMismatch { op, expected: Shape::of(a).to_string(), got: Shape::of(b).to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_keeps_capacity_and_shape() {
        let mut m = Matrix::zeros(4, 3);
        let ptr = m.as_ptr();
        resize(&mut m, 2, 3);
        assert_eq!(m.shape(), (2, 3));
        resize(&mut m, 4, 3);
        assert_eq!(m.shape(), (4, 3));
        assert_eq!(ptr, m.as_ptr(), "no reallocation within capacity");
    }

    #[test]
    fn tiled_transpose_matches_nalgebra() {
        for (r, c) in [(1, 1), (5, 3), (33, 70), (64, 31)] {
            let m = Matrix::from_fn(r, c, |i, j| (i * 1000 + j) as f32);
            let mut t = Matrix::zeros(0, 0);
            transpose_into(&m, &mut t);
            assert_eq!(t, m.transpose());
        }
    }

    #[test]
    fn from_rows_rejects_ragged_rows() {
        let err = from_rows(&[vec![1.0, 2.0], vec![3.0]]).unwrap_err();
        assert!(err.to_string().contains("row 1"), "{err}");
    }
}
