//! The tensor crate's error type.

/// What can go wrong in a tensor operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two operands, or an operand and an output buffer, have incompatible shapes.
    #[error("shape mismatch in {op}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The operation that found the mismatch.
        op: &'static str,
        /// The shape the operation needed.
        expected: String,
        /// The shape it was given.
        got: String,
    },
    /// An argument outside its valid range.
    #[error("invalid argument to {op}: {reason}")]
    InvalidArgument {
        /// The operation that rejected the argument.
        op: &'static str,
        /// Why it was rejected.
        reason: String,
    },
}

/// Result with the tensor crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
