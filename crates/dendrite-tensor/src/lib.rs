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
mod gemm;
#[cfg(feature = "threading")]
mod helper;
mod init;
mod math;
mod matrix;
mod param;
mod rng;
mod rowwise;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};

/// Runs `a` and `b` and returns when both are done: `a` on the helper thread with the
/// `threading` feature (the one that takes half of a large product), both on this thread,
/// `b` first, without it. For work that splits into two independent halves, such as the
/// gathering of an epoch's shuffled batches.
pub fn join<A: FnOnce() + Send, B: FnOnce()>(a: A, b: B) {
    #[cfg(feature = "threading")]
    helper::join(a, b);
    #[cfg(not(feature = "threading"))]
    {
        b();
        a();
    }
}
pub use gemm::{
    Transpose, gemm, matmul, matmul_bias, matmul_nt, matmul_tn, matmul_tn_sums, pairwise_sum, sum_lanes,
};
pub use init::{Init, RandomSource};
pub use math::{exp, ln, ln_in_place};
pub use matrix::{Matrix, Shape, expect_cols, expect_same_shape, from_rows, resize, transpose_into};
pub use param::{Param, ParamId, Parameterized, Regularizer};
pub use rng::{Rng, splitmix64_at};
pub use rowwise::{
    add_row_broadcast, argmax_row_chunks, argmax_rows, argmax_rows_into, softmax_rows, softmax_rows_backward,
    sum_columns,
};
