//! Matrix products: kernels of their own for skinny shapes, a register-blocked AVX2/FMA
//! kernel (`direct`) for operands that fit in a core's L2 cache, and matrixmultiply's packed
//! sgemm kernel for the rest.
//!
//! nalgebra calls matrixmultiply only for a plain `A·B`; its `tr_mul` and `mul_tr` walk the
//! operands with per-column dot products, several times slower on the shapes of a training step.
//! Here all three products of a dense layer (`A·B` forward, `Aᵀ·B` for the weight gradient and
//! `A·Bᵀ` for the input gradient) hand the kernels strides instead of copies, so each runs at the
//! speed of the plain product.

use crate::{Error, Matrix, Result, Shape, resize};

#[cfg(target_arch = "x86_64")]
mod direct;
mod dots;
mod packed;
mod rows;
mod skinny;

use dots::dots;
pub use dots::{pairwise_sum, sum_lanes};
use packed::packed;
use skinny::skinny;

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
    product(alpha, a, ta, b, tb, beta, None, out)
}

/// [`gemm`], and with `bias` (1×n, only with `beta == 0`) added to every row of the result.
#[allow(clippy::too_many_arguments)]
fn product(
    alpha: f32,
    a: &Matrix,
    ta: Transpose,
    b: &Matrix,
    tb: Transpose,
    beta: f32,
    bias: Option<&Matrix>,
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
    if let Some(bias) = bias.filter(|bias| bias.shape() != (1, n)) {
        return Err(Error::ShapeMismatch {
            op: "matmul_bias",
            expected: format!("bias of shape 1x{n}"),
            got: Shape::of(bias).to_string(),
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
    let bias_row = bias.map_or(&[][..], |bias| bias.as_slice());
    if k > 0 && beta == 0.0 && skinny(a, ta, b, tb, out, alpha, bias_row) {
        return Ok(());
    }
    if k == 0 {
        if beta == 0.0 {
            out.fill(0.0);
        } else {
            *out *= beta;
        }
    } else {
        let a = Operand { data: a.as_slice(), rs: rsa, cs: csa };
        let b = Operand { data: b.as_slice(), rs: rsb, cs: csb };
        let product = Product { m, k, n, alpha, beta, a, b };
        #[cfg(target_arch = "x86_64")]
        if direct::suits(m, k, n) {
            // The bias is added as each entry is stored.
            by_column_halves(product, bias_row, out.as_mut_slice(), direct::product);
            return Ok(());
        }
        by_column_halves(product, &[], out.as_mut_slice(), |p, _, out| packed(p, out));
    }
    match bias {
        Some(bias) => crate::add_row_broadcast(out, bias),
        None => Ok(()),
    }
}

/// A strided view of an operand: element (i, j) at `data[i·rs + j·cs]`.
#[derive(Clone, Copy)]
struct Operand<'a> {
    data: &'a [f32],
    rs: isize,
    cs: isize,
}

/// A general product `alpha · A · B + beta · C`: A m×k, B k×n.
#[derive(Clone, Copy)]
struct Product<'a> {
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    beta: f32,
    a: Operand<'a>,
    b: Operand<'a>,
}

/// Products of at least this many flops (about 20 µs on one core) are split between two
/// threads with the `threading` feature: the helper thread spins between products (see
/// `helper`), so a hand-over costs about a microsecond.
#[cfg(feature = "threading")]
const PARALLEL_FLOPS: usize = 1 << 21;

/// Runs `kernel` on the product (out m×n, column-major and contiguous; `bias` empty or one
/// entry per column). With the `threading` feature a large product is split into two halves of
/// the output's columns, the right one on the helper thread; each entry is summed exactly as in
/// one call, so the split does not change a bit.
///
/// Columns rather than rows: the helper then reads and writes the same half of a weight matrix
/// in the forward and the backward pass as the optimizer's helper half updates, so those lines
/// stay in its core's cache (a split of the rows made both cores read every weight, and the
/// main thread's update waited on the other core's copies: Adam took 7 times as long).
fn by_column_halves(
    p: Product<'_>,
    bias: &[f32],
    out: &mut [f32],
    kernel: impl Fn(Product<'_>, &[f32], &mut [f32]) + Sync,
) {
    #[cfg(feature = "threading")]
    if p.n >= 16 && 2 * p.m * p.n * p.k >= PARALLEL_FLOPS {
        let half = p.n / 2;
        let (left, right) = out.split_at_mut(half * p.m);
        let (bias_left, bias_right) = if bias.is_empty() { (bias, bias) } else { bias.split_at(half) };
        // The right half of B starts at column `half`.
        let b_right = Operand { data: &p.b.data[half * p.b.cs as usize..], ..p.b };
        let (p_left, p_right) = (Product { n: half, ..p }, Product { n: p.n - half, b: b_right, ..p });
        let kernel = &kernel;
        crate::kernels::threads::join(
            || kernel(p_right, bias_right, right),
            || kernel(p_left, bias_left, left),
        );
        return;
    }
    kernel(p, bias, out);
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

/// `out = a · b + bias` with `bias` (1×n) added to every row: a dense layer's forward pass.
/// Where the product takes a skinny kernel the bias is added as each entry is stored (the same
/// sums as a separate pass, one pass over `out` fewer).
///
/// # Shapes
/// `a`: m×k, `b`: k×n, `bias`: 1×n, `out`: m×n.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `a.ncols() != b.nrows()` or `bias` is not 1×n.
///
/// # Example
/// ```
/// use dendrite_tensor::{Matrix, matmul_bias};
/// # fn main() -> Result<(), dendrite_tensor::Error> {
/// let x = Matrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
/// let w = Matrix::identity(2, 2);
/// let b = Matrix::from_row_slice(1, 2, &[10.0, 20.0]);
/// let mut out = Matrix::zeros(0, 0);
/// matmul_bias(&x, &w, &b, &mut out)?;
/// assert_eq!(out, Matrix::from_row_slice(2, 2, &[11.0, 22.0, 13.0, 24.0]));
/// # Ok(())
/// # }
/// ```
pub fn matmul_bias(a: &Matrix, b: &Matrix, bias: &Matrix, out: &mut Matrix) -> Result<()> {
    product(1.0, a, Transpose::No, b, Transpose::No, 0.0, Some(bias), out)
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

/// `out = aᵀ · b` and `sums` = the column sums of `b` (resized to 1×n): a dense layer's weight
/// and bias gradients from its input `a` and its output's gradient `b`. When `a` or `b` has at
/// most 8 columns the sums are taken in the same pass over `b` as the product. The sums have
/// the bits of [`sum_lanes`] either way.
///
/// # Shapes
/// `a`: k×m, `b`: k×n, `out`: m×n, `sums`: 1×n.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `a.nrows() != b.nrows()`.
///
/// # Example
/// ```
/// use dendrite_tensor::{Matrix, matmul_tn_sums};
/// # fn main() -> Result<(), dendrite_tensor::Error> {
/// let x = Matrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let d = Matrix::from_row_slice(3, 1, &[1.0, 0.0, -1.0]);
/// let (mut dw, mut db) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
/// matmul_tn_sums(&x, &d, &mut dw, &mut db)?;
/// assert_eq!(dw, x.transpose() * &d);
/// assert_eq!(db.as_slice(), &[0.0]);
/// # Ok(())
/// # }
/// ```
pub fn matmul_tn_sums(a: &Matrix, b: &Matrix, out: &mut Matrix, sums: &mut Matrix) -> Result<()> {
    let (k, m, n) = (a.nrows(), a.ncols(), b.ncols());
    if b.nrows() != k {
        return Err(Error::ShapeMismatch {
            op: "gemm",
            expected: format!("right operand with {k} rows"),
            got: Shape::of(b).to_string(),
        });
    }
    if k > 0 && m > 0 && n > 0 && (m <= 8 || n <= 8) {
        resize(out, m, n);
        resize(sums, 1, n);
        dots(a.as_slice(), b.as_slice(), k, m, n, 1.0, out.as_mut_slice(), Some(sums.as_mut_slice()));
        return Ok(());
    }
    matmul_tn(a, b, out)?;
    crate::sum_columns(b, sums);
    Ok(())
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
mod tests;
