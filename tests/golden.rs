//! The reference numbers: every case of every `*.json` in `tests/golden/` (and in the folder
//! named by `DENDRITE_GOLDEN_DIR`, when set) must pass at atol 1e-5 + rtol 1e-4.
//!
//! The files hold float64 inputs and outputs computed with NumPy after the book's formulas
//! (`../shared/golden/nnfs-reference.json` is the first). A file's top level maps section names
//! (`dense`, `relu`, …, `optimizers`) to lists of cases; `format`, `seed` and `note` are
//! metadata. An unknown section is an error, so a new kind of case cannot be skipped silently.

use std::path::{Path, PathBuf};

use dendrite::prelude::*;
use dendrite_layers::DenseConfig;
use dendrite_optim::{AdagradConfig, AdamConfig, RmsPropConfig, SgdConfig};
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const ATOL: f64 = 1e-5;
const RTOL: f64 = 1e-4;

fn golden_files() -> TestResult<Vec<PathBuf>> {
    let mut dirs = vec![PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"))];
    if let Ok(extra) = std::env::var("DENDRITE_GOLDEN_DIR") {
        dirs.push(PathBuf::from(extra));
    }
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn matrix(v: &Value) -> TestResult<Matrix> {
    let rows = v.as_array().ok_or("expected a list of rows")?;
    let rows: Vec<Vec<f32>> = rows
        .iter()
        .map(|r| {
            r.as_array()
                .ok_or("expected a row")?
                .iter()
                .map(|x| x.as_f64().map(|x| x as f32).ok_or("expected a number"))
                .collect::<Result<Vec<f32>, _>>()
        })
        .collect::<Result<_, _>>()?;
    Ok(dendrite_tensor::from_rows(&rows)?)
}

fn number(v: &Value, key: &str) -> TestResult<f64> {
    Ok(v.get(key).and_then(Value::as_f64).ok_or_else(|| format!("missing number '{key}'"))?)
}

fn field<'a>(v: &'a Value, key: &str) -> TestResult<&'a Value> {
    Ok(v.get(key).ok_or_else(|| format!("missing field '{key}'"))?)
}

fn close(what: &str, got: f64, expected: f64) -> TestResult {
    if (got - expected).abs() <= ATOL + RTOL * expected.abs() {
        Ok(())
    } else {
        Err(format!("{what}: got {got}, expected {expected}").into())
    }
}

fn close_matrix(what: &str, got: &Matrix, expected: &Value) -> TestResult {
    let expected = matrix(expected)?;
    if got.shape() != expected.shape() {
        return Err(format!("{what}: shape {:?}, expected {:?}", got.shape(), expected.shape()).into());
    }
    for i in 0..got.nrows() {
        for j in 0..got.ncols() {
            close(&format!("{what}[{i},{j}]"), f64::from(got[(i, j)]), f64::from(expected[(i, j)]))?;
        }
    }
    Ok(())
}

fn dense_case(case: &Value) -> TestResult {
    let config = DenseConfig {
        weight_l1: number(case, "weight_l1")? as f32,
        weight_l2: number(case, "weight_l2")? as f32,
        bias_l1: number(case, "bias_l1")? as f32,
        bias_l2: number(case, "bias_l2")? as f32,
        ..DenseConfig::default()
    };
    let mut dense = dendrite_layers::Dense::from_parts(
        &config,
        matrix(field(case, "weights")?)?,
        matrix(field(case, "biases")?)?,
    )?;
    close_matrix(
        "dense output",
        dense.forward(&matrix(field(case, "inputs")?)?, Mode::Train)?,
        field(case, "output")?,
    )?;
    let dinputs = dense.backward(&matrix(field(case, "dvalues")?)?)?.clone();
    close_matrix("dense dinputs", &dinputs, field(case, "dinputs")?)?;
    close_matrix("dense dweights", &dense.weight_param().grad, field(case, "dweights")?)?;
    close_matrix("dense dbiases", &dense.bias_param().grad, field(case, "dbiases")?)?;
    close(
        "dense regularization_loss",
        f64::from(regularization_loss(&dense)),
        number(case, "regularization_loss")?,
    )
}

fn activation_case(name: &str, layer: &mut dyn Layer, case: &Value) -> TestResult {
    close_matrix(
        &format!("{name} output"),
        layer.forward(&matrix(field(case, "inputs")?)?, Mode::Train)?,
        field(case, "output")?,
    )?;
    close_matrix(
        &format!("{name} dinputs"),
        layer.backward(&matrix(field(case, "dvalues")?)?)?,
        field(case, "dinputs")?,
    )
}

/// Class indices (a flat list) or one-hot rows (a list of lists).
enum Truth {
    Classes(Vec<usize>),
    Values(Matrix),
}

impl Truth {
    fn parse(v: &Value) -> TestResult<Self> {
        let list = v.as_array().ok_or("y_true must be a list")?;
        if list.first().is_some_and(Value::is_array) {
            Ok(Truth::Values(matrix(v)?))
        } else {
            let classes = list
                .iter()
                .map(|x| x.as_u64().map(|c| c as usize).ok_or("class index"))
                .collect::<Result<_, _>>()?;
            Ok(Truth::Classes(classes))
        }
    }

    fn targets(&self) -> Targets<'_> {
        match self {
            Truth::Classes(c) => Targets::Classes(c),
            Truth::Values(m) => Targets::Values(m),
        }
    }
}

fn loss_case(name: &str, loss: &dyn Loss, case: &Value) -> TestResult {
    let y_pred = matrix(field(case, "y_pred")?)?;
    let truth = Truth::parse(field(case, "y_true")?)?;
    close(
        &format!("{name} loss"),
        f64::from(loss.forward(&y_pred, truth.targets())?),
        number(case, "loss")?,
    )?;
    let mut dinputs = Matrix::zeros(0, 0);
    loss.backward(&y_pred, truth.targets(), &mut dinputs)?;
    if name == "mean_absolute_error" {
        // Erratum: the book's `Loss_MeanAbsoluteError.backward` computes `np.sign(y_true − ŷ)`,
        // the gradient of −|y − ŷ|, and the reference numbers reproduce that sign. The gradient of
        // the loss the forward pass computes is `−sign(y − ŷ) / outputs / samples` (the
        // finite-difference check in `crates/dendrite-losses/src/mae.rs` proves it), so Dendrite's
        // gradient must be exactly the negated reference, entry for entry.
        dinputs.neg_mut();
    }
    close_matrix(&format!("{name} dinputs"), &dinputs, field(case, "dinputs")?)
}

fn softmax_ce_case(case: &Value) -> TestResult {
    let truth = Truth::parse(field(case, "y_true")?)?;
    let mut fused = SoftmaxCrossEntropy::new();
    let loss = fused.forward(&matrix(field(case, "logits")?)?, truth.targets())?;
    close("softmax_categorical_crossentropy loss", f64::from(loss), number(case, "loss")?)?;
    close_matrix("softmax_categorical_crossentropy output", fused.output(), field(case, "output")?)?;
    let mut dinputs = Matrix::zeros(0, 0);
    fused.backward(truth.targets(), &mut dinputs)?;
    close_matrix("softmax_categorical_crossentropy dinputs", &dinputs, field(case, "dinputs")?)
}

fn optimizer_case(case: &Value) -> TestResult {
    let kind = field(case, "kind")?.as_str().ok_or("kind")?;
    let config = field(case, "config")?;
    let get = |key: &str, default: f64| config.get(key).and_then(Value::as_f64).unwrap_or(default);
    let mut optimizer: Box<dyn Optimizer> = match kind {
        "sgd" => {
            let d = SgdConfig::default();
            Box::new(Sgd::new(SgdConfig {
                learning_rate: get("learning_rate", d.learning_rate),
                decay: get("decay", d.decay),
                momentum: get("momentum", d.momentum),
                ..d
            })?)
        }
        "adagrad" => {
            let d = AdagradConfig::default();
            Box::new(Adagrad::new(AdagradConfig {
                learning_rate: get("learning_rate", d.learning_rate),
                decay: get("decay", d.decay),
                epsilon: get("epsilon", d.epsilon),
            })?)
        }
        "rmsprop" => {
            let d = RmsPropConfig::default();
            Box::new(RmsProp::new(RmsPropConfig {
                learning_rate: get("learning_rate", d.learning_rate),
                decay: get("decay", d.decay),
                epsilon: get("epsilon", d.epsilon),
                rho: get("rho", d.rho),
                ..d
            })?)
        }
        "adam" => {
            let d = AdamConfig::default();
            Box::new(Adam::new(AdamConfig {
                learning_rate: get("learning_rate", d.learning_rate),
                decay: get("decay", d.decay),
                epsilon: get("epsilon", d.epsilon),
                beta1: get("beta_1", d.beta1),
                beta2: get("beta_2", d.beta2),
                ..d
            })?)
        }
        other => return Err(format!("unknown optimizer kind '{other}'").into()),
    };
    let mut params = vec![
        Param::new("weight", matrix(field(case, "weights")?)?),
        Param::new("bias", matrix(field(case, "biases")?)?),
    ];
    let gradients = field(case, "gradients")?.as_array().ok_or("gradients")?;
    let after = field(case, "after")?.as_array().ok_or("after")?;
    if gradients.len() != after.len() || gradients.is_empty() {
        return Err("an optimizer case needs as many 'after' entries as gradients, at least one".into());
    }
    for (step, (g, a)) in gradients.iter().zip(after).enumerate() {
        params[0].grad = matrix(field(g, "weights")?)?;
        params[1].grad = matrix(field(g, "biases")?)?;
        optimizer.step(&mut params)?;
        close(
            &format!("{kind} step {step} learning rate"),
            optimizer.learning_rate(),
            number(a, "learning_rate")?,
        )?;
        close_matrix(&format!("{kind} step {step} weights"), &params[0].value, field(a, "weights")?)?;
        close_matrix(&format!("{kind} step {step} biases"), &params[1].value, field(a, "biases")?)?;
    }
    Ok(())
}

fn run_case(section: &str, case: &Value) -> TestResult {
    match section {
        "dense" => dense_case(case),
        "relu" => activation_case(section, &mut Relu::new(), case),
        "sigmoid" => activation_case(section, &mut Sigmoid::new(), case),
        "softmax" => activation_case(section, &mut Softmax::new(), case),
        "categorical_crossentropy" => loss_case(section, &CategoricalCrossEntropy, case),
        "binary_crossentropy" => loss_case(section, &BinaryCrossEntropy, case),
        "mean_squared_error" => loss_case(section, &Mse, case),
        "mean_absolute_error" => loss_case(section, &Mae, case),
        "softmax_categorical_crossentropy" => softmax_ce_case(case),
        "optimizers" => optimizer_case(case),
        other => Err(format!("unknown section '{other}'").into()),
    }
}

fn run_file(path: &Path) -> TestResult<usize> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let sections = doc.as_object().ok_or("top level must be an object")?;
    let mut cases = 0;
    for (section, list) in sections {
        if matches!(section.as_str(), "format" | "seed" | "note") {
            continue;
        }
        let list = list.as_array().ok_or_else(|| format!("section '{section}' must be a list"))?;
        for (k, case) in list.iter().enumerate() {
            run_case(section, case).map_err(|e| format!("{}: {section}[{k}]: {e}", path.display()))?;
            cases += 1;
        }
    }
    Ok(cases)
}

#[test]
fn every_golden_case_passes() -> TestResult {
    let files = golden_files()?;
    let mut total = 0;
    for path in &files {
        let cases = run_file(path)?;
        if cases == 0 {
            return Err(format!("{}: no case found", path.display()).into());
        }
        total += cases;
    }
    if total == 0 {
        return Err("no golden case found at all".into());
    }
    eprintln!("{total} golden cases in {} files", files.len());
    Ok(())
}

#[test]
fn every_section_of_the_reference_file_is_covered() -> TestResult {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/nnfs-reference.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    for section in [
        "dense",
        "relu",
        "sigmoid",
        "softmax",
        "categorical_crossentropy",
        "softmax_categorical_crossentropy",
        "binary_crossentropy",
        "mean_squared_error",
        "mean_absolute_error",
        "optimizers",
    ] {
        let n = doc.get(section).and_then(Value::as_array).map_or(0, Vec::len);
        assert!(n > 0, "section {section} has no case");
    }
    let kinds: Vec<&str> =
        doc["optimizers"].as_array().ok_or("optimizers")?.iter().filter_map(|c| c["kind"].as_str()).collect();
    for kind in ["sgd", "adagrad", "rmsprop", "adam"] {
        assert!(kinds.contains(&kind), "no {kind} case");
    }
    Ok(())
}

#[test]
fn a_broken_case_fails() -> TestResult {
    // The checker itself must be able to fail: perturb one expected number.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/nnfs-reference.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let out = &mut doc["dense"][0]["output"][0][0];
    *out = Value::from(out.as_f64().ok_or("number")? + 1e-3);
    assert!(dense_case(&doc["dense"][0]).is_err());
    Ok(())
}
