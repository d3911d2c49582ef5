//! The optimizers crate's error type.

/// What can go wrong in an optimizer step.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter whose shape changed since the optimizer first saw it.
    #[error("{optimizer}: parameter '{param}' has shape {got}, but its optimizer state has shape {expected}")]
    StateShapeMismatch {
        /// The optimizer.
        optimizer: &'static str,
        /// The parameter's name.
        param: &'static str,
        /// The shape of the state.
        expected: String,
        /// The parameter's shape now.
        got: String,
    },
    /// A gradient whose shape differs from its parameter's.
    #[error("{optimizer}: gradient of '{param}' has shape {got}, its value {expected}")]
    GradientShapeMismatch {
        /// The optimizer.
        optimizer: &'static str,
        /// The parameter's name.
        param: &'static str,
        /// The value's shape.
        expected: String,
        /// The gradient's shape.
        got: String,
    },
    /// A state snapshot that does not fit the parameters it is restored for.
    #[error("{optimizer}: cannot restore state: {reason}")]
    InvalidState {
        /// The optimizer.
        optimizer: &'static str,
        /// What does not fit.
        reason: String,
    },
    /// A hyper-parameter outside its valid range.
    #[error("invalid {optimizer} configuration: {reason}")]
    InvalidConfig {
        /// The optimizer.
        optimizer: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Result with the optimizers crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
