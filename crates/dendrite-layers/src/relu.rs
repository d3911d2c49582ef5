//! The rectified linear unit.

use dendrite_tensor::Matrix;
use dendrite_tensor::kernels::epilogue::Activation;

use crate::layer::no_params;
use crate::pointwise::Pointwise;
use crate::{Layer, Mode, Result};

/// ReLU: `max(0, x)`; the gradient passes where the input was positive.
///
/// # Example
/// ```
/// use dendrite_layers::{Layer, Mode, Relu};
/// use dendrite_tensor::Matrix;
/// # fn main() -> dendrite_layers::Result<()> {
/// let mut relu = Relu::new();
/// let y = relu.forward(&Matrix::from_row_slice(1, 3, &[-1.0, 0.0, 2.0]), Mode::Train)?;
/// assert_eq!(y.as_slice(), &[0.0, 0.0, 2.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Relu {
    buf: Pointwise,
}

impl Relu {
    /// A new ReLU.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

no_params!(Relu);

impl Layer for Relu {
    fn kind(&self) -> &'static str {
        "ReLU"
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        Ok(self.buf.forward(input, |x| Activation::Relu.apply(x)))
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        // The output is positive exactly where the input was (the book zeroes inputs <= 0).
        self.buf.backward("ReLU", dvalues, |y, d| Activation::Relu.derivative(y, d))
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Relu
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer;

    #[test]
    fn gradient_check() -> Result<(), Box<dyn std::error::Error>> {
        // Inputs kept away from the kink at 0, where no finite difference exists.
        let x = Matrix::from_fn(4, 3, |i, j| {
            if (i + j) % 2 == 0 { 0.3 + i as f32 * 0.1 } else { -0.4 - j as f32 * 0.1 }
        });
        check_layer(&mut Relu::new(), &x, Mode::Train, Default::default())?;
        Ok(())
    }

    #[test]
    fn backward_before_forward_is_an_error() {
        let err = Relu::new().backward(&Matrix::zeros(1, 1)).unwrap_err();
        assert!(matches!(err, crate::Error::BackwardBeforeForward { .. }), "{err}");
    }
}
