//! The loss a model trains with.

use dendrite_losses::{BinaryCrossEntropy, CategoricalCrossEntropy, Loss, Mae, Mse};

/// The built-in losses a model can use (a closed set, so that model files can name them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum LossKind {
    /// Categorical cross-entropy; fused with a final Softmax layer automatically.
    CategoricalCrossEntropy,
    /// Binary cross-entropy, for sigmoid outputs.
    BinaryCrossEntropy,
    /// Mean squared error.
    MeanSquaredError,
    /// Mean absolute error.
    MeanAbsoluteError,
}

impl LossKind {
    /// The loss itself.
    #[must_use]
    pub fn as_loss(&self) -> &'static dyn Loss {
        match self {
            LossKind::CategoricalCrossEntropy => &CategoricalCrossEntropy,
            LossKind::BinaryCrossEntropy => &BinaryCrossEntropy,
            LossKind::MeanSquaredError => &Mse,
            LossKind::MeanAbsoluteError => &Mae,
        }
    }
}
