//! Binomial draws as NumPy's legacy `np.random.binomial` makes them.

use crate::{Error, NumpyRng, Result};

impl NumpyRng {
    /// The number of successes in `n` trials of probability `p`: `np.random.binomial(n, p)`.
    ///
    /// NumPy's legacy algorithm, draw for draw: with `p' = min(p, 1 − p)`, inversion when
    /// `n · p' ≤ 30` and BTPE (Kachitvichyanukul and Schmeiser's triangle–parallelogram–exponential
    /// rejection method) otherwise; when `p > 0.5` the draw is made for `1 − p` and the result is
    /// `n − k`. Like NumPy's legacy generator, every call draws at least one uniform, even when
    /// `n == 0` or `p` is 0 or 1. The book's dropout mask, `np.random.binomial(1, 1 − rate,
    /// size)`, is one such call per entry.
    ///
    /// # Errors
    /// [`Error::InvalidProbability`] when `p` is NaN or outside `[0, 1]`;
    /// [`Error::InvalidArgument`] when `n` exceeds `i64::MAX` (NumPy's limit, a C `long`).
    ///
    /// # Example
    /// ```
    /// use dendrite_data::NumpyRng;
    /// # fn main() -> Result<(), dendrite_data::Error> {
    /// // np.random.seed(0); np.random.binomial(1, 0.9, size=3)
    /// let mut rng = NumpyRng::new(0);
    /// let draws = [rng.binomial(1, 0.9)?, rng.binomial(1, 0.9)?, rng.binomial(1, 0.9)?];
    /// assert_eq!(draws, [1, 1, 1]);
    /// assert!(rng.binomial(1, 1.5).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn binomial(&mut self, n: u64, p: f64) -> Result<u64> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidProbability { op: "binomial", p });
        }
        let n = i64::try_from(n).map_err(|_| Error::InvalidArgument {
            op: "binomial",
            reason: format!("n = {n} exceeds the largest supported count, {}", i64::MAX),
        })?;
        let k = if p <= 0.5 { self.binomial_small_p(n, p) } else { n - self.binomial_small_p(n, 1.0 - p) };
        // Both algorithms return a count in 0..=n.
        Ok(k.unsigned_abs())
    }

    /// A binomial draw for `p ≤ 0.5` by the method NumPy picks for it.
    fn binomial_small_p(&mut self, n: i64, p: f64) -> i64 {
        if p * n as f64 <= 30.0 { self.binomial_inversion(n, p) } else { self.binomial_btpe(n, p) }
    }

    /// Inversion: walks the probability mass function from 0 until the uniform is used up,
    /// starting over with a fresh uniform past a bound of about mean + 10 standard deviations.
    fn binomial_inversion(&mut self, n: i64, p: f64) -> i64 {
        let q = 1.0 - p;
        let qn = libm::exp(n as f64 * libm::log(q));
        let np = n as f64 * p;
        // C's `(long)MIN(n, bound)`: the comparison and the result are doubles, then truncated.
        let bound = (n as f64).min(np + 10.0 * (np * q + 1.0).sqrt()) as i64;
        let mut x = 0i64;
        let mut px = qn;
        let mut u = self.random_sample();
        while u > px {
            x += 1;
            if x > bound {
                x = 0;
                px = qn;
                u = self.random_sample();
            } else {
                u -= px;
                px = ((n - x + 1) as f64 * p * px) / (x as f64 * q);
            }
        }
        x
    }

    /// BTPE for `n · p > 30`, `p ≤ 0.5`, with NumPy's arithmetic step for step (integer and
    /// floating-point operations in the same order and types as its C code).
    fn binomial_btpe(&mut self, n: i64, p: f64) -> i64 {
        let nf = n as f64;
        let r = p.min(1.0 - p);
        let q = 1.0 - r;
        let fm = nf * r + r;
        let m = fm.floor() as i64;
        let mf = m as f64;
        let p1 = (2.195 * (nf * r * q).sqrt() - 4.6 * q).floor() + 0.5;
        let xm = mf + 0.5;
        let xl = xm - p1;
        let xr = xm + p1;
        let c = 0.134 + 20.5 / (15.3 + mf);
        let a = (fm - xl) / (fm - xl * r);
        let laml = a * (1.0 + a / 2.0);
        let a = (xr - fm) / (xr * q);
        let lamr = a * (1.0 + a / 2.0);
        let p2 = p1 * (1.0 + 2.0 * c);
        let p3 = p2 + c / laml;
        let p4 = p3 + c / lamr;
        let nrq = nf * r * q;

        loop {
            // Step 10: a point under the majorizing function.
            let u = self.random_sample() * p4;
            let mut v = self.random_sample();
            let y: i64;
            if u <= p1 {
                // The triangle: accepted at once.
                return (xm - p1 * v + u).floor() as i64;
            } else if u <= p2 {
                // Step 20: the parallelograms.
                let x = xl + (u - p1) / c;
                v = v * c + 1.0 - (mf - x + 0.5).abs() / p1;
                if v > 1.0 {
                    continue;
                }
                y = x.floor() as i64;
            } else if u <= p3 {
                // Step 30: the left exponential tail.
                let yl = (xl + libm::log(v) / laml).floor() as i64;
                if yl < 0 || v == 0.0 {
                    continue;
                }
                y = yl;
                v = v * (u - p2) * laml;
            } else {
                // Step 40: the right exponential tail.
                let yr = (xr - libm::log(v) / lamr).floor() as i64;
                if yr > n || v == 0.0 {
                    continue;
                }
                y = yr;
                v = v * (u - p3) * lamr;
            }

            // Step 50: is (y, v) under the mass function?
            let k = (y - m).abs();
            let kf = k as f64;
            if !(k > 20 && kf < nrq / 2.0 - 1.0) {
                // Explicit evaluation by the recursion f(i) / f(i − 1).
                let s = r / q;
                let a = s * (i128::from(n) + 1) as f64;
                let mut f = 1.0;
                if m < y {
                    for i in m + 1..=y {
                        f *= a / i as f64 - s;
                    }
                } else if m > y {
                    for i in y + 1..=m {
                        f /= a / i as f64 - s;
                    }
                }
                if v > f {
                    continue;
                }
                return y;
            }

            // Step 52: squeeze with bounds on log f(y) / f(m), then Stirling's formula.
            let rho = (kf / nrq) * ((kf * (kf / 3.0 + 0.625) + 0.166_666_666_666_666_66) / nrq + 0.5);
            // C computes `-k * k` in integers; i128 cannot overflow and converts alike.
            let t = (-i128::from(k) * i128::from(k)) as f64 / (2.0 * nrq);
            let big_a = libm::log(v);
            if big_a < t - rho {
                return y;
            }
            if big_a > t + rho {
                continue;
            }
            let x1 = (y + 1) as f64;
            let f1 = (m + 1) as f64;
            let z = (i128::from(n) + 1 - i128::from(m)) as f64;
            let w = (n - y + 1) as f64;
            let (x2, f2, z2, w2) = (x1 * x1, f1 * f1, z * z, w * w);
            let bound = xm * libm::log(f1 / x1)
                + ((n - m) as f64 + 0.5) * libm::log(z / w)
                + (y - m) as f64 * libm::log(w * r / (x1 * q))
                + stirling_tail(f1, f2)
                + stirling_tail(z, z2)
                + stirling_tail(x1, x2)
                + stirling_tail(w, w2);
            if big_a > bound {
                continue;
            }
            return y;
        }
    }
}

/// The correction term of Stirling's series that BTPE adds for each of its four factorials:
/// `(13680 − (462 − (132 − (99 − 140/x²)/x²)/x²)/x²) / x / 166320`.
fn stirling_tail(x: f64, x2: f64) -> f64 {
    (13680. - (462. - (132. - (99. - 140. / x2) / x2) / x2) / x2) / x / 166_320.
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(rng: &mut NumpyRng, n: u64, p: f64, draws: u32) -> Result<(f64, f64)> {
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..draws {
            let k = rng.binomial(n, p)?;
            assert!(k <= n);
            let k = k as f64;
            s += k;
            s2 += k * k;
        }
        let mean = s / f64::from(draws);
        Ok((mean, s2 / f64::from(draws) - mean * mean))
    }

    #[test]
    fn bad_probabilities_and_counts_are_errors() {
        let mut rng = NumpyRng::new(0);
        for p in [-0.1, 1.000_001, f64::NAN, f64::INFINITY] {
            assert!(matches!(rng.binomial(3, p), Err(Error::InvalidProbability { .. })), "{p}");
        }
        assert!(matches!(rng.binomial(u64::MAX, 0.5), Err(Error::InvalidArgument { .. })));
        // A rejected call draws nothing.
        assert_eq!(rng, NumpyRng::new(0));
    }

    #[test]
    fn degenerate_cases_still_draw_one_uniform() -> Result<()> {
        // np.random.seed(5); [np.random.binomial(0, 0.3), np.random.binomial(5, 0.0),
        //                     np.random.binomial(5, 1.0), np.random.random_sample()]
        let mut rng = NumpyRng::new(5);
        assert_eq!([rng.binomial(0, 0.3)?, rng.binomial(5, 0.0)?, rng.binomial(5, 1.0)?], [0, 0, 5]);
        assert_eq!(rng.random_sample(), 0.918_610_907_937_921_6);
        Ok(())
    }

    #[test]
    fn inversion_and_btpe_match_numpy() -> Result<()> {
        // NumPy 2.4.6, legacy RandomState:
        //   np.random.seed(seed); np.random.binomial(n, p, size=6).tolist()
        // (2·10⁵ draws of each of these and of five more cases were also compared: all equal.)
        let cases: [(u32, u64, f64, [u64; 6]); 5] = [
            (3, 20, 0.3, [6, 7, 5, 6, 9, 9]),                 // inversion
            (0, 1_000, 0.4, [403, 410, 399, 392, 395, 397]),  // BTPE
            (1, 1_000, 0.75, [752, 758, 746, 752, 748, 751]), // BTPE for 1 − p
            (2, 100_000, 0.01, [1037, 1021, 1016, 978, 1009, 1021]),
            (7, 1_000_000_000, 0.45, [449976557, 449995056, 450020416, 449995008, 450003291, 450015134]),
        ];
        for (seed, n, p, expected) in cases {
            let mut rng = NumpyRng::new(seed);
            let mut draws = [0; 6];
            for d in &mut draws {
                *d = rng.binomial(n, p)?;
            }
            assert_eq!(draws, expected, "seed {seed}, n {n}, p {p}");
        }
        Ok(())
    }

    #[test]
    fn inversion_has_the_binomial_moments() -> Result<()> {
        let mut rng = NumpyRng::new(5);
        // Bernoulli(0.9) goes through `1 − inversion(1, 0.1)`.
        let (mean, var) = moments(&mut rng, 1, 0.9, 100_000)?;
        assert!((mean - 0.9).abs() < 0.005, "{mean}");
        assert!((var - 0.09).abs() < 0.005, "{var}");
        let (mean, var) = moments(&mut rng, 20, 0.3, 50_000)?;
        assert!((mean - 6.0).abs() < 0.05, "{mean}");
        assert!((var - 4.2).abs() < 0.15, "{var}");
        Ok(())
    }

    #[test]
    fn btpe_has_the_binomial_moments_on_both_sides_of_one_half() -> Result<()> {
        let mut rng = NumpyRng::new(6);
        for (n, p) in [(1_000u64, 0.4), (1_000, 0.75), (100_000, 0.01)] {
            let (mean, var) = moments(&mut rng, n, p, 50_000)?;
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            // Standard errors: sqrt(v / draws) for the mean, about v·sqrt(2 / draws) for the variance.
            assert!((mean - m).abs() < 5.0 * (v / 50_000.0).sqrt(), "n {n} p {p}: mean {mean}");
            assert!((var - v).abs() < 5.0 * v * (2.0f64 / 50_000.0).sqrt(), "n {n} p {p}: var {var}");
        }
        Ok(())
    }

    #[test]
    fn same_seed_same_draws() -> Result<()> {
        let (mut a, mut b) = (NumpyRng::new(9), NumpyRng::new(9));
        for _ in 0..1_000 {
            assert_eq!(a.binomial(500, 0.3)?, b.binomial(500, 0.3)?);
        }
        Ok(())
    }
}
