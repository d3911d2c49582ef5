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
//! Beyond the book's shapes (SPEC §7), each an epoch of a `Model::fit` of two, timed from the end
//! of the first epoch to the end of the second as B3's (the shuffle, the gathering of the
//! batches and the steps), except B4, which is one full-batch step as B1:
//! - B4 `spiral8`: 8,000 spiral points in 8 classes, Dense 2 → 128, ReLU, Dropout 0.1,
//!   Dense 128 → 8, softmax + cross-entropy, Adam (lr 0.05, decay 5e-5), full batch;
//! - B5 `deep`: 20,000 × 8 Gaussian blobs of 4 classes, Dense 8 → 64 → 64 → 64 → 4 with ReLU
//!   and Dropout 0.1 after each hidden layer, softmax + cross-entropy, Adam, batch 32;
//! - B6 `regression`: 5,000 × 13 random features and a smooth nonlinear target with noise,
//!   Dense 13 → 64 → 32 → 1 with ReLU and a linear output, mean squared error, Adam, batch 16;
//! - B7 `mlp-wide`: 20,000 × 784 random inputs in [−1, 1], 10 classes, Dense 784 → 1024 → 10
//!   with ReLU, softmax + cross-entropy, Adam, batch 128; also one step (a batch of 128), whose
//!   throughput criterion reports in floating-point operations (6 per multiply-add of the
//!   layers' weights and row: forward, input gradient and weight gradient).
//!
//! ```text
//! cargo bench --bench training
//! cargo bench --features threading --bench training -- B7
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
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

/// Adam with the spiral examples' settings: learning rate 0.05, decay 5e-5.
fn spiral_adam() -> Adam {
    Adam::new(AdamConfig { learning_rate: 0.05, decay: 5e-5, ..AdamConfig::default() }).expect("valid")
}

/// Adam's defaults (learning rate 0.001).
fn default_adam() -> Adam {
    Adam::new(AdamConfig::default()).expect("valid")
}

/// Benches one epoch of a fit of several: each iteration fits two epochs and times the second,
/// from the end of the first (the epoch's own work: the shuffle, the gathering of the batches in
/// its order into the buffers of the first epoch, and the steps). The iterations take long, so
/// each sample is one or a few of them (flat sampling).
fn bench_epoch(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    model: &mut Model,
    x: &Matrix,
    y: Targets<'_>,
    batch_size: usize,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut ends = Vec::with_capacity(2);
                let options = FitOptions {
                    epochs: 2,
                    batch_size: Some(batch_size),
                    report: Report::Quiet,
                    on_epoch_end: Some(Box::new(|_: &Model, _: &EpochRecord| {
                        ends.push(Instant::now());
                        Ok(Flow::Continue)
                    })),
                    ..FitOptions::default()
                };
                black_box(model.fit(black_box(x), y, options).map(|h| h.epochs.len()))
                    .expect("the epochs train");
                total += ends[1] - ends[0];
            }
            total
        })
    });
}

/// A group for epochs that take from milliseconds to a second each.
fn epoch_group(c: &mut Criterion) -> BenchmarkGroup<'_, WallTime> {
    let mut group = c.benchmark_group("training");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group
}

/// B4: Dense 2 → 128, ReLU, Dropout 0.1, Dense 128 → 8, softmax + cross-entropy under Adam.
fn spiral8(c: &mut Criterion) {
    let (x, y) = spiral_data(1000, 8, &mut Rng::seed_from_u64(4));
    let mut model = Model::builder(2)
        .dense(128)
        .relu()
        .dropout(0.1)
        .dense(8)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(spiral_adam())
        .build()
        .expect("a valid model");
    let mut group = c.benchmark_group("training");
    group.bench_function("B4 spiral8 epoch", |b| {
        b.iter(|| model.train_batch(black_box(&x), Targets::Classes(&y)).expect("a training step").data_loss)
    });
    group.finish();
}

/// `rows` points in `classes` Gaussian blobs of unit variance, each around a centre drawn
/// uniformly in [−3, 3] in every one of the `features` coordinates; the labels are drawn
/// uniformly.
fn blobs(rows: usize, features: usize, classes: usize, rng: &mut Rng) -> (Matrix, Vec<usize>) {
    let centres = Matrix::from_fn(classes, features, |_, _| 6.0 * rng.uniform_f32() - 3.0);
    let y: Vec<usize> = (0..rows).map(|_| rng.below(classes as u64) as usize).collect();
    let x = Matrix::from_fn(rows, features, |r, c| centres[(y[r], c)] + rng.normal_f32());
    (x, y)
}

/// B5: Dense 8 → 64 → 64 → 64 → 4, ReLU and Dropout 0.1 after each hidden layer, softmax +
/// cross-entropy under Adam, batches of 32.
fn deep(c: &mut Criterion) {
    let (x, y) = blobs(20_000, 8, 4, &mut Rng::seed_from_u64(5));
    let mut model = Model::builder(8)
        .dense(64)
        .relu()
        .dropout(0.1)
        .dense(64)
        .relu()
        .dropout(0.1)
        .dense(64)
        .relu()
        .dropout(0.1)
        .dense(4)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(default_adam())
        .build()
        .expect("a valid model");
    let mut group = epoch_group(c);
    bench_epoch(
        &mut group,
        "B5 deep epoch (20000, batch 32, shuffled)",
        &mut model,
        &x,
        Targets::Classes(&y),
        32,
    );
    group.finish();
}

/// `rows` × 13 features uniform in [−1, 1] and one target per row: a smooth nonlinear function
/// of the features plus Gaussian noise of standard deviation 0.1.
fn regression_data(rows: usize, rng: &mut Rng) -> (Matrix, Matrix) {
    let x = Matrix::from_fn(rows, 13, |_, _| 2.0 * rng.uniform_f32() - 1.0);
    let y = Matrix::from_fn(rows, 1, |r, _| {
        let f = |c: usize| x[(r, c)];
        let rest: f32 = (5..13).map(f).sum();
        (std::f32::consts::PI * f(0)).sin() + f(1) * f(2) + 0.5 * f(3) * f(3) - 0.25 * (2.0 * f(4)).cos()
            + 0.1 * rest
            + 0.1 * rng.normal_f32()
    });
    (x, y)
}

/// B6: Dense 13 → 64 → 32 → 1 with ReLU and a linear output, mean squared error under Adam,
/// batches of 16.
fn regression(c: &mut Criterion) {
    let (x, y) = regression_data(5_000, &mut Rng::seed_from_u64(6));
    let mut model = Model::builder(13)
        .dense(64)
        .relu()
        .dense(32)
        .relu()
        .dense(1)
        .linear()
        .loss(LossKind::MeanSquaredError)
        .optimizer(default_adam())
        .build()
        .expect("a valid model");
    let mut group = epoch_group(c);
    bench_epoch(
        &mut group,
        "B6 regression epoch (5000, batch 16, shuffled)",
        &mut model,
        &x,
        Targets::Values(&y),
        16,
    );
    group.finish();
}

/// Dense 784 → 1024 → 10 with ReLU and softmax + cross-entropy under Adam.
fn wide_model() -> Model {
    Model::builder(784)
        .dense(1024)
        .relu()
        .dense(10)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(default_adam())
        .build()
        .expect("a valid model")
}

/// B7: one step of a batch of 128 (with its floating-point operations as the throughput), and
/// one shuffled epoch of 20,000 rows in batches of 128.
fn mlp_wide(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(7);
    let x = Matrix::from_fn(128, 784, |_, _| 2.0 * rng.uniform_f32() - 1.0);
    let y: Vec<usize> = (0..128).map(|_| rng.below(10) as usize).collect();
    let mut model = wide_model();
    let mut group = c.benchmark_group("training");
    // Forward, input gradient and weight gradient: three products of 2 flops per multiply-add.
    group.throughput(Throughput::Elements(6 * 128 * (784 * 1024 + 1024 * 10)));
    group.bench_function("B7 mlp-wide step (batch 128)", |b| {
        b.iter(|| model.train_batch(black_box(&x), Targets::Classes(&y)).expect("a training step").data_loss)
    });
    group.finish();

    let x = Matrix::from_fn(20_000, 784, |_, _| 2.0 * rng.uniform_f32() - 1.0);
    let y: Vec<usize> = (0..20_000).map(|_| rng.below(10) as usize).collect();
    let mut model = wide_model();
    let mut group = epoch_group(c);
    bench_epoch(
        &mut group,
        "B7 mlp-wide epoch (20000, batch 128, shuffled)",
        &mut model,
        &x,
        Targets::Classes(&y),
        128,
    );
    group.finish();
}

criterion_group!(benches, spiral, mnist_shape, mnist_shape_epoch);
criterion_group!(beyond, spiral8, deep, regression, mlp_wide);
criterion_main!(benches, beyond);
