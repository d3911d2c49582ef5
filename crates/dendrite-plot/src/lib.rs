//! Pictures of what a Dendrite network learned, as PNG files: the curves of a training run
//! ([`plot_history`]), the decision regions of a classifier of points in the plane
//! ([`plot_decision_regions`]) and a grid of digits with their predicted and true classes
//! ([`plot_digit_grid`]).
//!
//! Everything is pure Rust: plotters' bitmap backend draws into memory, text is rendered with
//! `ab_glyph` from an embedded DejaVu Sans (no fontconfig, freetype or system fonts needed),
//! and the `png` crate encodes the picture, which replaces the file at the given path
//! atomically.
//!
//! # Example
//! ```
//! use dendrite_data::spiral_data;
//! use dendrite_model::{FitOptions, LossKind, Model, Report};
//! use dendrite_tensor::Rng;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (x, y) = spiral_data(50, 3, &mut Rng::seed_from_u64(0));
//! let mut model = Model::builder(2).dense(16).relu().dense(3).softmax()
//!     .loss(LossKind::CategoricalCrossEntropy)
//!     .build()?;
//! let options = FitOptions { epochs: 20, report: Report::Quiet, ..FitOptions::default() };
//! let history = model.fit(&x, y.as_slice().into(), options)?;
//! let dir = std::env::temp_dir();
//! dendrite_plot::plot_history(&history, dir.join("dendrite-plot-doc-fit.png"))?;
//! dendrite_plot::plot_decision_regions(&mut model, &x, &y, dir.join("dendrite-plot-doc-fit-regions.png"))?;
//! # std::fs::remove_file(dir.join("dendrite-plot-doc-fit.png"))?;
//! # std::fs::remove_file(dir.join("dendrite-plot-doc-fit-regions.png"))?;
//! # Ok(())
//! # }
//! ```

mod canvas;
mod compare;
mod decision;
mod digits;
mod error;
mod font;
mod history;
mod palette;
#[cfg(test)]
mod testing;
mod ticks;

pub use compare::plot_loss_comparison;
pub use decision::plot_decision_regions;
pub use digits::plot_digit_grid;
pub use error::{Error, Result};
pub use history::plot_history;
