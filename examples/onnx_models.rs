//! The models that `scripts/onnx/check.sh` exports to ONNX and runs in ONNX Runtime against
//! `dendrite predict`: small, quickly trained versions of the spiral (2 → 64 → 3, ReLU,
//! Dropout, Softmax), binary (2 → 64 → 1, Sigmoid, binary cross-entropy), sine
//! (1 → 64 → 64 → 1, MSE) and MNIST (784 → 128 → 128 → 10, the book's pixel scaling) examples,
//! and a network with every built-in activation between Dense layers and a per-feature
//! preprocessing. For each it writes `DIR/<name>.dnd` and `DIR/<name>.csv`, 1,000 rows of raw
//! inputs.
//!
//! Accuracy is not the point (the check compares outputs), so the runs are short: it should
//! take about half a second in release and print each model's accuracy, on its training data
//! (MNIST: on the 2,000 test digits after one epoch): spiral 0.66, binary 0.93, sine 0.07 (the
//! book's strict regression accuracy), MNIST 0.86, every activation 0.84.
//!
//! ```text
//! cargo run --release --example onnx_models -- --out target/onnx
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use dendrite::prelude::*;
use dendrite_data::read_mnist_dir;
use dendrite_model::{FitOptions, Preprocessing, Report};
use dendrite_optim::AdamConfig;

/// Trains the models of the ONNX check and writes them with their inputs.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// A folder with the four standard MNIST IDX files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
}

/// Rows of `x` as CSV lines, each value written so that it reads back to the same `f32`.
fn csv(x: &Matrix) -> String {
    let mut out = String::with_capacity(x.len() * 10);
    for row in x.row_iter() {
        for (j, v) in row.iter().enumerate() {
            let sep = if j == 0 { "" } else { "," };
            let _ = write!(out, "{sep}{v}");
        }
        out.push('\n');
    }
    out
}

/// Class indices as a column of 0/1 targets.
fn column(y: &[usize]) -> Matrix {
    Matrix::from_iterator(y.len(), 1, y.iter().map(|&c| c as f32))
}

/// Adam at a learning rate high enough for short runs.
fn adam(learning_rate: f64) -> Result<Adam, dendrite_optim::Error> {
    Adam::new(AdamConfig { learning_rate, ..AdamConfig::default() })
}

fn quiet(epochs: usize, batch_size: Option<usize>) -> FitOptions<'static> {
    FitOptions { epochs, batch_size, report: Report::Quiet, ..FitOptions::default() }
}

/// Saves `model` and `inputs` under `name`, and prints the model's accuracy on `(x, y)`.
fn write(
    args: &Args,
    name: &str,
    model: &Model,
    inputs: &Matrix,
    x: &Matrix,
    y: Targets<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    model.save(args.out.join(format!("{name}.dnd")))?;
    std::fs::write(args.out.join(format!("{name}.csv")), csv(inputs))?;
    let e = model.evaluate(x, y)?;
    println!(
        "{name:<12} {:>4} -> {:<3} {} input rows, accuracy {:.3}",
        model.input_width(),
        model.output_width(),
        inputs.nrows(),
        e.accuracy
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let mut rng = Rng::seed_from_u64(0);

    // Spiral: 2 → 64 → 3 with dropout, softmax and cross-entropy, with class names.
    let (x, y) = spiral_data(100, 3, &mut rng);
    let mut model = Model::builder(2)
        .dense(64)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(adam(0.02)?)
        .init(Init::HeNormal)
        .class_names(["red", "green", "blue"])
        .seed(0)
        .build()?;
    model.fit(&x, Targets::Classes(&y), quiet(500, None))?;
    let inputs = spiral_data(334, 3, &mut rng).0.rows(0, 1000).into_owned();
    write(&args, "spiral", &model, &inputs, &x, Targets::Classes(&y))?;

    // Binary: 2 → 64 → 1, sigmoid and binary cross-entropy.
    let (x, y) = spiral_data(100, 2, &mut rng);
    let y = column(&y);
    let mut model = Model::builder(2)
        .dense(64)
        .relu()
        .dense(1)
        .sigmoid()
        .loss(LossKind::BinaryCrossEntropy)
        .accuracy(Accuracy::Binary)
        .optimizer(adam(0.02)?)
        .init(Init::HeNormal)
        .seed(0)
        .build()?;
    model.fit(&x, Targets::Values(&y), quiet(500, None))?;
    let inputs = spiral_data(500, 2, &mut rng).0;
    write(&args, "binary", &model, &inputs, &x, Targets::Values(&y))?;

    // Sine: 1 → 64 → 64 → 1, a linear output and MSE.
    let (x, y) = sine_data(1000);
    let mut model = Model::builder(1)
        .dense(64)
        .relu()
        .dense(64)
        .relu()
        .dense(1)
        .linear()
        .loss(LossKind::MeanSquaredError)
        .accuracy(Accuracy::Regression { precision: None })
        .optimizer(adam(0.005)?)
        .init(Init::HeNormal)
        .seed(0)
        .build()?;
    model.fit(&x, Targets::Values(&y), quiet(500, None))?;
    let inputs = Matrix::from_fn(1000, 1, |_, _| rng.uniform_f32());
    write(&args, "sine", &model, &inputs, &x, Targets::Values(&y))?;

    // MNIST: 784 → 128 → 128 → 10 on raw pixels, scaled as the book does; one epoch.
    let data = read_mnist_dir(&args.data)?;
    let mut model = Model::builder(data.train_x.ncols())
        .dense(128)
        .relu()
        .dense(128)
        .relu()
        .dense(10)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .init(Init::HeNormal)
        .preprocessing(Preprocessing::book_pixels())
        .seed(0)
        .build()?;
    model.fit(&data.train_x, Targets::Classes(&data.train_y), quiet(1, Some(128)))?;
    let inputs = data.test_x.rows(0, 1000).into_owned();
    write(&args, "mnist", &model, &inputs, &data.test_x, Targets::Classes(&data.test_y))?;

    // Every built-in activation between Dense layers, and a preprocessing per feature.
    let (x, y) = spiral_data(100, 4, &mut rng);
    let mut model = Model::builder(2)
        .dense(32)
        .relu()
        .dense(32)
        .sigmoid()
        .dense(32)
        .tanh()
        .dense(32)
        .leaky_relu(0.1)
        .dense(32)
        .linear()
        .dropout(0.2)
        .dense(4)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .preprocessing(Preprocessing::PerFeature { shift: vec![0.1, -0.2], scale: vec![0.5, 2.0] })
        .optimizer(adam(0.01)?)
        .init(Init::GlorotUniform)
        .seed(0)
        .build()?;
    model.fit(&x, Targets::Classes(&y), quiet(500, None))?;
    let inputs = spiral_data(250, 4, &mut rng).0;
    write(&args, "activations", &model, &inputs, &x, Targets::Classes(&y))?;
    Ok(())
}
