//! Products with a small inner or outer size, where a packed kernel spends most of its time
//! packing: columns of the output as sums of scaled columns of the left operand.

use super::Transpose;
use super::dots::dots;
use crate::Matrix;

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
pub(super) fn skinny(
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
        Transpose::No if tb == Transpose::No && m <= SMALL => {
            few_rows(a, b, alpha, bias, out);
            true
        }
        _ => false,
    }
}

thread_local! {
    /// The rows of a few-row left operand, transposed into contiguous columns.
    static ROWS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `out = α · a · b + bias` for a few rows of `a` (m ≤ 8, such as one request at inference):
/// each row of `a` made a contiguous column (a row of one is one already), then every entry a
/// dot product of it with a column of `b`, each column of `b` streamed once against all the
/// rows (see `rows.rs`); the bias is added to each finished entry.
fn few_rows(a: &Matrix, b: &Matrix, alpha: f32, bias: &[f32], out: &mut Matrix) {
    let (m, k) = a.shape();
    let n = b.ncols();
    let mut run = |rows: &[f32]| super::rows::product(rows, b.as_slice(), k, m, n, alpha, out.as_mut_slice());
    if m == 1 {
        run(a.as_slice());
    } else {
        ROWS.with(|buffer| {
            let mut rows = buffer.borrow_mut();
            rows.resize(m * k, 0.0);
            for (p, col) in a.as_slice().chunks_exact(m).enumerate() {
                for (r, &v) in col.iter().enumerate() {
                    rows[r * k + p] = v;
                }
            }
            run(&rows);
        });
    }
    if !bias.is_empty() {
        for (col, &b) in out.as_mut_slice().chunks_exact_mut(m).zip(bias) {
            for v in col {
                *v += b;
            }
        }
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
