//! Dendrite's data: the book's data sets (spiral, vertical, sine) and a NumPy-compatible
//! generator that makes them bit for bit as the Python `nnfs` package does.
//!
//! The generators take any [`dendrite_tensor::RandomSource`]: Dendrite's own portable
//! [`dendrite_tensor::Rng`], or [`NumpyRng`], NumPy's legacy MT19937 stream, for the book's very
//! numbers (`nnfs.init()` is `NumpyRng::new(0)`).
//!
//! # Example
//! ```
//! use dendrite_data::{NumpyRng, spiral_data};
//! // nnfs.init(); X, y = spiral_data(samples=100, classes=3)
//! let mut rng = NumpyRng::new(0);
//! let (x, y) = spiral_data(100, 3, &mut rng);
//! assert_eq!(x.shape(), (300, 2));
//! assert_eq!(y.iter().filter(|&&c| c == 2).count(), 100);
//! ```

mod binomial;
mod error;
mod numpy_rng;
mod sine;
mod spiral;
mod vertical;

pub use error::{Error, Result};
pub use numpy_rng::NumpyRng;
pub use sine::sine_data;
pub use spiral::spiral_data;
pub use vertical::vertical_data;
