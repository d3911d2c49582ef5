//! Products of a few rows by a wide matrix, `out = α · A · B` with `A` m×k for m ≤ 8 (one
//! request at inference, a short last batch): each column of `B` is streamed once against
//! every row, in the vectors of [`Simd`] with fused multiply-adds.
//!
//! Entry `(r, j)` sums `A[r, p] · B[p, j]` in [`LANES`] lanes (lane `l` takes the `p ≡ l`
//! below the last whole vector, in order, fused), adds the lanes pairwise, then the rest in
//! order (fused), then scales by `α`: the same bits in every form of [`Simd`].

#![allow(unsafe_code)]
// The kernel indexes several arrays by the same row and column.
#![allow(clippy::needless_range_loop)]

use crate::kernels::simd::{LANES, Portable, Simd};
use crate::pairwise_sum;

/// Columns of `B` streamed together: their sums and the rows' vectors fill the registers.
const fn columns(rows: usize) -> usize {
    match rows {
        1 | 2 => 4,
        3 | 4 => 2,
        _ => 1,
    }
}

/// A product of `m` rows: each row of `A` a contiguous column of `k` in `rows`, by the `n`
/// columns of `b` (k×n, column-major), scaled by `alpha`.
#[derive(Clone, Copy)]
struct Rows<'a> {
    rows: &'a [f32],
    b: &'a [f32],
    k: usize,
    m: usize,
    n: usize,
    alpha: f32,
}

/// `out[r + j·m] = α · Σ_p rows[r·k + p] · b[p + j·k]` for the `m` rows of `A`, each a
/// contiguous column of `k` in `rows`, and the `n` columns of `b` (k×n, column-major).
pub(crate) fn product(rows: &[f32], b: &[f32], k: usize, m: usize, n: usize, alpha: f32, out: &mut [f32]) {
    assert!((1..=8).contains(&m) && rows.len() >= m * k && b.len() >= k * n && out.len() >= m * n);
    let p = Rows { rows, b, k, m, n, alpha };
    #[cfg(target_arch = "x86_64")]
    {
        use crate::kernels::simd::{avx2::Avx2, avx512::Avx512};
        if let Some(s) = Avx512::detect() {
            // SAFETY: AVX-512 F, BW, DQ and VL are present (the token).
            unsafe { product_avx512(s, p, out) };
            return;
        }
        if let Some(s) = Avx2::detect() {
            // SAFETY: AVX2 and FMA are present (the token).
            unsafe { product_avx2(s, p, out) };
            return;
        }
    }
    with_rows(Portable, p, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn product_avx512(s: crate::kernels::simd::avx512::Avx512, p: Rows<'_>, out: &mut [f32]) {
    with_rows(s, p, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn product_avx2(s: crate::kernels::simd::avx2::Avx2, p: Rows<'_>, out: &mut [f32]) {
    with_rows(s, p, out);
}

/// [`product`] for the run-time `m` as a compile-time constant.
#[inline(always)]
fn with_rows<S: Simd>(s: S, p: Rows<'_>, out: &mut [f32]) {
    match p.m {
        1 => rows_of::<S, 1, { columns(1) }>(s, p, out),
        2 => rows_of::<S, 2, { columns(2) }>(s, p, out),
        3 => rows_of::<S, 3, { columns(3) }>(s, p, out),
        4 => rows_of::<S, 4, { columns(4) }>(s, p, out),
        5 => rows_of::<S, 5, { columns(5) }>(s, p, out),
        6 => rows_of::<S, 6, { columns(6) }>(s, p, out),
        7 => rows_of::<S, 7, { columns(7) }>(s, p, out),
        _ => rows_of::<S, 8, { columns(8) }>(s, p, out),
    }
}

/// `x[at..at + LANES]` as an array.
#[inline(always)]
fn lanes(x: &[f32], at: usize) -> &[f32; LANES] {
    x[at..at + LANES].try_into().expect("a whole vector")
}

/// The product for `M` rows, `J` columns of `b` at a time (no closures: a closure would be
/// compiled without the caller's SIMD level, and its vector operations called, not inlined).
#[inline(always)]
fn rows_of<S: Simd, const M: usize, const J: usize>(s: S, p: Rows<'_>, out: &mut [f32]) {
    let Rows { rows, b, k, n, alpha, .. } = p;
    let whole = k / LANES * LANES;
    let rows = &rows[..M * k];
    for j0 in (0..n).step_by(J) {
        let width = J.min(n - j0);
        // A set past the last column repeats the last one (its sums are not stored).
        let mut columns = [&b[..0]; J];
        for (q, c) in columns.iter_mut().enumerate() {
            *c = &b[(j0 + q.min(width - 1)) * k..][..k];
        }
        let mut acc = [[s.splat(0.0); J]; M];
        let mut at = 0;
        while at < whole {
            let mut w = [s.splat(0.0); J];
            for q in 0..J {
                w[q] = s.load(lanes(columns[q], at));
            }
            for r in 0..M {
                let x = s.load(lanes(rows, r * k + at));
                for q in 0..J {
                    acc[r][q] = s.mul_add(x, w[q], acc[r][q]);
                }
            }
            at += LANES;
        }
        for r in 0..M {
            let row = &rows[r * k..][..k];
            for q in 0..width {
                let mut l = [0.0f32; LANES];
                s.store(acc[r][q], &mut l);
                let mut sum = pairwise_sum(l);
                for p in whole..k {
                    sum = row[p].mul_add(columns[q][p], sum);
                }
                out[r + (j0 + q) * M] = alpha * sum;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented order, written plainly.
    fn reference(rows: &[f32], b: &[f32], k: usize, m: usize, n: usize, alpha: f32) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        let whole = k / LANES * LANES;
        for r in 0..m {
            for j in 0..n {
                let mut l = [0.0f32; LANES];
                for p in 0..whole {
                    l[p % LANES] = rows[r * k + p].mul_add(b[j * k + p], l[p % LANES]);
                }
                let mut sum = pairwise_sum(l);
                for p in whole..k {
                    sum = rows[r * k + p].mul_add(b[j * k + p], sum);
                }
                out[r + j * m] = alpha * sum;
            }
        }
        out
    }

    #[test]
    fn every_form_sums_in_the_documented_order() {
        for (m, k, n) in
            [(1, 784, 128), (2, 33, 7), (3, 16, 5), (4, 100, 9), (5, 15, 3), (8, 47, 17), (7, 1, 2)]
        {
            let rows: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
            let want = reference(&rows, &b, k, m, n, 0.5);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut out = vec![0.0; m * n];
            product(&rows, &b, k, m, n, 0.5, &mut out);
            assert_eq!(bits(&out), bits(&want), "{m}x{k}x{n}");
            let mut portable = vec![0.0; m * n];
            with_rows(Portable, Rows { rows: &rows, b: &b, k, m, n, alpha: 0.5 }, &mut portable);
            assert_eq!(bits(&portable), bits(&want), "portable {m}x{k}x{n}");
        }
    }
}
