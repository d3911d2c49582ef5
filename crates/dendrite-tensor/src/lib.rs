//! The numeric core of Dendrite: the matrix type, fast products, row-wise operations, a portable
//! seeded random number generator, weight initializers and trainable parameters.
//!
//! # Example
//! ```
//! use dendrite_tensor::{Init, Matrix, Rng, matmul};
//! # fn main() -> Result<(), dendrite_tensor::Error> {
//! let mut rng = Rng::seed_from_u64(0);
//! let w = Init::default().matrix(2, 4, &mut rng);
//! let x = Matrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! let mut out = Matrix::zeros(0, 0);
//! matmul(&x, &w, &mut out)?;
//! assert_eq!(out.shape(), (3, 4));
//! # Ok(())
//! # }
//! ```

pub mod bounded;
mod error;
mod init;
pub mod kernels;
mod matrix;
mod param;
mod rng;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
pub use kernels::threads::join;

pub use init::{Init, RandomSource};
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
pub use rng::{Rng, splitmix64_at};
