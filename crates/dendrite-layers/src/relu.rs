//! The rectified linear unit.

use dendrite_tensor::{Matrix, resize};

use crate::layer::no_params;
use crate::pointwise::Pointwise;
use crate::{Layer, Mode, Result};

/// ReLU: `max(0, x)`; the gradient passes where the input was positive.
///
/// # Example
/// ```
/// use dendrite_layers::{Layer, Mode, Relu};
/// use dendrite_tensor::{Matrix, resize};
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

/// `max(x, 0)`, with NaN passing through (as with NumPy's maximum), so that divergence is seen
/// downstream.
#[inline(always)]
pub(crate) fn relu(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

impl Relu {
    /// A forward pass done by a fused caller ([`crate::ReluDropout`]): the layer keeps no
    /// output of its own (an empty one), and its own backward pass errs until its next forward.
    pub(crate) fn forwarded_elsewhere(&mut self) {
        resize(&mut self.buf.output, 0, 0);
        self.buf.forwarded = false;
    }

    /// The input-gradient buffer, for a fused caller's backward pass.
    pub(crate) fn dinputs_mut(&mut self) -> &mut Matrix {
        &mut self.buf.dinputs
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
        Ok(self.buf.forward(input, relu))
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        // The output is positive exactly where the input was (the book zeroes inputs <= 0).
        self.buf.backward("ReLU", dvalues, |y, d| if y > 0.0 { d } else { 0.0 })
    }

    fn output(&self) -> Option<&Matrix> {
        Some(&self.buf.output)
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
