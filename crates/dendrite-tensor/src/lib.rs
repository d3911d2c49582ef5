#![doc = include_str!("../README.md")]

pub mod bounded;
mod error;
mod init;
pub mod kernels;
mod matrix;
mod param;
mod random;
mod rng;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
pub use kernels::threads::join;

pub use init::Init;
pub use kernels::gemm::{
    Transpose, gemm, matmul, matmul_bias, matmul_nt, matmul_tn, matmul_tn_sums, pairwise_sum, sum_lanes,
};
pub use kernels::math::{exp, ln, ln_in_place};
pub use kernels::rowwise::{
    add_row_broadcast, argmax_row_chunks, argmax_rows, argmax_rows_into, softmax_rows, softmax_rows_backward,
    sum_columns,
};
pub use matrix::{Matrix, Shape, expect_cols, expect_same_shape, from_rows, resize, transpose_into};
pub use param::{Param, ParamId, Parameterized, Regularizer};
pub use random::{RandomSource, StandardNormal, below, shuffle};
pub use rng::{Rng, splitmix64_at};
