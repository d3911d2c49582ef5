//! A register-blocked product for operands that fit in a core's L2 cache (AVX2 and FMA on
//! x86-64), in place of matrixmultiply's packed kernel.
//!
//! A packed kernel copies both operands into panels at every call: on the products of a
//! 784 → 128 → 128 → 10 training step (128 rows, inner sizes 784 and 128) the copies took about
//! a quarter as long as the arithmetic. Here only the left operand is copied, one 16-row strip
//! at a time into a buffer of cache lines that stays in L1 (a plain copy for `A`, 8 × 8
//! transposes in registers for `Aᵀ`); each strip then meets every 6-column block of the right
//! operand, whose entries are broadcast from wherever they lie. 106 GFLOP/s on those shapes
//! on one Zen 4 core (matrixmultiply: 93; the FMA units' peak: 117).
//!
//! Each entry of the output is one chain of fused multiply-adds over the inner index in order,
//! from zero, then scaled by `alpha`, plus `beta` times the old entry, plus the bias: the
//! blocking, the edges and a split between threads do not change a bit.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256, _mm256_add_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_maskload_ps,
    _mm256_maskstore_ps, _mm256_mul_ps, _mm256_permute2f128_ps, _mm256_set1_ps, _mm256_setr_epi32,
    _mm256_setzero_ps, _mm256_shuffle_ps, _mm256_storeu_ps, _mm256_unpackhi_ps, _mm256_unpacklo_ps,
};
use std::cell::RefCell;

use super::{Operand, Product};

/// Rows of a block: two AVX registers.
const MR: usize = 16;
/// Columns of a block: 2 × 6 sums, two rows of the left operand and a broadcast fill 15 of the
/// 16 AVX registers.
const NR: usize = 6;
/// The most entries both operands may hold together (1 MB of floats, a Zen 4 core's L2).
const MAX_OPERANDS: usize = 1 << 18;

/// Whether [`product`] takes an m×k by k×n product on this machine.
pub(super) fn suits(m: usize, k: usize, n: usize) -> bool {
    m * k + k * n <= MAX_OPERANDS
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
}

/// `out = alpha · A · B + beta · out + bias` (out m×n, column-major and contiguous; `bias`
/// empty or one entry per column) on this thread, for a product that [`suits`] this kernel.
pub(super) fn product(p: Product<'_>, bias: &[f32], out: &mut [f32]) {
    let Product { m, k, n, .. } = p;
    assert!(suits(m, k, n) && out.len() == m * n && (bias.is_empty() || bias.len() == n));
    STRIP.with(|strip| {
        let mut strip = strip.borrow_mut();
        strip.resize(k, Line([0.0; MR]));
        // SAFETY: `suits` checked for AVX2 and FMA; the operands view an m×k and a k×n matrix
        // inside their slices (the strides come from their matrices, and a right half of B is
        // sliced from its first column on), and `out` has the size asserted above.
        unsafe { Job { p, bias }.run(out, &mut strip) }
    });
}

/// One product and its bias.
struct Job<'a> {
    p: Product<'a>,
    bias: &'a [f32],
}

/// One column of a strip: 16 entries, one cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; MR]);

thread_local! {
    /// A 16-row strip of the left operand, copied so that the kernel reads it in order.
    static STRIP: RefCell<Vec<Line>> = const { RefCell::new(Vec::new()) };
}

impl Job<'_> {
    /// # Safety
    /// AVX2 and FMA present; the operands view m×k and k×n matrices inside their slices, and
    /// `out` holds m×n entries.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run(&self, out: &mut [f32], strip: &mut [Line]) {
        let Product { m, k, n, .. } = self.p;
        for i in (0..m).step_by(MR) {
            let h = MR.min(m - i);
            // SAFETY: AVX2 is present (this function's features).
            unsafe { copy_strip(self.p.a, i, h, k, strip) };
            let a = strip.as_ptr().cast::<f32>();
            for j in (0..n).step_by(NR) {
                let c = out[j * m + i..].as_mut_ptr();
                // SAFETY: rows i..i + h of columns j..j + W are inside `out` (from `c`, `m`
                // apart) and inside B; the strip has k columns.
                unsafe {
                    match NR.min(n - j) {
                        6 => self.block::<6>(a, h, j, c),
                        5 => self.block::<5>(a, h, j, c),
                        4 => self.block::<4>(a, h, j, c),
                        3 => self.block::<3>(a, h, j, c),
                        2 => self.block::<2>(a, h, j, c),
                        _ => self.block::<1>(a, h, j, c),
                    }
                }
            }
        }
    }

    /// A block of the output, `h` ≤ 16 rows from `c` by columns `j..j + W` of B (`m` entries
    /// apart from `c`), from a strip `a` of 16 rows by k columns. Only inlined into functions
    /// compiled for AVX2 and FMA.
    ///
    /// # Safety
    /// AVX2 and FMA present; the block inside the output and B.
    #[inline(always)]
    unsafe fn block<const W: usize>(&self, a: *const f32, h: usize, j: usize, c: *mut f32) {
        let (rsb, csb) = (self.p.b.rs, self.p.b.cs);
        // Column p of the block's part of B: W entries `csb` apart, from `rsb · p`.
        let b = self.p.b.data[j * csb as usize..].as_ptr();
        // SAFETY: the caller's promises; masked accesses touch only rows below `h`.
        unsafe {
            let mut lo = [_mm256_setzero_ps(); W];
            let mut hi = [_mm256_setzero_ps(); W];
            let (mut ap, mut bp) = (a, b);
            for _ in 0..self.p.k {
                let a0 = _mm256_loadu_ps(ap);
                let a1 = _mm256_loadu_ps(ap.add(8));
                for q in 0..W {
                    let bq = _mm256_broadcast_ss(&*bp.offset(q as isize * csb));
                    lo[q] = _mm256_fmadd_ps(a0, bq, lo[q]);
                    hi[q] = _mm256_fmadd_ps(a1, bq, hi[q]);
                }
                ap = ap.add(MR);
                bp = bp.offset(rsb);
            }
            let (alpha, beta) = (_mm256_set1_ps(self.p.alpha), _mm256_set1_ps(self.p.beta));
            let lane = |r: usize| if r < h { -1 } else { 0 };
            let m0 =
                _mm256_setr_epi32(lane(0), lane(1), lane(2), lane(3), lane(4), lane(5), lane(6), lane(7));
            let m1 = _mm256_setr_epi32(
                lane(8),
                lane(9),
                lane(10),
                lane(11),
                lane(12),
                lane(13),
                lane(14),
                lane(15),
            );
            for q in 0..W {
                let col = c.wrapping_add(q * self.p.m);
                let (mut v0, mut v1) = (lo[q], hi[q]);
                if self.p.alpha != 1.0 {
                    v0 = _mm256_mul_ps(v0, alpha);
                    v1 = _mm256_mul_ps(v1, alpha);
                }
                if self.p.beta != 0.0 {
                    let (o0, o1) = if h == MR {
                        (_mm256_loadu_ps(col), _mm256_loadu_ps(col.add(8)))
                    } else {
                        (_mm256_maskload_ps(col, m0), _mm256_maskload_ps(col.wrapping_add(8), m1))
                    };
                    v0 = _mm256_add_ps(v0, _mm256_mul_ps(beta, o0));
                    v1 = _mm256_add_ps(v1, _mm256_mul_ps(beta, o1));
                }
                if let Some(&bias) = self.bias.get(j + q) {
                    v0 = _mm256_add_ps(v0, _mm256_set1_ps(bias));
                    v1 = _mm256_add_ps(v1, _mm256_set1_ps(bias));
                }
                if h == MR {
                    _mm256_storeu_ps(col, v0);
                    _mm256_storeu_ps(col.add(8), v1);
                } else {
                    _mm256_maskstore_ps(col, m0, v0);
                    _mm256_maskstore_ps(col.wrapping_add(8), m1, v1);
                }
            }
        }
    }
}

/// Copies rows `i..i + h` of `a` (its first k columns) into `strip`, the rows past `h` zero.
/// Only inlined into functions compiled for AVX2.
///
/// # Safety
/// AVX2 present.
#[inline(always)]
unsafe fn copy_strip(a: Operand<'_>, i: usize, h: usize, k: usize, strip: &mut [Line]) {
    let (rs, cs) = (a.rs as usize, a.cs as usize);
    if h < MR {
        strip.fill(Line([0.0; MR]));
    }
    if rs == 1 && h == MR {
        // Columns of the strip are contiguous (`A` column-major).
        for (p, Line(dst)) in strip.iter_mut().enumerate() {
            dst.copy_from_slice(&a.data[i + p * cs..i + p * cs + MR]);
        }
        return;
    }
    let mut done = 0;
    if cs == 1 && h == MR {
        // Rows of the strip are contiguous (`Aᵀ` of a column-major matrix): 8 × 8 blocks
        // transposed in registers.
        let rows: [&[f32]; MR] = std::array::from_fn(|r| &a.data[(i + r) * rs..(i + r) * rs + k]);
        done = k - k % 8;
        for p in (0..done).step_by(8) {
            for half in 0..2 {
                let block: [&[f32]; 8] = std::array::from_fn(|r| &rows[8 * half + r][p..p + 8]);
                // SAFETY: AVX2 present; each row has 8 entries from `p`.
                let cols = unsafe { transpose8(block) };
                for (c, col) in cols.iter().enumerate() {
                    strip[p + c].0[8 * half..8 * half + 8].copy_from_slice(col);
                }
            }
        }
    }
    for r in 0..h {
        for (p, Line(dst)) in strip.iter_mut().enumerate().take(k).skip(done) {
            dst[r] = a.data[(i + r) * rs + p * cs];
        }
    }
}

/// The columns of an 8 × 8 block given by its rows: entry c of the result is
/// `(rows[0][c], …, rows[7][c])`.
///
/// # Safety
/// AVX present; every row has at least 8 entries.
#[inline(always)]
unsafe fn transpose8(rows: [&[f32]; 8]) -> [[f32; 8]; 8] {
    // SAFETY: the caller's promises.
    unsafe {
        let r: [__m256; 8] = std::array::from_fn(|q| _mm256_loadu_ps(rows[q].as_ptr()));
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        let cols = [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ];
        let mut out = [[0.0f32; 8]; 8];
        for (o, c) in out.iter_mut().zip(cols) {
            _mm256_storeu_ps(o.as_mut_ptr(), c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::by_column_halves;
    use crate::kernels::gemm::tests::sample;
    use crate::{Matrix, Transpose};

    /// The documented arithmetic, one entry at a time: a chain of fused multiply-adds over p
    /// in order from zero, times alpha, plus beta times the old entry, plus the bias.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        a: &Matrix,
        ta: Transpose,
        b: &Matrix,
        tb: Transpose,
        alpha: f32,
        beta: f32,
        bias: &[f32],
        old: &Matrix,
    ) -> Matrix {
        let a = if ta == Transpose::Yes { a.transpose() } else { a.clone() };
        let b = if tb == Transpose::Yes { b.transpose() } else { b.clone() };
        Matrix::from_fn(a.nrows(), b.ncols(), |i, j| {
            let mut acc = 0.0f32;
            for p in 0..a.ncols() {
                acc = a[(i, p)].mul_add(b[(p, j)], acc);
            }
            let mut v = if alpha == 1.0 { acc } else { acc * alpha };
            if beta != 0.0 {
                v += beta * old[(i, j)];
            }
            bias.get(j).map_or(v, |&c| v + c)
        })
    }

    #[test]
    fn every_entry_is_one_fused_chain_whatever_the_shape_and_layout() {
        if !suits(1, 1, 1) {
            // Without AVX2 and FMA the products take matrixmultiply (tested in `gemm`).
            assert!(
                !std::arch::is_x86_feature_detected!("fma") || !std::arch::is_x86_feature_detected!("avx2")
            );
            return;
        }
        // Rows on both sides of the 16-row strips, columns on both sides of the 6-column
        // blocks, inner sizes on both sides of the 8-wide transposes; the last shape is large
        // enough for the `threading` feature's split.
        let shapes =
            [(1, 1, 1), (15, 9, 7), (16, 8, 6), (17, 17, 13), (33, 5, 1), (40, 130, 11), (128, 784, 128)];
        for (s, &(m, k, n)) in shapes.iter().enumerate() {
            for (ta, tb) in [
                (Transpose::No, Transpose::No),
                (Transpose::Yes, Transpose::No),
                (Transpose::No, Transpose::Yes),
                (Transpose::Yes, Transpose::Yes),
            ] {
                let a = if ta == Transpose::Yes { sample(k, m, 0.1) } else { sample(m, k, 0.1) };
                let b = if tb == Transpose::Yes { sample(n, k, 0.2) } else { sample(k, n, 0.2) };
                let bias: Vec<f32> = (0..n).map(|j| j as f32 * 0.25 - 1.0).collect();
                let settings: [(f32, f32, &[f32]); 3] =
                    [(1.0, 0.0, &[]), (1.0, 0.0, &bias), (-0.5, 0.75, &[])];
                for (alpha, beta, bias) in settings {
                    let old = sample(m, n, 0.3 + s as f32);
                    let mut out = old.clone();
                    let (_, _, rsa, csa) = ta.view(&a);
                    let (_, _, rsb, csb) = tb.view(&b);
                    let av = Operand { data: a.as_slice(), rs: rsa, cs: csa };
                    let bv = Operand { data: b.as_slice(), rs: rsb, cs: csb };
                    let p = Product { m, k, n, alpha, beta, a: av, b: bv };
                    // Split in halves of the columns with the `threading` feature, as `gemm` does.
                    by_column_halves(p, bias, out.as_mut_slice(), product);
                    let expected = reference(&a, ta, &b, tb, alpha, beta, bias, &old);
                    for (i, (x, y)) in out.iter().zip(expected.iter()).enumerate() {
                        assert_eq!(
                            x.to_bits(),
                            y.to_bits(),
                            "{m}x{k}x{n} {ta:?}{tb:?} alpha {alpha} beta {beta} bias {}: entry {i}, {x} vs {y}",
                            !bias.is_empty()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_strip_of_the_transpose_is_copied_exactly() {
        // The in-register 8 × 8 transposes against the element-by-element copy.
        let x = sample(45, 40, 0.5);
        let at = Operand { data: x.as_slice(), rs: 45, cs: 1 };
        for (i, h) in [(0, 16), (16, 16), (32, 8)] {
            let mut strip = vec![Line([f32::NAN; MR]); 45];
            // SAFETY: the test runs this only where AVX2 is present.
            if std::arch::is_x86_feature_detected!("avx2") {
                unsafe { copy_strip(at, i, h, 45, &mut strip) };
                for (p, Line(col)) in strip.iter().enumerate() {
                    for r in 0..MR {
                        let expected = if r < h { x[(p, i + r)] } else { 0.0 };
                        assert_eq!(col[r].to_bits(), expected.to_bits(), "strip {i}, column {p}, row {r}");
                    }
                }
            }
        }
    }
}
