//! Dendrite: dense neural networks from scratch, after "Neural Networks from Scratch in Python".
//!
//! This facade re-exports the workspace's crates; each can also be used on its own.
//!
//! | crate | holds |
//! | --- | --- |
//! | [`tensor`] | the matrix type, fast products, row-wise ops, the seeded RNG, parameters |
//! | [`layers`] | the `Layer` trait, `Mode`, Dense, Dropout and the activations |
//! | [`losses`] | cross-entropy (plain and fused with softmax), BCE, MSE, MAE, regularization |
//! | [`optim`] | SGD with momentum, Adagrad, RMSprop, Adam, learning-rate schedules |
//! | [`data`] | the book's data sets and a NumPy-compatible generator |
//! | [`model`] | the Model builder, evaluation and inference-mode prediction |
//!
//! # Example
//! ```
//! use dendrite::prelude::*;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut rng = Rng::seed_from_u64(0);
//! let (x, y) = spiral_data(100, 3, &mut rng);
//! let mut dense = Dense::new(2, 3, &mut rng)?;
//! let mut loss = SoftmaxCrossEntropy::new();
//! let logits = dense.forward(&x, Mode::Train)?;
//! let data_loss = loss.forward(logits, Targets::Classes(&y))?;
//! assert!((data_loss - 3f32.ln()).abs() < 0.01);
//! # Ok(())
//! # }
//! ```

pub use dendrite_data as data;
pub use dendrite_layers as layers;
pub use dendrite_losses as losses;
pub use dendrite_model as model;
pub use dendrite_optim as optim;
pub use dendrite_tensor as tensor;

/// The names most programs need.
pub mod prelude {
    pub use dendrite_data::{sine_data, spiral_data, vertical_data};
    pub use dendrite_layers::{Dense, Dropout, Layer, LeakyRelu, Linear, Mode, Relu, Sigmoid, Softmax, Tanh};
    pub use dendrite_losses::{
        BinaryCrossEntropy, CategoricalCrossEntropy, Loss, Mae, Mse, SoftmaxCrossEntropy, Targets,
        regularization_loss,
    };
    pub use dendrite_model::{Accuracy, LossKind, Model};
    pub use dendrite_optim::{Adagrad, Adam, Optimizer, RmsProp, Sgd};
    pub use dendrite_tensor::{Init, Matrix, Param, Parameterized, Regularizer, Rng};
}

/// The README's code, compiled and run as a doctest so that it cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
