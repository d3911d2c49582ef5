//! The row-wise softmax activation.

use dendrite_tensor::{Matrix, softmax_rows, softmax_rows_backward};

use crate::layer::{check_backward, no_params};
use crate::{Layer, Mode, Result};

/// Softmax over each row: `exp(x − max) / Σ exp(x − max)`.
///
/// Followed by categorical cross-entropy, prefer the fused
/// `dendrite_losses::SoftmaxCrossEntropy` (the model builder picks it by itself): its gradient
/// `(ŷ − y) / samples` is cheaper and more accurate than this layer's Jacobian product.
#[derive(Debug, Clone, Default)]
pub struct Softmax {
    output: Matrix,
    dinputs: Matrix,
    forwarded: bool,
}

impl Softmax {
    /// A new softmax.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

no_params!(Softmax);

impl Layer for Softmax {
    fn kind(&self) -> &'static str {
        "Softmax"
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        softmax_rows(input, &mut self.output);
        self.forwarded = true;
        Ok(&self.output)
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        check_backward(|| "Softmax".to_owned(), self.forwarded, &self.output, dvalues)?;
        softmax_rows_backward(&self.output, dvalues, &mut self.dinputs)?;
        Ok(&self.dinputs)
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Softmax
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_layer;

    #[test]
    fn gradient_check() -> Result<(), Box<dyn std::error::Error>> {
        let x = Matrix::from_fn(4, 3, |i, j| ((i * 3 + j) as f32 * 0.9).sin() * 2.0);
        check_layer(&mut Softmax::new(), &x, Mode::Train, Default::default())?;
        Ok(())
    }
}
