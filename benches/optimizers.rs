//! Time per step of every optimizer on 10⁴, 10⁵ and 10⁶ parameters (one fused pass each).
//!
//! ```text
//! cargo bench --bench optimizers
//! ```

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use dendrite_optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig,
};
use dendrite_tensor::{Matrix, Param, Rng};

fn optimizers() -> Vec<(&'static str, Box<dyn Optimizer>)> {
    let sgd = |momentum| Sgd::new(SgdConfig { decay: 1e-3, momentum, ..SgdConfig::default() });
    vec![
        ("SGD", Box::new(sgd(0.0).expect("valid")) as Box<dyn Optimizer>),
        ("SGD momentum", Box::new(sgd(0.9).expect("valid"))),
        (
            "Adagrad",
            Box::new(Adagrad::new(AdagradConfig { decay: 1e-4, ..AdagradConfig::default() }).expect("valid")),
        ),
        (
            "RMSprop",
            Box::new(
                RmsProp::new(RmsPropConfig { learning_rate: 0.02, ..RmsPropConfig::default() })
                    .expect("valid"),
            ),
        ),
        (
            "Adam",
            Box::new(Adam::new(AdamConfig { learning_rate: 0.05, ..AdamConfig::default() }).expect("valid")),
        ),
    ]
}

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimizer step");
    for size in [10_000usize, 100_000, 1_000_000] {
        let mut rng = Rng::seed_from_u64(size as u64);
        for (name, mut optimizer) in optimizers() {
            let mut param = Param::new("weight", Matrix::from_fn(size / 100, 100, |_, _| rng.normal_f32()));
            param.grad = Matrix::from_fn(size / 100, 100, |_, _| rng.normal_f32() * 0.01);
            group.bench_with_input(BenchmarkId::new(name, size), &size, |b, _| {
                b.iter(|| optimizer.step(black_box(&mut param)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
