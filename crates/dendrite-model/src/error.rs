//! The model crate's error type.

/// What can go wrong when building, training or running a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A layer whose input width differs from the previous layer's output width.
    #[error(
        "layer {index} ({layer}) cannot follow {previous}: it takes {expected} inputs, {previous} gives {got}"
    )]
    WidthMismatch {
        /// The position of the layer in the model.
        index: usize,
        /// The layer.
        layer: String,
        /// The layer before it (or `the input`).
        previous: String,
        /// The width the layer takes.
        expected: String,
        /// The width it would get.
        got: usize,
    },
    /// A setting of the builder or of `fit` that cannot work.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// Input data that cannot be used.
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// An error from a layer.
    #[error(transparent)]
    Layer(#[from] dendrite_layers::Error),
    /// An error from the loss.
    #[error(transparent)]
    Loss(#[from] dendrite_losses::Error),
    /// An error from the optimizer.
    #[error(transparent)]
    Optimizer(#[from] dendrite_optim::Error),
}

/// Result with the model crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
