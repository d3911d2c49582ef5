//! The four commands.

use std::fmt::Write as _;
use std::path::Path;

use dendrite_losses::Targets;
use dendrite_model::{LossKind, Model, read_header};
use dendrite_tensor::Parameterized;

use crate::inputs::{read_inputs, read_labels};
use crate::{CliError, CliResult};

fn load(path: &Path) -> CliResult<Model> {
    Model::load(path).map_err(CliError::model(path))
}

/// `dendrite inspect`.
pub(crate) fn inspect(path: &Path, json: bool) -> CliResult<()> {
    let bytes = std::fs::read(path).map_err(|e| CliError::model(path)(e.into()))?;
    let header = read_header(&bytes).map_err(|e| CliError::model(path)(e.into()))?;
    let model =
        Model::from_bytes(&bytes, &dendrite_model::LayerRegistry::new()).map_err(CliError::model(path))?;
    let mut width = model.input_width();
    let mut layers = Vec::new();
    for layer in model.layers() {
        let input = width;
        width = layer.output_width(width).map_err(|e| CliError::model(path)(e))?;
        layers.push((layer.describe(), input, width, layer.param_count()));
    }
    let total = model.param_count();
    let optimizer = model.optimizer();
    if json {
        let value = serde_json::json!({
            "format_version": header.version,
            "kind": header.kind,
            "payload_bytes": header.payload_len,
            "checksum": format!("{:08x}", header.checksum),
            "checksum_ok": true,
            "input_width": model.input_width(),
            "output_width": model.output_width(),
            "layers": layers.iter().map(|(name, i, o, p)| serde_json::json!({
                "layer": name, "inputs": i, "outputs": o, "parameters": p,
            })).collect::<Vec<_>>(),
            "parameters": total,
            "loss": format!("{:?}", model.loss()),
            "accuracy": format!("{:?}", model.accuracy()),
            "preprocessing": format!("{:?}", model.preprocessing()),
            "class_names": model.class_names(),
            "optimizer": optimizer.name(),
            "optimizer_settings": optimizer.spec(),
            "schedule": optimizer.schedule(),
            "reduce_on_plateau": model.plateau(),
            "epochs_trained": model.epochs(),
            "plan": model.plan_steps(),
        });
        println!("{value}");
        return Ok(());
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", path.display());
    let _ = writeln!(
        out,
        "format version {}, checksum {:08x} ok, {} payload bytes",
        header.version, header.checksum, header.payload_len
    );
    let _ = writeln!(out, "{:<4} {:<28} {:>8} {:>8} {:>10}", "#", "layer", "inputs", "outputs", "parameters");
    for (k, (name, i, o, p)) in layers.iter().enumerate() {
        let _ = writeln!(out, "{k:<4} {name:<28} {i:>8} {o:>8} {p:>10}");
    }
    let _ = writeln!(out, "parameters: {total}");
    let _ = writeln!(out, "loss: {:?}, accuracy: {:?}", model.loss(), model.accuracy());
    let _ = writeln!(out, "preprocessing: {:?}", model.preprocessing());
    if let Some(names) = model.class_names() {
        let _ = writeln!(out, "classes: {}", names.join(", "));
    }
    let _ = writeln!(out, "optimizer: {}, epochs trained: {}", optimizer.name(), model.epochs());
    if let Some(schedule) = optimizer.schedule() {
        let _ = writeln!(out, "schedule: {schedule:?}");
    }
    if let Some(plateau) = model.plateau() {
        let _ = writeln!(
            out,
            "reduce on plateau: {:?}, {:?}, base rate now {}",
            plateau.monitor(),
            plateau.state().config(),
            optimizer.base_learning_rate()
        );
    }
    let _ = writeln!(out, "plan:");
    for step in model.plan_steps() {
        let _ = writeln!(out, "  {step}");
    }
    print!("{out}");
    Ok(())
}

/// `dendrite evaluate`.
pub(crate) fn evaluate(model_path: &Path, input: &Path, labels: &Path, json: bool) -> CliResult<()> {
    let model = load(model_path)?;
    let x = read_inputs(input)?;
    let y = read_labels(labels)?;
    if y.nrows() != x.nrows() {
        return Err(CliError::Mismatch(format!(
            "{} has {} rows but {} has {}",
            input.display(),
            x.nrows(),
            labels.display(),
            y.nrows()
        )));
    }
    let classes: Vec<usize>;
    let targets = if model.loss() == LossKind::CategoricalCrossEntropy && y.ncols() == 1 {
        classes = y
            .iter()
            .enumerate()
            .map(|(row, &v)| {
                if v >= 0.0 && v.fract() == 0.0 && v < 16_777_216.0 {
                    Ok(v as usize)
                } else {
                    Err(CliError::Mismatch(format!(
                        "{}: label {v} in row {} is not a class index",
                        labels.display(),
                        row + 1
                    )))
                }
            })
            .collect::<CliResult<_>>()?;
        Targets::Classes(&classes)
    } else {
        Targets::Values(&y)
    };
    let mismatch = |e: dendrite_model::Error| CliError::Mismatch(format!("{}: {e}", input.display()));
    let e = model.evaluate(&x, targets).map_err(mismatch)?;
    // A classifier's table: the confusion matrix, and precision, recall and F1 per class.
    let metrics = match targets {
        Targets::Classes(classes) => Some(model.evaluate_metrics(&x, classes).map_err(mismatch)?),
        Targets::Values(_) => None,
    };
    if json {
        let mut value = serde_json::json!({ "samples": e.samples, "loss": e.loss, "accuracy": e.accuracy });
        if let Some(m) = &metrics {
            value["confusion_matrix"] = serde_json::json!(m.rows());
            value["per_class"] = (0..m.classes())
                .map(|c| {
                    let s = m.class_scores(c);
                    serde_json::json!({ "class": class_name(&model, c), "precision": s.precision,
                        "recall": s.recall, "f1": s.f1, "support": m.support(c) })
                })
                .collect();
            for (name, s) in [("macro", m.macro_avg()), ("weighted", m.weighted())] {
                value[name] = serde_json::json!({ "precision": s.precision, "recall": s.recall, "f1": s.f1 });
            }
        }
        println!("{value}");
        return Ok(());
    }
    println!("samples: {}, loss: {:.6}, accuracy: {:.6}", e.samples, e.loss, e.accuracy);
    if let Some(m) = &metrics {
        print!("{}", metrics_table(&model, m));
    }
    Ok(())
}

/// Class `c`'s name, or its index when the model has no names.
fn class_name(model: &Model, c: usize) -> String {
    model.class_names().and_then(|n| n.get(c)).cloned().unwrap_or_else(|| c.to_string())
}

/// The confusion matrix (rows: true class, columns: predicted) and the per-class table.
fn metrics_table(model: &Model, m: &dendrite_model::ConfusionMatrix) -> String {
    let names: Vec<String> = (0..m.classes()).map(|c| class_name(model, c)).collect();
    let width = names.iter().map(String::len).max().unwrap_or(1).max(6);
    let mut out = String::new();
    let _ = writeln!(out, "confusion matrix (rows: true class, columns: predicted):");
    let _ = write!(out, "{:>width$}", "");
    for name in &names {
        let _ = write!(out, " {name:>width$}");
    }
    out.push('\n');
    for (name, row) in names.iter().zip(m.rows()) {
        let _ = write!(out, "{name:>width$}");
        for count in row {
            let _ = write!(out, " {count:>width$}");
        }
        out.push('\n');
    }
    let _ =
        writeln!(out, "{:>width$} {:>9} {:>9} {:>9} {:>9}", "class", "precision", "recall", "f1", "support");
    for (c, name) in names.iter().enumerate() {
        let s = m.class_scores(c);
        let _ = writeln!(
            out,
            "{name:>width$} {:>9.4} {:>9.4} {:>9.4} {:>9}",
            s.precision,
            s.recall,
            s.f1,
            m.support(c)
        );
    }
    for (label, s) in [("macro", m.macro_avg()), ("weighted", m.weighted())] {
        let _ = writeln!(
            out,
            "{label:>width$} {:>9.4} {:>9.4} {:>9.4} {:>9}",
            s.precision,
            s.recall,
            s.f1,
            m.total()
        );
    }
    out
}

/// `dendrite export`: each file asked for (clap requires at least one).
pub(crate) fn export(model_path: &Path, safetensors: Option<&Path>, onnx: Option<&Path>) -> CliResult<()> {
    let model = load(model_path)?;
    if let Some(out) = safetensors {
        model.export_safetensors(out).map_err(CliError::model(out))?;
    }
    if let Some(out) = onnx {
        model.export_onnx(out).map_err(CliError::model(out))?;
    }
    Ok(())
}
