#![doc = include_str!("../README.md")]

mod adagrad;
mod adam;
mod clip;
mod error;
mod nadam;
mod optimizer;
mod rmsprop;
mod schedule;
mod schedules;
mod sgd;
mod spec;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use clip::{Clip, GradNorm, clip_grad_norm, clip_grad_value};
pub use error::{Error, Result};
pub use nadam::{Nadam, NadamConfig};
pub use optimizer::{Optimizer, OptimizerState};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{InverseTimeDecay, LrSchedule};
pub use schedules::{Anneal, PlateauConfig, PlateauMode, ReduceOnPlateau, Schedule, Threshold};
pub use sgd::{Sgd, SgdConfig};
pub use spec::OptimizerSpec;

// The tensor types of this crate's signatures, and the tensor crate itself.
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::{Matrix, Param, Parameterized};
