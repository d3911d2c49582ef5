//! Products `aᵀ·b` with a small side, as dot products of contiguous columns (the weight
//! gradients of a dense layer), and the lane order of every sum.

/// `out = α · aᵀ · b` (a: k×m, b: k×n, column-major) as dot products of contiguous columns,
/// for a small `m` or `n`: each column of the wide operand streams past once, against all the
/// narrow operand's columns at a time (up to [`SET`] of them per pass). With `sums`, also the
/// column sums of `b` (unscaled), in the same lanes as a dot product with a column of ones.
#[allow(clippy::too_many_arguments)]
pub(super) fn dots(
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
/// rest in order): the bits of the column sums that [`matmul_tn_sums`](crate::matmul_tn_sums) computes beside a product.
#[must_use]
pub fn sum_lanes(x: &[f32]) -> f32 {
    let mut r = [0.0f32; SET + 1];
    dot_set_here(x, &[], true, &mut r);
    r[0]
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
