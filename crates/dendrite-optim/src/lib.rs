//! Dendrite's optimizers: [`Sgd`] (with momentum), [`Adagrad`], [`RmsProp`] and [`Adam`], each
//! with the book's defaults and inverse-time learning-rate decay, behind the small
//! [`Optimizer`] trait. Optimizers see only parameters, through a
//! [`dendrite_tensor::Parameterized`] visitor, and keep their state per
//! [`dendrite_tensor::ParamId`].
//!
//! # Example
//! ```
//! use dendrite_optim::{Adam, AdamConfig, Optimizer};
//! use dendrite_tensor::{Matrix, Param};
//! # fn main() -> dendrite_optim::Result<()> {
//! let mut params = vec![
//!     Param::new("weight", Matrix::from_element(2, 2, 0.5)),
//!     Param::new("bias", Matrix::zeros(1, 2)),
//! ];
//! let mut adam = Adam::new(AdamConfig { learning_rate: 0.05, decay: 5e-5, ..AdamConfig::default() })?;
//! params[0].grad.fill(1.0);
//! adam.step(&mut params)?;
//! assert_eq!(adam.iterations(), 1);
//! assert!(params[0].value[0] < 0.5);
//! # Ok(())
//! # }
//! ```

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
