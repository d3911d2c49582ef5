//! The one SIMD abstraction of the kernels: a vector of [`LANES`] floats and its operations,
//! written once, with three forms: plain arrays ([`Portable`], any machine), pairs of AVX2
//! registers with fused multiply-adds, and AVX-512 registers. A kernel is written once over
//! [`Simd`] and compiled for each form; each lane does the same operations in the same order
//! in all of them, so every machine gives the same bits.
//!
//! A value of an implementing type is a token that proves the machine runs it: the x86 forms
//! are made only by their `detect`, after the CPU's features were checked, and their methods
//! are meant to be inlined into functions compiled for those features.

// The forms index several arrays by the same lane.
#![allow(clippy::needless_range_loop)]

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use crate::kernels::mask::MaskDraws as Draws;

/// Floats per vector, and lanes of every sum over rows.
pub(crate) const LANES: usize = 16;

/// Vectors per block of rows at most.
pub(crate) const MAX_VECTORS: usize = 4;

/// A vector of [`LANES`] floats and the operations of a pass on it. `Self` is a token that
/// proves that the machine runs the implementation.
pub(crate) trait Simd: Copy {
    /// The vector.
    type F: Copy;
    fn splat(self, x: f32) -> Self::F;
    fn load(self, x: &[f32; LANES]) -> Self::F;
    fn store(self, v: Self::F, out: &mut [f32; LANES]);
    /// `a · b + c`, rounded once.
    fn mul_add(self, a: Self::F, b: Self::F, c: Self::F) -> Self::F;
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    fn add(self, a: Self::F, b: Self::F) -> Self::F;
    /// `if z < 0 { 0 } else { z }` (NaN and −0 pass).
    fn relu(self, z: Self::F) -> Self::F;
    /// `if h > 0 { v } else { 0 }`.
    fn where_positive(self, h: Self::F, v: Self::F) -> Self::F;
    /// The mask values of elements `e0..e0 + LANES`.
    fn mask(self, draws: &Draws, e0: usize) -> Self::F;
    /// The mask values of elements `e0..e0 + vectors · LANES`, a vector each.
    #[inline(always)]
    fn masks(self, draws: &Draws, e0: usize, vectors: usize) -> [Self::F; MAX_VECTORS] {
        let mut out = [self.splat(0.0); MAX_VECTORS];
        for (q, o) in out.iter_mut().enumerate().take(vectors) {
            *o = self.mask(draws, e0 + q * LANES);
        }
        out
    }
}

/// Plain arrays: any machine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Portable;

impl Simd for Portable {
    type F = [f32; LANES];

    #[inline(always)]
    fn splat(self, x: f32) -> Self::F {
        [x; LANES]
    }

    #[inline(always)]
    fn load(self, x: &[f32; LANES]) -> Self::F {
        *x
    }

    #[inline(always)]
    fn store(self, v: Self::F, out: &mut [f32; LANES]) {
        *out = v;
    }

    #[inline(always)]
    fn mul_add(self, a: Self::F, b: Self::F, c: Self::F) -> Self::F {
        let mut o = c;
        for l in 0..LANES {
            o[l] = a[l].mul_add(b[l], c[l]);
        }
        o
    }

    #[inline(always)]
    fn mul(self, a: Self::F, b: Self::F) -> Self::F {
        let mut o = a;
        for l in 0..LANES {
            o[l] = a[l] * b[l];
        }
        o
    }

    #[inline(always)]
    fn add(self, a: Self::F, b: Self::F) -> Self::F {
        let mut o = a;
        for l in 0..LANES {
            o[l] = a[l] + b[l];
        }
        o
    }

    #[inline(always)]
    fn relu(self, z: Self::F) -> Self::F {
        let mut o = z;
        for v in &mut o {
            if *v < 0.0 {
                *v = 0.0;
            }
        }
        o
    }

    #[inline(always)]
    fn where_positive(self, h: Self::F, v: Self::F) -> Self::F {
        let mut o = v;
        for l in 0..LANES {
            o[l] = if h[l] > 0.0 { v[l] } else { 0.0 };
        }
        o
    }

    #[inline(always)]
    fn mask(self, draws: &Draws, e0: usize) -> Self::F {
        let mut out = [0.0; LANES];
        for (l, v) in out.iter_mut().enumerate() {
            *v = draws.value(e0 + l);
        }
        out
    }
}
