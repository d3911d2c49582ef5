//! Matrix products through matrixmultiply's packed sgemm kernel.
//!
//! nalgebra calls matrixmultiply only for a plain `A·B`; its `tr_mul` and `mul_tr` walk the
//! operands with per-column dot products, several times slower on the shapes of a training step.
//! Here all three products of a dense layer (`A·B` forward, `Aᵀ·B` for the weight gradient and
//! `A·Bᵀ` for the input gradient) hand the kernel strides instead of copies, so each runs at the
//! speed of the plain product.

use crate::{Error, Matrix, Result, Shape, resize};

/// Whether an operand of [`gemm`] enters the product transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transpose {
    /// Use the operand as it is.
    No,
    /// Use the operand's transpose.
    Yes,
}

impl Transpose {
    /// The (rows, cols) of `m` as the product sees it, and its (row, column) strides.
    fn view(self, m: &Matrix) -> (usize, usize, isize, isize) {
        let (r, c) = m.shape();
        // Column-major: element (i, j) lives at i + j·r.
        let (rs, cs) = (1, r as isize);
        match self {
            Transpose::No => (r, c, rs, cs),
            Transpose::Yes => (c, r, cs, rs),
        }
    }
}

/// General product `out = alpha · op(a) · op(b) + beta · out`.
///
/// With `beta == 0` the old contents of `out` are ignored and `out` is given the product's
/// shape (reusing its buffer); otherwise `out` must already have that shape.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the inner dimensions differ, or when `beta != 0` and `out`
/// has the wrong shape.
///
/// # Example
/// ```
/// use dendrite_tensor::{Matrix, Transpose, gemm};
/// # fn main() -> Result<(), dendrite_tensor::Error> {
/// let a = Matrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let mut out = Matrix::zeros(0, 0);
/// gemm(1.0, &a, Transpose::No, &a, Transpose::Yes, 0.0, &mut out)?;
/// assert_eq!(out, &a * a.transpose());
/// # Ok(())
/// # }
/// ```
pub fn gemm(
    alpha: f32,
    a: &Matrix,
    ta: Transpose,
    b: &Matrix,
    tb: Transpose,
    beta: f32,
    out: &mut Matrix,
) -> Result<()> {
    let (m, k, rsa, csa) = ta.view(a);
    let (kb, n, rsb, csb) = tb.view(b);
    if k != kb {
        return Err(Error::ShapeMismatch {
            op: "gemm",
            expected: format!("right operand with {k} rows"),
            got: format!("{kb}x{n}"),
        });
    }
    if beta == 0.0 {
        resize(out, m, n);
    } else if out.shape() != (m, n) {
        return Err(Error::ShapeMismatch {
            op: "gemm",
            expected: format!("output of {}", Shape { rows: m, cols: n }),
            got: Shape::of(out).to_string(),
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if beta == 0.0 {
            out.fill(0.0);
        } else {
            *out *= beta;
        }
        return Ok(());
    }
    if beta == 0.0 && skinny(a, ta, b, tb, out, alpha) {
        return Ok(());
    }
    let rsc = 1;
    let csc = m as isize;
    // SAFETY: the views above describe `a` (m×k or its transpose), `b` (k×n or its transpose)
    // and `out` (m×n), all column-major with the strides computed from their own shapes, so
    // every index the kernel forms stays inside the three buffers. `out` is borrowed mutably
    // and cannot alias `a` or `b`.
    #[allow(unsafe_code)]
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            out.as_mut_ptr(),
            rsc,
            csc,
        );
    }
    Ok(())
}

/// Products with a small inner or outer size, where the packed kernel spends most of its time
/// packing: columns of the output as sums of scaled columns of `a` (small `k` or small `n`), or
/// entries of `aᵀ·b` as dot products of contiguous columns (small `m` or `n`). Returns false
/// when the shapes suit the general kernel better. `out` already has the product's shape.
fn skinny(a: &Matrix, ta: Transpose, b: &Matrix, tb: Transpose, out: &mut Matrix, alpha: f32) -> bool {
    const SMALL: usize = 8;
    let (m, n) = out.shape();
    let b_at = |p: usize, j: usize| match tb {
        Transpose::No => b[(p, j)],
        Transpose::Yes => b[(j, p)],
    };
    match ta {
        Transpose::No if a.ncols() <= SMALL || n <= SMALL => {
            // out[:, j] = α Σ_p a[:, p] · b(p, j): contiguous axpys, no packing.
            // Row blocks of 256 keep the partial sums in L1 across the k axpys, so each output
            // entry is written to memory once.
            const BLOCK: usize = 256;
            let k = a.ncols();
            let a = a.as_slice();
            let out = out.as_mut_slice();
            if n <= SMALL && k > SMALL {
                // Few outputs, a wide `a`: all n output blocks stay in L1 while each block of
                // `a` is read once (the other order would stream `a` n times).
                for r0 in (0..m).step_by(BLOCK) {
                    let len = BLOCK.min(m - r0);
                    for j in 0..n {
                        out[j * m + r0..j * m + r0 + len].fill(0.0);
                    }
                    for p in 0..k {
                        let a_block = &a[p * m + r0..p * m + r0 + len];
                        for j in 0..n {
                            let s = alpha * b_at(p, j);
                            axpy(&mut out[j * m + r0..j * m + r0 + len], s, a_block);
                        }
                    }
                }
            } else {
                for (j, col) in out.chunks_exact_mut(m).enumerate() {
                    for (bi, block) in col.chunks_mut(BLOCK).enumerate() {
                        let r0 = bi * BLOCK;
                        block.fill(0.0);
                        for p in 0..k {
                            let s = alpha * b_at(p, j);
                            axpy(block, s, &a[p * m + r0..p * m + r0 + block.len()]);
                        }
                    }
                }
            }
            true
        }
        Transpose::Yes if tb == Transpose::No && (m <= SMALL || n <= SMALL) => {
            // out[i, j] = α · a[:, i] · b[:, j]: dot products of contiguous columns.
            // The operand with fewer columns stays in cache while the other streams past once.
            let k = a.nrows();
            let (a_cols, b_cols) = (a.as_slice().chunks_exact(k), b.as_slice().chunks_exact(k));
            if m <= n {
                for (j, b_col) in b_cols.enumerate() {
                    for (i, a_col) in a_cols.clone().enumerate() {
                        out[(i, j)] = alpha * dot(a_col, b_col);
                    }
                }
            } else {
                for (i, a_col) in a_cols.enumerate() {
                    for (j, b_col) in b_cols.clone().enumerate() {
                        out[(i, j)] = alpha * dot(a_col, b_col);
                    }
                }
            }
            true
        }
        _ => false,
    }
}

/// `y += s · x`, compiled for every SIMD level and picked at run time (the arithmetic is the
/// same at every level: one multiply and one add per element, in order).
#[multiversion::multiversion(targets = "simd")]
fn axpy(y: &mut [f32], s: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += s * x;
    }
}

/// Dot product with eight interleaved accumulators (vectorizes, and rounds better than one);
/// the association order is fixed by the code, so every SIMD level gives the same bits.
#[multiversion::multiversion(targets = "simd")]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `out = a · b`, written into `out` (resized, reusing its buffer).
///
/// # Shapes
/// `a`: m×k, `b`: k×n, `out`: m×n.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `a.ncols() != b.nrows()`.
pub fn matmul(a: &Matrix, b: &Matrix, out: &mut Matrix) -> Result<()> {
    gemm(1.0, a, Transpose::No, b, Transpose::No, 0.0, out)
}

/// `out = aᵀ · b`, without forming the transpose.
///
/// # Shapes
/// `a`: k×m, `b`: k×n, `out`: m×n.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `a.nrows() != b.nrows()`.
pub fn matmul_tn(a: &Matrix, b: &Matrix, out: &mut Matrix) -> Result<()> {
    gemm(1.0, a, Transpose::Yes, b, Transpose::No, 0.0, out)
}

/// `out = a · bᵀ`, without forming the transpose.
///
/// # Shapes
/// `a`: m×k, `b`: n×k, `out`: m×n.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `a.ncols() != b.ncols()`.
pub fn matmul_nt(a: &Matrix, b: &Matrix, out: &mut Matrix) -> Result<()> {
    gemm(1.0, a, Transpose::No, b, Transpose::Yes, 0.0, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(r: usize, c: usize, salt: f32) -> Matrix {
        Matrix::from_fn(r, c, |i, j| ((i * 7 + j * 3) as f32 * 0.37 + salt).sin())
    }

    fn assert_close(a: &Matrix, b: &Matrix) {
        assert_eq!(a.shape(), b.shape());
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }

    #[test]
    fn all_three_products_match_nalgebra() -> Result<()> {
        let a = sample(37, 5, 0.1);
        let b = sample(5, 11, 0.2);
        let mut out = Matrix::zeros(0, 0);
        matmul(&a, &b, &mut out)?;
        assert_close(&out, &(&a * &b));
        let c = sample(37, 11, 0.3);
        matmul_tn(&a, &c, &mut out)?;
        assert_close(&out, &a.tr_mul(&c));
        let d = sample(11, 5, 0.4);
        matmul_nt(&a, &d, &mut out)?;
        assert_close(&out, &(&a * d.transpose()));
        Ok(())
    }

    #[test]
    fn skinny_and_general_paths_agree_with_nalgebra() -> Result<()> {
        // Inner or outer sizes on both sides of the threshold, every transpose combination.
        for &(m, k, n) in
            &[(300, 2, 64), (300, 64, 3), (64, 300, 3), (2, 300, 64), (30, 20, 40), (9, 9, 9), (5, 1, 7)]
        {
            let mut out = Matrix::zeros(0, 0);
            let a = sample(m, k, 0.1);
            let b = sample(k, n, 0.2);
            let expected = &a * &b;
            matmul(&a, &b, &mut out)?;
            assert_close(&out, &expected);
            matmul_tn(&a.transpose(), &b, &mut out)?;
            assert_close(&out, &expected);
            matmul_nt(&a, &b.transpose(), &mut out)?;
            assert_close(&out, &expected);
            gemm(0.5, &a.transpose(), Transpose::Yes, &b.transpose(), Transpose::Yes, 0.0, &mut out)?;
            assert_close(&out, &(&expected * 0.5));
        }
        Ok(())
    }

    #[test]
    fn accumulates_with_beta() -> Result<()> {
        let a = sample(4, 3, 0.5);
        let b = sample(3, 2, 0.6);
        let mut out = Matrix::from_element(4, 2, 1.0);
        gemm(2.0, &a, Transpose::No, &b, Transpose::No, 0.5, &mut out)?;
        let expected = (&a * &b) * 2.0 + Matrix::from_element(4, 2, 0.5);
        assert_close(&out, &expected);
        Ok(())
    }

    #[test]
    fn rejects_mismatched_inner_dimensions() {
        let a = sample(4, 3, 0.0);
        let mut out = Matrix::zeros(0, 0);
        let err = matmul(&a, &a, &mut out).unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { op: "gemm", .. }), "{err}");
        let mut wrong = Matrix::zeros(2, 2);
        let err = gemm(1.0, &a, Transpose::No, &a, Transpose::Yes, 1.0, &mut wrong).unwrap_err();
        assert!(err.to_string().contains("output of 4x4"), "{err}");
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() -> Result<()> {
        let a = Matrix::zeros(3, 0);
        let b = Matrix::zeros(0, 2);
        let mut out = Matrix::from_element(1, 1, 9.0);
        matmul(&a, &b, &mut out)?;
        assert_eq!(out, Matrix::zeros(3, 2));
        Ok(())
    }
}
