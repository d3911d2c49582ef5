#![doc = include_str!("../README.md")]

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

pub use compare::{plot_loss_comparison, plot_schedule_comparison};
pub use decision::plot_decision_regions;
pub use digits::plot_digit_grid;
pub use error::{Error, Result};
pub use history::plot_history;

// The crates of this crate's signatures (`Model`, `History`, `Matrix`).
pub use dendrite_model as model;
pub use dendrite_tensor as tensor;
pub use dendrite_tensor::Matrix;
