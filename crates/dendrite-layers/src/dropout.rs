//! Inverted dropout.

pub use dendrite_tensor::kernels::mask::MaskDraws;
use dendrite_tensor::kernels::mask::masked_map_at;
use dendrite_tensor::{Matrix, Rng, resize};

use crate::layer::{check_backward, no_params};
use crate::{Error, Layer, Mode, Result};

/// Dropout: under [`Mode::Train`], zeroes each input with probability `rate` and scales the
/// survivors by `1 / (1 − rate)`, so the expected output equals the input; under
/// [`Mode::Infer`], the identity, drawing no random number.
///
/// `rate` is the fraction *dropped* (the book's `Layer_Dropout(0.1)` drops 10%). The mask is
/// drawn from the layer's own generator, a fork of the model's: each training pass takes one
/// 64-bit key from it, and element `e` (column-major) keeps its input when lane `e % 4` (16 bits)
/// of SplitMix64 output `e / 4` from that key is below `round((1 − rate)·2¹⁶)`. The keep
/// probability is `1 − rate` to within 2⁻¹⁷, with no branch or division per element, and the
/// draws, independent of each other, fill SIMD registers.
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
    rng: Rng,
    /// The key of the last training pass's mask: backward draws the same lanes again rather
    /// than keep a mask as large as the batch.
    key: u64,
    /// The shape of the last training pass's input.
    pass_shape: (usize, usize),
    /// The last training pass was computed by a fused caller ([`Dropout::draw_pass`]): the
    /// layer holds no output of it.
    elsewhere: bool,
    output: Matrix,
    dinputs: Matrix,
    last_mode: Option<Mode>,
}

impl Dropout {
    /// A dropout layer dropping the fraction `rate`, with a Dendrite generator seeded from the
    /// next word of `rng`: any `rand` generator, or Dendrite's own (for which this is
    /// [`Rng::fork`]).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `0 <= rate < 1`.
    pub fn new<R: rand_core::Rng + ?Sized>(rate: f32, rng: &mut R) -> Result<Self> {
        Self::with_rng(rate, Rng::seed_from_u64(rng.next_u64()))
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
        Ok(Self {
            rate,
            rng,
            key: 0,
            pass_shape: (0, 0),
            elsewhere: false,
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

    /// The mask of the last pass if it was a training pass (0 for dropped entries,
    /// `1 / (1 − rate)` for kept ones), else an empty matrix. Drawn again from the pass's key:
    /// the layer keeps no mask.
    #[must_use]
    pub fn mask(&self) -> Matrix {
        if self.last_mode != Some(Mode::Train) {
            return Matrix::zeros(0, 0);
        }
        let (rows, cols) = self.pass_shape;
        let mut mask = Matrix::from_element(rows, cols, 1.0);
        masked_map_at(mask.as_mut_slice(), self.draws(), 0, |x, v| x * v);
        mask
    }

    /// A training forward pass: `input · v` for each input and its mask value `v`.
    fn forward_train(&mut self, input: &Matrix) -> &Matrix {
        self.start_pass(input.nrows(), input.ncols());
        resize(&mut self.output, input.nrows(), input.ncols());
        self.output.copy_from(input);
        let draws = self.draws();
        masked_map_at(self.output.as_mut_slice(), draws, 0, |x, v| x * v);
        &self.output
    }

    /// A training pass over a `rows × cols` input that the caller computes itself, fused with
    /// the layers around: takes the pass's key from the layer's generator, as
    /// [`Layer::forward`] would, and returns the draws that decide its elements. The layer
    /// keeps no output of the pass (its own backward pass errs until its next forward pass);
    /// [`Dropout::mask`] gives the pass's mask.
    ///
    /// # Example
    /// ```
    /// use dendrite_layers::{Dropout, Layer, Mode};
    /// use dendrite_tensor::{Matrix, Rng};
    /// # fn main() -> dendrite_layers::Result<()> {
    /// let (mut a, mut b) = (Dropout::with_rng(0.5, Rng::seed_from_u64(3))?, Dropout::with_rng(0.5, Rng::seed_from_u64(3))?);
    /// let x = Matrix::from_element(4, 3, 1.0);
    /// let out = a.forward(&x, Mode::Train)?;
    /// let draws = b.draw_pass(4, 3);
    /// assert!((0..12).all(|e| out[e] == draws.value(e)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn draw_pass(&mut self, rows: usize, cols: usize) -> MaskDraws {
        self.start_pass(rows, cols);
        self.elsewhere = true;
        self.draws()
    }

    /// Starts a training pass: one 64-bit key from the layer's generator.
    fn start_pass(&mut self, rows: usize, cols: usize) {
        self.key = self.rng.next_u64();
        self.last_mode = Some(Mode::Train);
        self.pass_shape = (rows, cols);
        self.elsewhere = false;
    }

    /// Whether the layer holds the output of its last pass.
    fn forwarded_here(&self) -> bool {
        self.last_mode.is_some() && !self.elsewhere
    }

    /// The draws of the last training pass.
    fn draws(&self) -> MaskDraws {
        MaskDraws::new(self.key, self.rate)
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

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, mode: Mode) -> Result<&Matrix> {
        match mode {
            Mode::Train => {
                self.forward_train(input);
            }
            Mode::Infer => {
                resize(&mut self.output, input.nrows(), input.ncols());
                self.output.copy_from(input);
                self.elsewhere = false;
            }
        }
        self.last_mode = Some(mode);
        Ok(&self.output)
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        check_backward(|| self.describe(), self.forwarded_here(), &self.output, dvalues)?;
        resize(&mut self.dinputs, dvalues.nrows(), dvalues.ncols());
        self.dinputs.copy_from(dvalues);
        if self.last_mode == Some(Mode::Train) {
            let draws = self.draws();
            masked_map_at(self.dinputs.as_mut_slice(), draws, 0, |d, v| d * v);
        }
        Ok(&self.dinputs)
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Dropout { rate: self.rate }
    }

    fn visit_rngs(&self, f: &mut dyn FnMut(&Rng)) {
        f(&self.rng);
    }

    fn visit_rngs_mut(&mut self, f: &mut dyn FnMut(&mut Rng)) {
        f(&mut self.rng);
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
            // Each mask value is 0 or 1/(1 − p): mean 1, variance p/(1 − p).
            let sigma_mean = (p / (1.0 - p) / n as f64).sqrt();
            assert!((mean - 1.0).abs() < 4.0 * sigma_mean, "rate {rate}: mask mean {mean}");
            let scale = (1.0 / (1.0 - p)) as f32;
            assert!(dropout.mask().iter().all(|&m| m == 0.0 || m == scale));
        }
        Ok(())
    }

    #[test]
    fn each_element_is_decided_by_its_own_bits() -> Result<()> {
        // 7 × 13 = 91 elements: one whole block and a partial one.
        let mut dropout = Dropout::with_rng(0.3, Rng::seed_from_u64(5))?;
        let key = Rng::seed_from_u64(5).next_u64();
        let x = Matrix::from_fn(7, 13, |i, j| 1.0 + (i * 13 + j) as f32);
        let out = dropout.forward(&x, Mode::Train)?.clone();
        let keep_below = (0.7f64 * 65536.0).round() as u16;
        for e in 0..x.len() {
            let kept = MaskDraws { key, keep_below: 0, scale: 0.0 }.bits(e) < keep_below;
            let expected = if kept { x[e] / 0.7 } else { 0.0 };
            assert!((out[e] - expected).abs() <= 1e-6 * expected.abs(), "element {e}");
            assert_eq!(dropout.mask()[e] != 0.0, kept, "element {e}");
        }
        Ok(())
    }

    #[test]
    fn a_pass_drawn_for_a_fused_caller_is_the_layers_own() -> Result<()> {
        // The draws decide the elements as the layer's forward pass would, the mask is the
        // pass's, and the layer's own backward pass errs: it holds no output of the pass.
        let (mut own, mut fused) =
            (Dropout::with_rng(0.4, Rng::seed_from_u64(9))?, Dropout::with_rng(0.4, Rng::seed_from_u64(9))?);
        let x = Matrix::from_fn(9, 5, |i, j| 1.0 + (i + 9 * j) as f32);
        let out = own.forward(&x, Mode::Train)?.clone();
        let draws = fused.draw_pass(9, 5);
        for e in 0..x.len() {
            assert_eq!(out[e], x[e] * draws.value(e), "element {e}");
        }
        assert_eq!(fused.mask(), own.mask());
        assert_eq!(fused.rng(), own.rng());
        let err = fused.backward(&Matrix::from_element(9, 5, 1.0)).unwrap_err();
        assert!(matches!(err, Error::BackwardBeforeForward { .. }), "{err}");
        // Its next pass is its own again.
        fused.forward(&x, Mode::Train)?;
        assert!(fused.backward(&Matrix::from_element(9, 5, 1.0)).is_ok());
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
