//! The book's optimizer chapter, side by side: SGD, SGD with momentum, Adagrad, RMSprop and
//! Adam, each with the book's settings for the spiral, train the same network (Dense 2 → 64,
//! ReLU, Dense 64 → 3, softmax + cross-entropy) from the same initial weights on the same
//! seeded data (`spiral_data(100, 3)`), for 10,001 full-batch epochs. Prints a markdown table:
//! final loss, training accuracy, the first epoch whose loss is below 0.5, and the time taken.
//!
//! The book's ordering should show: plain SGD last, momentum a large step up, the adaptive
//! methods between, and Adam reaching the lowest loss fastest.
//!
//! ```text
//! cargo run --release --example compare_optimizers
//! ```

use std::time::Instant;

use clap::Parser;
use dendrite::prelude::*;
use dendrite_model::{FitOptions, Report};
use dendrite_optim::{AdagradConfig, AdamConfig, OptimizerSpec, RmsPropConfig, SgdConfig};

/// Five optimizers on one problem.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Training epochs.
    #[arg(long, default_value_t = 10_001)]
    epochs: usize,
    /// Write the loss curves of all the optimizers into one PNG file in this folder.
    #[arg(long)]
    plots: Option<std::path::PathBuf>,
    /// Seed of the data and of every model's generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(args.seed).fork());
    let optimizers = [
        ("SGD (lr 1, decay 1e-3)", OptimizerSpec::Sgd(SgdConfig { decay: 1e-3, ..SgdConfig::default() })),
        (
            "SGD + momentum 0.9 (lr 1, decay 1e-3)",
            OptimizerSpec::Sgd(SgdConfig { decay: 1e-3, momentum: 0.9, ..SgdConfig::default() }),
        ),
        (
            "Adagrad (lr 1, decay 1e-4)",
            OptimizerSpec::Adagrad(AdagradConfig { decay: 1e-4, ..AdagradConfig::default() }),
        ),
        (
            "RMSprop (lr 0.02, decay 1e-5, rho 0.999)",
            OptimizerSpec::RmsProp(RmsPropConfig {
                learning_rate: 0.02,
                decay: 1e-5,
                rho: 0.999,
                ..RmsPropConfig::default()
            }),
        ),
        (
            "Adam (lr 0.05, decay 5e-7)",
            OptimizerSpec::Adam(AdamConfig { learning_rate: 0.05, decay: 5e-7, ..AdamConfig::default() }),
        ),
    ];

    let mut runs = Vec::new();
    println!("| optimizer | final loss | accuracy | first epoch with loss < 0.5 | time |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, spec) in &optimizers {
        let mut model = Model::builder(2)
            .dense(64)
            .relu()
            .dense(3)
            .softmax()
            .loss(LossKind::CategoricalCrossEntropy)
            .optimizer_boxed(spec.build()?)
            .seed(args.seed)
            .build()?;
        let start = Instant::now();
        let history = model.fit(
            &x,
            Targets::Classes(&y),
            FitOptions { epochs: args.epochs, report: Report::Quiet, ..FitOptions::default() },
        )?;
        let elapsed = start.elapsed();
        let last = history.last().ok_or("no epoch")?;
        let below = history
            .epochs
            .iter()
            .find(|e| e.loss < 0.5)
            .map_or_else(|| "never".to_owned(), |e| e.epoch.to_string());
        println!(
            "| {name} | {:.3} | {:.3} | {below} | {:.2} s |",
            last.loss,
            last.accuracy,
            elapsed.as_secs_f64()
        );
        runs.push((*name, history));
    }
    if let Some(dir) = &args.plots {
        std::fs::create_dir_all(dir)?;
        let named: Vec<(&str, &dendrite_model::History)> = runs.iter().map(|(n, h)| (*n, h)).collect();
        dendrite_plot::plot_loss_comparison(&named, dir.join("compare_optimizers.png"))?;
        eprintln!("plot written to {}", dir.display());
    }
    Ok(())
}
