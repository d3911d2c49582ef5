//! The logistic sigmoid.

use dendrite_tensor::Matrix;
use dendrite_tensor::kernels::epilogue::Activation;

use crate::layer::no_params;
use crate::pointwise::Pointwise;
use crate::{Layer, Mode, Result};

/// Sigmoid: `σ(x) = 1 / (1 + e^(−x))`; gradient `d · σ(x)(1 − σ(x))`.
#[derive(Debug, Clone, Default)]
pub struct Sigmoid {
    buf: Pointwise,
}

impl Sigmoid {
    /// A new sigmoid.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

no_params!(Sigmoid);

impl Layer for Sigmoid {
    fn kind(&self) -> &'static str {
        "Sigmoid"
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        Ok(self.buf.forward(input, |x| Activation::Sigmoid.apply(x)))
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        self.buf.backward("Sigmoid", dvalues, |y, d| Activation::Sigmoid.derivative(y, d))
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Sigmoid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer;

    #[test]
    fn gradient_check() -> Result<(), Box<dyn std::error::Error>> {
        let x = Matrix::from_fn(3, 4, |i, j| (i as f32 - j as f32) * 0.7);
        check_layer(&mut Sigmoid::new(), &x, Mode::Train, Default::default())?;
        Ok(())
    }
}
