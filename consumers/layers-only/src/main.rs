//! Runs layers with `dendrite-layers` alone: Dense and Dropout layers made from a `rand`
//! generator, a forward and a backward pass through the `Layer` trait, and one Dense layer fitted
//! to a linear map by plain gradient steps written here.

use dendrite_layers::tensor::{Init, Matrix};
use dendrite_layers::{Dense, DenseConfig, Dropout, Layer, Mode, Parameterized, Relu};
use rand::{RngExt, SeedableRng, rngs::StdRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(0);
    let x = Matrix::from_fn(64, 3, |_, _| rng.random_range(-1.0..1.0));

    // Dense → ReLU → Dropout, forward in training mode and back.
    let mut dense =
        Dense::from_config(&DenseConfig { init: Init::HeNormal, ..DenseConfig::new(3, 16) }, &mut rng)?;
    let mut relu = Relu::new();
    let mut dropout = Dropout::new(0.25, &mut rng)?;
    let h = dense.forward(&x, Mode::Train)?.clone();
    let a = relu.forward(&h, Mode::Train)?.clone();
    let out = dropout.forward(&a, Mode::Train)?.clone();
    let dropped = out.iter().zip(a.iter()).filter(|&(o, a)| *o == 0.0 && *a != 0.0).count();
    println!(
        "dense → relu → dropout: {:?}, {dropped} of {} units dropped after the ReLU",
        out.shape(),
        out.len()
    );
    let ones = Matrix::from_element(64, 16, 1.0);
    let back = dropout.backward(&ones)?.clone();
    let back = relu.backward(&back)?.clone();
    let dx = dense.backward(&back)?;
    if dx.shape() != (64, 3) {
        return Err(format!("the input gradient has shape {:?}", dx.shape()).into());
    }

    // One Dense layer fitted to y = x · M by gradient descent on the mean squared error.
    let m = Matrix::from_row_slice(3, 2, &[1.0, -2.0, 0.5, 0.25, -1.0, 3.0]);
    let y = &x * &m;
    let mut layer = Dense::new(3, 2, &mut StdRng::seed_from_u64(1))?;
    let mut loss = f32::INFINITY;
    for _ in 0..500 {
        let pred = layer.forward(&x, Mode::Train)?;
        let diff = pred - &y;
        loss = diff.map(|d| d * d).mean();
        let dvalues = diff * (2.0 / y.len() as f32);
        layer.backward(&dvalues)?;
        layer.visit_params_mut(&mut |p| {
            let step = &p.grad * 0.5;
            p.value -= step;
        });
    }
    println!("one dense layer fitted to a linear map: mean squared error {loss:.2e}");
    if loss.is_nan() || loss >= 1e-6 {
        return Err(format!("the layer did not fit: mean squared error {loss}").into());
    }
    println!("dendrite-layers alone: ok");
    Ok(())
}
