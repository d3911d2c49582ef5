//! The model builder's checks and inference-mode guarantees.

use dendrite_data::spiral_data;
use dendrite_layers::{Dense, DenseConfig, Dropout, Layer, Mode, Relu, Softmax};
use dendrite_losses::Targets;
use dendrite_model::{Error, LossKind, Model};
use dendrite_tensor::{Matrix, Rng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn a_width_mismatch_names_both_layers_and_widths() {
    let err = Model::builder(2)
        .dense_with(DenseConfig::new(2, 32))
        .relu()
        .dense_with(DenseConfig::new(64, 3))
        .loss(LossKind::CategoricalCrossEntropy)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::WidthMismatch { index: 2, got: 32, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "layer 2 (Dense(64 -> 3)) cannot follow layer 1 (ReLU): it takes 64 inputs, layer 1 (ReLU) gives 32"
    );
    let err = Model::builder(3)
        .dense_with(DenseConfig::new(2, 4))
        .loss(LossKind::MeanSquaredError)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot follow the input: it takes 2 inputs, the input gives 3"),
        "{err}"
    );
}

#[test]
fn fused_softmax_cross_entropy_is_picked_only_when_it_applies() -> TestResult {
    let fused = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
    assert!(fused.uses_fused_softmax_cross_entropy());
    let not_last =
        Model::builder(2).dense(3).softmax().dense(3).loss(LossKind::CategoricalCrossEntropy).build()?;
    assert!(!not_last.uses_fused_softmax_cross_entropy());
    let other_loss = Model::builder(2).dense(3).softmax().loss(LossKind::MeanSquaredError).build()?;
    assert!(!other_loss.uses_fused_softmax_cross_entropy());
    Ok(())
}

#[test]
fn missing_loss_layers_and_bad_rates_are_errors() {
    assert!(matches!(Model::builder(2).dense(3).build().unwrap_err(), Error::InvalidSetting(_)));
    assert!(matches!(
        Model::builder(2).loss(LossKind::MeanSquaredError).build().unwrap_err(),
        Error::InvalidSetting(_)
    ));
    let err = Model::builder(2).dense(3).dropout(1.0).loss(LossKind::MeanSquaredError).build().unwrap_err();
    assert!(err.to_string().contains("rate (the fraction dropped) must lie in [0, 1)"), "{err}");
}

#[test]
fn dropout_cannot_act_at_prediction() -> TestResult {
    let seed = 7;
    let model = Model::builder(2)
        .dense(16)
        .relu()
        .dropout(0.5)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .seed(seed)
        .build()?;
    let (x, _) = spiral_data(20, 3, &mut Rng::seed_from_u64(1));
    let first = model.predict(&x)?;
    let second = model.predict(&x)?;
    assert_eq!(first, second, "repeated predictions are identical");

    // The same network by hand, in the builder's order of draws, run in Infer mode.
    let mut rng = Rng::seed_from_u64(seed);
    let mut layers: Vec<Box<dyn Layer>> = vec![
        Box::new(Dense::new(2, 16, &mut rng)?),
        Box::new(Relu::new()),
        Box::new(Dropout::new(0.5, &mut rng)?),
        Box::new(Dense::new(16, 3, &mut rng)?),
        Box::new(Softmax::new()),
    ];
    let mut out = x.clone();
    for layer in &mut layers {
        out = layer.forward(&out, Mode::Infer)?.clone();
    }
    assert_eq!(first, out);
    Ok(())
}

#[test]
fn bad_inputs_are_errors() -> TestResult {
    let model = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
    let err = model.predict(&Matrix::zeros(4, 3)).unwrap_err();
    assert_eq!(err.to_string(), "invalid data: inputs have 3 columns, the model takes 2");
    let err = model.predict(&Matrix::zeros(0, 2)).unwrap_err();
    assert_eq!(err.to_string(), "invalid data: no samples");
    let mut x = Matrix::zeros(3, 2);
    x[(2, 1)] = f32::NAN;
    let err = model.predict(&x).unwrap_err();
    assert_eq!(err.to_string(), "invalid data: input at row 2, column 1 is NaN");
    let err = model.evaluate(&Matrix::zeros(3, 2), Targets::Classes(&[0, 1])).unwrap_err();
    assert_eq!(err.to_string(), "invalid data: 3 samples but 2 targets");
    let err = model.evaluate(&Matrix::zeros(2, 2), Targets::Classes(&[0, 5])).unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err:?}");
    assert_eq!(err.to_string(), "invalid data: label 5 of sample 1 is out of range for 3 classes");
    Ok(())
}

#[test]
fn evaluate_reports_loss_and_accuracy_in_inference_mode() -> TestResult {
    let model = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
    let (x, y) = spiral_data(50, 3, &mut Rng::seed_from_u64(2));
    let e = model.evaluate(&x, Targets::Classes(&y))?;
    assert_eq!(e.samples, 150);
    // Untrained, with 0.01·N(0,1) weights: probabilities near 1/3.
    assert!((e.loss - 3f32.ln()).abs() < 0.01, "{e:?}");
    assert!((0.0..=1.0).contains(&e.accuracy));
    Ok(())
}
