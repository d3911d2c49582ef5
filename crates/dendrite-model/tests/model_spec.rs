//! `ModelSpec`: TOML and JSON round trips, the same model as the builder in code, and bad specs
//! as errors that name the key and the line.

use dendrite_data::spiral_data;
use dendrite_losses::Targets;
use dendrite_model::{Error, FitOptions, LossKind, Model, ModelBuilder, ModelSpec, Report};
use dendrite_optim::{Adam, AdamConfig, Schedule};
use dendrite_tensor::{Init, Parameterized, Rng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SPIRAL: &str = r#"
# The book's dropout chapter, with a cosine schedule.
inputs = 2
loss = "CategoricalCrossEntropy"
seed = 11

[[layers]]
type = "dense"
units = 64
weight_l2 = 5e-4
bias_l2 = 5e-4

[[layers]]
type = "relu"

[[layers]]
type = "dropout"
rate = 0.1

[[layers]]
type = "dense"
units = 3
init = "GlorotUniform"

[[layers]]
type = "softmax"

[optimizer.adam]
learning_rate = 0.05
decay = 5e-5

[optimizer.schedule.Cosine]
t_max = 200
eta_min = 1e-4
"#;

fn weights(model: &Model) -> Vec<u32> {
    let mut out = Vec::new();
    model.visit_params(&mut |p| out.extend(p.value.iter().map(|v| v.to_bits())));
    out
}

#[test]
fn specs_round_trip_through_toml_json_and_the_model() -> TestResult {
    let spec = ModelSpec::from_toml(SPIRAL)?;
    assert_eq!(ModelSpec::from_toml(&spec.to_toml()?)?, spec);
    assert_eq!(ModelSpec::from_json(&spec.to_json()?)?, spec);
    let model = ModelBuilder::from_spec(&spec)?.build()?;
    assert_eq!(model.spec()?, spec);
    assert_eq!(model.optimizer().schedule(), Some(Schedule::Cosine { t_max: 200, eta_min: 1e-4 }));
    // Every layer kind, a shared initializer, and another optimizer.
    let other = ModelSpec::from_json(
        r#"{"inputs": 4, "loss": "MeanSquaredError", "init": "HeNormal", "seed": 3,
            "layers": [{"type": "dense", "units": 8}, {"type": "tanh"}, {"type": "dense", "units": 8},
                       {"type": "leaky_relu", "alpha": 0.1}, {"type": "dense", "units": 8}, {"type": "sigmoid"},
                       {"type": "dense", "units": 2}, {"type": "linear"}],
            "optimizer": {"sgd": {"learning_rate": 0.1, "momentum": 0.9, "nesterov": true}}}"#,
    )?;
    let model = ModelBuilder::from_spec(&other)?.build()?;
    assert_eq!(model.spec()?, other);
    assert_eq!(ModelSpec::from_toml(&other.to_toml()?)?, other);
    Ok(())
}

/// The spec and the same model written in code train to the same bits.
#[test]
fn a_spec_trains_as_the_same_model_built_in_code() -> TestResult {
    let spec = ModelSpec::from_toml(SPIRAL)?;
    let adam = Adam::new(AdamConfig { learning_rate: 0.05, decay: 5e-5, ..AdamConfig::default() })?
        .with_schedule(Box::new(Schedule::Cosine { t_max: 200, eta_min: 1e-4 }));
    let l2 = 5e-4;
    let in_code = Model::builder(2)
        .dense_with(dendrite_layers::DenseConfig {
            weight_l2: l2,
            bias_l2: l2,
            ..dendrite_layers::DenseConfig::new(2, 64)
        })
        .relu()
        .dropout(0.1)
        .dense_with(dendrite_layers::DenseConfig {
            init: Init::GlorotUniform,
            ..dendrite_layers::DenseConfig::new(64, 3)
        })
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(adam)
        .seed(11)
        .build()?;
    let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(5));
    let options =
        || FitOptions { epochs: 20, batch_size: Some(64), report: Report::Quiet, ..FitOptions::default() };
    let mut a = ModelBuilder::from_spec(&spec)?.build()?;
    let mut b = in_code;
    assert!(weights(&a) == weights(&b), "the same initial weights");
    a.fit(&x, Targets::Classes(&y), options())?;
    b.fit(&x, Targets::Classes(&y), options())?;
    assert!(weights(&a) == weights(&b), "the same trained weights");
    Ok(())
}

fn spec_error(text: &str) -> String {
    match ModelSpec::from_toml(text).and_then(|s| ModelBuilder::from_spec(&s)?.build()) {
        Err(e @ Error::Spec(_)) | Err(e @ Error::InvalidSetting(_)) | Err(e @ Error::Layer(_)) => {
            e.to_string()
        }
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("no error for {text}"),
    }
}

#[test]
fn bad_specs_name_the_key_and_the_line() {
    let head = "inputs = 2\nloss = \"CategoricalCrossEntropy\"\n";
    let unknown = spec_error(&format!("{head}[[layers]]\ntype = \"dense\"\nunits = 3\nneurons = 4\n"));
    // The line of the layer's table: its keys are read as one.
    assert!(unknown.contains("line 3") && unknown.contains("unknown field `neurons`"), "{unknown}");
    assert!(!unknown.contains('\n'), "one line: {unknown}");
    let wrong_type = spec_error(&format!("{head}[[layers]]\ntype = \"dense\"\nunits = \"many\"\n"));
    assert!(wrong_type.contains("line 3") && wrong_type.contains("\"many\", expected usize"), "{wrong_type}");
    let activation =
        spec_error(&format!("{head}[[layers]]\ntype = \"dense\"\nunits = 3\n[[layers]]\ntype = \"swish\"\n"));
    assert!(activation.contains("swish") && activation.contains("line 7"), "{activation}");
    let top = spec_error(&format!("{head}epochz = 3\n"));
    assert!(top.contains("epochz") && top.contains("line 3"), "{top}");
    let width = spec_error(&format!("{head}[[layers]]\ntype = \"dense\"\nunits = 0\n"));
    assert!(width.contains("0"), "{width}");
    let two = spec_error(&format!(
        "{head}[[layers]]\ntype = \"dense\"\nunits = 3\n[optimizer.adam]\n[optimizer.sgd]\n"
    ));
    assert!(two.contains("exactly one of sgd"), "{two}");
    let rate = spec_error(&format!(
        "{head}[[layers]]\ntype = \"dense\"\nunits = 3\n[optimizer.adam]\nlearning_rate = -1.0\n"
    ));
    assert!(rate.contains("learning rate"), "{rate}");
    let setting = spec_error(&format!(
        "{head}[[layers]]\ntype = \"dense\"\nunits = 3\n[optimizer.adam]\nbeta3 = 0.5\n"
    ));
    assert!(setting.contains("beta3") && setting.contains("line 7"), "{setting}");
    let no_inputs = match ModelSpec::from_toml(
        "loss = \"MeanSquaredError\"\nlayers = [{ type = \"dense\", units = 1 }]\n",
    ) {
        Ok(s) => ModelBuilder::from_spec(&s).err().map(|e| e.to_string()).unwrap_or_default(),
        Err(e) => panic!("{e}"),
    };
    assert!(no_inputs.contains("from the data"), "{no_inputs}");
    let json = ModelSpec::from_json("{\"inputs\": 2,\n \"loss\": \"MeanSquaredError\",\n \"layerz\": []}")
        .unwrap_err();
    assert!(json.to_string().contains("layerz") && json.to_string().contains("line 3"), "{json}");
}
