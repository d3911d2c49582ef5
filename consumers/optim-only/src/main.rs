//! Fits a parameter to a target with `dendrite-optim` alone: the parameter's first values come
//! from a `rand` generator, its gradient is computed here, and Adam and SGD with momentum take
//! the steps through the `Optimizer` trait.

use dendrite_optim::tensor::Matrix;
use dendrite_optim::{Adam, AdamConfig, Optimizer, Param, Sgd, SgdConfig};
use rand::{RngExt, SeedableRng, rngs::StdRng};

/// Minimizes `mean((w − target)²)` from a random start; returns the final loss.
fn fit(optimizer: &mut dyn Optimizer, steps: usize) -> Result<f32, dendrite_optim::Error> {
    let mut rng = StdRng::seed_from_u64(7);
    let target = Matrix::from_fn(4, 3, |i, j| i as f32 - j as f32);
    let start = Matrix::from_fn(4, 3, |_, _| rng.random_range(-1.0..1.0));
    let mut params = vec![Param::new("weight", start)];
    let n = target.len() as f32;
    let loss = |w: &Matrix| (w - &target).map(|d| d * d).sum() / n;
    let first = loss(&params[0].value);
    for _ in 0..steps {
        let gradient = (&params[0].value - &target) * (2.0 / n);
        params[0].grad.copy_from(&gradient);
        optimizer.step(&mut params)?;
    }
    let last = loss(&params[0].value);
    println!("{}: loss {first:.4} -> {last:.2e} in {steps} steps", optimizer.name());
    Ok(last)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut adam = Adam::new(AdamConfig { learning_rate: 0.05, ..AdamConfig::default() })?;
    let mut sgd = Sgd::new(SgdConfig { learning_rate: 0.5, momentum: 0.9, ..SgdConfig::default() })?;
    for (optimizer, steps) in [(&mut adam as &mut dyn Optimizer, 2_000), (&mut sgd, 300)] {
        let loss = fit(optimizer, steps)?;
        if loss.is_nan() || loss >= 1e-4 {
            return Err(format!("{} did not fit the target: loss {loss}", optimizer.name()).into());
        }
    }
    // The same seed, the same run.
    let again = fit(&mut Adam::new(AdamConfig { learning_rate: 0.05, ..AdamConfig::default() })?, 2_000)?;
    let first = fit(&mut Adam::new(AdamConfig { learning_rate: 0.05, ..AdamConfig::default() })?, 2_000)?;
    if again.to_bits() != first.to_bits() {
        return Err("two runs from one seed differ".into());
    }
    println!("dendrite-optim alone: ok");
    Ok(())
}
