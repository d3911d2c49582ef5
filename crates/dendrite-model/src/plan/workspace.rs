//! The buffers of a pass through a plan.

use dendrite_losses::SoftmaxCrossEntropy;
use dendrite_tensor::Matrix;
use dendrite_tensor::kernels::mask::MaskDraws;
use dendrite_tensor::kernels::sweep::Scratch;

use crate::batch::Batch;

/// The buffers of passes through a model: every step's output and gradient, the loss head's,
/// a tile's copy of the batch. A pass sizes them at its first use and reuses them after, so
/// that passes of the same batch size allocate nothing.
///
/// A model trains with a workspace of its own; [`Model::predict_into`](crate::Model::predict_into)
/// takes one from the caller, so that a model shared between threads predicts with one
/// workspace per thread.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Each step's output.
    pub(crate) outs: Vec<Matrix>,
    /// Each step's output before its dropout mask, where the backward pass needs it.
    pub(crate) unmasked: Vec<Matrix>,
    /// The gradient with respect to each step's output (the last one's is the loss's).
    pub(crate) grads: Vec<Matrix>,
    /// Each step's dropout draws in the current training pass.
    pub(crate) draws: Vec<Option<MaskDraws>>,
    /// The fused softmax + cross-entropy head.
    pub(crate) head: SoftmaxCrossEntropy,
    /// The model's output at inference (the head's probabilities, or the last output).
    pub(crate) output: Matrix,
    /// A tile of a batch, or a batch of an evaluation.
    pub(crate) tile: Batch,
    /// A tile's parameter gradients, before they are added to the batch's.
    pub(crate) dw: Matrix,
    pub(crate) db: Matrix,
    /// Preprocessed inputs.
    pub(crate) prepared: Matrix,
    /// The perceptron sweep's buffers.
    pub(crate) sweep: Scratch,
    /// The confusion counts of an evaluation during `fit`.
    pub(crate) confusion: crate::ConfusionMatrix,
    /// Each sample's loss, when samples are weighted.
    pub(crate) sample_losses: Vec<f64>,
    /// The gradient of a loss on a model without steps (unused: nothing to train).
    pub(crate) spare: Matrix,
}

impl Workspace {
    /// An empty workspace (it grows at first use).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Buffers for `steps` steps.
    pub(crate) fn fit_steps(&mut self, steps: usize) {
        for v in [&mut self.outs, &mut self.unmasked, &mut self.grads] {
            v.resize_with(steps, || Matrix::zeros(0, 0));
        }
        self.draws.resize(steps, None);
    }
}
