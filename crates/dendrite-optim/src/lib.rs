#![doc = include_str!("../README.md")]

mod adagrad;
mod adam;
mod error;
mod optimizer;
mod rmsprop;
mod schedule;
mod sgd;
mod spec;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use error::{Error, Result};
pub use optimizer::{Optimizer, OptimizerState};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{InverseTimeDecay, LrSchedule};
pub use sgd::{Sgd, SgdConfig};
pub use spec::OptimizerSpec;

// The tensor types of this crate's signatures, and the tensor crate itself.
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::{Matrix, Param, Parameterized};
