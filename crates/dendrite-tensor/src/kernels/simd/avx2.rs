//! [`Simd`] in pairs of AVX2 registers with fused multiply-adds: a vector of sixteen lanes is two
//! registers.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, __m256, __m256i, _CMP_GT_OQ, _mm_loadu_si128, _mm256_add_epi64, _mm256_add_ps, _mm256_and_ps,
    _mm256_castsi256_ps, _mm256_castsi256_si128, _mm256_cmp_ps, _mm256_cmpgt_epi32, _mm256_cvtepu16_epi32,
    _mm256_extracti128_si256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_max_ps, _mm256_mul_epu32,
    _mm256_mul_ps, _mm256_set_epi64x, _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_set1_ps,
    _mm256_setzero_ps, _mm256_slli_epi64, _mm256_srli_epi64, _mm256_storeu_ps, _mm256_storeu_si256,
    _mm256_xor_si256,
};

use super::{Draws, LANES, Simd};

/// The token of a machine with AVX2 and FMA: made only by [`Avx2::detect`], and its methods
/// are meant to be inlined into functions compiled for those features.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, if the machine has AVX2 and FMA.
    pub(crate) fn detect() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
            .then_some(Avx2(()))
    }
}

/// SplitMix64's step between states.
pub(crate) const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The states of SplitMix64 outputs `index..index + 4` from `key`, first to last.
#[inline(always)]
pub(crate) fn states(key: u64, index: usize) -> [i64; 4] {
    let base = key.wrapping_add((index as u64).wrapping_add(1).wrapping_mul(GOLDEN_GAMMA));
    let mut out = [0; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = base.wrapping_add((i as u64).wrapping_mul(GOLDEN_GAMMA)) as i64;
    }
    out
}

impl Avx2 {
    /// `a · c` modulo 2⁶⁴ in each 64-bit lane, for a constant `c`.
    #[inline(always)]
    fn mul64(self, a: __m256i, c: u64) -> __m256i {
        // SAFETY: AVX2 is present (the token).
        unsafe {
            let lo = _mm256_set1_epi64x((c & 0xffff_ffff) as i64);
            let hi = _mm256_set1_epi64x((c >> 32) as i64);
            let low = _mm256_mul_epu32(a, lo);
            let cross =
                _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64::<32>(a), lo), _mm256_mul_epu32(a, hi));
            _mm256_add_epi64(low, _mm256_slli_epi64::<32>(cross))
        }
    }

    /// SplitMix64 outputs `index..index + 4` from `key`, a 64-bit lane each.
    #[inline(always)]
    fn draws(self, key: u64, index: usize) -> __m256i {
        let [s0, s1, s2, s3] = states(key, index);
        // SAFETY: AVX2 is present (the token).
        unsafe {
            let mut z = _mm256_set_epi64x(s3, s2, s1, s0);
            z = self.mul64(_mm256_xor_si256(z, _mm256_srli_epi64::<30>(z)), 0xbf58_476d_1ce4_e5b9);
            z = self.mul64(_mm256_xor_si256(z, _mm256_srli_epi64::<27>(z)), 0x94d0_49bb_1331_11eb);
            _mm256_xor_si256(z, _mm256_srli_epi64::<31>(z))
        }
    }

    /// The mask values of the eight elements whose 16-bit lanes are `bits`.
    #[inline(always)]
    fn decide(self, bits: __m128i, draws: &Draws) -> __m256 {
        // SAFETY: AVX2 is present (the token).
        unsafe {
            let lanes = _mm256_cvtepu16_epi32(bits);
            let keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(draws.keep_below as i32), lanes);
            _mm256_and_ps(_mm256_castsi256_ps(keep), _mm256_set1_ps(draws.scale))
        }
    }
}

// SAFETY (every method): AVX2 and FMA are present (the token); loads and stores go through
// arrays of exactly `LANES` floats, eight at a time.
impl Simd for Avx2 {
    type F = [__m256; 2];

    #[inline(always)]
    fn splat(self, x: f32) -> Self::F {
        unsafe { [_mm256_set1_ps(x); 2] }
    }

    #[inline(always)]
    fn load(self, x: &[f32; LANES]) -> Self::F {
        unsafe { [_mm256_loadu_ps(x.as_ptr()), _mm256_loadu_ps(x.as_ptr().add(8))] }
    }

    #[inline(always)]
    fn store(self, v: Self::F, out: &mut [f32; LANES]) {
        unsafe {
            _mm256_storeu_ps(out.as_mut_ptr(), v[0]);
            _mm256_storeu_ps(out.as_mut_ptr().add(8), v[1]);
        }
    }

    #[inline(always)]
    fn mul_add(self, a: Self::F, b: Self::F, c: Self::F) -> Self::F {
        unsafe { [_mm256_fmadd_ps(a[0], b[0], c[0]), _mm256_fmadd_ps(a[1], b[1], c[1])] }
    }

    #[inline(always)]
    fn mul(self, a: Self::F, b: Self::F) -> Self::F {
        unsafe { [_mm256_mul_ps(a[0], b[0]), _mm256_mul_ps(a[1], b[1])] }
    }

    #[inline(always)]
    fn add(self, a: Self::F, b: Self::F) -> Self::F {
        unsafe { [_mm256_add_ps(a[0], b[0]), _mm256_add_ps(a[1], b[1])] }
    }

    #[inline(always)]
    fn relu(self, z: Self::F) -> Self::F {
        // MAXPS returns its second operand when either is NaN or both are zeros: NaN and −0
        // pass, as `if z < 0 { 0 } else { z }`.
        unsafe { [_mm256_max_ps(_mm256_setzero_ps(), z[0]), _mm256_max_ps(_mm256_setzero_ps(), z[1])] }
    }

    #[inline(always)]
    fn where_positive(self, h: Self::F, v: Self::F) -> Self::F {
        unsafe {
            let zero = _mm256_setzero_ps();
            [
                _mm256_and_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(h[0], zero), v[0]),
                _mm256_and_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(h[1], zero), v[1]),
            ]
        }
    }

    #[inline(always)]
    fn mask(self, draws: &Draws, e0: usize) -> Self::F {
        let (first, offset) = (e0 / 4, e0 % 4);
        if offset == 0 {
            // Four draws hold the 16-bit lanes of the sixteen elements in order.
            let d = self.draws(draws.key, first);
            unsafe {
                [
                    self.decide(_mm256_castsi256_si128(d), draws),
                    self.decide(_mm256_extracti128_si256::<1>(d), draws),
                ]
            }
        } else {
            // The elements start `offset` lanes into a draw: their lanes of five draws, through
            // a buffer.
            let mut bits = [0u16; 32];
            for v in 0..2 {
                let d = self.draws(draws.key, first + 4 * v);
                unsafe { _mm256_storeu_si256(bits.as_mut_ptr().add(16 * v).cast(), d) };
            }
            let lanes = &bits[offset..offset + LANES];
            unsafe {
                [
                    self.decide(_mm_loadu_si128(lanes.as_ptr().cast()), draws),
                    self.decide(_mm_loadu_si128(lanes.as_ptr().add(8).cast()), draws),
                ]
            }
        }
    }
}
