//! Dendrite's losses: the stateless [`Loss`] trait with [`CategoricalCrossEntropy`],
//! [`BinaryCrossEntropy`], [`Mse`] and [`Mae`]; the fused [`SoftmaxCrossEntropy`]; and the
//! [`regularization_loss`] of a network's parameters, reported apart from the data loss.
//!
//! # Example
//! ```
//! use dendrite_losses::{Loss, Mse, Targets};
//! use dendrite_tensor::Matrix;
//! # fn main() -> dendrite_losses::Result<()> {
//! let y_pred = Matrix::from_row_slice(2, 1, &[0.5, 1.0]);
//! let y_true = Matrix::from_row_slice(2, 1, &[1.0, 1.0]);
//! assert_eq!(Mse.forward(&y_pred, Targets::Values(&y_true))?, 0.125);
//! # Ok(())
//! # }
//! ```

mod binary;
mod categorical;
mod error;
mod loss;
mod mae;
mod mse;
mod regularization;
mod softmax_ce;
mod targets;

pub use binary::BinaryCrossEntropy;
pub use categorical::CategoricalCrossEntropy;
pub use error::{Error, Result};
pub use loss::{Loss, LossParts};
pub use mae::Mae;
pub use mse::Mse;
pub use regularization::regularization_loss;
pub use softmax_ce::SoftmaxCrossEntropy;
pub use targets::Targets;
