//! Inverted dropout.

use dendrite_tensor::{Matrix, Rng, resize};

use crate::layer::{check_backward, no_params};
use crate::{Error, Layer, Mode, Result};

/// Dropout: under [`Mode::Train`], zeroes each input with probability `rate` and scales the
/// survivors by `1 / (1 − rate)`, so the expected output equals the input; under
/// [`Mode::Infer`], the identity, drawing no random number.
///
/// `rate` is the fraction *dropped* (the book's `Layer_Dropout(0.1)` drops 10%). The mask is
/// drawn from the layer's own generator, a fork of the model's: one 64-bit draw gives four
/// 16-bit lanes, and a lane keeps its input when it is below `round((1 − rate)·2¹⁶)`, so the
/// keep probability is `1 − rate` to within 2⁻¹⁷, without a branch or a division per element.
///
/// # Example
/// ```
/// use dendrite_layers::{Dropout, Layer, Mode};
/// use dendrite_tensor::{Matrix, Rng};
/// # fn main() -> dendrite_layers::Result<()> {
/// let mut rng = Rng::seed_from_u64(0);
/// let mut dropout = Dropout::new(0.5, &mut rng)?;
/// let x = Matrix::from_element(2, 4, 1.0);
/// assert_eq!(dropout.forward(&x, Mode::Infer)?, &x);
/// let y = dropout.forward(&x, Mode::Train)?;
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Dropout {
    rate: f32,
    keep_below: u32,
    scale: f32,
    rng: Rng,
    mask: Matrix,
    output: Matrix,
    dinputs: Matrix,
    last_mode: Option<Mode>,
}

impl Dropout {
    /// A dropout layer dropping the fraction `rate`, with a generator forked from `rng`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `0 <= rate < 1`.
    pub fn new(rate: f32, rng: &mut Rng) -> Result<Self> {
        Self::with_rng(rate, rng.fork())
    }

    /// A dropout layer that draws its masks from `rng` itself.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `0 <= rate < 1`.
    pub fn with_rng(rate: f32, rng: Rng) -> Result<Self> {
        if !(0.0..1.0).contains(&rate) {
            return Err(Error::InvalidConfig {
                layer: "Dropout",
                reason: format!("rate (the fraction dropped) must lie in [0, 1), got {rate}"),
            });
        }
        let keep = 1.0 - f64::from(rate);
        Ok(Self {
            rate,
            keep_below: (keep * 65536.0).round() as u32,
            scale: (1.0 / keep) as f32,
            rng,
            mask: Matrix::zeros(0, 0),
            output: Matrix::zeros(0, 0),
            dinputs: Matrix::zeros(0, 0),
            last_mode: None,
        })
    }

    /// The fraction of inputs dropped in training.
    #[must_use]
    pub fn rate(&self) -> f32 {
        self.rate
    }

    /// The generator the masks come from (its state is part of a checkpoint).
    #[must_use]
    pub fn rng(&self) -> &Rng {
        &self.rng
    }

    /// Replaces the generator, e.g. when restoring a checkpoint.
    pub fn set_rng(&mut self, rng: Rng) {
        self.rng = rng;
    }

    /// The last training mask: 0 for dropped entries, `1 / (1 − rate)` for kept ones.
    #[must_use]
    pub fn mask(&self) -> &Matrix {
        &self.mask
    }

    /// Draws a new mask of `input`'s shape and writes `input ∘ mask` in the same pass.
    fn masked_forward(&mut self, input: &Matrix) {
        let (rows, cols) = input.shape();
        resize(&mut self.mask, rows, cols);
        resize(&mut self.output, rows, cols);
        let (keep_below, scale) = (self.keep_below as i32, self.scale);
        // Branch-free: the sign bit of `lane − keep_below` is 1 exactly when the lane is kept
        // (a branch on a random bit would mispredict every other time).
        let lane = |bits: u64| (((bits & 0xffff) as i32 - keep_below) >> 31 & 1) as f32 * scale;
        let x = input.as_slice();
        let (mask, out) = (self.mask.as_mut_slice(), self.output.as_mut_slice());
        let full = x.len() / 4 * 4;
        for ((m, y), x) in mask[..full]
            .chunks_exact_mut(4)
            .zip(out[..full].chunks_exact_mut(4))
            .zip(x[..full].chunks_exact(4))
        {
            let r = self.rng.next_u64();
            let lanes = [lane(r), lane(r >> 16), lane(r >> 32), lane(r >> 48)];
            for k in 0..4 {
                m[k] = lanes[k];
                y[k] = x[k] * lanes[k];
            }
        }
        if full < x.len() {
            let r = self.rng.next_u64();
            for k in full..x.len() {
                mask[k] = lane(r >> (16 * (k - full)));
                out[k] = x[k] * mask[k];
            }
        }
    }
}

no_params!(Dropout);

impl Layer for Dropout {
    fn kind(&self) -> &'static str {
        "Dropout"
    }

    fn describe(&self) -> String {
        format!("Dropout({})", self.rate)
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, mode: Mode) -> Result<&Matrix> {
        match mode {
            Mode::Train => self.masked_forward(input),
            Mode::Infer => {
                resize(&mut self.output, input.nrows(), input.ncols());
                self.output.copy_from(input);
            }
        }
        self.last_mode = Some(mode);
        Ok(&self.output)
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        check_backward(|| self.describe(), self.last_mode.is_some(), &self.output, dvalues)?;
        resize(&mut self.dinputs, dvalues.nrows(), dvalues.ncols());
        if self.last_mode == Some(Mode::Train) {
            for ((dx, &d), &m) in
                self.dinputs.as_mut_slice().iter_mut().zip(dvalues.as_slice()).zip(self.mask.as_slice())
            {
                *dx = d * m;
            }
        } else {
            self.dinputs.copy_from(dvalues);
        }
        Ok(&self.dinputs)
    }

    fn output(&self) -> Option<&Matrix> {
        Some(&self.output)
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Dropout { rate: self.rate }
    }

    fn rng(&self) -> Option<&Rng> {
        Some(&self.rng)
    }

    fn rng_mut(&mut self) -> Option<&mut Rng> {
        Some(&mut self.rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer_with;

    #[test]
    fn dropped_fraction_and_mask_mean_match_the_rate() -> Result<()> {
        let n = 100_000;
        for rate in [0.1f32, 0.5, 0.9] {
            let mut dropout = Dropout::new(rate, &mut Rng::seed_from_u64(42))?;
            let x = Matrix::from_element(n / 100, 100, 1.0);
            dropout.forward(&x, Mode::Train)?;
            let dropped = dropout.mask().iter().filter(|&&m| m == 0.0).count() as f64 / n as f64;
            let p = f64::from(rate);
            let sigma = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (dropped - p).abs() < 4.0 * sigma,
                "rate {rate}: dropped {dropped}, 4σ = {}",
                4.0 * sigma
            );
            let mean = dropout.mask().iter().map(|&m| f64::from(m)).sum::<f64>() / n as f64;
            assert!((mean - 1.0).abs() < 0.01, "rate {rate}: mask mean {mean}");
        }
        Ok(())
    }

    #[test]
    fn infer_is_the_identity_and_draws_nothing() -> Result<()> {
        let mut dropout = Dropout::new(0.5, &mut Rng::seed_from_u64(1))?;
        let before = dropout.rng().clone();
        let x = Matrix::from_fn(7, 5, |i, j| (i * 5 + j) as f32 - 11.5);
        assert_eq!(dropout.forward(&x, Mode::Infer)?, &x);
        assert_eq!(dropout.rng(), &before);
        let d = Matrix::from_element(7, 5, 0.25);
        assert_eq!(dropout.backward(&d)?, &d);
        dropout.forward(&x, Mode::Train)?;
        assert_ne!(dropout.rng(), &before, "training draws a mask");
        Ok(())
    }

    #[test]
    fn rates_outside_zero_one_are_errors() {
        let mut rng = Rng::seed_from_u64(0);
        for rate in [-0.1, 1.0, 1.5, f32::NAN] {
            let err = Dropout::new(rate, &mut rng).unwrap_err();
            assert!(matches!(err, Error::InvalidConfig { layer: "Dropout", .. }), "{err}");
        }
        assert!(Dropout::new(0.0, &mut rng).is_ok());
    }

    #[test]
    fn same_generator_same_masks() -> Result<()> {
        let x = Matrix::from_element(3, 7, 1.0);
        let mut a = Dropout::new(0.3, &mut Rng::seed_from_u64(5))?;
        let mut b = Dropout::new(0.3, &mut Rng::seed_from_u64(5))?;
        assert_eq!(a.forward(&x, Mode::Train)?, b.forward(&x, Mode::Train)?);
        Ok(())
    }

    #[test]
    fn gradient_check_with_a_fixed_mask() -> Result<(), Box<dyn std::error::Error>> {
        let mut dropout = Dropout::new(0.4, &mut Rng::seed_from_u64(3))?;
        let start = dropout.rng().clone();
        let x = Matrix::from_fn(4, 5, |i, j| (i as f32 - j as f32) * 0.3);
        // Every forward pass of the check draws the same mask.
        check_layer_with(&mut dropout, &x, Mode::Train, Default::default(), &mut |d| {
            d.set_rng(start.clone())
        })?;
        Ok(())
    }
}
