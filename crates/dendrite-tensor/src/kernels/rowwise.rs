//! Row-wise operations: softmax, argmax, bias broadcast, column sums.
//!
//! Rows are samples. The matrix is column-major, so per-column work (a bias, a column sum) runs
//! over contiguous memory without an index modulo, and per-row work walks with a stride.

use crate::{Error, Matrix, Result, Shape, resize, sum_lanes};

/// Row-wise softmax: `out[i, ·] = exp(x[i, ·] − max x[i, ·]) / Σ exp(…)`.
///
/// Subtracting the row maximum keeps `exp` finite for any finite input. `out` is resized to the
/// input's shape, reusing its buffer.
///
/// # Example
/// ```
/// use dendrite_tensor::{Matrix, softmax_rows};
/// let x = Matrix::from_row_slice(1, 3, &[1.0, 2.0, 3.0]);
/// let mut p = Matrix::zeros(0, 0);
/// softmax_rows(&x, &mut p);
/// assert!((p.sum() - 1.0).abs() < 1e-6);
/// ```
pub fn softmax_rows(input: &Matrix, out: &mut Matrix) {
    let (rows, cols) = input.shape();
    resize(out, rows, cols);
    softmax_into(input.as_slice(), rows, cols, out.as_mut_slice());
}

/// [`softmax_rows`] on column-major slices, compiled for each SIMD level ([`crate::exp`] is
/// plain arithmetic, so the exponentials vectorize too).
#[multiversion::multiversion(targets = "simd")]
fn softmax_into(x: &[f32], rows: usize, cols: usize, y: &mut [f32]) {
    // Rows in chunks of 64, each step running down a column (contiguous in this layout)
    // for the 64 rows at once: the same operations in the same order per row as a row-by-row
    // loop, without its strided walk.
    const CHUNK: usize = 64;
    for r0 in (0..rows).step_by(CHUNK) {
        let len = CHUNK.min(rows - r0);
        let col = |j: usize| j * rows + r0..j * rows + r0 + len;
        let mut max = [f32::NEG_INFINITY; CHUNK];
        for j in 0..cols {
            for (m, &v) in max.iter_mut().zip(&x[col(j)]) {
                *m = m.max(v);
            }
        }
        let mut sum = [0.0f32; CHUNK];
        for j in 0..cols {
            let (xc, yc) = (&x[col(j)], &mut y[col(j)]);
            for (((o, &v), &m), s) in yc.iter_mut().zip(xc).zip(&max).zip(sum.iter_mut()) {
                let e = crate::exp(v - m);
                *o = e;
                *s += e;
            }
        }
        let inv = sum.map(|s| 1.0 / s);
        for j in 0..cols {
            for (o, &k) in y[col(j)].iter_mut().zip(&inv) {
                *o *= k;
            }
        }
    }
}

/// Gradient of a row-wise softmax: `dx[i] = y[i] ∘ (d[i] − d[i]·y[i])`.
///
/// This is the book's Jacobian product `(diag(y) − y·yᵀ)·d` row by row, without forming the
/// Jacobian. `out` is resized to the output's shape.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `output` and `dvalues` differ in shape.
pub fn softmax_rows_backward(output: &Matrix, dvalues: &Matrix, out: &mut Matrix) -> Result<()> {
    crate::expect_same_shape("softmax backward", output, dvalues)?;
    let (rows, cols) = output.shape();
    resize(out, rows, cols);
    let (y, d, dx) = (output.as_slice(), dvalues.as_slice(), out.as_mut_slice());
    for i in 0..rows {
        let mut dot = 0.0f32;
        for j in 0..cols {
            dot += d[i + j * rows] * y[i + j * rows];
        }
        for j in 0..cols {
            let k = i + j * rows;
            dx[k] = y[k] * (d[k] - dot);
        }
    }
    Ok(())
}

/// Index of the largest entry of each row (the first one on ties), written into `out`.
pub fn argmax_rows_into(m: &Matrix, out: &mut Vec<usize>) {
    out.clear();
    argmax_row_chunks(m, |_, best| out.extend(best.iter().map(|&j| j as usize)));
}

/// The index of the largest entry of each row (the first one on ties; NaN never wins), handed
/// to `f` for 64 rows at a time with the first row's number. Each step runs down a column
/// (contiguous in this layout) for the 64 rows at once, without the strided walk of a
/// row-by-row loop.
///
/// # Example
/// ```
/// use dendrite_tensor::{Matrix, argmax_row_chunks};
/// let m = Matrix::from_row_slice(2, 3, &[0.1, 0.7, 0.2, 0.5, 0.2, 0.3]);
/// let mut seen = Vec::new();
/// argmax_row_chunks(&m, |first, best| seen.extend(best.iter().map(|&j| (first, j))));
/// assert_eq!(seen, vec![(0, 1), (0, 0)]);
/// ```
pub fn argmax_row_chunks(m: &Matrix, mut f: impl FnMut(usize, &[u32])) {
    let (rows, cols) = m.shape();
    if cols == 0 {
        return;
    }
    let mut index = [0u32; ARGMAX_CHUNK];
    for r0 in (0..rows).step_by(ARGMAX_CHUNK) {
        let len = ARGMAX_CHUNK.min(rows - r0);
        argmax_chunk(m.as_slice(), rows, cols, r0, &mut index[..len]);
        f(r0, &index[..len]);
    }
}

/// Rows per step of [`argmax_row_chunks`].
const ARGMAX_CHUNK: usize = 64;

/// The arg-max of rows `r0..r0 + index.len()` of a column-major `rows × cols` matrix (`cols`
/// at least 1), compiled for each SIMD level.
#[multiversion::multiversion(targets = "simd")]
fn argmax_chunk(x: &[f32], rows: usize, cols: usize, r0: usize, index: &mut [u32]) {
    let len = index.len();
    let mut best = [0.0f32; ARGMAX_CHUNK];
    let best = &mut best[..len];
    best.copy_from_slice(&x[r0..r0 + len]);
    index.fill(0);
    for j in 1..cols {
        let column = &x[j * rows + r0..j * rows + r0 + len];
        for ((b, i), &v) in best.iter_mut().zip(index.iter_mut()).zip(column) {
            let take = v > *b;
            *b = if take { v } else { *b };
            *i = if take { j as u32 } else { *i };
        }
    }
}

/// Index of the largest entry of each row (the first one on ties).
///
/// # Example
/// ```
/// use dendrite_tensor::{Matrix, argmax_rows};
/// let m = Matrix::from_row_slice(2, 3, &[0.1, 0.7, 0.2, 0.5, 0.2, 0.3]);
/// assert_eq!(argmax_rows(&m), vec![1, 0]);
/// ```
#[must_use]
pub fn argmax_rows(m: &Matrix) -> Vec<usize> {
    let mut out = Vec::with_capacity(m.nrows());
    argmax_rows_into(m, &mut out);
    out
}

fn expect_row(op: &'static str, row: &Matrix, cols: usize) -> Result<()> {
    if row.nrows() == 1 && row.ncols() == cols {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            op,
            expected: Shape { rows: 1, cols }.to_string(),
            got: Shape::of(row).to_string(),
        })
    }
}

/// Adds the row vector `row` (1×cols) to every row of `m`.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `row` is not 1×`m.ncols()`.
pub fn add_row_broadcast(m: &mut Matrix, row: &Matrix) -> Result<()> {
    expect_row("add_row_broadcast", row, m.ncols())?;
    let rows = m.nrows();
    if rows == 0 {
        return Ok(());
    }
    // Column-major: column j is one contiguous run, so the bias is a constant per run.
    for (col, &b) in m.as_mut_slice().chunks_exact_mut(rows).zip(row.iter()) {
        for v in col {
            *v += b;
        }
    }
    Ok(())
}

/// Sums each column of `m` into the row vector `out` (resized to 1×cols), each with
/// [`sum_lanes`]: 32 interleaved partial sums keep the loop vectorized and the rounding error
/// small.
pub fn sum_columns(m: &Matrix, out: &mut Matrix) {
    let (rows, cols) = m.shape();
    resize(out, 1, cols);
    if rows == 0 {
        out.fill(0.0);
        return;
    }
    for (o, col) in out.iter_mut().zip(m.as_slice().chunks_exact(rows)) {
        *o = sum_lanes(col);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_and_normalized() {
        let x = Matrix::from_row_slice(2, 3, &[1000.0, 1001.0, 1002.0, -5.0, 0.0, 5.0]);
        let mut p = Matrix::zeros(0, 0);
        softmax_rows(&x, &mut p);
        for i in 0..2 {
            let s: f32 = p.row(i).iter().sum();
            assert!((s - 1.0).abs() < 1e-6);
        }
        // Shift invariance: the first row is softmax([0, 1, 2]).
        let e = [1.0f32, 1f32.exp(), 2f32.exp()];
        let z: f32 = e.iter().sum();
        for j in 0..3 {
            assert!((p[(0, j)] - e[j] / z).abs() < 1e-6);
        }
    }

    #[test]
    fn broadcast_and_column_sums() -> Result<()> {
        let mut m = Matrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        add_row_broadcast(&mut m, &Matrix::from_row_slice(1, 2, &[10.0, 20.0]))?;
        assert_eq!(m, Matrix::from_row_slice(3, 2, &[11.0, 22.0, 13.0, 24.0, 15.0, 26.0]));
        let mut s = Matrix::zeros(0, 0);
        sum_columns(&m, &mut s);
        assert_eq!(s.as_slice(), &[39.0, 72.0]);
        assert!(add_row_broadcast(&mut m, &Matrix::zeros(1, 3)).is_err());
        Ok(())
    }

    #[test]
    fn sum_lanes_matches_naive_sum() {
        let x: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.1).sin()).collect();
        let naive: f64 = x.iter().map(|&v| f64::from(v)).sum();
        assert!((f64::from(sum_lanes(&x)) - naive).abs() < 1e-3);
    }

    #[test]
    fn argmax_takes_the_first_maximum() {
        let m = Matrix::from_row_slice(2, 3, &[1.0, 3.0, 3.0, 2.0, 2.0, 1.0]);
        assert_eq!(argmax_rows(&m), vec![1, 0]);
    }
}
