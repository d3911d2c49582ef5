//! [`Simd`] in AVX-512 registers: a vector of sixteen lanes is one register.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, __m512, __m512i, _CMP_GT_OQ, _mm256_loadu_si256, _mm256_mullo_epi64, _mm256_set_epi64x,
    _mm256_set1_epi64x, _mm256_srli_epi64, _mm256_storeu_si256, _mm256_xor_si256, _mm512_add_ps,
    _mm512_castsi512_si256, _mm512_cmp_ps_mask, _mm512_cmplt_epu32_mask, _mm512_cvtepu16_epi32,
    _mm512_extracti64x4_epi64, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_maskz_mov_ps, _mm512_max_ps,
    _mm512_mul_ps, _mm512_mullo_epi64, _mm512_set_epi64, _mm512_set1_epi32, _mm512_set1_epi64,
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_srli_epi64, _mm512_storeu_ps, _mm512_xor_si512,
};

use super::avx2::states;
use super::{Draws, LANES, MAX_VECTORS, Simd};

/// The token of a machine with AVX-512 F, BW, DQ and VL: made only by [`Avx512::detect`], and
/// its methods are meant to be inlined into functions compiled for those features.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// The token, if the machine has AVX-512 F, BW, DQ and VL.
    pub(crate) fn detect() -> Option<Self> {
        let has = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl");
        has.then_some(Avx512(()))
    }
}

impl Avx512 {
    /// SplitMix64 outputs `index..index + 4` from `key`, a 64-bit lane each.
    #[inline(always)]
    fn draws(self, key: u64, index: usize) -> __m256i {
        let [s0, s1, s2, s3] = states(key, index);
        // SAFETY: AVX-512 DQ and VL are present (the token).
        unsafe {
            let c1 = _mm256_set1_epi64x(0xbf58_476d_1ce4_e5b9_u64 as i64);
            let c2 = _mm256_set1_epi64x(0x94d0_49bb_1331_11eb_u64 as i64);
            let mut z = _mm256_set_epi64x(s3, s2, s1, s0);
            z = _mm256_mullo_epi64(_mm256_xor_si256(z, _mm256_srli_epi64::<30>(z)), c1);
            z = _mm256_mullo_epi64(_mm256_xor_si256(z, _mm256_srli_epi64::<27>(z)), c2);
            _mm256_xor_si256(z, _mm256_srli_epi64::<31>(z))
        }
    }

    /// SplitMix64 outputs `index..index + 8` from `key`, a 64-bit lane each.
    #[inline(always)]
    fn draws8(self, key: u64, index: usize) -> __m512i {
        let ([s0, s1, s2, s3], [s4, s5, s6, s7]) = (states(key, index), states(key, index + 4));
        // SAFETY: AVX-512 F and DQ are present (the token).
        unsafe {
            let c1 = _mm512_set1_epi64(0xbf58_476d_1ce4_e5b9_u64 as i64);
            let c2 = _mm512_set1_epi64(0x94d0_49bb_1331_11eb_u64 as i64);
            let mut z = _mm512_set_epi64(s7, s6, s5, s4, s3, s2, s1, s0);
            z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64::<30>(z)), c1);
            z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64::<27>(z)), c2);
            _mm512_xor_si512(z, _mm512_srli_epi64::<31>(z))
        }
    }

    /// The mask values of the sixteen elements whose 16-bit lanes are `bits`.
    #[inline(always)]
    fn decide(self, bits: __m256i, draws: &Draws) -> __m512 {
        // SAFETY: AVX-512 F and BW are present (the token).
        unsafe {
            let keep = _mm512_cmplt_epu32_mask(
                _mm512_cvtepu16_epi32(bits),
                _mm512_set1_epi32(draws.keep_below as i32),
            );
            _mm512_maskz_mov_ps(keep, _mm512_set1_ps(draws.scale))
        }
    }
}

// SAFETY (every method): AVX-512 F is present (the token); loads and stores go through arrays
// of exactly `LANES` floats.
impl Simd for Avx512 {
    type F = __m512;

    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        unsafe { _mm512_set1_ps(x) }
    }

    #[inline(always)]
    fn load(self, x: &[f32; LANES]) -> __m512 {
        unsafe { _mm512_loadu_ps(x.as_ptr()) }
    }

    #[inline(always)]
    fn store(self, v: __m512, out: &mut [f32; LANES]) {
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
    }

    #[inline(always)]
    fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_mul_ps(a, b) }
    }

    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_add_ps(a, b) }
    }

    #[inline(always)]
    fn relu(self, z: __m512) -> __m512 {
        // VMAXPS returns its second operand when either is NaN or both are zeros: NaN and −0
        // pass, as `if z < 0 { 0 } else { z }`.
        unsafe { _mm512_max_ps(_mm512_setzero_ps(), z) }
    }

    #[inline(always)]
    fn where_positive(self, h: __m512, v: __m512) -> __m512 {
        unsafe { _mm512_maskz_mov_ps(_mm512_cmp_ps_mask::<_CMP_GT_OQ>(h, _mm512_setzero_ps()), v) }
    }

    #[inline(always)]
    fn mask(self, draws: &Draws, e0: usize) -> __m512 {
        let (first, offset) = (e0 / 4, e0 % 4);
        if offset == 0 {
            // Four draws hold the 16-bit lanes of the sixteen elements in order.
            self.decide(self.draws(draws.key, first), draws)
        } else {
            // The elements start `offset` lanes into a draw: their lanes of five draws, through
            // a buffer.
            let mut bits = [0u16; 32];
            for v in 0..2 {
                let d = self.draws(draws.key, first + 4 * v);
                unsafe { _mm256_storeu_si256(bits.as_mut_ptr().add(16 * v).cast(), d) };
            }
            let lanes = &bits[offset..offset + LANES];
            self.decide(unsafe { _mm256_loadu_si256(lanes.as_ptr().cast()) }, draws)
        }
    }

    #[inline(always)]
    fn masks(self, draws: &Draws, e0: usize, vectors: usize) -> [__m512; MAX_VECTORS] {
        let mut out = [self.splat(0.0); MAX_VECTORS];
        if !e0.is_multiple_of(4) || !vectors.is_multiple_of(2) {
            for (q, o) in out.iter_mut().enumerate().take(vectors) {
                *o = self.mask(draws, e0 + q * LANES);
            }
            return out;
        }
        // Eight draws hold the 16-bit lanes of 32 elements in order: two vectors.
        for pair in 0..vectors / 2 {
            let d = self.draws8(draws.key, e0 / 4 + 8 * pair);
            unsafe {
                out[2 * pair] = self.decide(_mm512_castsi512_si256(d), draws);
                out[2 * pair + 1] = self.decide(_mm512_extracti64x4_epi64::<1>(d), draws);
            }
        }
        out
    }
}
