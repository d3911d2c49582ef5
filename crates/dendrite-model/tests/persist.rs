//! Model files: exact round trips, exact resume from a checkpoint, weights-only files, atomic
//! saves, and hostile bytes that must give typed errors and never a panic.

use std::path::PathBuf;

use dendrite_data::spiral_data;
use dendrite_layers::{DenseConfig, Layer, LayerSpec, Mode};
use dendrite_losses::Targets;
use dendrite_model::{Error, FitOptions, FormatError, LayerRegistry, LossKind, Model, Preprocessing, Report};
use dendrite_optim::{Adam, AdamConfig};
use dendrite_tensor::{Matrix, Param, Parameterized, Rng};
use proptest::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn scratch(name: &str) -> Result<PathBuf, std::io::Error> {
    let dir = std::env::temp_dir().join(format!("dendrite-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn bits(m: &Matrix) -> Vec<u32> {
    m.iter().map(|v| v.to_bits()).collect()
}

fn weights(model: &Model) -> Vec<u32> {
    let mut out = Vec::new();
    model.visit_params(&mut |p| out.extend(bits(&p.value)));
    out
}

/// A plug-in layer with a parameter and a configuration: `y = x ∘ s`.
#[derive(Debug, Clone)]
struct Scale {
    scale: Param,
    output: Matrix,
    dinputs: Matrix,
    input: Matrix,
}

impl Scale {
    fn new(width: usize) -> Self {
        let scale = Matrix::from_fn(1, width, |_, j| 1.0 + j as f32 * 0.01);
        Self {
            scale: Param::new("scale", scale),
            output: Matrix::zeros(0, 0),
            dinputs: Matrix::zeros(0, 0),
            input: Matrix::zeros(0, 0),
        }
    }

    fn registry() -> LayerRegistry {
        let mut r = LayerRegistry::new();
        r.register("Scale", |config| {
            let width = u32::from_le_bytes(config.try_into().map_err(|_| "Scale needs a 4-byte width")?);
            Ok(Box::new(Scale::new(width as usize)) as Box<dyn Layer>)
        });
        r
    }
}

impl Parameterized for Scale {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        f(&self.scale);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        f(&mut self.scale);
    }
}

impl Layer for Scale {
    fn kind(&self) -> &'static str {
        "Scale"
    }
    fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
        Ok(input_width)
    }
    fn forward(&mut self, input: &Matrix, _mode: Mode) -> dendrite_layers::Result<&Matrix> {
        self.input = input.clone();
        self.output = input.clone();
        for (j, &s) in self.scale.value.iter().enumerate() {
            self.output.column_mut(j).scale_mut(s);
        }
        Ok(&self.output)
    }
    fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
        self.dinputs = dvalues.clone();
        for j in 0..dvalues.ncols() {
            self.scale.grad[j] = self.input.column(j).dot(&dvalues.column(j));
            self.dinputs.column_mut(j).scale_mut(self.scale.value[j]);
        }
        Ok(&self.dinputs)
    }
    fn spec(&self) -> LayerSpec {
        LayerSpec::Plugin {
            kind: "Scale".to_owned(),
            config: (self.scale.value.ncols() as u32).to_le_bytes().to_vec(),
        }
    }
}

/// A model with every built-in layer kind and a plug-in.
fn every_kind(seed: u64) -> Result<Model, Error> {
    Model::builder(2)
        .dense_with(DenseConfig { weight_l1: 1e-4, bias_l2: 5e-4, ..DenseConfig::new(2, 16) })
        .layer(Box::new(Scale::new(16)))
        .relu()
        .dropout(0.2)
        .dense(16)
        .tanh()
        .dense(16)
        .leaky_relu(0.05)
        .dense(16)
        .sigmoid()
        .dense(8)
        .linear()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.01, ..AdamConfig::default() })?)
        .preprocessing(Preprocessing::PerFeature { shift: vec![0.1, -0.2], scale: vec![2.0, 0.5] })
        .seed(seed)
        .build()
}

fn spiral() -> (Matrix, Vec<usize>) {
    spiral_data(60, 3, &mut Rng::seed_from_u64(9))
}

#[test]
fn save_load_predict_is_bit_identical_for_every_layer_kind() -> TestResult {
    let (x, y) = spiral();
    let mut model = every_kind(1)?;
    model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 5, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let dir = scratch("roundtrip")?;
    let path = dir.join("model.dnd");
    model.save(&path)?;
    let loaded = Model::load_with(&path, &Scale::registry())?;
    assert_eq!(bits(&loaded.predict(&x)?), bits(&model.predict(&x)?));
    assert_eq!(weights(&loaded), weights(&model));
    assert_eq!(loaded.preprocessing(), model.preprocessing());
    assert!(loaded.uses_fused_softmax_cross_entropy());
    let kinds: Vec<&str> = loaded.layers().iter().map(|l| l.kind()).collect();
    assert_eq!(
        kinds,
        [
            "Dense",
            "Scale",
            "ReLU",
            "Dropout",
            "Dense",
            "Tanh",
            "Dense",
            "LeakyReLU",
            "Dense",
            "Sigmoid",
            "Dense",
            "Linear",
            "Dense",
            "Softmax"
        ]
    );
    // Without the plug-in's constructor the file cannot be loaded, and says why.
    let err = Model::load(&path).unwrap_err();
    assert_eq!(err.to_string(), "layer kind 'Scale' is not built in and has no registered constructor");
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

#[test]
fn a_checkpoint_resumes_bit_identically() -> TestResult {
    let (x, y) = spiral();
    let options =
        || FitOptions { epochs: 20, batch_size: Some(32), report: Report::Quiet, ..FitOptions::default() };
    let mut straight = every_kind(2)?;
    straight.fit(&x, Targets::Classes(&y), FitOptions { epochs: 40, ..options() })?;

    let mut first = every_kind(2)?;
    first.fit(&x, Targets::Classes(&y), options())?;
    let dir = scratch("resume")?;
    let path = dir.join("checkpoint.dnd");
    first.save_checkpoint(&path)?;
    drop(first);
    let mut resumed = Model::load_with(&path, &Scale::registry())?;
    assert_eq!(resumed.epochs(), 20);
    let history = resumed.fit(&x, Targets::Classes(&y), options())?;
    assert_eq!(history.epochs[0].epoch, 21, "epochs count on from the checkpoint");
    assert!(weights(&resumed) == weights(&straight), "40 epochs straight and 20 + 20 differ");
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

#[test]
fn weights_files_load_into_the_same_architecture_only() -> TestResult {
    let (x, y) = spiral();
    let mut trained = every_kind(3)?;
    trained.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 3, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let dir = scratch("weights")?;
    let path = dir.join("w.dnd");
    trained.save_weights(&path)?;
    let mut fresh = every_kind(4)?;
    fresh.load_weights(&path)?;
    assert_eq!(weights(&fresh), weights(&trained));

    let mut other = Model::builder(2)
        .dense(8)
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    let before = weights(&other);
    let err = other.load_weights(&path).unwrap_err();
    assert_eq!(err.to_string(), "weights do not fit the model: 13 tensors stored, the model has 4");
    assert_eq!(weights(&other), before, "a failed load changes nothing");
    // A model file is not a weights file.
    trained.save(dir.join("m.dnd"))?;
    let err = fresh.load_weights(dir.join("m.dnd")).unwrap_err();
    assert!(matches!(err, Error::Format(FormatError::WrongKind { found: 1, expected: 2 })), "{err}");
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

#[test]
fn failed_saves_leave_the_earlier_file_loadable() -> TestResult {
    let model = every_kind(5)?;
    let dir = scratch("failed-save")?;
    let path = dir.join("m.dnd");
    model.save(&path)?;
    let before = std::fs::read(&path)?;

    // A folder that does not exist cannot be written.
    let err = model.save(dir.join("missing").join("m.dnd")).unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err}");

    // A folder that cannot be written: the save fails, the file stays. Without write
    // permission for ordinary users; root ignores permissions, so for root the folder is also
    // made immutable (`chattr +i`, which root cannot bypass either).
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555))?;
        let privileged = std::fs::File::create(dir.join("probe")).is_ok();
        let _ = std::fs::remove_file(dir.join("probe"));
        let immutable =
            privileged && std::process::Command::new("chattr").arg("+i").arg(&dir).status()?.success();
        let result = every_kind(6)?.save(&path);
        if immutable {
            std::process::Command::new("chattr").arg("-i").arg(&dir).status()?;
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        assert!(!privileged || immutable, "could not make a folder unwritable for this user");
        assert!(matches!(result, Err(Error::Io(_))), "{result:?}");
        assert_eq!(std::fs::read(&path)?, before);
    }
    Model::load_with(&path, &Scale::registry())?;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

fn small_model_bytes() -> Result<Vec<u8>, Error> {
    let model = Model::builder(2)
        .dense(4)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    model.to_checkpoint_bytes()
}

#[test]
fn every_truncation_is_a_typed_error() -> TestResult {
    let bytes = small_model_bytes()?;
    let registry = LayerRegistry::new();
    assert!(Model::from_bytes(&bytes, &registry).is_ok());
    for len in 0..bytes.len() {
        match Model::from_bytes(&bytes[..len], &registry) {
            Err(Error::Format(_)) => {}
            other => panic!("truncation to {len} bytes gave {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn ten_thousand_single_bit_flips_are_all_caught() -> TestResult {
    let bytes = small_model_bytes()?;
    let registry = LayerRegistry::new();
    let mut rng = Rng::seed_from_u64(77);
    for _ in 0..10_000 {
        let mut flipped = bytes.clone();
        let bit = rng.below(bytes.len() as u64 * 8) as usize;
        flipped[bit / 8] ^= 1 << (bit % 8);
        // The CRC-32 catches every single-bit error; the header checks come first.
        assert!(matches!(Model::from_bytes(&flipped, &registry), Err(Error::Format(_))), "bit {bit}");
    }
    Ok(())
}

#[test]
fn wrong_magic_future_version_and_huge_claims() -> TestResult {
    let bytes = small_model_bytes()?;
    let registry = LayerRegistry::new();
    let mut magic = bytes.clone();
    magic[1] = b'X';
    assert!(matches!(Model::from_bytes(&magic, &registry), Err(Error::Format(FormatError::BadMagic))));
    let mut future = bytes.clone();
    future[8..12].copy_from_slice(&7u32.to_le_bytes());
    let err = Model::from_bytes(&future, &registry).unwrap_err();
    assert_eq!(err.to_string(), "format version 7 is newer than this build reads (up to 3)");
    let mut long = bytes.clone();
    long[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(matches!(
        Model::from_bytes(&long, &registry),
        Err(Error::Format(FormatError::LengthMismatch { .. }))
    ));
    Ok(())
}

/// A file whose checksum is right but whose payload claims a Dense layer of 2^20 x 2^20 with a
/// tensor of 2^40 elements: the loader must refuse without allocating it.
#[test]
fn a_consistent_header_claiming_two_to_the_forty_elements_is_refused() -> TestResult {
    use dendrite_model::{FileKind, frame};
    let mut payload = Vec::new();
    payload.extend_from_slice(&2u64.to_le_bytes()); // input width
    payload.extend_from_slice(&1u64.to_le_bytes()); // one layer spec
    payload.extend_from_slice(&0u32.to_le_bytes()); // LayerSpec::Dense
    payload.extend_from_slice(&(1u64 << 20).to_le_bytes()); // inputs
    payload.extend_from_slice(&(1u64 << 20).to_le_bytes()); // neurons
    payload.extend_from_slice(&[0u8; 64]); // the rest of a plausible start, then nothing
    let bytes = frame(FileKind::Model, &payload);
    assert!(matches!(Model::from_bytes(&bytes, &LayerRegistry::new()), Err(Error::Format(_))));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(Model::from_bytes(&bytes, &LayerRegistry::new()).is_err());
    }

    #[test]
    fn random_payloads_behind_a_valid_header_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..512)) {
        let bytes = dendrite_model::frame(dendrite_model::FileKind::Model, &payload);
        let _ = Model::from_bytes(&bytes, &LayerRegistry::new());
    }

    #[test]
    fn corrupted_real_files_are_errors(position in 0usize..4096, value in any::<u8>()) {
        let bytes = small_model_bytes().unwrap();
        let mut corrupted = bytes.clone();
        let i = position % bytes.len();
        prop_assume!(corrupted[i] != value);
        corrupted[i] = value;
        prop_assert!(Model::from_bytes(&corrupted, &LayerRegistry::new()).is_err());
    }
}

#[test]
fn safetensors_round_trip_in_pytorch_naming_and_layout() -> TestResult {
    let (x, y) = spiral();
    let mut model = Model::builder(2)
        .dense(64)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 3, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let dir = scratch("safetensors")?;
    let path = dir.join("model.safetensors");
    model.export_safetensors(&path)?;

    // Read back with the safetensors crate: names, dtypes, shapes and a transposed value.
    let bytes = std::fs::read(&path)?;
    let file = safetensors::SafeTensors::deserialize(&bytes)?;
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(names, ["0.bias", "0.weight", "3.bias", "3.weight"]);
    for (name, shape) in
        [("0.weight", vec![64, 2]), ("0.bias", vec![64]), ("3.weight", vec![3, 64]), ("3.bias", vec![3])]
    {
        let t = file.tensor(name)?;
        assert_eq!(t.dtype(), safetensors::Dtype::F32);
        assert_eq!(t.shape(), shape.as_slice(), "{name}");
    }
    let w3 = file.tensor("3.weight")?;
    let value = |row: usize, col: usize| {
        let k = (row * 64 + col) * 4;
        f32::from_le_bytes([w3.data()[k], w3.data()[k + 1], w3.data()[k + 2], w3.data()[k + 3]])
    };
    let dense3 = &model.layers()[3];
    let mut w = Matrix::zeros(0, 0);
    dense3.visit_params(&mut |p| {
        if p.name() == "weight" {
            w = p.value.clone();
        }
    });
    // PyTorch's weight[out][in] is Dendrite's W[in][out].
    assert_eq!(value(2, 17).to_bits(), w[(17, 2)].to_bits());

    let mut other = Model::builder(2)
        .dense(64)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .seed(99)
        .build()?;
    other.import_safetensors(&path)?;
    assert_eq!(weights(&other), weights(&model));

    let mut wrong = Model::builder(2)
        .dense(32)
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    let before = weights(&wrong);
    let err = wrong.import_safetensors(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights do not fit the model: tensor '0.weight' has shape [64, 2], expected [32, 2]"
    );
    assert_eq!(weights(&wrong), before);
    let err = wrong.from_safetensors_bytes(b"not a safetensors file").unwrap_err();
    assert!(matches!(err, Error::WeightsMismatch(_)), "{err}");
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

/// The version-1 fixture: a checkpoint of a model with every built-in layer kind and a
/// preprocessing, written by the first release of the format, with its expected predictions.
/// Every later version of Dendrite must load it and predict the same bits.
#[test]
fn the_format_version_1_fixture_still_loads() -> TestResult {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let model = Model::load(format!("{dir}/model-v1.dnd"))?;
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/model-v1.json"))?)?;
    let inputs: Vec<f32> = serde_json::from_value(expected["inputs"].clone())?;
    let rows = expected["rows"].as_u64().ok_or("rows")? as usize;
    let x = Matrix::from_row_slice(rows, inputs.len() / rows, &inputs);
    let want: Vec<u32> = serde_json::from_value(expected["prediction_bits_row_major"].clone())?;
    let got = model.predict(&x)?;
    let got: Vec<u32> = got.transpose().iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
    assert_eq!(model.epochs(), 7, "the checkpoint's epoch counter");
    Ok(())
}

/// The version-2 fixture: a checkpoint with class names. It loads, predicts its bits and classes,
/// names its classes, and saves again as the same model.
#[test]
fn the_format_version_2_fixture_loads_with_its_class_names() -> TestResult {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let model = Model::load(format!("{dir}/model-v2.dnd"))?;
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/model-v2.json"))?)?;
    let inputs: Vec<f32> = serde_json::from_value(expected["inputs"].clone())?;
    let rows = expected["rows"].as_u64().ok_or("rows")? as usize;
    let x = Matrix::from_row_slice(rows, inputs.len() / rows, &inputs);
    let want: Vec<u32> = serde_json::from_value(expected["prediction_bits_row_major"].clone())?;
    let got: Vec<u32> = model.predict(&x)?.transpose().iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
    let classes: Vec<usize> = serde_json::from_value(expected["classes"].clone())?;
    assert_eq!(model.predict_classes(&x)?, classes);
    let names: Vec<String> = serde_json::from_value(expected["class_names"].clone())?;
    assert_eq!(model.class_names(), Some(names.as_slice()));
    assert_eq!(model.epochs(), 60);
    let again = Model::from_bytes(&model.to_checkpoint_bytes()?, &LayerRegistry::new())?;
    assert_eq!(again.class_names(), model.class_names());
    assert_eq!(bits(&again.predict(&x)?), bits(&model.predict(&x)?));
    Ok(())
}

/// The version-3 fixture: a checkpoint with a schedule and reduce-on-plateau. It loads, predicts
/// its bits and classes, and restores the schedule, the lowered base rate and the plateau's state.
#[test]
fn the_format_version_3_fixture_loads_with_its_schedule_and_plateau() -> TestResult {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let model = Model::load(format!("{dir}/model-v3.dnd"))?;
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/model-v3.json"))?)?;
    let inputs: Vec<f32> = serde_json::from_value(expected["inputs"].clone())?;
    let rows = expected["rows"].as_u64().ok_or("rows")? as usize;
    let x = Matrix::from_row_slice(rows, inputs.len() / rows, &inputs);
    let want: Vec<u32> = serde_json::from_value(expected["prediction_bits_row_major"].clone())?;
    let got: Vec<u32> = model.predict(&x)?.transpose().iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
    let classes: Vec<usize> = serde_json::from_value(expected["classes"].clone())?;
    assert_eq!(model.predict_classes(&x)?, classes);
    assert_eq!(model.epochs(), 30);
    let schedule: dendrite_optim::Schedule = serde_json::from_value(expected["schedule"].clone())?;
    assert_eq!(model.optimizer().schedule(), Some(schedule));
    assert_eq!(model.optimizer().name(), "AdamW");
    assert_eq!(Some(model.optimizer().base_learning_rate()), expected["base_learning_rate"].as_f64());
    let plateau: dendrite_model::LrPlateau = serde_json::from_value(expected["plateau"].clone())?;
    assert_eq!(model.plateau(), Some(&plateau));
    Ok(())
}

/// Class names round-trip through a model file; a model without them loads without them, and a
/// file from version 1 has none.
#[test]
fn class_names_round_trip_and_are_checked() -> TestResult {
    let build = || {
        Model::builder(2).dense(4).relu().dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).seed(3)
    };
    let model = build().class_names(["a", "b", "c"]).build()?;
    let loaded = Model::from_bytes(&model.to_bytes()?, &LayerRegistry::new())?;
    assert_eq!(loaded.class_names(), Some(&["a".to_owned(), "b".to_owned(), "c".to_owned()][..]));
    let plain = Model::from_bytes(&build().build()?.to_bytes()?, &LayerRegistry::new())?;
    assert_eq!(plain.class_names(), None);
    let v1 = Model::load(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model-v1.dnd"))?;
    assert_eq!(v1.class_names(), None);

    let err = build().class_names(["a", "b"]).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid setting: the model tells 3 classes apart but 2 class names were given"
    );
    let err = build().class_names(["a", "b", "a"]).build().unwrap_err();
    assert!(err.to_string().contains("classes 0 and 2 are both named 'a'"), "{err}");
    assert!(build().class_names(["a", "", "c"]).build().is_err());
    let binary = Model::builder(2).dense(1).sigmoid().loss(LossKind::BinaryCrossEntropy);
    assert_eq!(binary.class_names(["no", "yes"]).build()?.class_names().map(<[String]>::len), Some(2));
    let regression = Model::builder(2).dense(1).linear().loss(LossKind::MeanSquaredError);
    let err = regression.class_names(["x", "y"]).build().unwrap_err();
    assert!(err.to_string().contains("predicts values, not classes"), "{err}");
    Ok(())
}

/// Every optimizer setting added beside the book's (AdamW, AMSGrad, L2 weight decay on Adam
/// and SGD, Nesterov, RMSprop with momentum or centred, NAdam): 20 epochs, a checkpoint, a load
/// and 20 more equal 40 straight, bit for bit; the settings survive the file.
#[test]
fn every_new_optimizer_resumes_bit_identically() -> TestResult {
    use dendrite_optim::{NadamConfig, Optimizer, OptimizerSpec, RmsPropConfig, SgdConfig};
    let (x, y) = spiral();
    let specs = [
        OptimizerSpec::Adam(AdamConfig { learning_rate: 0.01, ..AdamConfig::adamw(0.01) }),
        OptimizerSpec::Adam(AdamConfig {
            learning_rate: 0.01,
            amsgrad: true,
            weight_decay: 1e-3,
            ..AdamConfig::default()
        }),
        OptimizerSpec::Sgd(SgdConfig {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-3,
            decay: 1e-3,
        }),
        OptimizerSpec::RmsProp(RmsPropConfig {
            learning_rate: 0.005,
            momentum: 0.5,
            centered: true,
            weight_decay: 1e-4,
            ..RmsPropConfig::default()
        }),
        OptimizerSpec::Nadam(NadamConfig {
            weight_decay: 1e-3,
            decoupled_weight_decay: true,
            ..NadamConfig::default()
        }),
    ];
    let dir = scratch("resume-new-optimizers")?;
    for spec in specs {
        let build = || -> Result<Model, Error> {
            let optimizer: Box<dyn Optimizer> = spec.build()?;
            Model::builder(2)
                .dense(16)
                .relu()
                .dropout(0.1)
                .dense(3)
                .softmax()
                .loss(LossKind::CategoricalCrossEntropy)
                .optimizer_boxed(optimizer)
                .seed(5)
                .build()
        };
        let options = || FitOptions {
            epochs: 20,
            batch_size: Some(32),
            report: Report::Quiet,
            ..FitOptions::default()
        };
        let mut straight = build()?;
        straight.fit(&x, Targets::Classes(&y), FitOptions { epochs: 40, ..options() })?;
        let mut first = build()?;
        first.fit(&x, Targets::Classes(&y), options())?;
        let path = dir.join("checkpoint.dnd");
        first.save_checkpoint(&path)?;
        let mut resumed = Model::load(&path)?;
        assert_eq!(resumed.optimizer().spec(), Some(spec), "the settings survive the file");
        resumed.fit(&x, Targets::Classes(&y), options())?;
        assert!(weights(&resumed) == weights(&straight), "{spec:?}: 40 straight and 20 + 20 differ");
        // And the plain model file keeps the settings too.
        let plain = Model::from_bytes(&straight.to_bytes()?, &LayerRegistry::new())?;
        assert_eq!(plain.optimizer().spec(), Some(spec));
    }
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

/// A model whose optimizer a file cannot describe (a custom schedule) is not saved, neither as a
/// model nor as a checkpoint: it would reload with another optimizer. Its weights still save.
#[test]
fn saving_an_unstorable_optimizer_is_an_error() -> TestResult {
    #[derive(Debug, Clone)]
    struct Halving;
    impl dendrite_optim::LrSchedule for Halving {
        fn learning_rate(&self, base: f64, step: u64) -> f64 {
            base * 0.5f64.powf(step as f64)
        }
    }
    let adam = Adam::new(AdamConfig::default())?.with_schedule(Box::new(Halving));
    let model = Model::builder(2)
        .dense(4)
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(adam)
        .build()?;
    for result in [model.to_bytes(), model.to_checkpoint_bytes()] {
        let err = result.unwrap_err();
        assert!(err.to_string().contains("custom learning-rate schedule"), "{err}");
    }
    let dir = scratch("unstorable")?;
    let path = dir.join("m.dnd");
    assert!(model.save(&path).is_err());
    assert!(!path.exists(), "nothing is written");
    model.save_weights(dir.join("m.weights.dnd"))?;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

/// Every built-in schedule, on the optimizer it suits, and reduce-on-plateau: 20 epochs, a
/// checkpoint, a load and 20 more equal 40 straight, bit for bit; a plain model file keeps the
/// schedule and the plateau's state too.
#[test]
fn every_schedule_and_reduce_on_plateau_resume_bit_identically() -> TestResult {
    use dendrite_model::{LrPlateau, Monitor};
    use dendrite_optim::{Anneal, OptimizerSpec, PlateauConfig, Schedule, SgdConfig, Threshold};
    let (x, y) = spiral();
    // 180 samples in batches of 32: 6 steps an epoch, 240 in the 40 epochs.
    let adam = OptimizerSpec::Adam(AdamConfig { learning_rate: 0.02, ..AdamConfig::default() });
    let sgd = OptimizerSpec::Sgd(SgdConfig { learning_rate: 0.5, momentum: 0.9, ..SgdConfig::default() });
    let one_cycle = |momentum: Option<(f64, f64)>| Schedule::OneCycle {
        max_lr: 0.05,
        total_steps: 240,
        pct_start: 0.3,
        anneal: Anneal::Cos,
        div_factor: 25.0,
        final_div_factor: 1e4,
        three_phase: momentum.is_none(),
        momentum,
    };
    let cases = [
        (adam, Some(Schedule::InverseTime { decay: 1e-3 }), None),
        (adam, Some(Schedule::Step { step_size: 50, gamma: 0.7 }), None),
        (sgd, Some(Schedule::MultiStep { milestones: vec![60, 180], gamma: 0.5 }), None),
        (adam, Some(Schedule::Exponential { gamma: 0.995 }), None),
        (adam, Some(Schedule::Cosine { t_max: 240, eta_min: 1e-4 }), None),
        (adam, Some(Schedule::Linear { start_factor: 0.1, end_factor: 1.0, total_iters: 180 }), None),
        (
            adam,
            Some(Schedule::Sequence {
                schedules: vec![
                    Schedule::Linear { start_factor: 0.1, end_factor: 1.0, total_iters: 50 },
                    Schedule::Cosine { t_max: 190, eta_min: 1e-4 },
                ],
                milestones: vec![50],
            }),
            None,
        ),
        (sgd, Some(one_cycle(Some((0.85, 0.95)))), None),
        (adam, Some(one_cycle(Some((0.85, 0.95)))), None),
        (adam, Some(one_cycle(None)), None),
        (adam, Some(Schedule::Polynomial { total_iters: 240, power: 2.0 }), None),
        (
            adam,
            None,
            Some(LrPlateau::new(
                Monitor::Loss,
                PlateauConfig {
                    patience: 1,
                    factor: 0.5,
                    threshold: 0.02,
                    threshold_mode: Threshold::Relative,
                    cooldown: 1,
                    ..PlateauConfig::default()
                },
            )?),
        ),
    ];
    let dir = scratch("resume-schedules")?;
    for (spec, schedule, plateau) in cases {
        let build = || -> Result<Model, Error> {
            let mut builder = Model::builder(2)
                .dense(16)
                .relu()
                .dropout(0.1)
                .dense(3)
                .softmax()
                .loss(LossKind::CategoricalCrossEntropy)
                .optimizer_boxed(spec.build_with_schedule(schedule.clone())?)
                .seed(5);
            if let Some(p) = plateau.clone() {
                builder = builder.reduce_on_plateau(p);
            }
            builder.build()
        };
        let options = || FitOptions {
            epochs: 20,
            batch_size: Some(32),
            report: Report::Quiet,
            ..FitOptions::default()
        };
        let mut straight = build()?;
        let history = straight.fit(&x, Targets::Classes(&y), FitOptions { epochs: 40, ..options() })?;
        let rates: Vec<f64> = history.epochs.iter().map(|r| r.learning_rate).collect();
        let moves = |r: &[f64]| r.windows(2).any(|w| w[0] != w[1]);
        assert!(
            moves(&rates[..20]) && moves(&rates[20..]),
            "{schedule:?} {plateau:?}: the rate moves in both halves"
        );
        let mut first = build()?;
        first.fit(&x, Targets::Classes(&y), options())?;
        let path = dir.join("checkpoint.dnd");
        first.save_checkpoint(&path)?;
        let mut resumed = Model::load(&path)?;
        assert_eq!(resumed.optimizer().schedule(), schedule, "the schedule survives the file");
        assert_eq!(resumed.plateau(), first.plateau(), "the plateau's state survives the file");
        let second = resumed.fit(&x, Targets::Classes(&y), options())?;
        let resumed_rates: Vec<f64> = second.epochs.iter().map(|r| r.learning_rate).collect();
        assert_eq!(resumed_rates, rates[20..], "{schedule:?} {plateau:?}: the rates go on");
        assert!(
            weights(&resumed) == weights(&straight),
            "{schedule:?} {plateau:?}: 40 straight and 20 + 20 differ"
        );
        let plain = Model::from_bytes(&straight.to_bytes()?, &LayerRegistry::new())?;
        assert_eq!(plain.optimizer().schedule(), schedule);
        assert_eq!(plain.plateau(), straight.plateau());
    }
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

/// A stored schedule that is out of range, or nested deeper than the decoder allows, is a
/// format error on load, never a panic; one that could not load again is refused on save.
#[test]
fn a_bad_stored_schedule_is_a_format_error() -> TestResult {
    use dendrite_optim::{Schedule, Sgd, SgdConfig};
    let build = |schedule: Schedule| -> Result<Model, Error> {
        let sgd = Sgd::new(SgdConfig::default())?.with_schedule(Box::new(schedule));
        Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).optimizer(sgd).build()
    };
    let bad = build(Schedule::Step { step_size: 0, gamma: 0.5 })?;
    let err = Model::from_bytes(&bad.to_bytes()?, &LayerRegistry::new()).unwrap_err();
    assert!(matches!(err, Error::Format(_)), "{err}");
    assert!(err.to_string().contains("schedule: ") && err.to_string().contains("step_size"), "{err}");

    let mut deep = Schedule::Exponential { gamma: 0.9 };
    for _ in 0..300 {
        deep = Schedule::Sequence { schedules: vec![deep], milestones: vec![] };
    }
    let err = build(deep)?.to_bytes().unwrap_err();
    assert!(err.to_string().contains("schedule"), "{err}");
    Ok(())
}
