//! Gathering rows of a data set into reusable batch buffers.

use dendrite_losses::Targets;
use dendrite_tensor::{Matrix, resize};

/// Batch buffers, reused from batch to batch so that only the first batch of a size allocates.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) x: Matrix,
    classes: Vec<usize>,
    values: Matrix,
}

impl Batch {
    /// Copies the rows `rows` of the data set into the buffers. `xt` is the inputs transposed
    /// (one sample per contiguous column), so each sample is one contiguous read.
    pub(crate) fn gather(&mut self, xt: &Matrix, y: Targets<'_>, rows: &[usize]) {
        gather_columns_as_rows(xt, rows, &mut self.x);
        self.gather_targets(y, rows);
    }

    /// Copies the targets of `rows`.
    pub(crate) fn gather_targets(&mut self, y: Targets<'_>, rows: &[usize]) {
        match y {
            Targets::Classes(c) => {
                self.classes.clear();
                self.classes.extend(rows.iter().map(|&r| c[r]));
            }
            Targets::Values(v) => gather_rows(v, rows, &mut self.values),
        }
    }

    /// Copies the contiguous rows `start..start + len` of `x` and `y` into the buffers.
    pub(crate) fn gather_range(&mut self, x: &Matrix, y: Targets<'_>, start: usize, len: usize) {
        copy_rows(x, start, len, &mut self.x);
        match y {
            Targets::Classes(c) => {
                self.classes.clear();
                self.classes.extend_from_slice(&c[start.min(c.len())..(start + len).min(c.len())]);
            }
            Targets::Values(v) => copy_rows(v, start, len, &mut self.values),
        }
    }

    /// The gathered targets, of the same kind as the source's.
    pub(crate) fn targets<'a>(&'a self, like: Targets<'_>) -> Targets<'a> {
        match like {
            Targets::Classes(_) => Targets::Classes(&self.classes),
            Targets::Values(_) => Targets::Values(&self.values),
        }
    }
}

/// `out = src[rows, :]`, column by column (contiguous writes).
pub(crate) fn gather_rows(src: &Matrix, rows: &[usize], out: &mut Matrix) {
    let (n, cols) = src.shape();
    resize(out, rows.len(), cols);
    let s = src.as_slice();
    if rows.is_empty() {
        return;
    }
    for (j, col) in out.as_mut_slice().chunks_exact_mut(rows.len()).enumerate() {
        let src_col = &s[j * n..(j + 1) * n];
        for (o, &r) in col.iter_mut().zip(rows) {
            *o = src_col[r];
        }
    }
}

/// `out = src[start..start + len, :]`: one contiguous copy per column.
pub(crate) fn copy_rows(src: &Matrix, start: usize, len: usize, out: &mut Matrix) {
    let (n, cols) = src.shape();
    resize(out, len, cols);
    if len == 0 {
        return;
    }
    for (j, col) in out.as_mut_slice().chunks_exact_mut(len).enumerate() {
        col.copy_from_slice(&src.as_slice()[j * n + start..j * n + start + len]);
    }
}

/// `out = xtᵀ[rows, :]`: sample `r` is the contiguous column `r` of `xt`; row `i` of `out`
/// receives sample `rows[i]`. Reads are contiguous and writes stay within the batch buffer,
/// where gathering rows of a column-major data set would read from every column.
pub(crate) fn gather_columns_as_rows(xt: &Matrix, rows: &[usize], out: &mut Matrix) {
    let (features, _) = xt.shape();
    let b = rows.len();
    resize(out, b, features);
    let (src, dst) = (xt.as_slice(), out.as_mut_slice());
    for (i, &r) in rows.iter().enumerate() {
        let sample = &src[r * features..(r + 1) * features];
        for (j, &v) in sample.iter().enumerate() {
            dst[i + j * b] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_and_targets() {
        let x = Matrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut b = Batch::default();
        b.gather(&x.transpose(), Targets::Classes(&[7, 8, 9]), &[2, 0]);
        assert_eq!(b.x, Matrix::from_row_slice(2, 2, &[5.0, 6.0, 1.0, 2.0]));
        assert!(matches!(b.targets(Targets::Classes(&[])), Targets::Classes(&[9, 7])));
    }
}
