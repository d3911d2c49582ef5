#![doc = include_str!("../README.md")]

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

pub use csv_data::{CsvChunks, CsvData, CsvOptions, LabelColumn, parse_csv, read_csv};
pub use error::{Error, Result};
pub use idx::{
    IdxImageChunks, IdxImages, parse_idx_images, parse_idx_labels, read_idx_images, read_idx_labels,
};
pub use mnist::{MnistData, read_mnist_dir};
pub use numpy_rng::NumpyRng;
pub use scale::Scaling;
pub use sine::sine_data;
pub use spiral::spiral_data;
pub use split::{Samples, Split, train_validation_split};
pub use vertical::vertical_data;

// The tensor types of this crate's signatures, and the tensor crate itself.
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::{Matrix, RandomSource, Rng};
