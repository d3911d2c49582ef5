//! Dendrite's data: the book's data sets (spiral, vertical, sine) and a NumPy-compatible
//! generator that makes them bit for bit as the Python `nnfs` package does; readers for MNIST
//! and Fashion-MNIST (IDX files, plain or gzip) and for numeric CSV tables; shuffled
//! training/validation splits; and feature scaling that a model file can carry.
//!
//! The generators take any [`dendrite_tensor::RandomSource`]: Dendrite's own portable
//! [`dendrite_tensor::Rng`], or [`NumpyRng`], NumPy's legacy MT19937 stream, for the book's very
//! numbers (`nnfs.init()` is `NumpyRng::new(0)`).
//!
//! The readers treat their input as hostile: a damaged, truncated or malicious file is an
//! [`Error`] that says what is wrong and where, never a panic, and never costs more memory than
//! its contents justify.
//!
//! # Example
//! ```
//! use dendrite_data::{NumpyRng, Scaling, spiral_data, train_validation_split};
//! use dendrite_tensor::Rng;
//! # fn main() -> Result<(), dendrite_data::Error> {
//! // nnfs.init(); X, y = spiral_data(samples=100, classes=3)
//! let mut rng = NumpyRng::new(0);
//! let (x, y) = spiral_data(100, 3, &mut rng);
//! assert_eq!(x.shape(), (300, 2));
//! assert_eq!(y.iter().filter(|&&c| c == 2).count(), 100);
//!
//! let split = train_validation_split(&x, &y, 0.2, &mut Rng::seed_from_u64(0))?;
//! let scaling = Scaling::fit_standardize(&split.train_x)?;
//! let validation_x = scaling.apply_to_copy(&split.validation_x)?;
//! assert_eq!(validation_x.shape(), (60, 2));
//! # Ok(())
//! # }
//! ```

mod binomial;
mod csv_data;
mod csv_lines;
mod error;
mod idx;
mod mnist;
mod numpy_rng;
mod scale;
mod sine;
mod spiral;
mod split;
mod vertical;

pub use csv_data::{CsvData, CsvOptions, LabelColumn, parse_csv, read_csv};
pub use error::{Error, Result};
pub use idx::{IdxImages, parse_idx_images, parse_idx_labels, read_idx_images, read_idx_labels};
pub use mnist::{MnistData, read_mnist_dir};
pub use numpy_rng::NumpyRng;
pub use scale::Scaling;
pub use sine::sine_data;
pub use spiral::spiral_data;
pub use split::{Samples, Split, train_validation_split};
pub use vertical::vertical_data;
