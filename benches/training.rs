//! Training time of the workloads of SPEC §7:
//! - B1 `spiral64`: one full-batch epoch of the `spiral_dropout` example (3,000 points,
//!   Dense 2 → 64 with L2, ReLU, Dropout 0.1, Dense 64 → 3, softmax + cross-entropy, Adam);
//! - B2 `spiral512`: the same with 512 hidden units;
//! - B3 `mnist-shape`: Dense 784 → 128 → 128 → 10 with ReLU and softmax + cross-entropy under
//!   Adam on 60,000 random inputs in [−1, 1], 10 classes: one step (a batch of 128); one
//!   shuffled epoch of a `Model::fit` of several (469 steps, and the gathering of the batches
//!   in the epoch's order); and a `fit` of one epoch, with the work of the call (the checks of
//!   the inputs, the batches' buffers allocated and first touched).
//!
//! ```text
//! cargo bench --bench training
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dendrite::prelude::*;
use dendrite_layers::DenseConfig;
use dendrite_model::{EpochRecord, FitOptions, Flow, Report};
use dendrite_optim::AdamConfig;

fn spiral_model(hidden: usize) -> Model {
    Model::builder(2)
        .dense_with(DenseConfig { weight_l2: 5e-4, bias_l2: 5e-4, ..DenseConfig::new(2, hidden) })
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(
            Adam::new(AdamConfig { learning_rate: 0.05, decay: 5e-5, ..AdamConfig::default() })
                .expect("valid"),
        )
        .build()
        .expect("a valid model")
}

/// Dense 784 → 128 → 128 → 10 with ReLU and softmax + cross-entropy under Adam.
fn mnist_model() -> Model {
    Model::builder(784)
        .dense(128)
        .relu()
        .dense(128)
        .relu()
        .dense(10)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig::default()).expect("valid"))
        .build()
        .expect("a valid model")
}

fn spiral(c: &mut Criterion) {
    let (x, y) = spiral_data(1000, 3, &mut Rng::seed_from_u64(0));
    let mut group = c.benchmark_group("training");
    for (name, hidden) in [("B1 spiral64 epoch", 64), ("B2 spiral512 epoch", 512)] {
        let mut model = spiral_model(hidden);
        group.bench_function(name, |b| {
            b.iter(|| {
                model.train_batch(black_box(&x), Targets::Classes(&y)).expect("a training step").data_loss
            })
        });
    }
    group.finish();
}

fn mnist_shape(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(1);
    let x = Matrix::from_fn(128, 784, |_, _| 2.0 * rng.uniform_f32() - 1.0);
    let y: Vec<usize> = (0..128).map(|_| rng.below(10) as usize).collect();
    let mut model = mnist_model();
    let mut group = c.benchmark_group("training");
    group.bench_function("B3 mnist-shape step (batch 128)", |b| {
        b.iter(|| model.train_batch(black_box(&x), Targets::Classes(&y)).expect("a training step").data_loss)
    });
    group.finish();
}

fn mnist_shape_epoch(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(2);
    let x = Matrix::from_fn(60_000, 784, |_, _| 2.0 * rng.uniform_f32() - 1.0);
    let y: Vec<usize> = (0..60_000).map(|_| rng.below(10) as usize).collect();
    let mut model = mnist_model();
    let mut group = c.benchmark_group("training");
    group.sample_size(10);
    // An epoch of a fit of several: each iteration fits two epochs and times the second, from
    // the end of the first (the epochs' own work: the shuffle, the gathering of the batches in
    // its order into the buffers of the first epoch, and the 469 steps).
    group.bench_function("B3 mnist-shape epoch (60000, batch 128, shuffled)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut ends = Vec::with_capacity(2);
                let options = FitOptions {
                    epochs: 2,
                    batch_size: Some(128),
                    report: Report::Quiet,
                    on_epoch_end: Some(Box::new(|_: &Model, _: &EpochRecord| {
                        ends.push(Instant::now());
                        Ok(Flow::Continue)
                    })),
                    ..FitOptions::default()
                };
                black_box(model.fit(black_box(&x), Targets::Classes(&y), options).map(|h| h.epochs.len()))
                    .expect("the epochs train");
                total += ends[1] - ends[0];
            }
            total
        })
    });
    // A fit of one epoch: also the per-call work (the checks of the inputs, the batches'
    // buffers allocated and first touched).
    group.bench_function("B3 mnist-shape fit of one epoch", |b| {
        b.iter(|| {
            let options = FitOptions {
                epochs: 1,
                batch_size: Some(128),
                report: Report::Quiet,
                ..FitOptions::default()
            };
            model.fit(black_box(&x), Targets::Classes(&y), options).map(|h| h.epochs.len())
        })
    });
    group.finish();
}

criterion_group!(benches, spiral, mnist_shape, mnist_shape_epoch);
criterion_main!(benches);
