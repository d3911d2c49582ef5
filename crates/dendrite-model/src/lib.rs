//! Dendrite's Model: the one place where layers, a loss, an optimizer and a metric come
//! together. A [`ModelBuilder`] checks the widths of the layers and picks the fused softmax +
//! cross-entropy by itself; [`Model::predict`] and [`Model::evaluate`] always run in inference
//! mode.
//!
//! # Example
//! ```
//! use dendrite_model::{LossKind, Model};
//! use dendrite_tensor::Matrix;
//! # fn main() -> dendrite_model::Result<()> {
//! let model = Model::builder(2).dense(8).relu().dense(3).softmax()
//!     .loss(LossKind::CategoricalCrossEntropy)
//!     .build()?;
//! let p = model.predict(&Matrix::from_row_slice(1, 2, &[0.5, -0.5]))?;
//! assert!((p.sum() - 1.0).abs() < 1e-6);
//! # Ok(())
//! # }
//! ```

mod atomic;
mod batch;
mod builder;
mod container;
mod error;
mod fit;
mod history;
mod loss_kind;
mod metric;
mod model;
mod node;
mod persist;
mod plan;
mod preprocess;
mod printout;
mod record;
mod registry;
mod safetensors_io;

pub use atomic::write_atomic;
pub use builder::ModelBuilder;
pub use container::{FORMAT_VERSION, FileKind, FormatError, HEADER_LEN, Header, MAGIC, frame, read_header};
pub use error::{Error, Result};
pub use fit::{EarlyStopping, EpochHook, FitOptions, Flow, Report, StepStats};
pub use history::{EpochRecord, History};
pub use loss_kind::LossKind;
pub use metric::Accuracy;
pub use model::{Evaluation, Model};
pub use node::{Node, Plugin};
pub use plan::Workspace;
pub use preprocess::Preprocessing;
pub use printout::py_repr;
pub use registry::{ConstructorError, LayerRegistry};
