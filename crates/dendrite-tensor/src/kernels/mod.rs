//! Every kernel of Dendrite: the code that is written for speed, with its SIMD dispatch and
//! every `unsafe` block of the project. The other crates call these and hold none of their own.
//!
//! - `alloc`: a counting global allocator for tests (feature `testing`);
//! - [`epilogue`]: activations and dropout masks applied to a product's output, and their
//!   derivatives to a gradient;
//! - [`gemm`]: matrix products, split by shape (skinny, dot products, a register-blocked
//!   direct kernel, matrixmultiply's packed one);
//! - [`mask`]: the dropout mask;
//! - [`math`]: `exp` and `ln` in plain arithmetic, the same bits on every machine;
//! - [`rowwise`]: softmax, arg-max and sums over rows;
//! - `simd`: the one SIMD abstraction the hand-written kernels are written over (plain
//!   arrays, AVX2, AVX-512);
//! - [`sweep`]: a two-layer perceptron trained block by block of rows in registers;
//! - [`pointwise`]: element-wise maps (activations and their derivatives);
//! - [`threads`]: the helper thread of the `threading` feature;
//! - [`update`]: the optimizers' updates of a parameter.
//!
//! Each kernel gives the same bits at every SIMD level and with or without threads.

#[cfg(feature = "testing")]
pub mod alloc;
pub mod epilogue;
pub mod gemm;
pub mod mask;
pub mod math;
pub mod pointwise;
pub mod rowwise;
pub(crate) mod simd;
pub mod sweep;
pub mod threads;
pub mod update;
