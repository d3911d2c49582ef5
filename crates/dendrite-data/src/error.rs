//! The data crate's error type.

/// What can go wrong when generating or reading data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A probability that is NaN or outside `[0, 1]`.
    #[error("invalid probability in {op}: {p} is not in [0, 1]")]
    InvalidProbability {
        /// The operation that rejected the probability.
        op: &'static str,
        /// The probability it was given.
        p: f64,
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

/// Result with the data crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
