//! The kernels of a training step. The three products of a dense layer on the shapes of the
//! `spiral_dropout` example
//! (3,000 samples, 2 inputs, 64 hidden units, 3 classes): each transposed product (`Aᵀ·B` for a
//! weight gradient, `A·Bᵀ` for an input gradient) beside the plain `A·B` of the same sizes on
//! materialized operands, and beside nalgebra's own `tr_mul` / `a * bᵀ`.
//!
//! Also: row-wise softmax, and dropout's mask (four 16-bit lanes per counter-based SplitMix64 draw).
//!
//! ```text
//! cargo bench --bench ops
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dendrite_layers::{Dropout, Layer, Mode};
use dendrite_tensor::{Init, Matrix, Rng, matmul, matmul_nt, matmul_tn, softmax_rows};

fn random(rows: usize, cols: usize, rng: &mut Rng) -> Matrix {
    Init::Normal { std: 1.0 }.matrix(rows, cols, rng)
}

/// `Aᵀ·B` with A: k×m, B: k×n, against the plain product of Aᵀ (materialized) and B.
fn bench_tn(c: &mut Criterion, name: &str, k: usize, m: usize, n: usize) {
    let mut rng = Rng::seed_from_u64(1);
    let a = random(k, m, &mut rng);
    let b = random(k, n, &mut rng);
    let at = a.transpose();
    let mut out = Matrix::zeros(m, n);
    let mut group = c.benchmark_group(name);
    group.bench_function("A*B (plain, same sizes)", |bench| {
        bench.iter(|| matmul(black_box(&at), black_box(&b), &mut out))
    });
    group.bench_function("At*B (dendrite)", |bench| {
        bench.iter(|| matmul_tn(black_box(&a), black_box(&b), &mut out))
    });
    group
        .bench_function("At*B (nalgebra tr_mul)", |bench| bench.iter(|| black_box(&a).tr_mul(black_box(&b))));
    group.finish();
}

/// `A·Bᵀ` with A: m×k, B: n×k, against the plain product of A and Bᵀ (materialized).
fn bench_nt(c: &mut Criterion, name: &str, m: usize, k: usize, n: usize) {
    let mut rng = Rng::seed_from_u64(2);
    let a = random(m, k, &mut rng);
    let b = random(n, k, &mut rng);
    let bt = b.transpose();
    let mut out = Matrix::zeros(m, n);
    let mut group = c.benchmark_group(name);
    group.bench_function("A*B (plain, same sizes)", |bench| {
        bench.iter(|| matmul(black_box(&a), black_box(&bt), &mut out))
    });
    group.bench_function("A*Bt (dendrite)", |bench| {
        bench.iter(|| matmul_nt(black_box(&a), black_box(&b), &mut out))
    });
    group.bench_function("A*Bt (nalgebra)", |bench| bench.iter(|| black_box(&a) * black_box(&b).transpose()));
    group.finish();
}

/// `A·B`, against nalgebra's operator.
fn bench_nn(c: &mut Criterion, name: &str, m: usize, k: usize, n: usize) {
    let mut rng = Rng::seed_from_u64(3);
    let a = random(m, k, &mut rng);
    let b = random(k, n, &mut rng);
    let mut out = Matrix::zeros(m, n);
    let mut group = c.benchmark_group(name);
    group.bench_function("A*B (dendrite)", |bench| {
        bench.iter(|| matmul(black_box(&a), black_box(&b), &mut out))
    });
    group.bench_function("A*B (nalgebra)", |bench| bench.iter(|| black_box(&a) * black_box(&b)));
    group.finish();
}

fn products(c: &mut Criterion) {
    // Forward passes.
    bench_nn(c, "forward dense1 3000x2*2x64", 3000, 2, 64);
    bench_nn(c, "forward dense2 3000x64*64x3", 3000, 64, 3);
    // Backward passes.
    bench_tn(c, "dW2 = Ht*dZ (3000x64)t*3000x3", 3000, 64, 3);
    bench_nt(c, "dH = dZ*W2t 3000x3*(64x3)t", 3000, 3, 64);
    bench_tn(c, "dW1 = Xt*dH (3000x2)t*3000x64", 3000, 2, 64);
}

fn row_ops(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(4);
    let logits = random(3000, 3, &mut rng);
    let mut out = Matrix::zeros(3000, 3);
    c.bench_function("softmax rows 3000x3", |b| b.iter(|| softmax_rows(black_box(&logits), &mut out)));
    let h = random(3000, 64, &mut rng);
    let mut dropout = Dropout::new(0.1, &mut rng).unwrap_or_else(|e| panic!("a valid rate: {e}"));
    c.bench_function("dropout forward (mask + product) 3000x64", |b| {
        b.iter(|| dropout.forward(black_box(&h), Mode::Train).map(|m| m[(0, 0)]))
    });
}

criterion_group!(benches, products, row_ops);
criterion_main!(benches);
