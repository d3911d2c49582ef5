//! The built `dendrite` binary on good and bad inputs: exit codes, one-line errors, and no
//! panic report anywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dendrite_data::spiral_data;
use dendrite_losses::Targets;
use dendrite_model::{FitOptions, LossKind, Model, Report};
use dendrite_tensor::{Matrix, Rng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn scratch(name: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("dendrite-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn dendrite(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_dendrite")).args(args).output()
}

fn csv(m: &Matrix) -> String {
    let mut out = String::from(&(0..m.ncols()).map(|j| format!("x{j}")).collect::<Vec<_>>().join(","));
    out.push('\n');
    for row in m.row_iter() {
        out.push_str(&row.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// A trained spiral model on disk, with test inputs and labels as CSV.
struct Fixture {
    dir: PathBuf,
    model: PathBuf,
    inputs: PathBuf,
    labels: PathBuf,
    x: Matrix,
    y: Vec<usize>,
}

fn fixture(name: &str) -> Result<Fixture, Box<dyn std::error::Error>> {
    let dir = scratch(name)?;
    let mut rng = Rng::seed_from_u64(1);
    let (x, y) = spiral_data(100, 3, &mut rng);
    let (xt, yt) = spiral_data(30, 3, &mut rng);
    let mut model = Model::builder(2)
        .dense(32)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 200, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let path = dir.join("spiral.dnd");
    model.save(&path)?;
    let inputs = dir.join("inputs.csv");
    std::fs::write(&inputs, csv(&xt))?;
    let labels = dir.join("labels.csv");
    std::fs::write(&labels, yt.iter().map(|c| format!("{c}\n")).collect::<String>())?;
    Ok(Fixture { dir, model: path, inputs, labels, x: xt, y: yt })
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// A failure: non-zero exit, exactly one line on stderr, nothing that looks like a panic.
fn assert_one_line_failure(out: &Output, contains: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, got success; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(contains), "{stderr:?} should contain {contains:?}");
}

#[test]
fn evaluate_json_matches_the_in_process_evaluation() -> TestResult {
    let f = fixture("evaluate")?;
    let out = dendrite(&[
        "evaluate",
        "--model",
        s(&f.model),
        "--input",
        s(&f.inputs),
        "--labels",
        s(&f.labels),
        "--json",
    ])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let model = Model::load(&f.model)?;
    let e = model.evaluate(&f.x, Targets::Classes(&f.y))?;
    assert_eq!(v["samples"], 90);
    assert_eq!(v["accuracy"].as_f64(), Some(f64::from(e.accuracy)));
    assert_eq!(v["loss"].as_f64(), Some(f64::from(e.loss)));

    // The confusion matrix and the per-class table are Model::evaluate_metrics'.
    let m = model.evaluate_metrics(&f.x, &f.y)?;
    assert_eq!(v["confusion_matrix"], serde_json::json!(m.rows()));
    for c in 0..3 {
        assert_eq!(v["per_class"][c]["f1"].as_f64(), Some(m.class_scores(c).f1));
        assert_eq!(v["per_class"][c]["support"].as_u64(), Some(m.support(c)));
    }
    assert_eq!(v["macro"]["recall"].as_f64(), Some(m.macro_avg().recall));
    let text =
        dendrite(&["evaluate", "--model", s(&f.model), "--input", s(&f.inputs), "--labels", s(&f.labels)])?;
    let text = String::from_utf8(text.stdout)?;
    let rows = m.rows();
    let printed: Vec<Vec<u64>> = text
        .lines()
        .skip_while(|l| !l.starts_with("confusion matrix"))
        .skip(2)
        .take(3)
        .map(|l| l.split_whitespace().skip(1).map(str::parse).collect::<Result<_, _>>())
        .collect::<Result<_, _>>()?;
    assert_eq!(printed, rows, "{text}");
    assert!(text.contains("precision") && text.contains("macro"), "{text}");
    std::fs::remove_dir_all(f.dir)?;
    Ok(())
}

#[test]
fn predict_writes_one_class_per_row_or_probabilities() -> TestResult {
    let f = fixture("predict")?;
    let out = dendrite(&["predict", "--model", s(&f.model), "--input", s(&f.inputs)])?;
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout)?;
    let classes: Vec<usize> = text.lines().map(str::parse).collect::<Result<_, _>>()?;
    let model = Model::load(&f.model)?;
    assert_eq!(classes, dendrite_tensor::argmax_rows(&model.predict(&f.x)?));

    let file = f.dir.join("p.txt");
    let out = dendrite(&[
        "predict",
        "--model",
        s(&f.model),
        "--input",
        s(&f.inputs),
        "--probabilities",
        "--output",
        s(&file),
    ])?;
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&file)?;
    assert_eq!(written.lines().count(), 90);
    for line in written.lines() {
        let p: Vec<f32> = line.split(',').map(str::parse).collect::<Result<_, _>>()?;
        assert_eq!(p.len(), 3);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{line}");
    }
    std::fs::remove_dir_all(f.dir)?;
    Ok(())
}

#[test]
fn inspect_shows_layers_and_checksum() -> TestResult {
    let f = fixture("inspect")?;
    let out = dendrite(&["inspect", s(&f.model), "--json"])?;
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["format_version"], 3);
    assert_eq!(v["checksum_ok"], true);
    assert_eq!(v["parameters"], 2 * 32 + 32 + 32 * 3 + 3);
    assert_eq!(v["layers"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["layers"][0]["layer"], "Dense(2 -> 32)");
    let text = dendrite(&["inspect", s(&f.model)])?;
    let text = String::from_utf8(text.stdout)?;
    assert!(text.contains("format version 3, checksum"), "{text}");
    assert!(text.contains("parameters: 195"), "{text}");
    // The compiled plan: what each step fuses.
    let plan: Vec<&str> = v["plan"].as_array().ok_or("a plan")?.iter().filter_map(|s| s.as_str()).collect();
    assert_eq!(plan.last(), Some(&"(a two-layer perceptron: trains in one sweep of registers)"));
    assert!(text.contains("plan:\n  Dense(2 -> 32) + ReLU"), "{text}");
    std::fs::remove_dir_all(f.dir)?;
    Ok(())
}

#[test]
fn export_writes_pytorch_named_safetensors() -> TestResult {
    let f = fixture("export")?;
    let out_path = f.dir.join("m.safetensors");
    let out = dendrite(&["export", "--model", s(&f.model), "--safetensors", s(&out_path)])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&out_path)?;
    let st = safetensors_names(&bytes);
    assert_eq!(st, ["0.bias", "0.weight", "3.bias", "3.weight"]);

    // ONNX (its structure is checked in dendrite-model's tests, its numbers by ONNX Runtime in
    // scripts/onnx/check.sh): the same bytes as the library writes.
    let onnx = f.dir.join("m.onnx");
    let out = dendrite(&["export", "--model", s(&f.model), "--onnx", s(&onnx)])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let model = Model::load(&f.model)?;
    assert_eq!(std::fs::read(&onnx)?, model.to_onnx(&dendrite_model::OnnxOptions::default())?);
    let neither = dendrite(&["export", "--model", s(&f.model)])?;
    assert_eq!(neither.status.code(), Some(2));
    assert_one_line_failure(&neither, "--safetensors");
    std::fs::remove_dir_all(f.dir)?;
    Ok(())
}

/// The tensor names in a safetensors header (8-byte length, then JSON).
fn safetensors_names(bytes: &[u8]) -> Vec<String> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap_or_default();
    let mut names: Vec<String> = header
        .as_object()
        .map(|o| o.keys().filter(|k| *k != "__metadata__").cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn idx_inputs_are_read_as_raw_pixels() -> TestResult {
    let dir = scratch("idx")?;
    // Three 2×2 images and their labels, in the IDX layout.
    let mut images = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2];
    images.extend_from_slice(&[0, 255, 0, 255, 255, 0, 255, 0, 10, 20, 30, 40]);
    let mut labels = vec![0, 0, 8, 1, 0, 0, 0, 3];
    labels.extend_from_slice(&[0, 1, 1]);
    std::fs::write(dir.join("t-images-idx3-ubyte"), &images)?;
    std::fs::write(dir.join("t-labels-idx1-ubyte"), &labels)?;
    let model = Model::builder(4)
        .dense(2)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .preprocessing(dendrite_model::Preprocessing::book_pixels())
        .build()?;
    model.save(dir.join("m.dnd"))?;
    let out = dendrite(&[
        "evaluate",
        "--model",
        s(&dir.join("m.dnd")),
        "--input",
        s(&dir.join("t-images-idx3-ubyte")),
        "--labels",
        s(&dir.join("t-labels-idx1-ubyte")),
        "--json",
    ])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["samples"], 3);
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

#[test]
fn bad_inputs_fail_with_one_line_and_no_panic() -> TestResult {
    let f = fixture("bad")?;
    let (model, inputs, labels) = (s(&f.model), s(&f.inputs), s(&f.labels));

    let missing = f.dir.join("missing.dnd");
    assert_one_line_failure(&dendrite(&["inspect", s(&missing)])?, "No such file");

    let corrupt = f.dir.join("corrupt.dnd");
    let mut bytes = std::fs::read(&f.model)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&corrupt, &bytes)?;
    assert_one_line_failure(&dendrite(&["inspect", s(&corrupt)])?, "checksum mismatch");
    assert_one_line_failure(
        &dendrite(&["predict", "--model", s(&corrupt), "--input", inputs])?,
        "checksum mismatch",
    );

    let three_columns = f.dir.join("three.csv");
    std::fs::write(&three_columns, "a,b,c\n1,2,3\n4,5,6\n")?;
    assert_one_line_failure(
        &dendrite(&["predict", "--model", model, "--input", s(&three_columns)])?,
        "inputs have 3 columns, the model takes 2",
    );

    let ragged = f.dir.join("ragged.csv");
    std::fs::write(&ragged, "a,b\n1,2\n3\n")?;
    assert_one_line_failure(&dendrite(&["predict", "--model", model, "--input", s(&ragged)])?, "line 3");

    let short_labels = f.dir.join("short.csv");
    std::fs::write(&short_labels, "0\n1\n2\n")?;
    assert_one_line_failure(
        &dendrite(&["evaluate", "--model", model, "--input", inputs, "--labels", s(&short_labels)])?,
        "has 90 rows but",
    );
    let bad_label = f.dir.join("bad-label.csv");
    std::fs::write(&bad_label, "7\n".repeat(90))?;
    assert_one_line_failure(
        &dendrite(&["evaluate", "--model", model, "--input", inputs, "--labels", s(&bad_label)])?,
        "out of range for 3 classes",
    );
    assert_one_line_failure(
        &dendrite(&["export", "--model", model, "--safetensors", "/nonexistent-dir/x.st"])?,
        "x.st",
    );

    let usage = dendrite(&["predict", "--model", model])?;
    assert_eq!(usage.status.code(), Some(2));
    assert_one_line_failure(&usage, "required arguments were not provided: --input <INPUT>");
    assert_one_line_failure(&dendrite(&["train"])?, "unrecognized subcommand 'train'");
    let _ = labels;
    std::fs::remove_dir_all(f.dir)?;
    Ok(())
}

/// A model with class names: `predict --names` prints them (quoted where CSV needs it),
/// `inspect` lists them, and a model without names refuses `--names`.
#[test]
fn class_names_are_printed_and_inspected() -> TestResult {
    let f = fixture("names")?;
    let mut model = Model::load(&f.model)?;
    model.set_class_names(Some(vec!["red".into(), "green, light".into(), "blue".into()]))?;
    let named = f.dir.join("named.dnd");
    model.save(&named)?;
    let out = dendrite(&["predict", "--model", s(&named), "--input", s(&f.inputs), "--names"])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names = ["red", "\"green, light\"", "blue"];
    let expected: Vec<&str> = model.predict_classes(&f.x)?.iter().map(|&c| names[c]).collect();
    assert_eq!(String::from_utf8(out.stdout)?.lines().collect::<Vec<_>>(), expected);

    let text = String::from_utf8(dendrite(&["inspect", s(&named)])?.stdout)?;
    assert!(text.contains("classes: red, green, light, blue"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&dendrite(&["inspect", s(&named), "--json"])?.stdout)?;
    assert_eq!(json["class_names"], serde_json::json!(["red", "green, light", "blue"]));

    assert_one_line_failure(
        &dendrite(&["predict", "--model", s(&f.model), "--input", s(&f.inputs), "--names"])?,
        "the model has no class names",
    );
    std::fs::remove_dir_all(f.dir)?;
    Ok(())
}

/// A CSV of many chunks (4,096 rows each) and an IDX file: what `predict` streams out equals
/// `Model::predict` on the whole input, classes and probabilities.
#[test]
fn streamed_predictions_equal_the_whole_batch() -> TestResult {
    let dir = scratch("stream")?;
    let mut rng = Rng::seed_from_u64(8);
    let x = Matrix::from_fn(10_000, 16, |_, _| rng.normal_f32());
    let model = Model::builder(16)
        .dense(24)
        .relu()
        .dense(5)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    let (model_path, input) = (dir.join("m.dnd"), dir.join("x.csv"));
    model.save(&model_path)?;
    std::fs::write(&input, csv(&x))?;
    let classes = dendrite(&["predict", "--model", s(&model_path), "--input", s(&input)])?;
    assert!(classes.status.success(), "{}", String::from_utf8_lossy(&classes.stderr));
    let got: Vec<usize> =
        String::from_utf8(classes.stdout)?.lines().map(str::parse).collect::<Result<_, _>>()?;
    assert_eq!(got, model.predict_classes(&x)?);
    let out = dir.join("p.csv");
    let probabilities = dendrite(&[
        "predict",
        "--model",
        s(&model_path),
        "--input",
        s(&input),
        "--probabilities",
        "--output",
        s(&out),
    ])?;
    assert!(probabilities.status.success());
    let want = model.predict(&x)?;
    let text = std::fs::read_to_string(&out)?;
    assert_eq!(text.lines().count(), 10_000);
    for (i, line) in text.lines().enumerate() {
        let row: Vec<f32> = line.split(',').map(str::parse).collect::<Result<_, _>>()?;
        // Printed in Rust's shortest round-trip form: the same bits.
        assert_eq!(row, want.row(i).iter().copied().collect::<Vec<_>>(), "row {i}");
    }

    // IDX images, 5,000 of 2×3 pixels, gzip-compressed.
    let pixels: Vec<u8> = (0..5_000 * 6).map(|k| (k * 37 % 256) as u8).collect();
    let mut idx = vec![0, 0, 8, 3];
    for d in [5_000u32, 2, 3] {
        idx.extend(d.to_be_bytes());
    }
    idx.extend(&pixels);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &idx)?;
    let images = dir.join("x-images-idx3-ubyte.gz");
    std::fs::write(&images, gz.finish()?)?;
    let pixel_model = Model::builder(6)
        .dense(8)
        .relu()
        .dense(4)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .preprocessing(dendrite_model::Preprocessing::book_pixels())
        .build()?;
    pixel_model.save(&model_path)?;
    let out = dendrite(&["predict", "--model", s(&model_path), "--input", s(&images)])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<usize> = String::from_utf8(out.stdout)?.lines().map(str::parse).collect::<Result<_, _>>()?;
    let x = Matrix::from_fn(5_000, 6, |i, j| f32::from(pixels[i * 6 + j]));
    assert_eq!(got, pixel_model.predict_classes(&x)?);
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
