//! Random draws from any generator: the [`RandomSource`] that initializers and data sets take,
//! Dendrite's portable normal distribution, and the shuffles.

use rand_distr::{Distribution, StandardUniform};

/// A source of uniform and standard normal draws: what initializers and data sets take.
///
/// Every `rand` generator is one ([`rand_core::Rng`], which Dendrite's [`crate::Rng`] implements
/// too): `uniform` is `rand`'s [`StandardUniform`] `f64` (53 random bits) and `standard_normal`
/// is [`StandardNormal`], Dendrite's portable normal. `dendrite-data`'s NumPy-compatible
/// generator implements it by hand, with NumPy's own arithmetic, so that initializers and data
/// sets reproduce NumPy's streams exactly.
///
/// # Example
/// ```
/// use dendrite_tensor::{Init, RandomSource, Rng};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut ours = Rng::seed_from_u64(1);
/// let mut theirs = StdRng::seed_from_u64(1);
/// assert!((0.0..1.0).contains(&ours.uniform()));
/// let w = Init::HeNormal.matrix(4, 3, &mut theirs);
/// assert_eq!(w.shape(), (4, 3));
/// ```
pub trait RandomSource {
    /// A uniform draw in `[0, 1)`.
    fn uniform(&mut self) -> f64;
    /// A standard normal draw, N(0, 1).
    fn standard_normal(&mut self) -> f64;
}

impl<R: rand_core::Rng + ?Sized> RandomSource for R {
    #[inline]
    fn uniform(&mut self) -> f64 {
        StandardUniform.sample(self)
    }

    #[inline]
    fn standard_normal(&mut self) -> f64 {
        StandardNormal.sample(self)
    }
}

/// The standard normal distribution N(0, 1), computed the same way on every platform.
///
/// Marsaglia's polar method on `rand`'s 53-bit uniform doubles, with the logarithm of the
/// portable `libm`: each draw is a function of the generator's words alone, so the same seed
/// gives the same deviates on every platform and with any feature of any other crate.
/// (`rand_distr::StandardNormal` takes its logarithm and exponential from the platform's math
/// library once another crate turns on `num-traits/std`, as nalgebra does.) Each draw keeps
/// one deviate of the accepted pair, so that a draw depends on no state but the generator's.
///
/// # Example
/// ```
/// use dendrite_tensor::{Rng, StandardNormal};
/// use rand_distr::Distribution;
///
/// let mut rng = Rng::seed_from_u64(3);
/// let z: f64 = StandardNormal.sample(&mut rng);
/// assert!(z.is_finite());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StandardNormal;

impl Distribution<f64> for StandardNormal {
    fn sample<R: rand_core::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x1 = 2.0 * rng.uniform() - 1.0;
            let x2 = 2.0 * rng.uniform() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                return x2 * (-2.0 * libm::log(r2) / r2).sqrt();
            }
        }
    }
}

impl Distribution<f32> for StandardNormal {
    fn sample<R: rand_core::Rng + ?Sized>(&self, rng: &mut R) -> f32 {
        <Self as Distribution<f64>>::sample(self, rng) as f32
    }
}

/// A uniform integer in `0..n` from any generator, without modulo bias (Lemire's method).
///
/// Returns `None` when `n == 0`.
///
/// # Example
/// ```
/// use dendrite_tensor::{Rng, below};
/// let mut rng = Rng::seed_from_u64(0);
/// assert!(below(&mut rng, 6).is_some_and(|k| k < 6));
/// assert_eq!(below(&mut rng, 0), None);
/// ```
pub fn below<R: rand_core::Rng + ?Sized>(rng: &mut R, n: u64) -> Option<u64> {
    if n == 0 {
        return None;
    }
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        let low = m as u64;
        if low >= n.wrapping_neg() % n {
            return Some((m >> 64) as u64);
        }
    }
}

/// Shuffles `items` in place with any generator (Fisher–Yates, from the last element down,
/// each swap drawn by [`below`]): the same permutation for the same generator state on every
/// platform.
///
/// # Example
/// ```
/// use dendrite_tensor::shuffle;
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut order: Vec<usize> = (0..10).collect();
/// shuffle(&mut StdRng::seed_from_u64(5), &mut order);
/// let mut again: Vec<usize> = (0..10).collect();
/// shuffle(&mut StdRng::seed_from_u64(5), &mut again);
/// assert_eq!(order, again);
/// ```
pub fn shuffle<R: rand_core::Rng + ?Sized, T>(rng: &mut R, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        // `i + 1` is at least 2, so a draw always exists.
        let j = below(rng, i as u64 + 1).unwrap_or(0) as usize;
        items.swap(i, j);
    }
}
