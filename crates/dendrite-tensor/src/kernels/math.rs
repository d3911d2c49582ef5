//! `exp` and `ln` for `f32` in plain multiplies and adds, which the compiler vectorizes inside
//! the loops that call them (softmax, cross-entropy), unlike calls into the C library.
//!
//! Both use the Cephes single-precision reductions and polynomials. Within 1 ulp of the exact
//! value (the tests measure it against `f64` over every 97th float: at most 0.96 ulp for `exp`, 0.79
//! for `ln`), and the same bits on every machine and at every
//! SIMD level: no fused multiply-add, no table, no library call.

/// `e^x`, within 1 ulp. Overflows to `+∞` above about 88.72 and flushes to `0` below about
/// −87.34 (where the result would be subnormal); NaN stays NaN.
///
/// # Example
/// ```
/// assert!((dendrite_tensor::exp(1.0) - std::f32::consts::E).abs() <= f32::EPSILON * 3.0);
/// assert_eq!(dendrite_tensor::exp(0.0), 1.0);
/// ```
#[inline(always)]
#[must_use]
pub fn exp(x: f32) -> f32 {
    const HI: f32 = 88.722_83;
    // ln(f32::MIN_POSITIVE): below it 2ⁿ has no normal representation.
    const LO: f32 = -87.336_55;
    // ln 2 in two parts, the first exact in a few bits, so that `x − n·ln 2` loses nothing.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let n = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e = p * (r * r) + r + 1.0;
    // 2ⁿ as two powers of two from their exponent bits, each normal for every `n` the result
    // is used for (up to 128 near the overflow bound); multiplying by them is exact.
    // The integer `n` from the bits of `n + 1.5·2²³` (exact for |n| < 2²²; the clamp, which
    // also turns NaN into a number, keeps it there): plain float arithmetic, which vectorizes,
    // where `as i32` would be a saturating conversion lane by lane.
    #[allow(clippy::manual_clamp, reason = "`clamp` keeps NaN, which the bit trick must not see")]
    let n = (n.max(-127.0).min(128.0) + 12_582_912.0).to_bits() as i32 - 0x4B40_0000;
    let pow2 = |k: i32| f32::from_bits(((k + 127).clamp(1, 254) as u32) << 23);
    let y = e * pow2(n >> 1) * pow2(n - (n >> 1));
    if x > HI {
        f32::INFINITY
    } else if x < LO {
        0.0
    } else {
        y
    }
}

/// A probability clipped as every probability loss clips it before its logarithm or a
/// division: to `[1e-7, 1 − 1e-7]` (the book's bounds).
///
/// # Example
/// ```
/// use dendrite_tensor::kernels::math::clip_probability;
/// assert_eq!(clip_probability(0.0), 1e-7);
/// assert_eq!(clip_probability(0.5), 0.5);
/// ```
#[inline(always)]
#[must_use]
pub fn clip_probability(p: f32) -> f32 {
    p.clamp(1e-7, 1.0 - 1e-7)
}

/// The natural logarithm, within 1 ulp. `ln 0 = −∞`, `ln ∞ = ∞`; negative numbers and NaN give
/// NaN.
///
/// # Example
/// ```
/// assert_eq!(dendrite_tensor::ln(1.0), 0.0);
/// assert!((dendrite_tensor::ln(std::f32::consts::E) - 1.0).abs() <= f32::EPSILON);
/// ```
#[inline(always)]
#[must_use]
pub fn ln(x: f32) -> f32 {
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Subnormals are scaled into the normal range first.
    let subnormal = x < f32::MIN_POSITIVE;
    let (v, shift) = if subnormal { (x * 8_388_608.0, -23) } else { (x, 0) };
    let bits = v.to_bits();
    // v = m · 2^e with m in [0.5, 1).
    let mut e = ((bits >> 23) & 0xff) as i32 - 126 + shift;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    let small = m < SQRT_HALF;
    e -= i32::from(small);
    let f = if small { m + m - 1.0 } else { m - 1.0 };
    let z = f * f;
    let p = ((((((((7.037_683_6e-2 * f - 1.151_461e-1) * f + 1.167_699_9e-1) * f - 1.242_014_1e-1) * f
        + 1.424_932_3e-1)
        * f
        - 1.666_805_8e-1)
        * f
        + 2.000_071_4e-1)
        * f
        - 2.499_999_4e-1)
        * f
        + 3.333_333e-1)
        * f
        * z;
    let e = e as f32;
    let y = p + e * LN2_LO - 0.5 * z;
    let r = f + y + e * LN2_HI;
    if x > 0.0 && x < f32::INFINITY {
        r
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        f32::INFINITY
    } else {
        f32::NAN
    }
}

/// [`ln`] of every entry, in place, compiled for each SIMD level.
///
/// # Example
/// ```
/// let mut x = [1.0, std::f32::consts::E, 0.0];
/// dendrite_tensor::ln_in_place(&mut x);
/// assert_eq!(x[0], 0.0);
/// assert_eq!(x[2], f32::NEG_INFINITY);
/// ```
#[multiversion::multiversion(targets = "simd")]
pub fn ln_in_place(x: &mut [f32]) {
    for v in x {
        *v = ln(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance in units in the last place between `got` and the exact value `want`.
    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        let ulp =
            f64::from(f32::from_bits(w.abs().to_bits() + 1) - w.abs()).max(f64::from(f32::MIN_POSITIVE));
        (f64::from(got) - want).abs() / ulp
    }

    /// Every 97th float between `lo` and `hi` (both finite, same sign), and both ends.
    fn floats(lo: f32, hi: f32) -> impl Iterator<Item = f32> {
        let (a, b) = (lo.to_bits().min(hi.to_bits()), lo.to_bits().max(hi.to_bits()));
        (a..=b).step_by(97).map(f32::from_bits).chain([lo, hi])
    }

    #[test]
    fn exp_is_within_two_ulp() {
        let mut worst = 0.0f64;
        for x in floats(-87.3, -1e-30).chain(floats(1e-30, 88.7)) {
            worst = worst.max(ulps(exp(x), f64::from(x).exp()));
        }
        assert!(worst <= 1.0, "worst error {worst} ulp");
    }

    #[test]
    fn ln_is_within_two_ulp() {
        let mut worst = 0.0f64;
        for x in floats(1e-44, 1.0).chain(floats(1.0, f32::MAX)) {
            worst = worst.max(ulps(ln(x), f64::from(x).ln()));
        }
        assert!(worst <= 1.0, "worst error {worst} ulp");
    }

    #[test]
    fn the_slice_form_gives_the_same_bits() {
        let mut x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin().abs() * 10.0).collect();
        let one_by_one: Vec<u32> = x.iter().map(|&v| ln(v).to_bits()).collect();
        ln_in_place(&mut x);
        assert_eq!(x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), one_by_one);
    }

    #[test]
    fn special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(100.0), f32::INFINITY);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f32::NEG_INFINITY);
        assert_eq!(ln(-0.0), f32::NEG_INFINITY);
        assert_eq!(ln(f32::INFINITY), f32::INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!(ln(f32::NEG_INFINITY).is_nan());
        assert!(ln(f32::NAN).is_nan());
        assert!((ln(1e-7) - 1e-7f64.ln() as f32).abs() < 1e-5);
    }
}
