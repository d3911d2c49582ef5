//! The identity activation, for regression outputs.

use dendrite_tensor::Matrix;

use crate::layer::no_params;
use crate::pointwise::Pointwise;
use crate::{Layer, Mode, Result};

/// Linear activation: `y = x` (the book's `Activation_Linear`, for regression outputs).
#[derive(Debug, Clone, Default)]
pub struct Linear {
    buf: Pointwise,
}

impl Linear {
    /// A new linear activation.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

no_params!(Linear);

impl Layer for Linear {
    fn kind(&self) -> &'static str {
        "Linear"
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        Ok(self.buf.forward(input, |x| x))
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        self.buf.backward("Linear", dvalues, |_, d| d)
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Linear
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer;

    #[test]
    fn gradient_check() -> Result<(), Box<dyn std::error::Error>> {
        let x = Matrix::from_fn(3, 4, |i, j| (i as f32 - j as f32) * 0.3);
        check_layer(&mut Linear::new(), &x, Mode::Train, Default::default())?;
        Ok(())
    }
}
