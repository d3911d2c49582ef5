//! The leaky rectified linear unit.

use dendrite_tensor::Matrix;
use dendrite_tensor::kernels::epilogue::Activation;

use crate::layer::no_params;
use crate::pointwise::Pointwise;
use crate::{Error, Layer, Mode, Result};

/// Leaky ReLU: `x` for `x > 0`, `alpha · x` otherwise.
#[derive(Debug, Clone)]
pub struct LeakyRelu {
    alpha: f32,
    buf: Pointwise,
}

impl LeakyRelu {
    /// A leaky ReLU with slope `alpha` for negative inputs (commonly 0.01).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `0 <= alpha < 1`: the backward pass reads the sign of
    /// the input from the output, which needs a non-negative slope.
    pub fn new(alpha: f32) -> Result<Self> {
        if !(0.0..1.0).contains(&alpha) {
            return Err(Error::InvalidConfig {
                layer: "LeakyReLU",
                reason: format!("alpha must lie in [0, 1), got {alpha}"),
            });
        }
        Ok(Self { alpha, buf: Pointwise::default() })
    }

    /// The slope for negative inputs.
    #[must_use]
    pub fn alpha(&self) -> f32 {
        self.alpha
    }
}

no_params!(LeakyRelu);

impl Layer for LeakyRelu {
    fn kind(&self) -> &'static str {
        "LeakyReLU"
    }

    fn describe(&self) -> String {
        format!("LeakyReLU({})", self.alpha)
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        let a = self.alpha;
        Ok(self.buf.forward(input, |x| Activation::LeakyRelu(a).apply(x)))
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        let a = self.alpha;
        self.buf.backward("LeakyReLU", dvalues, |y, d| Activation::LeakyRelu(a).derivative(y, d))
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::LeakyRelu { alpha: self.alpha }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer;

    #[test]
    fn gradient_check() -> Result<(), Box<dyn std::error::Error>> {
        let x = Matrix::from_fn(4, 3, |i, j| if (i + j) % 2 == 0 { 0.5 } else { -0.7 } * (1.0 + i as f32));
        check_layer(&mut LeakyRelu::new(0.1)?, &x, Mode::Train, Default::default())?;
        Ok(())
    }

    #[test]
    fn rejects_slopes_outside_zero_one() {
        assert!(LeakyRelu::new(-0.1).is_err());
        assert!(LeakyRelu::new(1.0).is_err());
        assert!(LeakyRelu::new(f32::NAN).is_err());
    }
}
