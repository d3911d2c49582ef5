#![doc = include_str!("../README.md")]

mod atomic;
mod batch;
mod builder;
mod container;
mod error;
mod fit;
mod history;
mod loss_kind;
mod metric;
mod metrics;
mod model;
mod model_spec;
mod node;
mod onnx;
mod persist;
mod plan;
mod preprocess;
mod printout;
mod record;
mod registry;
#[cfg(feature = "safetensors")]
mod safetensors_io;

pub use atomic::{AtomicFile, write_atomic};
pub use builder::ModelBuilder;
pub use container::{FORMAT_VERSION, FileKind, FormatError, HEADER_LEN, Header, MAGIC, frame, read_header};
pub use error::{Error, Result};
pub use fit::{
    Checkpoints, EarlyStopping, EpochHook, FitOptions, Flow, LrPlateau, Monitor, Report, StepStats,
};
#[cfg(feature = "csv")]
pub use history::CsvLogger;
pub use history::{EpochRecord, History};
pub use loss_kind::LossKind;
pub use metric::Accuracy;
pub use metrics::{ConfusionMatrix, Scores, top_k_accuracy};
pub use model::{Evaluation, Model};
pub use model_spec::{LayerEntry, ModelSpec, OptimizerEntry};
pub use node::{Node, Plugin};
pub use onnx::{ONNX_IR_VERSION, ONNX_OPSET, OnnxOptions};
pub use plan::Workspace;
pub use preprocess::Preprocessing;
pub use printout::py_repr;
pub use registry::{ConstructorError, LayerRegistry};

// The tensor types of this crate's signatures, and the tensor crate itself.
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::{Matrix, Param, Parameterized, RandomSource, Rng};
// The crates whose traits and types a model takes (its layers, optimizer and targets), so that
// a user of this crate alone can name them.
pub use dendrite_layers::{self as layers, Layer};
pub use dendrite_losses::{self as losses, Targets};
pub use dendrite_optim::{self as optim, Optimizer};
