//! The losses crate's error type.

/// What can go wrong when computing a loss.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Predictions and targets of incompatible shapes.
    #[error("shape mismatch in {loss}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The loss.
        loss: &'static str,
        /// What the loss needed.
        expected: String,
        /// What it was given.
        got: String,
    },
    /// A class index not below the number of classes.
    #[error("{loss}: label {label} of sample {sample} is out of range for {classes} classes")]
    LabelOutOfRange {
        /// The loss.
        loss: &'static str,
        /// The row of the offending label.
        sample: usize,
        /// The label.
        label: usize,
        /// The number of classes (columns of the predictions).
        classes: usize,
    },
    /// Targets of a kind the loss cannot use (class indices for a regression loss).
    #[error("{loss} needs {expected} targets")]
    WrongTargetKind {
        /// The loss.
        loss: &'static str,
        /// The kind it needs.
        expected: &'static str,
    },
    /// A loss that does not give what was asked of it (per-sample losses of a plug-in).
    #[error("{loss} does not give {what}")]
    Unsupported {
        /// The loss.
        loss: &'static str,
        /// What it does not give.
        what: &'static str,
    },
    /// A batch without samples, whose mean loss is undefined.
    #[error("{loss}: empty batch")]
    EmptyBatch {
        /// The loss.
        loss: &'static str,
    },
}

/// Result with the losses crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
