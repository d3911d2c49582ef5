//! Trains two small models and draws the three pictures of `dendrite-plot`:
//!
//! - `history.png`: loss, accuracy and learning rate of a 2 → 64 → 64 → 3 network trained for
//!   300 epochs on 100 spiral points per class (batches of 32, Adam with a learning rate of 0.05
//!   and an inverse-time decay of 1e-3 per step), validated after every epoch on fresh spiral
//!   points;
//! - `regions.png`: that network's decision regions with the training points;
//! - `digits.png`: the first 40 test digits of `data/mnist/` with the classes predicted by a
//!   784 → 64 → 10 network trained for 10 epochs (batches of 128, Adam's defaults) on the
//!   6,000 shipped training digits.
//!
//! This should reach a training accuracy of about 0.8 on the spiral (0.7 on validation) and
//! get all but a few of the 40 digits right, so a few are captioned in red. It takes a few
//! seconds.
//!
//! ```text
//! cargo run --release -p dendrite-plot --example plot_gallery -- /tmp/gallery
//! ```

use std::path::PathBuf;

use dendrite_data::{read_mnist_dir, spiral_data};
use dendrite_model::{FitOptions, LossKind, Model, Preprocessing, Report};
use dendrite_optim::{Adam, AdamConfig};
use dendrite_plot::{plot_decision_regions, plot_digit_grid, plot_history};
use dendrite_tensor::{Matrix, Rng, argmax_rows};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| std::env::temp_dir().join("dendrite-plot-gallery"), PathBuf::from);
    std::fs::create_dir_all(&out)?;

    let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(0));
    let (vx, vy) = spiral_data(100, 3, &mut Rng::seed_from_u64(1));
    let mut spiral = Model::builder(2)
        .dense(64)
        .relu()
        .dense(64)
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.05, decay: 1e-3, ..AdamConfig::default() })?)
        .seed(0)
        .build()?;
    let options = FitOptions {
        epochs: 300,
        batch_size: Some(32),
        validation: Some((&vx, vy.as_slice().into())),
        report: Report::Quiet,
        ..FitOptions::default()
    };
    let history = spiral.fit(&x, y.as_slice().into(), options)?;
    if let Some(last) = history.last() {
        println!("spiral: epoch {}, accuracy {:.3}, loss {:.3}", last.epoch, last.accuracy, last.loss);
    }
    plot_history(&history, out.join("history.png"))?;
    plot_decision_regions(&mut spiral, &x, &y, out.join("regions.png"))?;

    let data = read_mnist_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/mnist"))?;
    let mut digits = Model::builder(data.rows * data.cols)
        .preprocessing(Preprocessing::book_pixels())
        .dense(64)
        .relu()
        .dense(10)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .seed(0)
        .build()?;
    let options =
        FitOptions { epochs: 10, batch_size: Some(128), report: Report::Quiet, ..FitOptions::default() };
    digits.fit(&data.train_x, data.train_y.as_slice().into(), options)?;
    let shown: Matrix = data.test_x.rows(0, 40).into_owned();
    let predicted = argmax_rows(&digits.predict(&shown)?);
    let truth = &data.test_y[..40];
    let wrong = predicted.iter().zip(truth).filter(|(p, t)| p != t).count();
    println!("digits: {wrong} of 40 shown are wrong");
    plot_digit_grid(&shown, data.rows, data.cols, &predicted, truth, 10, out.join("digits.png"))?;

    println!("wrote history.png, regions.png and digits.png to {}", out.display());
    Ok(())
}
