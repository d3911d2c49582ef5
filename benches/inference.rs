//! Inference time of the MNIST-shaped model of SPEC §7 (Dense 784 → 128 → 128 → 10 with ReLU
//! and softmax, in inference mode, its weights as initialized):
//! - I1: one row of 784 inputs in [−1, 1] through `Model::predict_into` with a workspace and an
//!   output kept from call to call (the latency of a single request; nothing is allocated),
//!   and through `Model::predict`, which allocates its workspace and output;
//! - I2: 100,000 such rows through `Model::predict_into` and `Model::predict` in one call, and
//!   through `Model::predict_batched` in batches of 1,024 rows, the rate of bulk inference.
//!
//! Criterion reports the throughput of each in floating-point operations (2 per multiply-add of
//! the layers' weights and a row).
//!
//! ```text
//! cargo bench --bench inference
//! cargo bench --features threading --bench inference -- I2
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dendrite::prelude::*;
use dendrite_model::Workspace;
use dendrite_optim::AdamConfig;

/// The layers' multiply-adds per row: 784·128 + 128·128 + 128·10.
const MACS_PER_ROW: u64 = 784 * 128 + 128 * 128 + 128 * 10;

/// Rows of I2.
const ROWS: usize = 100_000;

/// Dense 784 → 128 → 128 → 10 with ReLU and softmax (the training benches' B3 model).
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

fn inputs(rows: usize, rng: &mut Rng) -> Matrix {
    Matrix::from_fn(rows, 784, |_, _| 2.0 * rng.uniform_f32() - 1.0)
}

fn one_row(c: &mut Criterion) {
    let x = inputs(1, &mut Rng::seed_from_u64(11));
    let model = mnist_model();
    let (mut workspace, mut out) = (Workspace::new(), Matrix::zeros(0, 0));
    let mut group = c.benchmark_group("inference");
    group.throughput(Throughput::Elements(2 * MACS_PER_ROW));
    group.bench_function("I1 one row (predict_into)", |b| {
        b.iter(|| model.predict_into(black_box(&x), &mut workspace, &mut out).expect("a prediction"))
    });
    group.bench_function("I1 one row (predict)", |b| {
        b.iter(|| model.predict(black_box(&x)).expect("a prediction"))
    });
    group.finish();
}

fn many_rows(c: &mut Criterion) {
    let x = inputs(ROWS, &mut Rng::seed_from_u64(12));
    let model = mnist_model();
    let (mut workspace, mut out) = (Workspace::new(), Matrix::zeros(0, 0));
    let mut group = c.benchmark_group("inference");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2 * MACS_PER_ROW * ROWS as u64));
    group.bench_function("I2 100000 rows (predict_into)", |b| {
        b.iter(|| model.predict_into(black_box(&x), &mut workspace, &mut out).expect("a prediction"))
    });
    group.bench_function("I2 100000 rows (predict)", |b| {
        b.iter(|| model.predict(black_box(&x)).expect("a prediction"))
    });
    group.bench_function("I2 100000 rows (predict_batched 1024)", |b| {
        b.iter(|| model.predict_batched(black_box(&x), 1024).expect("a prediction"))
    });
    group.finish();
}

criterion_group!(benches, one_row, many_rows);
criterion_main!(benches);
