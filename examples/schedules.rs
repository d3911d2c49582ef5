//! Learning-rate schedules side by side: the book's spiral network (Dense 2 → 64, ReLU,
//! Dense 64 → 3, softmax + cross-entropy) trained with Adam from the same initial
//! weights on the same seeded data (`spiral_data(100, 3)`, validated on a second draw), in
//! batches of 32 (10 steps an epoch), under several schedules: a constant rate, step decay,
//! exponential decay, a linear warm-up into a cosine, one-cycle (cycling Adam's β1 too),
//! and reduce-on-plateau on the validation loss. Prints a markdown table of the final training
//! loss, the training and validation accuracy and the last learning rate; `--plots DIR` draws
//! every run's learning rate and loss into one picture.
//!
//! ```text
//! cargo run --release --example schedules -- --plots docs/images
//! ```

use clap::Parser;
use dendrite::prelude::*;
use dendrite_model::{FitOptions, History, LrPlateau, Monitor, Report};
use dendrite_optim::{Adam, AdamConfig, Anneal, PlateauConfig, Schedule};

/// Several learning-rate schedules on one problem.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Training epochs.
    #[arg(long, default_value_t = 1000)]
    epochs: usize,
    /// Write the learning rates and losses of every run into one PNG file in this folder.
    #[arg(long)]
    plots: Option<std::path::PathBuf>,
    /// Seed of the data and of every model's generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// How one run's learning rate moves.
enum Run {
    Schedule(Option<Schedule>),
    Plateau(PlateauConfig),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut data_rng = Rng::seed_from_u64(args.seed).fork();
    let (x, y) = spiral_data(100, 3, &mut data_rng);
    let (vx, vy) = spiral_data(100, 3, &mut data_rng);
    let batch_size = 32;
    let steps = (args.epochs * x.nrows().div_ceil(batch_size)) as u64;
    let base = 0.02;
    let runs = [
        ("constant 0.02", Run::Schedule(None)),
        (
            "step: x0.5 every 30% of the steps",
            Run::Schedule(Some(Schedule::Step { step_size: steps * 3 / 10, gamma: 0.5 })),
        ),
        (
            "exponential to 1%",
            Run::Schedule(Some(Schedule::Exponential { gamma: 0.01f64.powf(1.0 / steps as f64) })),
        ),
        (
            "warm-up 5%, then cosine",
            Run::Schedule(Some(Schedule::Sequence {
                schedules: vec![
                    Schedule::Linear { start_factor: 0.01, end_factor: 1.0, total_iters: steps / 20 },
                    Schedule::Cosine { t_max: steps - steps / 20, eta_min: 1e-4 },
                ],
                milestones: vec![steps / 20],
            })),
        ),
        (
            "one-cycle to 0.05",
            Run::Schedule(Some(Schedule::OneCycle {
                max_lr: 0.05,
                total_steps: steps,
                pct_start: 0.3,
                anneal: Anneal::Cos,
                div_factor: 25.0,
                final_div_factor: 1e4,
                three_phase: false,
                momentum: Some((0.85, 0.95)),
            })),
        ),
        (
            "reduce on plateau (validation loss)",
            Run::Plateau(PlateauConfig {
                patience: 10,
                factor: 0.5,
                min_lr: 1e-4,
                ..PlateauConfig::default()
            }),
        ),
    ];

    let mut histories: Vec<(&str, History)> = Vec::new();
    println!("| schedule | final loss | accuracy | validation accuracy | last learning rate |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, run) in runs {
        let adam = Adam::new(AdamConfig { learning_rate: base, ..AdamConfig::default() })?;
        let builder =
            Model::builder(2).dense(64).relu().dense(3).softmax().loss(LossKind::CategoricalCrossEntropy);
        let builder = match run {
            Run::Schedule(Some(schedule)) => builder.optimizer(adam.with_schedule(Box::new(schedule))),
            Run::Schedule(None) => builder.optimizer(adam),
            Run::Plateau(config) => {
                builder.optimizer(adam).reduce_on_plateau(LrPlateau::new(Monitor::ValidationLoss, config)?)
            }
        };
        let mut model = builder.seed(args.seed).build()?;
        let options = FitOptions {
            epochs: args.epochs,
            batch_size: Some(batch_size),
            validation: Some((&vx, Targets::Classes(&vy))),
            report: Report::Quiet,
            ..FitOptions::default()
        };
        let history = model.fit(&x, Targets::Classes(&y), options)?;
        let last = history.last().ok_or("no epoch")?;
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.2e} |",
            last.loss,
            last.accuracy,
            last.validation_accuracy.unwrap_or(f64::NAN),
            last.learning_rate
        );
        histories.push((name, history));
    }
    if let Some(dir) = &args.plots {
        std::fs::create_dir_all(dir)?;
        let named: Vec<(&str, &History)> = histories.iter().map(|(n, h)| (*n, h)).collect();
        dendrite_plot::plot_schedule_comparison(&named, dir.join("schedules.png"))?;
        eprintln!("plot written to {}", dir.display());
    }
    Ok(())
}
