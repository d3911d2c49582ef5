//! A NumPy-compatible random number generator: MT19937 as in `np.random.RandomState`.

use dendrite_tensor::RandomSource;

/// Words of MT19937 state.
const N: usize = 624;
/// The middle word offset of the MT19937 recurrence.
const M: usize = 397;
/// The twist matrix's last row.
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// NumPy's legacy generator, `np.random.RandomState`, reproduced bit for bit.
///
/// The core is MT19937 seeded as `np.random.seed(seed)` seeds it for an integer seed (the
/// classic `init_genrand`); on top of it sit NumPy's legacy draws: [`random_sample`] (a 53-bit
/// double from two words), [`standard_normal`] (the polar method, which keeps the second deviate
/// of each pair for the next call) and [`binomial`] (inversion and BTPE). With it, the book's
/// data sets come out as the Python `nnfs` package makes them after `nnfs.init()`, which calls
/// `np.random.seed(0)`.
///
/// Logarithms are taken with the portable [`libm::log`] (a port of FreeBSD's), not with the
/// platform's `log` that NumPy calls, so that the stream is the same on every platform; the
/// data sets' `sin`, `cos` and `exp` are `libm`'s too. This reproduces every value in Dendrite's
/// golden data (`tests/golden/nnfs-datasets.json`), float64 normal deviates included, and every
/// binomial draw compared with NumPy. The two logarithms are both accurate to within one ulp
/// but do not always round alike: against NumPy 2.4.6 on glibc 2.36, 3.1% of 2·10⁶ float64
/// normal deviates differed in their last bit (with `f64::ln` there, none did), while none
/// differed after rounding to float32, which is what the book's data sets store. The stream
/// never drifts: the logarithm does not decide which uniforms are kept.
///
/// The generator implements [`RandomSource`] (`uniform` is [`random_sample`], `standard_normal`
/// is [`standard_normal`]), so initializers and data sets can draw from it.
///
/// [`random_sample`]: NumpyRng::random_sample
/// [`standard_normal`]: NumpyRng::standard_normal
/// [`binomial`]: NumpyRng::binomial
///
/// # Example
/// ```
/// use dendrite_data::NumpyRng;
/// // np.random.seed(0); np.random.randn()
/// let mut rng = NumpyRng::new(0);
/// assert_eq!(rng.standard_normal(), 1.764052345967664);
/// ```
#[derive(Clone, PartialEq)]
pub struct NumpyRng {
    /// The 624 words of MT19937 state (boxed: 2.5 KB is a lot to move around by value).
    key: Box<[u32; N]>,
    /// Index of the next word to temper; `N` means the block must be regenerated first.
    pos: usize,
    /// The second deviate of the last polar pair, not yet returned (`has_gauss`/`gauss`).
    gauss: Option<f64>,
}

impl std::fmt::Debug for NumpyRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRng").field("pos", &self.pos).field("gauss", &self.gauss).finish_non_exhaustive()
    }
}

impl NumpyRng {
    /// The generator that `np.random.seed(seed)` (or `np.random.RandomState(seed)`) makes.
    #[must_use]
    pub fn new(seed: u32) -> Self {
        let mut key = Box::new([0u32; N]);
        key[0] = seed;
        for i in 1..N {
            let prev = key[i - 1];
            // `i < 624`, so the cast is exact.
            key[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        Self { key, pos: N, gauss: None }
    }

    /// Regenerates the block of 624 words (MT19937's twist).
    fn twist(&mut self) {
        let key = &mut *self.key;
        for i in 0..N {
            let y = (key[i] & UPPER_MASK) | (key[(i + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 0 { 0 } else { MATRIX_A };
            key[i] = key[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    /// The next 32 random bits (`genrand_int32`; NumPy's `randomkit` `rk_random`).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A uniform draw in `[0, 1)` with 53 random bits: `np.random.random_sample()`.
    ///
    /// Two words `a`, `b` give `((a >> 5) · 2^26 + (b >> 6)) / 2^53`.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// A standard normal deviate, N(0, 1): `np.random.standard_normal()` (and each entry of
    /// `np.random.randn`).
    ///
    /// NumPy's legacy polar method: two uniforms `x1, x2` in `(-1, 1)` are drawn until
    /// `0 < r² = x1² + x2² < 1`; then `f = sqrt(-2 ln r² / r²)`, `f · x2` is returned and
    /// `f · x1` is kept for the next call, which returns it without drawing.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(z) = self.gauss.take() {
            return z;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * libm::log(r2) / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }
}

impl RandomSource for NumpyRng {
    fn uniform(&mut self) -> f64 {
        self.random_sample()
    }

    fn standard_normal(&mut self) -> f64 {
        NumpyRng::standard_normal(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_matches_the_reference_sequence() {
        // The reference implementation's default seed 5489: the first output, and the
        // 10,000th, which C++ requires of `std::mt19937` ([rand.predef]).
        let mut rng = NumpyRng::new(5489);
        assert_eq!(rng.next_u32(), 3_499_211_612);
        let mut last = 0;
        for _ in 1..10_000 {
            last = rng.next_u32();
        }
        assert_eq!(last, 4_123_659_995);
    }

    #[test]
    fn random_sample_combines_two_words() {
        let mut rng = NumpyRng::new(42);
        let mut words = rng.clone();
        for _ in 0..100 {
            let u = rng.random_sample();
            let (a, b) = (words.next_u32() >> 5, words.next_u32() >> 6);
            assert_eq!(u, (f64::from(a) * 2f64.powi(26) + f64::from(b)) * 2f64.powi(-53));
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(rng, words);
    }

    #[test]
    fn the_second_deviate_of_a_pair_is_cached() {
        let mut rng = NumpyRng::new(1);
        let first = rng.standard_normal();
        let after_pair = rng.clone();
        assert!(after_pair.gauss.is_some());
        let second = rng.standard_normal();
        assert_ne!(first, second);
        // The cached deviate draws nothing from the core.
        let mut core = after_pair.clone();
        assert_eq!(rng.next_u32(), core.next_u32());
        assert_eq!(rng.gauss, None);
    }

    #[test]
    fn same_seed_same_stream_and_normals_have_unit_moments() {
        let mut a = NumpyRng::new(7);
        let mut b = NumpyRng::new(7);
        let n = 100_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let z = a.standard_normal();
            assert_eq!(z.to_bits(), RandomSource::standard_normal(&mut b).to_bits());
            s += z;
            s2 += z * z;
        }
        let mean = s / f64::from(n);
        let var = s2 / f64::from(n) - mean * mean;
        // Standard errors: about 0.0032 for the mean and 0.0045 for the variance.
        assert!(mean.abs() < 0.015, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        assert_ne!(NumpyRng::new(8).next_u32(), NumpyRng::new(7).next_u32());
    }

    #[test]
    fn debug_elides_the_state() {
        let text = format!("{:?}", NumpyRng::new(0));
        assert!(text.starts_with("NumpyRng"), "{text}");
        assert!(text.len() < 80, "{text}");
    }
}
