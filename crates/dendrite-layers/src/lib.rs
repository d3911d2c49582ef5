//! Dendrite's layers: the [`Layer`] trait with [`Mode`] as an argument of every forward pass,
//! the fully connected [`Dense`] layer with four regularizer strengths, [`Dropout`], and the
//! activations [`Relu`], [`Softmax`], [`Sigmoid`], [`Linear`], [`Tanh`] and [`LeakyRelu`].
//!
//! # Example
//! ```
//! use dendrite_layers::{Dense, Dropout, Layer, Mode, Relu};
//! use dendrite_tensor::{Matrix, Rng};
//! # fn main() -> dendrite_layers::Result<()> {
//! let mut rng = Rng::seed_from_u64(0);
//! let mut dense = Dense::new(2, 8, &mut rng)?;
//! let mut relu = Relu::new();
//! let mut dropout = Dropout::new(0.1, &mut rng)?;
//! let x = Matrix::from_row_slice(2, 2, &[0.5, -0.5, 1.0, 0.25]);
//! let h = dense.forward(&x, Mode::Train)?;
//! let a = relu.forward(h, Mode::Train)?;
//! let out = dropout.forward(a, Mode::Train)?;
//! assert_eq!(out.shape(), (2, 8));
//! # Ok(())
//! # }
//! ```

mod dense;
mod dropout;
mod error;
mod layer;
mod leaky_relu;
mod linear;
mod pointwise;
mod relu;
mod sigmoid;
mod softmax;
mod spec;
mod tanh;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use dense::{Dense, DenseConfig};
pub use dropout::{Dropout, MaskDraws};
pub use error::{Error, Result};
pub use layer::{Layer, Mode};
pub use leaky_relu::LeakyRelu;
pub use linear::Linear;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax::Softmax;
pub use spec::LayerSpec;
pub use tanh::Tanh;
