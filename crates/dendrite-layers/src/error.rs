//! The layers crate's error type.

/// What can go wrong in a layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input or gradient of the wrong shape.
    #[error("shape mismatch in {layer} {pass}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The layer, as `Layer::describe` gives it.
        layer: String,
        /// `"forward"` or `"backward"`.
        pass: &'static str,
        /// What the layer needed.
        expected: String,
        /// What it was given.
        got: String,
    },
    /// `backward` was called before any `forward`.
    #[error("{layer}: backward called before forward")]
    BackwardBeforeForward {
        /// The layer, as `Layer::describe` gives it.
        layer: String,
    },
    /// A hyper-parameter outside its valid range.
    #[error("invalid {layer} configuration: {reason}")]
    InvalidConfig {
        /// The kind of layer.
        layer: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An error from a tensor operation.
    #[error(transparent)]
    Tensor(#[from] dendrite_tensor::Error),
}

/// Result with the layers crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
