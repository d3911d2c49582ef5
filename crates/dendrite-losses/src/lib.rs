#![doc = include_str!("../README.md")]

mod binary;
mod categorical;
mod error;
mod loss;
mod mae;
mod mse;
mod regularization;
mod softmax_ce;
mod targets;
mod weighted;

pub use binary::BinaryCrossEntropy;
pub use categorical::CategoricalCrossEntropy;
pub use error::{Error, Result};
pub use loss::{Loss, LossParts};
pub use mae::Mae;
pub use mse::Mse;
pub use regularization::regularization_loss;
pub use softmax_ce::SoftmaxCrossEntropy;
pub use targets::Targets;
pub use weighted::{
    WeightedMean, Weights, sample_weights, weighted_cross_entropy, weighted_cross_entropy_backward,
    weighted_softmax_cross_entropy,
};

// The tensor types of this crate's signatures, and the tensor crate itself.
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::{Matrix, Param, Parameterized, Regularizer};
