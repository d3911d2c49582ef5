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
    /// A model spec that cannot be read or built: the message names the key, and the line
    /// and column where the file gives them.
    #[error("model spec: {0}")]
    Spec(String),
    /// A setting of the builder or of `fit` that cannot work.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// Input data that cannot be used.
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// Training produced a NaN or an infinity.
    #[error("training diverged at epoch {epoch}, step {step}: {what} of {layer} is not finite")]
    NonFinite {
        /// The epoch, as the printout numbers it.
        epoch: usize,
        /// The step within the epoch, from 0.
        step: usize,
        /// The layer (`layer 2 (Dense(64 -> 3))`, or `the loss`).
        layer: String,
        /// What was not finite: `output`, `gradient of weight`, …
        what: String,
        /// The records of the epochs `fit` completed before (empty from `train_batch`).
        history: crate::History,
    },
    /// A callback asked to stop training with an error.
    #[error("callback failed: {0}")]
    Callback(Box<dyn std::error::Error + Send + Sync>),
    /// Reading or writing failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Malformed or unwritable CSV.
    #[cfg(feature = "csv")]
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    /// Malformed or unwritable JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A file that is not a valid Dendrite file.
    #[error(transparent)]
    Format(#[from] crate::FormatError),
    /// A model file names a plug-in layer with no registered constructor.
    #[error("layer kind '{kind}' is not built in and has no registered constructor")]
    UnregisteredLayer {
        /// The kind name.
        kind: String,
    },
    /// A plug-in constructor failed.
    #[error("constructor of layer kind '{kind}' failed: {source}")]
    PluginConstruction {
        /// The kind name.
        kind: String,
        /// What the constructor said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A layer with no ONNX operator to become: a plug-in layer.
    #[error(
        "layer {index} ({layer}) cannot be exported to ONNX: plug-in layer kind '{kind}' has no ONNX mapping"
    )]
    OnnxUnsupported {
        /// The position of the layer in the model.
        index: usize,
        /// The layer, as messages describe it.
        layer: String,
        /// Its kind name.
        kind: String,
    },
    /// A weights file or a tensor set that does not fit the model.
    #[error("weights do not fit the model: {0}")]
    WeightsMismatch(String),
    /// An error from a layer.
    #[error(transparent)]
    Layer(#[from] dendrite_layers::Error),
    /// An error from a tensor operation.
    #[error(transparent)]
    Tensor(#[from] dendrite_tensor::Error),
    /// An error from the loss.
    #[error(transparent)]
    Loss(#[from] dendrite_losses::Error),
    /// An error from the optimizer.
    #[error(transparent)]
    Optimizer(#[from] dendrite_optim::Error),
}

/// Result with the model crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
