//! The portable seeded random number generator.

use rand_distr::Distribution;
use rand_pcg::Lcg128Xsl64;
use serde::{Deserialize, Serialize};

use crate::StandardNormal;

/// Dendrite's random number generator: PCG64 (XSL-RR 128/64) with portable derived draws.
///
/// The stream depends only on the seed: the core is the reference PCG64 generator, the seed is
/// expanded with SplitMix64, and every derived draw (uniform floats, normal deviates, bounded
/// integers, shuffles) is computed with exactly specified arithmetic (normal deviates use the
/// polar method with the portable `libm` logarithm, [`StandardNormal`]), so the same seed gives
/// the same numbers on every platform. The whole state is serializable so that training can
/// resume bit-identically from a checkpoint.
///
/// It is a `rand` generator: it implements [`rand_core::Rng`] (through [`rand_core::TryRng`])
/// and [`rand_core::SeedableRng`], so every `rand` method and `rand_distr` distribution draws
/// from it, and everything that takes a [`crate::RandomSource`] takes any `rand` generator.
///
/// # Example
/// ```
/// use dendrite_tensor::Rng;
/// let mut a = Rng::seed_from_u64(7);
/// let mut b = Rng::seed_from_u64(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!((0.0..1.0).contains(&a.uniform_f64()));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Rng {
    pcg: Lcg128Xsl64,
    /// Always `None`: kept so that the generators stored in model files of format 1, whose
    /// normal draws cached a second deviate here, still decode. Normal draws keep no state.
    spare_normal: Option<f64>,
}

impl std::fmt::Debug for Rng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rng").finish_non_exhaustive()
    }
}

/// SplitMix64's increment (the golden ratio in 64 bits).
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One step of SplitMix64, the standard seed expander.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN_GAMMA);
    mix64(*state)
}

/// Output `index` (from 0) of the SplitMix64 stream that starts at state `key`, computed
/// directly: a counter-based generator, so that many draws can be made in any order, or all at
/// once in SIMD lanes, and still be the same numbers. Dropout draws its masks this way, with a
/// fresh key from its own [`Rng`] for every forward pass.
///
/// # Example
/// ```
/// use dendrite_tensor::splitmix64_at;
/// // The first output of SplitMix64 from 1234567 (Vigna's reference code).
/// assert_eq!(splitmix64_at(1_234_567, 0), 6_457_827_717_110_365_317);
/// ```
#[inline]
#[must_use]
pub fn splitmix64_at(key: u64, index: u64) -> u64 {
    mix64(key.wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA)))
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    #[must_use]
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut sm = seed;
        let mut word128 = || u128::from(splitmix64(&mut sm)) | (u128::from(splitmix64(&mut sm)) << 64);
        let state = word128();
        let stream = word128();
        Self::from_pcg(state, stream)
    }

    /// A generator with the given PCG64 state and stream (as in the PCG reference code).
    #[must_use]
    pub fn from_pcg(state: u128, stream: u128) -> Self {
        Self { pcg: Lcg128Xsl64::new(state, stream), spare_normal: None }
    }

    /// A new independent generator seeded from this one's next output.
    ///
    /// Layers that draw numbers of their own (dropout) take a fork of the model's generator,
    /// so that a single seed still fixes every draw.
    pub fn fork(&mut self) -> Self {
        Self::seed_from_u64(self.next_u64())
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        rand_core::Rng::next_u64(&mut self.pcg)
    }

    /// The next 32 random bits (the low half of a 64-bit output).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    /// A uniform `f64` in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn uniform_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform `f32` in `[0, 1)` with 24 random bits.
    #[inline]
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// A standard normal deviate, N(0, 1): a draw of [`StandardNormal`], the portable polar
    /// method.
    #[inline]
    pub fn normal_f64(&mut self) -> f64 {
        StandardNormal.sample(self)
    }

    /// A standard normal deviate as `f32`.
    #[inline]
    pub fn normal_f32(&mut self) -> f32 {
        self.normal_f64() as f32
    }

    /// A uniform integer in `0..n`, without modulo bias: [`crate::below`] on this generator.
    ///
    /// # Panics
    /// When `n == 0`: the range is empty.
    pub fn below(&mut self, n: u64) -> u64 {
        crate::below(self, n).expect("Rng::below needs a non-empty range")
    }

    /// Shuffles `items` in place: [`crate::shuffle`] on this generator.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        crate::shuffle(self, items);
    }
}

impl rand_core::TryRng for Rng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl rand_core::SeedableRng for Rng {
    /// The PCG64 state (bytes 0..16) and stream (bytes 16..32), little-endian.
    type Seed = [u8; 32];

    fn from_seed(seed: Self::Seed) -> Self {
        let word = |bytes: &[u8]| bytes.iter().rev().fold(0u128, |w, &b| (w << 8) | u128::from(b));
        Self::from_pcg(word(&seed[..16]), word(&seed[16..]))
    }

    /// The same generator as [`Rng::seed_from_u64`] (SplitMix64 expansion, not `rand`'s PCG32).
    fn seed_from_u64(seed: u64) -> Self {
        Rng::seed_from_u64(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_matches_the_pcg_reference_vectors() {
        // From the PCG reference implementation's test suite (pcg64, state 42, stream 54).
        let mut rng = Rng::from_pcg(42, 54);
        let expected: [u64; 3] = [0x86b1da1d72062b68, 0x1304aa46c9853d39, 0xa3670e9e0dd50358];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
    }

    #[test]
    fn splitmix_matches_its_reference() {
        // SplitMix64 from seed 1234567 (Vigna's reference code): first two outputs.
        let mut s = 1_234_567u64;
        assert_eq!(splitmix64(&mut s), 6_457_827_717_110_365_317);
        assert_eq!(splitmix64(&mut s), 3_203_168_211_198_807_973);
    }

    #[test]
    fn counter_form_is_the_same_stream() {
        let mut s = 0xdead_beef_u64;
        for i in 0..100 {
            assert_eq!(splitmix64_at(0xdead_beef, i), splitmix64(&mut s));
        }
    }

    #[test]
    fn same_seed_same_stream_and_fork_differs() {
        let mut a = Rng::seed_from_u64(3);
        let mut b = Rng::seed_from_u64(3);
        let mut c = Rng::seed_from_u64(4);
        let xa: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
        let mut f = a.fork();
        assert_ne!(f.next_u64(), a.next_u64());
    }

    #[test]
    fn normals_have_unit_moments() {
        let mut rng = Rng::seed_from_u64(11);
        let n = 200_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let z = rng.normal_f64();
            s += z;
            s2 += z * z;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        // Standard errors: 1/sqrt(n) ≈ 0.0022 for the mean, sqrt(2/n) ≈ 0.0032 for the variance.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "variance {var}");
    }

    #[test]
    fn uniform_and_below_stay_in_range() {
        let mut rng = Rng::seed_from_u64(5);
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            let u = rng.uniform_f32();
            assert!((0.0..1.0).contains(&u));
            counts[rng.below(3) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn shuffle_is_a_permutation_and_state_round_trips() {
        let mut rng = Rng::seed_from_u64(9);
        rng.normal_f64(); // leaves a spare deviate in the state
        let saved = rng.clone();
        let mut v: Vec<u32> = (0..100).collect();
        rng.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(v, sorted);
        let mut again = saved.clone();
        let mut w: Vec<u32> = (0..100).collect();
        again.shuffle(&mut w);
        assert_eq!(v, w);
        assert_eq!(rng, again);
    }
}
