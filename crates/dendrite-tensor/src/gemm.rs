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
        crate::helper::join(|| kernel(p_right, bias_right, right), || kernel(p_left, bias_left, left));
        return;
    }
    kernel(p, bias, out);
}

/// `out = alpha · A · B + beta · out` in one call of matrixmultiply's packed kernel.
fn packed(p: Product<'_>, out: &mut [f32]) {
    let Product { m, k, n, alpha, beta, a, b } = p;
    debug_assert!(out.len() >= m * n);
    // SAFETY: `a` views an m×k operand and `b` a k×n one inside their slices (the strides come
    // from the shapes of the matrices the slices belong to, and a right half of `b` is sliced
    // from its first column on); `out` holds m×n entries, column-major, and is borrowed
    // mutably, so it cannot alias `a` or `b`.
    #[allow(unsafe_code)]
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs,
            a.cs,
            b.data.as_ptr(),
            b.rs,
            b.cs,
            beta,
            out.as_mut_ptr(),
            1,
            m as isize,
        );
    }
}

/// Products with a small inner or outer size, where the packed kernel spends most of its time
/// packing: columns of the output as sums of scaled columns of `a` (small `k` or small `n`), or
/// entries of `aᵀ·b` as dot products of contiguous columns (small `m` or `n`). Returns false
/// when the shapes suit the general kernel better. `out` already has the product's shape.
///
/// Each kernel is one function compiled for every SIMD level (no dispatch per column), with
/// the small dimension a compile-time constant so that its partial sums live in registers.
/// The arithmetic order is fixed by the code (a multiply and an add per term, terms in order of
/// the inner index; dot products with 32 interleaved sums), so every level gives the same bits.
#[allow(clippy::too_many_arguments)]
fn skinny(
    a: &Matrix,
    ta: Transpose,
    b: &Matrix,
    tb: Transpose,
    out: &mut Matrix,
    alpha: f32,
    bias: &[f32],
) -> bool {
    const SMALL: usize = 8;
    let (m, n) = out.shape();
    // b(p, j) = b[p·rsb + j·csb].
    let (rsb, csb) = match tb {
        Transpose::No => (1, b.nrows()),
        Transpose::Yes => (b.nrows(), 1),
    };
    let coef = Coef { b: b.as_slice(), rsb, csb, alpha, bias };
    match ta {
        Transpose::No if a.ncols() <= SMALL || n <= SMALL => {
            let k = a.ncols();
            if n <= SMALL && k > SMALL {
                few_outputs(a.as_slice(), m, k, coef, out.as_mut_slice());
            } else {
                small_inner(a.as_slice(), m, k, coef, out.as_mut_slice());
            }
            true
        }
        Transpose::Yes if tb == Transpose::No && bias.is_empty() && (m <= SMALL || n <= SMALL) => {
            dots(a.as_slice(), b.as_slice(), a.nrows(), m, n, alpha, out.as_mut_slice(), None);
            true
        }
        _ => false,
    }
}

/// The right operand of a skinny product, scaled: `α · b(p, j)`; and a bias added to each
/// column's sums when they are complete (none when empty).
#[derive(Clone, Copy)]
struct Coef<'a> {
    b: &'a [f32],
    rsb: usize,
    csb: usize,
    alpha: f32,
    bias: &'a [f32],
}

impl Coef<'_> {
    #[inline(always)]
    fn at(&self, p: usize, j: usize) -> f32 {
        self.alpha * self.b[p * self.rsb + j * self.csb]
    }
}

/// Rows per step of [`few_outputs`]: one AVX-512 register, two AVX2 ones.
const LANES: usize = 16;

/// Calls `$f::<N>(…)` for a run-time `$n` in 1..=8 (the callers' small dimension; [`skinny`]
/// sends no larger one).
macro_rules! with_width {
    ($n:expr, $f:ident($($arg:expr),*)) => {{
        debug_assert!((1..=8).contains(&$n));
        match $n {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            _ => $f::<8>($($arg),*),
        }
    }};
}

/// `out = a · B + bias` for a small inner size `k` (at most 8): `out[r, j] = Σ_p α·b(p, j) ·
/// a[r, p]`, summed from 0 in order of `p`, then the bias; a row per SIMD lane. `a` is m×k,
/// column-major.
#[multiversion::multiversion(targets = "simd")]
fn small_inner(a: &[f32], m: usize, k: usize, coef: Coef<'_>, out: &mut [f32]) {
    with_width!(k, small_inner_k(a, m, coef, out));
}

/// [`small_inner`] for `k == K`.
#[inline(always)]
fn small_inner_k<const K: usize>(a: &[f32], m: usize, coef: Coef<'_>, out: &mut [f32]) {
    let cols: [&[f32]; K] = std::array::from_fn(|p| &a[p * m..(p + 1) * m]);
    for (j, col) in out.chunks_exact_mut(m).enumerate() {
        let s: [f32; K] = std::array::from_fn(|p| coef.at(p, j));
        let bias = coef.bias.get(j).copied().unwrap_or(0.0);
        let has_bias = j < coef.bias.len();
        // Blocks of a fixed number of rows, which the compiler turns into whole vectors; the
        // rows past the last whole block are computed as one more block that overlaps the one
        // before (each entry depends on its own row only, so the overlap gets the same values)
        // instead of in scalar code, which on a tile of a few hundred rows would cost a fifth
        // of the time.
        if m >= SMALL_INNER_BLOCK {
            for lo in (0..m - SMALL_INNER_BLOCK).step_by(SMALL_INNER_BLOCK).chain([m - SMALL_INNER_BLOCK]) {
                small_inner_block::<K, SMALL_INNER_BLOCK>(&cols, &s, has_bias, bias, col, lo);
            }
        } else if m >= LANES {
            for lo in (0..m - LANES).step_by(LANES).chain([m - LANES]) {
                small_inner_block::<K, LANES>(&cols, &s, has_bias, bias, col, lo);
            }
        } else {
            for (r, o) in col.iter_mut().enumerate() {
                let sum = (0..K).fold(0.0, |acc, p| acc + s[p] * cols[p][r]);
                *o = if has_bias { sum + bias } else { sum };
            }
        }
    }
}

/// Rows per block of [`small_inner_k`]: four AVX-512 registers.
const SMALL_INNER_BLOCK: usize = 64;

/// Rows `lo..lo + B` of one output column of [`small_inner_k`] (inlined: a closure would be
/// compiled without the caller's SIMD level).
#[inline(always)]
fn small_inner_block<const K: usize, const B: usize>(
    cols: &[&[f32]; K],
    s: &[f32; K],
    has_bias: bool,
    bias: f32,
    col: &mut [f32],
    lo: usize,
) {
    let cols: [&[f32; B]; K] = std::array::from_fn(|p| block(cols[p], lo));
    let out: &mut [f32; B] = (&mut col[lo..lo + B]).try_into().expect("a whole block");
    let mut acc = [0.0f32; B];
    for p in 0..K {
        for r in 0..B {
            acc[r] += s[p] * cols[p][r];
        }
    }
    if has_bias {
        for r in 0..B {
            out[r] = acc[r] + bias;
        }
    } else {
        *out = acc;
    }
}

/// `x[lo..lo + B]` as an array.
#[inline(always)]
fn block<const B: usize>(x: &[f32], lo: usize) -> &[f32; B] {
    x[lo..lo + B].try_into().expect("a whole block")
}

/// `out = a · B + bias` for few outputs `n` (at most 8) and a wide `a` (m×k, column-major):
/// each block of rows of `a` is read once while the `n` partial sums of the block stay in
/// registers; the terms are summed from 0 in order of `p`, then the bias.
#[multiversion::multiversion(targets = "simd")]
fn few_outputs(a: &[f32], m: usize, k: usize, coef: Coef<'_>, out: &mut [f32]) {
    with_width!(out.len() / m, few_outputs_n(a, m, k, coef, out));
}

/// [`few_outputs`] for `n == N`.
#[inline(always)]
fn few_outputs_n<const N: usize>(a: &[f32], m: usize, k: usize, coef: Coef<'_>, out: &mut [f32]) {
    let full = m / LANES * LANES;
    for r0 in (0..full).step_by(LANES) {
        let mut acc = [[0.0f32; LANES]; N];
        for p in 0..k {
            let x = &a[p * m + r0..p * m + r0 + LANES];
            for (j, acc) in acc.iter_mut().enumerate() {
                let s = coef.at(p, j);
                for l in 0..LANES {
                    acc[l] += s * x[l];
                }
            }
        }
        for (j, acc) in acc.iter().enumerate() {
            let out = &mut out[j * m + r0..j * m + r0 + LANES];
            match coef.bias.get(j) {
                Some(&bias) => {
                    for (o, &v) in out.iter_mut().zip(acc) {
                        *o = v + bias;
                    }
                }
                None => out.copy_from_slice(acc),
            }
        }
    }
    for r in full..m {
        let mut acc = [0.0f32; N];
        for p in 0..k {
            for (j, acc) in acc.iter_mut().enumerate() {
                *acc += coef.at(p, j) * a[p * m + r];
            }
        }
        for (j, acc) in acc.iter().enumerate() {
            out[j * m + r] = coef.bias.get(j).map_or(*acc, |&bias| *acc + bias);
        }
    }
}

/// `out = α · aᵀ · b` (a: k×m, b: k×n, column-major) as dot products of contiguous columns,
/// for a small `m` or `n`: each column of the wide operand streams past once, against all the
/// narrow operand's columns at a time (up to [`SET`] of them per pass). With `sums`, also the
/// column sums of `b` (unscaled), in the same lanes as a dot product with a column of ones.
#[allow(clippy::too_many_arguments)]
fn dots(
    a: &[f32],
    b: &[f32],
    k: usize,
    m: usize,
    n: usize,
    alpha: f32,
    out: &mut [f32],
    sums: Option<&mut [f32]>,
) {
    #[cfg(target_arch = "x86_64")]
    let Some(sums) = avx::dots(a, b, k, m, n, alpha, out, sums) else {
        return;
    };
    dots_with::<Portable>(a, b, k, m, n, alpha, out, sums);
}

/// The loops of [`dots`] around a kernel of dot products (inlined into a caller compiled for
/// the kernel's SIMD level, so that no call is left per column).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dots_with<K: DotSet>(
    a: &[f32],
    b: &[f32],
    k: usize,
    m: usize,
    n: usize,
    alpha: f32,
    out: &mut [f32],
    sums: Option<&mut [f32]>,
) {
    if k == 0 {
        if let Some(sums) = sums {
            sums.fill(0.0);
        }
        return;
    }
    let mut r = [0.0f32; SET + 1];
    if n <= m {
        // A column of `a` at a time, against the columns of `b` in sets.
        for (i, a_col) in a.chunks_exact(k).enumerate() {
            for j0 in (0..n).step_by(SET) {
                let len = SET.min(n - j0);
                let set: [&[f32]; SET] = std::array::from_fn(|q| &b[(j0 + q.min(len - 1)) * k..][..k]);
                K::dot_set(a_col, &set[..len], false, &mut r);
                for (q, &v) in r[..len].iter().enumerate() {
                    out[i + (j0 + q) * m] = alpha * v;
                }
            }
        }
        if let Some(sums) = sums {
            for (s, col) in sums.iter_mut().zip(b.chunks_exact(k)) {
                K::dot_set(col, &[], true, &mut r);
                *s = r[0];
            }
        }
    } else {
        // A column of `b` at a time, against the columns of `a` in sets; its sum with the last.
        let mut sums = sums;
        for (j, b_col) in b.chunks_exact(k).enumerate() {
            for i0 in (0..m).step_by(SET) {
                let len = SET.min(m - i0);
                let last = i0 + len == m;
                let set: [&[f32]; SET] = std::array::from_fn(|q| &a[(i0 + q.min(len - 1)) * k..][..k]);
                K::dot_set(b_col, &set[..len], last && sums.is_some(), &mut r);
                for (q, &v) in r[..len].iter().enumerate() {
                    out[i0 + q + j * m] = alpha * v;
                }
                if last && let Some(sums) = sums.as_deref_mut() {
                    sums[j] = r[len];
                }
            }
        }
    }
}

/// Columns per pass of [`dots`]: with their partial sums and the streamed column's, they fill
/// the sixteen AVX registers.
const SET: usize = 3;

/// Sends a run-time set size (0..=[`SET`]) and sum flag to `$f::<N, SUM>(…)`.
macro_rules! with_set {
    ($len:expr, $sum:expr, $($f:ident)::+($($arg:expr),*)) => {{
        debug_assert!($len <= SET);
        match ($len, $sum) {
            (0, _) => $($f)::+::<0, true>($($arg),*),
            (1, false) => $($f)::+::<1, false>($($arg),*),
            (1, true) => $($f)::+::<1, true>($($arg),*),
            (2, false) => $($f)::+::<2, false>($($arg),*),
            (2, true) => $($f)::+::<2, true>($($arg),*),
            (_, false) => $($f)::+::<3, false>($($arg),*),
            (_, true) => $($f)::+::<3, true>($($arg),*),
        }
    }};
}

/// A kernel of dot products at one SIMD level: `out[q] = dot(s, set[q])` for each column of the
/// set (at most [`SET`], all as long as `s`), then, with `sum`, `out[set.len()]` = the sum of
/// `s`. Every level computes each lane with the same multiply and add in the same order: the
/// same bits.
trait DotSet {
    /// The kernel for `N` columns, with or without the sum.
    fn dot_set_n<const N: usize, const SUM: bool>(s: &[f32], set: &[&[f32]], out: &mut [f32; SET + 1]);

    #[inline(always)]
    fn dot_set(s: &[f32], set: &[&[f32]], sum: bool, out: &mut [f32; SET + 1]) {
        with_set!(set.len(), sum, Self::dot_set_n(s, set, out));
    }
}

/// The portable kernel: 32 partial sums per dot product in plain arrays.
struct Portable;

impl DotSet for Portable {
    #[inline(always)]
    fn dot_set_n<const N: usize, const SUM: bool>(s: &[f32], set: &[&[f32]], out: &mut [f32; SET + 1]) {
        let n = s.len();
        let rest = n / DOT_LANES * DOT_LANES;
        for (q, o) in out.iter_mut().enumerate().take(N + usize::from(SUM)) {
            let col = set.get(q).filter(|_| q < N).map(|c| &c[..n]);
            let mut acc = [0.0f32; DOT_LANES];
            for c in (0..rest).step_by(DOT_LANES) {
                for l in 0..DOT_LANES {
                    acc[l] += col.map_or(s[c + l], |col| s[c + l] * col[c + l]);
                }
            }
            *o = finish(acc) + tail_dot(&s[rest..], col.map(|c| &c[rest..]));
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx {
    use std::arch::x86_64::{
        __m256, _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_movehl_ps, _mm_shuffle_ps, _mm256_add_ps,
        _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps,
    };

    use super::{DOT_LANES, DotSet, SET, dots_with, tail_dot};

    /// [`super::dots`] in AVX registers when the machine has them; otherwise hands `sums`
    /// back (`Some`) for the portable code.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dots<'s>(
        a: &[f32],
        b: &[f32],
        k: usize,
        m: usize,
        n: usize,
        alpha: f32,
        out: &mut [f32],
        sums: Option<&'s mut [f32]>,
    ) -> Option<Option<&'s mut [f32]>> {
        if !std::arch::is_x86_feature_detected!("avx") {
            return Some(sums);
        }
        // SAFETY: AVX is present.
        unsafe { dots_avx(a, b, k, m, n, alpha, out, sums) };
        None
    }

    /// [`super::dots`] compiled for AVX, with the kernel inlined into its loops.
    #[target_feature(enable = "avx")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn dots_avx(
        a: &[f32],
        b: &[f32],
        k: usize,
        m: usize,
        n: usize,
        alpha: f32,
        out: &mut [f32],
        sums: Option<&mut [f32]>,
    ) {
        dots_with::<Avx>(a, b, k, m, n, alpha, out, sums);
    }

    /// One call of the kernel in AVX registers (for single sums and the tests), if the machine
    /// has them: whether it ran.
    pub(super) fn dot_set(s: &[f32], set: &[&[f32]], sum: bool, out: &mut [f32; SET + 1]) -> bool {
        if !std::arch::is_x86_feature_detected!("avx") {
            return false;
        }
        // SAFETY: AVX is present.
        unsafe { dot_set_avx(s, set, sum, out) };
        true
    }

    #[target_feature(enable = "avx")]
    unsafe fn dot_set_avx(s: &[f32], set: &[&[f32]], sum: bool, out: &mut [f32; SET + 1]) {
        Avx::dot_set(s, set, sum, out);
    }

    /// The kernel in AVX registers: only inlined into functions compiled for AVX.
    struct Avx;

    impl DotSet for Avx {
        #[inline(always)]
        fn dot_set_n<const N: usize, const SUM: bool>(s: &[f32], set: &[&[f32]], out: &mut [f32; SET + 1]) {
            let n = s.len();
            let chunks = n / DOT_LANES;
            let cols: [&[f32]; N] = std::array::from_fn(|q| &set[q][..n]);
            // SAFETY (all intrinsics below): only reached from functions compiled for AVX; every
            // load reads 8 entries at `at + 8 <= chunks · DOT_LANES <= n`, within every column.
            let zero = unsafe { _mm256_setzero_ps() };
            let mut acc: [[__m256; 4]; N] = [[zero; 4]; N];
            let mut total: [__m256; 4] = [zero; 4];
            for c in 0..chunks {
                for v in 0..4 {
                    let at = c * DOT_LANES + v * 8;
                    unsafe {
                        let x = _mm256_loadu_ps(s.as_ptr().add(at));
                        for q in 0..N {
                            let y = _mm256_loadu_ps(cols[q].as_ptr().add(at));
                            acc[q][v] = _mm256_add_ps(acc[q][v], _mm256_mul_ps(x, y));
                        }
                        if SUM {
                            total[v] = _mm256_add_ps(total[v], x);
                        }
                    }
                }
            }
            let rest = chunks * DOT_LANES;
            for q in 0..N {
                out[q] = reduce(acc[q]) + tail_dot(&s[rest..], Some(&cols[q][rest..]));
            }
            if SUM {
                out[N] = reduce(total) + tail_dot(&s[rest..], None);
            }
        }
    }

    /// `finish`'s pairwise tree in registers: lanes l and l + 16, l and l + 8, then l + 4,
    /// l + 2 and l + 1 within the last eight.
    #[inline(always)]
    fn reduce(acc: [__m256; 4]) -> f32 {
        // SAFETY: only reached from functions compiled for AVX.
        unsafe {
            let s8 = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
            let s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps::<1>(s8));
            let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
            let s1 = _mm_add_ss(s2, _mm_shuffle_ps::<1>(s2, s2));
            _mm_cvtss_f32(s1)
        }
    }
}

/// Partial sums of a dot product: four AVX2 registers (two AVX-512 ones) of independent chains,
/// so that the adds do not wait on each other's latency.
const DOT_LANES: usize = 32;

/// The partial sums of a dot product added pairwise: lanes l and l + 16, l and l + 8, and so on.
#[inline(always)]
fn finish(acc: [f32; DOT_LANES]) -> f32 {
    pairwise_sum(acc)
}

/// The lanes of a sum added pairwise: lane `l` and lane `l + L/2`, then `l + L/4`, and so on
/// down to one (`L` a power of two): the order in which Dendrite's kernels finish their
/// lane-wise sums.
///
/// # Example
/// ```
/// assert_eq!(dendrite_tensor::pairwise_sum([1.0, 2.0, 3.0, 4.0]), 10.0);
/// ```
#[inline(always)]
#[must_use]
pub fn pairwise_sum<const L: usize>(mut lanes: [f32; L]) -> f32 {
    debug_assert!(L.is_power_of_two());
    let mut width = L / 2;
    while width > 0 {
        for l in 0..width {
            lanes[l] += lanes[l + width];
        }
        width /= 2;
    }
    lanes[0]
}

/// The remainder of a dot product past the last whole 32 lanes, in order (of the sum of `s`
/// without a column).
#[inline(always)]
fn tail_dot(s: &[f32], col: Option<&[f32]>) -> f32 {
    let mut acc = 0.0f32;
    match col {
        Some(col) => {
            for (x, y) in s.iter().zip(col) {
                acc += x * y;
            }
        }
        None => {
            for x in s {
                acc += x;
            }
        }
    }
    acc
}

/// One call of the fastest dot-product kernel this machine runs.
fn dot_set_here(s: &[f32], set: &[&[f32]], sum: bool, out: &mut [f32; SET + 1]) {
    #[cfg(target_arch = "x86_64")]
    if avx::dot_set(s, set, sum, out) {
        return;
    }
    Portable::dot_set(s, set, sum, out);
}

/// The sum of `x` in the lanes of a dot product (32 interleaved sums added pairwise, then the
/// rest in order): the bits of the column sums that [`matmul_tn_sums`] computes beside a product.
#[must_use]
pub fn sum_lanes(x: &[f32]) -> f32 {
    let mut r = [0.0f32; SET + 1];
    dot_set_here(x, &[], true, &mut r);
    r[0]
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
mod tests {
    use super::*;

    pub(super) fn sample(r: usize, c: usize, salt: f32) -> Matrix {
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

    /// `α · op(a) · op(b)` in the summation order the skinny kernels promise, written plainly:
    /// terms in order of the inner index from 0, or dot products with 32 interleaved sums.
    fn reference(alpha: f32, a: &Matrix, ta: Transpose, b: &Matrix, tb: Transpose) -> Matrix {
        let op = |m: &Matrix, t| if t == Transpose::Yes { m.transpose() } else { m.clone() };
        let (a, b) = (op(a, ta), op(b, tb));
        let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
        Matrix::from_fn(m, n, |i, j| {
            if ta == Transpose::Yes {
                let (x, y): (Vec<f32>, Vec<f32>) = (0..k).map(|p| (a[(i, p)], b[(p, j)])).unzip();
                let mut acc = [0.0f32; 32];
                for c in 0..k / 32 {
                    for l in 0..32 {
                        acc[l] += x[c * 32 + l] * y[c * 32 + l];
                    }
                }
                let tail: f32 = (k / 32 * 32..k).map(|p| x[p] * y[p]).sum();
                // Pairwise: lanes l and l + 16, then l and l + 8, and so on.
                let mut width = 16;
                while width > 0 {
                    for l in 0..width {
                        acc[l] += acc[l + width];
                    }
                    width /= 2;
                }
                alpha * (acc[0] + tail)
            } else {
                (0..k).fold(0.0, |acc, p| acc + alpha * b[(p, j)] * a[(i, p)])
            }
        })
    }

    #[test]
    fn skinny_kernels_sum_in_their_documented_order() -> Result<()> {
        // Bit for bit, so that results do not depend on the SIMD level the machine picks.
        for &(m, k, n) in &[
            (300, 2, 64),
            (250, 64, 3),
            (64, 250, 3),
            (2, 250, 64),
            (37, 9, 5),
            (5, 1, 7),
            (3, 20, 11),
            (19, 8, 8),
        ] {
            let a = sample(m, k, 0.1);
            let b = sample(k, n, 0.2);
            let mut out = Matrix::zeros(0, 0);
            for (ta, tb) in [
                (Transpose::No, Transpose::No),
                (Transpose::No, Transpose::Yes),
                (Transpose::Yes, Transpose::No),
            ] {
                let a_op = if ta == Transpose::Yes { a.transpose() } else { a.clone() };
                let b_op = if tb == Transpose::Yes { b.transpose() } else { b.clone() };
                if !skinny_shape(&a_op, ta, tb, n) {
                    continue;
                }
                gemm(0.5, &a_op, ta, &b_op, tb, 0.0, &mut out)?;
                let expected = reference(0.5, &a_op, ta, &b_op, tb);
                let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&out), bits(&expected), "{m}x{k}x{n} {ta:?} {tb:?}");
            }
        }
        Ok(())
    }

    #[test]
    fn bias_in_the_kernel_is_the_bias_added_after() -> Result<()> {
        for &(m, k, n) in &[(300, 2, 64), (250, 64, 3), (30, 20, 40), (19, 3, 11)] {
            let a = sample(m, k, 0.1);
            let b = sample(k, n, 0.2);
            let bias = sample(1, n, 0.3);
            let (mut fused, mut separate) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
            matmul_bias(&a, &b, &bias, &mut fused)?;
            matmul(&a, &b, &mut separate)?;
            crate::add_row_broadcast(&mut separate, &bias)?;
            let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fused), bits(&separate), "{m}x{k}x{n}");
        }
        let err =
            matmul_bias(&sample(3, 2, 0.0), &sample(2, 4, 0.0), &sample(1, 3, 0.0), &mut Matrix::zeros(0, 0));
        assert!(err.unwrap_err().to_string().contains("bias of shape 1x4"));
        Ok(())
    }

    #[test]
    fn a_split_of_the_columns_changes_no_bit() -> Result<()> {
        // What makes the `threading` feature's halves exact: each entry of a packed product
        // does not depend on which other columns are computed with it.
        // 103 Mflop, too large for the direct kernel in whole and in parts: split between two
        // threads with the `threading` feature.
        let a = sample(512, 784, 0.1);
        let b = sample(784, 128, 0.2);
        let mut whole = Matrix::zeros(0, 0);
        matmul(&a, &b, &mut whole)?;
        let mut part = Matrix::zeros(0, 0);
        for (j0, j1) in [(0, 37), (37, 64), (64, 128)] {
            matmul(&a, &b.columns(j0, j1 - j0).into_owned(), &mut part)?;
            for j in j0..j1 {
                for i in 0..512 {
                    assert_eq!(part[(i, j - j0)].to_bits(), whole[(i, j)].to_bits(), "({i}, {j})");
                }
            }
        }
        Ok(())
    }

    #[test]
    fn the_avx_dots_give_the_portable_bits() {
        let here = dot_set_here;
        for len in [0usize, 1, 7, 31, 32, 33, 100, 256, 1000] {
            let col = |salt: f32| -> Vec<f32> { (0..len).map(|i| (i as f32 * 0.37 + salt).sin()).collect() };
            let (s, c) = (col(0.0), [col(1.0), col(2.0), col(3.0)]);
            for n in 0..=SET {
                let set: Vec<&[f32]> = c[..n].iter().map(Vec::as_slice).collect();
                for sum in [false, true] {
                    let (mut fast, mut portable) = ([0.0f32; SET + 1], [0.0f32; SET + 1]);
                    here(&s, &set, sum, &mut fast);
                    Portable::dot_set(&s, &set, sum, &mut portable);
                    let used = n + usize::from(sum || n == 0);
                    let bits = |r: &[f32]| r[..used].iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&fast), bits(&portable), "length {len}, {n} columns, sum {sum}");
                }
            }
        }
    }

    #[test]
    fn product_with_sums_is_the_product_and_the_lane_sums() -> Result<()> {
        // Narrow input (the sums in the product's pass), narrow gradient, and neither.
        for &(k, m, n) in &[(300, 2, 64), (250, 64, 3), (77, 5, 6), (40, 12, 10), (0, 3, 4)] {
            let (a, b) = (sample(k, m, 0.1), sample(k, n, 0.2));
            let (mut out, mut sums) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
            matmul_tn_sums(&a, &b, &mut out, &mut sums)?;
            let mut expected = Matrix::zeros(0, 0);
            matmul_tn(&a, &b, &mut expected)?;
            let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&out), bits(&expected), "{k}x{m}x{n}");
            assert_eq!(sums.shape(), (1, n));
            for j in 0..n {
                let col: Vec<f32> = b.column(j).iter().copied().collect();
                assert_eq!(sums[j].to_bits(), sum_lanes(&col).to_bits(), "{k}x{m}x{n} column {j}");
                let exact: f64 = col.iter().map(|&v| f64::from(v)).sum();
                assert!((f64::from(sums[j]) - exact).abs() < 1e-4, "{k}x{m}x{n} column {j}");
            }
        }
        assert!(
            matmul_tn_sums(
                &sample(3, 2, 0.0),
                &sample(4, 2, 0.0),
                &mut Matrix::zeros(0, 0),
                &mut Matrix::zeros(0, 0)
            )
            .is_err()
        );
        Ok(())
    }

    /// Whether [`skinny`] takes the product (the general kernel sums in another order).
    fn skinny_shape(a: &Matrix, ta: Transpose, tb: Transpose, n: usize) -> bool {
        match ta {
            Transpose::No => a.ncols() <= 8 || n <= 8,
            Transpose::Yes => tb == Transpose::No && (a.ncols() <= 8 || n <= 8),
        }
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
