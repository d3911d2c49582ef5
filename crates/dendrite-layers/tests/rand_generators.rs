//! Layers made from `rand` generators: the same seed gives the same layer and the same masks.

use dendrite_layers::{Dense, DenseConfig, Dropout, Layer, Mode};
use dendrite_tensor::{Init, Matrix, Parameterized, Rng};
use rand::{SeedableRng, rngs::StdRng};

fn weights(layer: &Dense) -> Vec<Matrix> {
    let mut out = Vec::new();
    layer.visit_params(&mut |p| out.push(p.value.clone()));
    out
}

#[test]
fn a_dense_layer_from_a_std_rng_is_reproducible() -> dendrite_layers::Result<()> {
    let config = DenseConfig { init: Init::HeUniform, ..DenseConfig::new(5, 7) };
    let mut a = Dense::from_config(&config, &mut StdRng::seed_from_u64(42))?;
    let mut b = Dense::from_config(&config, &mut StdRng::seed_from_u64(42))?;
    let c = Dense::from_config(&config, &mut StdRng::seed_from_u64(43))?;
    assert_eq!(weights(&a), weights(&b));
    assert_ne!(weights(&a), weights(&c));
    let bound = (6.0f32 / 5.0).sqrt();
    assert!(weights(&a)[0].iter().all(|w| w.abs() <= bound));

    let x = Matrix::from_fn(3, 5, |i, j| (i as f32 - j as f32) * 0.25);
    let out = a.forward(&x, Mode::Infer)?;
    assert_eq!(out, b.forward(&x, Mode::Infer)?);
    assert_eq!(out.shape(), (3, 7));
    Ok(())
}

#[test]
fn dropout_from_any_generator_is_reproducible_and_forks_dendrites() -> dendrite_layers::Result<()> {
    let x = Matrix::from_element(20, 30, 1.0);
    let mask = |mut layer: Dropout| layer.forward(&x, Mode::Train).cloned();
    let a = mask(Dropout::new(0.5, &mut StdRng::seed_from_u64(1))?)?;
    assert_eq!(a, mask(Dropout::new(0.5, &mut StdRng::seed_from_u64(1))?)?);
    assert_ne!(a, mask(Dropout::new(0.5, &mut StdRng::seed_from_u64(2))?)?);
    // From Dendrite's own generator, `new` is a fork of it.
    let mut rng = Rng::seed_from_u64(3);
    let forked = Dropout::with_rng(0.5, Rng::seed_from_u64(3).fork())?;
    assert_eq!(mask(Dropout::new(0.5, &mut rng)?)?, mask(forked)?);
    Ok(())
}
