//! Layers fused for training: one pass over the batch each way where the layers would take two.

use dendrite_tensor::Matrix;

use crate::relu::relu;
use crate::{Dropout, Layer, Relu, Result};

/// A ReLU layer followed by a dropout layer, run as one for a training step: the forward pass
/// writes `relu(x) ∘ mask` in one pass over the input `x`, and the backward pass writes
/// `d ∘ mask ∘ [x > 0]` in one pass over the gradient `d` and `x`, where the two layers would
/// take two passes each way. The results have the bits of the two layers run one after the
/// other, and the dropout layer draws its mask from its generator as it would alone.
///
/// The ReLU layer keeps no output of its own meanwhile (an empty one); the dropout layer's
/// output is the pair's. The caller keeps `x` for the backward pass, as with
/// [`Layer::forward_input_kept`].
///
/// # Example
/// ```
/// use dendrite_layers::{Dropout, Layer, Mode, Relu, ReluDropout};
/// use dendrite_tensor::{Matrix, Rng};
/// # fn main() -> dendrite_layers::Result<()> {
/// let x = Matrix::from_fn(4, 3, |i, j| i as f32 - j as f32);
/// let (mut relu, mut dropout) = (Relu::new(), Dropout::with_rng(0.5, Rng::seed_from_u64(1))?);
/// let (mut relu2, mut dropout2) = (Relu::new(), Dropout::with_rng(0.5, Rng::seed_from_u64(1))?);
/// let fused = ReluDropout::new(&mut relu, &mut dropout).forward(&x).clone();
/// let r = relu2.forward(&x, Mode::Train)?.clone();
/// assert_eq!(&fused, dropout2.forward(&r, Mode::Train)?);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReluDropout<'a> {
    relu: &'a mut Relu,
    dropout: &'a mut Dropout,
}

impl<'a> ReluDropout<'a> {
    /// The pair.
    pub fn new(relu: &'a mut Relu, dropout: &'a mut Dropout) -> Self {
        Self { relu, dropout }
    }

    /// Whether `first` is a [`Relu`] and `second` a [`Dropout`].
    #[must_use]
    pub fn matches(first: &dyn Layer, second: &dyn Layer) -> bool {
        let (first, second): (&dyn std::any::Any, &dyn std::any::Any) = (first, second);
        first.is::<Relu>() && second.is::<Dropout>()
    }

    /// The pair, if `first` is a [`Relu`] and `second` a [`Dropout`].
    pub fn of(first: &'a mut dyn Layer, second: &'a mut dyn Layer) -> Option<Self> {
        let first: &mut dyn std::any::Any = first;
        let second: &mut dyn std::any::Any = second;
        Some(Self::new(first.downcast_mut()?, second.downcast_mut()?))
    }

    /// The training forward pass: `relu(x) ∘ mask`, the dropout layer's output.
    pub fn forward(self, input: &Matrix) -> &'a Matrix {
        self.relu.forwarded_elsewhere();
        self.dropout.forward_fused(input, |x, _, v| relu(x) * v)
    }

    /// The backward pass after [`ReluDropout::forward`] from the same `input`: the gradient with
    /// respect to the ReLU layer's input, in its input-gradient buffer.
    ///
    /// # Errors
    /// [`crate::Error::BackwardBeforeForward`] unless the dropout layer's last pass was a
    /// training pass; [`crate::Error::ShapeMismatch`] when `dvalues` or `input` differ from its
    /// output's shape.
    pub fn backward(self, input: &Matrix, dvalues: &Matrix) -> Result<&'a Matrix> {
        let out = self.relu.dinputs_mut();
        self.dropout.backward_fused(dvalues, input, out, |d, x, v| if x > 0.0 { d * v } else { 0.0 })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use dendrite_tensor::Rng;

    use super::*;
    use crate::Mode;

    #[test]
    fn the_pair_gives_the_bits_of_the_two_layers() -> Result<()> {
        // Negative, zero, positive, NaN and infinite inputs, over more than one block of draws.
        let x = Matrix::from_fn(37, 5, |i, j| match (i + j) % 11 {
            0 => 0.0,
            1 => f32::NAN,
            2 => f32::INFINITY,
            3 => f32::NEG_INFINITY,
            k => (k as f32 - 6.5) * 0.3,
        });
        let d = Matrix::from_fn(37, 5, |i, j| ((i * 5 + j) as f32 * 0.7).sin());
        let (mut relu, mut dropout) = (Relu::new(), Dropout::with_rng(0.3, Rng::seed_from_u64(9))?);
        let (mut relu2, mut dropout2) = (Relu::new(), Dropout::with_rng(0.3, Rng::seed_from_u64(9))?);
        for _ in 0..2 {
            let fused = ReluDropout::new(&mut relu, &mut dropout).forward(&x).clone();
            let r = relu2.forward(&x, Mode::Train)?.clone();
            let apart = dropout2.forward(&r, Mode::Train)?;
            let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fused), bits(apart));
            let dx = ReluDropout::new(&mut relu, &mut dropout).backward(&x, &d)?.clone();
            let dr = dropout2.backward(&d)?.clone();
            assert_eq!(bits(&dx), bits(relu2.backward(&dr)?));
        }
        // The ReLU layer alone has no forward pass of its own to go back through.
        assert!(matches!(relu.backward(&d), Err(crate::Error::BackwardBeforeForward { .. })));
        assert_eq!(relu.output().map(Matrix::shape), Some((0, 0)));
        Ok(())
    }

    #[test]
    fn only_a_relu_then_a_dropout_is_a_pair() -> Result<()> {
        let mut rng = Rng::seed_from_u64(0);
        let (mut relu, mut dropout) = (Relu::new(), Dropout::new(0.1, &mut rng)?);
        assert!(ReluDropout::matches(&relu, &dropout));
        assert!(!ReluDropout::matches(&dropout, &relu));
        assert!(ReluDropout::of(&mut dropout, &mut relu).is_none());
        let mut tanh = crate::Tanh::new();
        assert!(!ReluDropout::matches(&tanh, &dropout));
        assert!(ReluDropout::of(&mut tanh, &mut dropout).is_none());
        assert!(ReluDropout::of(&mut relu, &mut dropout).is_some());
        Ok(())
    }

    #[test]
    fn backward_needs_a_training_pass_of_the_right_shape() -> Result<()> {
        let (mut relu, mut dropout) = (Relu::new(), Dropout::with_rng(0.3, Rng::seed_from_u64(1))?);
        let x = Matrix::from_element(4, 3, 1.0);
        let err = ReluDropout::new(&mut relu, &mut dropout).backward(&x, &x).unwrap_err();
        assert!(matches!(err, crate::Error::BackwardBeforeForward { .. }), "{err}");
        ReluDropout::new(&mut relu, &mut dropout).forward(&x);
        let wrong = Matrix::from_element(4, 2, 1.0);
        let err = ReluDropout::new(&mut relu, &mut dropout).backward(&x, &wrong).unwrap_err();
        assert!(matches!(err, crate::Error::ShapeMismatch { .. }), "{err}");
        let err = ReluDropout::new(&mut relu, &mut dropout).backward(&wrong, &x).unwrap_err();
        assert!(matches!(err, crate::Error::ShapeMismatch { .. }), "{err}");
        Ok(())
    }
}
