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

/// `out = src[rows, :]`, column by column (contiguous writes). `out`'s buffer is reused and
/// written once as it is filled, not zeroed first: a data set's shuffled copy is often
/// hundreds of megabytes.
pub(crate) fn gather_rows(src: &Matrix, rows: &[usize], out: &mut Matrix) {
    let (n, cols) = src.shape();
    let mut data: Vec<f32> = std::mem::take(out).data.into();
    data.clear();
    data.reserve(rows.len() * cols);
    for src_col in src.as_slice().chunks_exact(n.max(1)).take(cols) {
        data.extend(rows.iter().map(|&r| src_col[r]));
    }
    *out = Matrix::from_vec(rows.len(), cols, data);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_and_targets() {
        let x = Matrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut out = Matrix::zeros(0, 0);
        gather_rows(&x, &[2, 0], &mut out);
        assert_eq!(out, Matrix::from_row_slice(2, 2, &[5.0, 6.0, 1.0, 2.0]));
        let mut b = Batch::default();
        b.gather_targets(Targets::Classes(&[7, 8, 9]), &[2, 0]);
        assert!(matches!(b.targets(Targets::Classes(&[])), Targets::Classes(&[9, 7])));
    }
}
