//! The hyperbolic tangent.

use dendrite_tensor::Matrix;
use dendrite_tensor::kernels::epilogue::Activation;

use crate::layer::no_params;
use crate::pointwise::Pointwise;
use crate::{Layer, Mode, Result};

/// Tanh: `y = tanh(x)`; gradient `d · (1 − y²)`.
#[derive(Debug, Clone, Default)]
pub struct Tanh {
    buf: Pointwise,
}

impl Tanh {
    /// A new tanh activation.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

no_params!(Tanh);

impl Layer for Tanh {
    fn kind(&self) -> &'static str {
        "Tanh"
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        Ok(self.buf.forward(input, |x| Activation::Tanh.apply(x)))
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        self.buf.backward("Tanh", dvalues, |y, d| Activation::Tanh.derivative(y, d))
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Tanh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer;

    #[test]
    fn gradient_check() -> Result<(), Box<dyn std::error::Error>> {
        let x = Matrix::from_fn(3, 4, |i, j| (i as f32 - j as f32) * 0.5);
        check_layer(&mut Tanh::new(), &x, Mode::Train, Default::default())?;
        Ok(())
    }
}
