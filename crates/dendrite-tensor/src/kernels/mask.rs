//! Dropout masks: the one formula that decides which elements a dropout pass keeps, drawn in
//! SIMD lanes from a counter-based generator, so that a pass needs no stored mask.

use crate::splitmix64_at;

/// Elements per block of [`masked_map_at`]: 16 draws of 64 bits, four 16-bit lanes each.
const BLOCK: usize = 64;

/// The draws of a dropout layer's training pass: element `e` of the input (column-major) is
/// kept, and scaled by `scale`, when lane `e % 4` (16 bits, from the low ones) of SplitMix64
/// output `e / 4` from `key` is below `keep_below` (see `dendrite_layers::Dropout`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaskDraws {
    /// The pass's key.
    pub key: u64,
    /// The 16-bit draws below it keep their element: `round((1 − rate) · 2¹⁶)`.
    pub keep_below: u32,
    /// The factor of a kept element, `1 / (1 − rate)`.
    pub scale: f32,
}

impl MaskDraws {
    /// The draws of a pass keyed by `key` that drops the fraction `rate` (in `[0, 1)`): the
    /// 16-bit draws below `round((1 − rate) · 2¹⁶)` keep their element, scaled by
    /// `1 / (1 − rate)`.
    #[must_use]
    pub fn new(key: u64, rate: f32) -> Self {
        let keep = 1.0 - f64::from(rate);
        Self { key, keep_below: (keep * 65536.0).round() as u32, scale: (1.0 / keep) as f32 }
    }

    /// The 16 random bits that decide element `e`.
    #[inline]
    #[must_use]
    pub fn bits(&self, e: usize) -> u16 {
        (splitmix64_at(self.key, (e / 4) as u64) >> (16 * (e % 4))) as u16
    }

    /// The mask value of element `e`: the scale if it is kept, else 0.
    #[inline]
    #[must_use]
    pub fn value(&self, e: usize) -> f32 {
        if u32::from(self.bits(e)) < self.keep_below { self.scale } else { 0.0 }
    }
}

/// `x[i] = f(x[i], v)` with `v` the mask value of element `e0 + i` of the pass (see
/// [`MaskDraws`]): a whole pass from `e0 = 0`, or a run of it that starts anywhere (a column of
/// a tile of rows). Branch-free, and compiled for every SIMD level: a select on each 16-bit
/// lane, not a branch (a branch on a random bit would mispredict every other time); the
/// multiply in `f` keeps NaN and infinity visible where an input is dropped.
#[multiversion::multiversion(targets = "simd")]
pub fn masked_map_at<F: Fn(f32, f32) -> f32>(x: &mut [f32], draws: MaskDraws, e0: usize, f: F) {
    let MaskDraws { key, keep_below, scale } = draws;
    // Each block covers elements e..e + BLOCK; its lanes start at the draw that holds `e`.
    let mut lanes = [0u16; BLOCK + 4];
    for (i, x) in x.chunks_mut(BLOCK).enumerate() {
        let e = e0 + i * BLOCK;
        let (first, skip) = (e / 4, e % 4);
        let mut draws = [0u64; BLOCK / 4 + 1];
        for (j, d) in draws.iter_mut().enumerate() {
            *d = splitmix64_at(key, (first + j) as u64);
        }
        for (l, d) in lanes.chunks_exact_mut(4).zip(draws) {
            l.copy_from_slice(&[d as u16, (d >> 16) as u16, (d >> 32) as u16, (d >> 48) as u16]);
        }
        for (x, &l) in x.iter_mut().zip(&lanes[skip..]) {
            let v = if u32::from(l) < keep_below { scale } else { 0.0 };
            *x = f(*x, v);
        }
    }
}
