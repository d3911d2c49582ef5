//! The buffers and loops shared by the element-wise activations.

use dendrite_tensor::kernels::pointwise::{map_into, zip_map_into};
use dendrite_tensor::{Matrix, resize};

use crate::Result;
use crate::layer::check_backward;

/// Output and input-gradient buffers of an element-wise activation, reused across calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pointwise {
    pub(crate) output: Matrix,
    pub(crate) dinputs: Matrix,
    pub(crate) forwarded: bool,
}

impl Pointwise {
    /// `output = f(input)` element by element.
    pub(crate) fn forward(&mut self, input: &Matrix, f: impl Fn(f32) -> f32) -> &Matrix {
        resize(&mut self.output, input.nrows(), input.ncols());
        map_into(self.output.as_mut_slice(), input.as_slice(), f);
        self.forwarded = true;
        &self.output
    }

    /// `dinputs = g(output, dvalues)` element by element, where `g` is the derivative
    /// expressed through the output, times the incoming gradient.
    pub(crate) fn backward(
        &mut self,
        kind: &'static str,
        dvalues: &Matrix,
        g: impl Fn(f32, f32) -> f32,
    ) -> Result<&Matrix> {
        check_backward(|| kind.to_owned(), self.forwarded, &self.output, dvalues)?;
        resize(&mut self.dinputs, dvalues.nrows(), dvalues.ncols());
        zip_map_into(self.dinputs.as_mut_slice(), self.output.as_slice(), dvalues.as_slice(), g);
        Ok(&self.dinputs)
    }
}
