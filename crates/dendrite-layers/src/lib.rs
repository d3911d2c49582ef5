#![doc = include_str!("../README.md")]

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

// The tensor types of this crate's signatures, and the tensor crate itself.
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::{Init, Matrix, Param, Parameterized, RandomSource, Rng};
