//! PyTorch's numbers (float64): every case of the project's copy of `torch-reference.json`
//! (`tests/torch-golden/`), and of every `*.json` in the folder named by
//! `DENDRITE_TORCH_GOLDEN_DIR` when it is set, section by section:
//! optimizer steps (AdamW, Adam with AMSGrad or L2 weight decay, SGD with Nesterov momentum,
//! RMSprop with momentum or centred, NAdam), learning-rate schedules (with reduce-on-plateau and
//! one-cycle momentum), gradient clipping, class- and sample-weighted cross-entropy, and
//! classification metrics. Tolerance: atol 1e-6 + rtol 1e-5; optimizer steps, computed in
//! `f32`, atol 1e-5 + rtol 1e-4. A file without one of these sections, a section without
//! cases, or a section this test does not know fails it.

use std::path::{Path, PathBuf};

use dendrite::losses::{
    WeightedMean, Weights, sample_weights, weighted_cross_entropy_backward, weighted_softmax_cross_entropy,
};
use dendrite::model::{ConfusionMatrix, top_k_accuracy};
use dendrite::optim::{
    Adam, AdamConfig, Anneal, GradNorm, LrSchedule, Nadam, NadamConfig, Optimizer, PlateauConfig,
    PlateauMode, ReduceOnPlateau, RmsProp, RmsPropConfig, Schedule, Sgd, SgdConfig, Threshold,
    clip_grad_norm, clip_grad_value,
};
use dendrite::tensor::{Matrix, Param};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The sections of the file: every one is checked.
const SECTIONS: [&str; 5] =
    ["optimizers_torch", "lr_schedules", "grad_clipping", "weighted_losses", "metrics"];

fn files() -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut dirs = vec![PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/torch-golden"))];
    if let Some(dir) = std::env::var_os("DENDRITE_TORCH_GOLDEN_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-6 + 1e-5 * want.abs(), "{what}: got {got}, want {want}");
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number"))
}

fn u(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} is not an integer"))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

fn indices(v: &Value) -> Vec<usize> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_u64).map(|x| x as usize).collect()).unwrap_or_default()
}

/// A row-major nested list as a matrix.
fn tensor(v: &Value) -> Matrix {
    let rows: Vec<Vec<f64>> = v.as_array().map(|r| r.iter().map(floats).collect()).unwrap_or_default();
    let cols = rows.first().map_or(0, Vec::len);
    Matrix::from_fn(rows.len(), cols, |i, j| rows[i][j] as f32)
}

/// A schedule of the file, by PyTorch's class name and arguments.
fn schedule(kind: &str, p: &Value) -> Schedule {
    match kind {
        "StepLR" => Schedule::Step { step_size: u(p, "step_size"), gamma: f(p, "gamma") },
        "MultiStepLR" => Schedule::MultiStep {
            milestones: indices(&p["milestones"]).into_iter().map(|m| m as u64).collect(),
            gamma: f(p, "gamma"),
        },
        "ExponentialLR" => Schedule::Exponential { gamma: f(p, "gamma") },
        "CosineAnnealingLR" => Schedule::Cosine { t_max: u(p, "T_max"), eta_min: f(p, "eta_min") },
        "LinearLR" => Schedule::Linear {
            start_factor: f(p, "start_factor"),
            end_factor: f(p, "end_factor"),
            total_iters: u(p, "total_iters"),
        },
        "SequentialLR" => Schedule::Sequence {
            schedules: p["schedulers"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .map(|s| schedule(s["schedule"].as_str().unwrap_or(""), &s["parameters"]))
                        .collect()
                })
                .unwrap_or_default(),
            milestones: indices(&p["milestones"]).into_iter().map(|m| m as u64).collect(),
        },
        "OneCycleLR" => Schedule::OneCycle {
            max_lr: f(p, "max_lr"),
            total_steps: u(p, "total_steps"),
            pct_start: f(p, "pct_start"),
            anneal: if p["anneal_strategy"] == "cos" { Anneal::Cos } else { Anneal::Linear },
            div_factor: f(p, "div_factor"),
            final_div_factor: f(p, "final_div_factor"),
            three_phase: p["three_phase"].as_bool().unwrap_or(false),
            momentum: (p["cycle_momentum"] == true).then(|| (f(p, "base_momentum"), f(p, "max_momentum"))),
        },
        "PolynomialLR" => Schedule::Polynomial { total_iters: u(p, "total_iters"), power: f(p, "power") },
        "InverseTime" => Schedule::InverseTime { decay: f(p, "decay") },
        other => panic!("unknown schedule {other}"),
    }
}

fn check_schedule(case: &Value, name: &str) -> TestResult {
    let kind = case["schedule"].as_str().ok_or("schedule")?;
    let (p, base, steps) = (&case["parameters"], f(case, "base_lr"), u(case, "steps"));
    let lrs = floats(&case["lrs"]);
    assert_eq!(lrs.len() as u64, steps, "{name}: steps");
    if kind == "ReduceLROnPlateau" {
        let config = PlateauConfig {
            mode: if p["mode"] == "min" { PlateauMode::Min } else { PlateauMode::Max },
            factor: f(p, "factor"),
            patience: u(p, "patience"),
            threshold: f(p, "threshold"),
            threshold_mode: if p["threshold_mode"] == "rel" {
                Threshold::Relative
            } else {
                Threshold::Absolute
            },
            cooldown: u(p, "cooldown"),
            min_lr: f(p, "min_lr"),
            eps: f(p, "eps"),
        };
        let mut plateau = ReduceOnPlateau::new(config)?;
        let (metrics, best) = (floats(&case["metrics"]), floats(&case["best"]));
        let (bad, cooldown) = (indices(&case["num_bad_epochs"]), indices(&case["cooldown_counter"]));
        let mut lr = base;
        for t in 0..steps as usize {
            lr = plateau.step(metrics[t], lr);
            close(lr, lrs[t], &format!("{name}: lr after epoch {t}"));
            close(plateau.best(), best[t], &format!("{name}: best after epoch {t}"));
            assert_eq!(plateau.num_bad_epochs() as usize, bad[t], "{name}: bad epochs after {t}");
            assert_eq!(plateau.cooldown_counter() as usize, cooldown[t], "{name}: cooldown after {t}");
        }
        return Ok(());
    }
    let s = schedule(kind, p);
    s.validate()?;
    for (t, &want) in lrs.iter().enumerate() {
        close(s.learning_rate(base, t as u64), want, &format!("{name}: lr of step {t}"));
    }
    let momentums = floats(&case["momentums"]);
    for (t, &want) in momentums.iter().enumerate() {
        close(s.momentum(t as u64).ok_or("a momentum")?, want, &format!("{name}: momentum of step {t}"));
    }
    if case.get("momentums").is_none() {
        assert_eq!(s.momentum(0), None, "{name}: no momentum");
    }
    Ok(())
}

/// The optimizer of a case, from PyTorch's class name and hyper-parameters.
fn optimizer(case: &Value) -> Result<Box<dyn Optimizer>, Box<dyn std::error::Error>> {
    let h = &case["hyper_parameters"];
    let betas = floats(&h["betas"]);
    let flag = |key: &str| h[key].as_bool().unwrap_or(false);
    Ok(match case["optimizer"].as_str().ok_or("optimizer")? {
        "Adam" | "AdamW" => Box::new(Adam::new(AdamConfig {
            learning_rate: f(h, "lr"),
            epsilon: f(h, "eps"),
            beta1: betas[0],
            beta2: betas[1],
            weight_decay: f(h, "weight_decay"),
            decoupled_weight_decay: flag("decoupled_weight_decay"),
            amsgrad: flag("amsgrad"),
            ..AdamConfig::default()
        })?),
        "SGD" => {
            assert_eq!(f(h, "dampening"), 0.0, "dampening is not built");
            Box::new(Sgd::new(SgdConfig {
                learning_rate: f(h, "lr"),
                momentum: f(h, "momentum"),
                nesterov: flag("nesterov"),
                weight_decay: f(h, "weight_decay"),
                ..SgdConfig::default()
            })?)
        }
        "RMSprop" => Box::new(RmsProp::new(RmsPropConfig {
            learning_rate: f(h, "lr"),
            epsilon: f(h, "eps"),
            rho: f(h, "alpha"),
            momentum: f(h, "momentum"),
            centered: flag("centered"),
            weight_decay: f(h, "weight_decay"),
            ..RmsPropConfig::default()
        })?),
        "NAdam" => Box::new(Nadam::new(NadamConfig {
            learning_rate: f(h, "lr"),
            epsilon: f(h, "eps"),
            beta1: betas[0],
            beta2: betas[1],
            momentum_decay: f(h, "momentum_decay"),
            weight_decay: f(h, "weight_decay"),
            decoupled_weight_decay: flag("decoupled_weight_decay"),
            ..NadamConfig::default()
        })?),
        other => return Err(format!("unknown optimizer {other}").into()),
    })
}

fn check_optimizer(case: &Value, name: &str) -> TestResult {
    let mut optimizer = optimizer(case)?;
    let mut params: Vec<Param> = case["params"]
        .as_array()
        .ok_or("params")?
        .iter()
        .enumerate()
        .map(|(k, t)| Param::new(if k % 2 == 0 { "weight" } else { "bias" }, tensor(t)))
        .collect();
    let steps = u(case, "steps") as usize;
    let (grads, after) = (case["grads"].as_array().ok_or("grads")?, case["after"].as_array().ok_or("after")?);
    assert_eq!((grads.len(), after.len()), (steps, steps), "{name}: steps");
    for s in 0..steps {
        for (p, g) in params.iter_mut().zip(grads[s].as_array().into_iter().flatten()) {
            p.grad = tensor(g);
        }
        optimizer.step(&mut params)?;
        for (k, (p, want)) in params.iter().zip(after[s].as_array().into_iter().flatten()).enumerate() {
            for (got, want) in p.value.iter().zip(tensor(want).iter()) {
                let (got, want) = (f64::from(*got), f64::from(*want));
                assert!(
                    (got - want).abs() <= 1e-5 + 1e-4 * want.abs(),
                    "{name}: step {}, tensor {k}: got {got}, want {want}",
                    s + 1
                );
            }
        }
    }
    Ok(())
}

fn check_clipping(case: &Value, name: &str) -> TestResult {
    let grads: Vec<Matrix> = case["grads"].as_array().ok_or("grads")?.iter().map(tensor).collect();
    let params = || -> Vec<Param> {
        grads
            .iter()
            .map(|g| {
                let mut p = Param::new("weight", Matrix::zeros(g.nrows(), g.ncols()));
                p.grad = g.clone();
                p
            })
            .collect()
    };
    let compare = |params: &[Param], want: &Value, what: &str| {
        for (k, (p, w)) in params.iter().zip(want.as_array().into_iter().flatten()).enumerate() {
            let w = tensor(w);
            for (g, w) in p.grad.iter().zip(w.iter()) {
                close(f64::from(*g), f64::from(*w), &format!("{name}: {what}, tensor {k}"));
            }
        }
    };
    for (key, norm) in [("clip_grad_norm_l2", GradNorm::L2), ("clip_grad_norm_inf", GradNorm::Inf)] {
        let c = &case[key];
        let mut ps = params();
        let total = clip_grad_norm(&mut ps, f(c, "max_norm"), norm);
        close(total, f(c, "total_norm"), &format!("{name}: {key} total norm"));
        compare(&ps, &c["clipped"], key);
    }
    let c = &case["clip_grad_value"];
    let mut ps = params();
    clip_grad_value(&mut ps, f(c, "clip_value") as f32);
    compare(&ps, &c["clipped"], "clip_grad_value");
    Ok(())
}

/// Dendrite's weighted cross-entropy takes the clipped probabilities, as its unweighted one
/// does: its loss is the file's `loss_from_probabilities`; its gradient with respect to the
/// probabilities divides by the clipped probability, so where a target's probability is below
/// the clip (the `*clip_active` cases) it is `−w / 1e-7 / denominator`, finite, where PyTorch's
/// `−w / p` is not clipped.
fn check_weighted_loss(case: &Value, name: &str) -> TestResult {
    let logits = tensor(&case["logits"]);
    let y = indices(&case["y_true"]);
    let class_weights: Option<Vec<f32>> = case["class_weights"]
        .as_array()
        .map(|_| floats(&case["class_weights"]).iter().map(|&w| w as f32).collect());
    let sample: Option<Vec<f32>> = case["sample_weights"]
        .as_array()
        .map(|_| floats(&case["sample_weights"]).iter().map(|&w| w as f32).collect());
    let w = sample_weights(&y, class_weights.as_deref(), sample.as_deref())?;
    for (got, want) in w.iter().zip(floats(&case["effective_weights"])) {
        close(f64::from(*got), want, &format!("{name}: effective weight"));
    }
    let want_p = tensor(&case["probabilities"]);
    for (key, mean) in [("torch_mean", WeightedMean::SumOfWeights), ("keras_mean", WeightedMean::Samples)] {
        let reference = &case[key];
        if reference.is_null() {
            continue;
        }
        let weights = Weights { per_sample: &w, mean };
        let (mut p, mut dlogits, mut dp) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0), Matrix::zeros(0, 0));
        let loss = weighted_softmax_cross_entropy(&logits, &y, weights, &mut p, &mut dlogits)?;
        close(f64::from(loss), f(reference, "loss_from_probabilities"), &format!("{name}: {key} loss"));
        for (a, b) in p.iter().zip(want_p.iter()) {
            close(f64::from(*a), f64::from(*b), &format!("{name}: probabilities"));
        }
        for (a, b) in dlogits.iter().zip(tensor(&reference["dlogits"]).iter()) {
            close(f64::from(*a), f64::from(*b), &format!("{name}: {key} dlogits"));
        }
        weighted_cross_entropy_backward(&p, &y, weights, &mut dp)?;
        let want_dp = tensor(&reference["dprobabilities"]);
        let denominator = f(reference, "denominator");
        for (i, &c) in y.iter().enumerate() {
            for j in 0..p.ncols() {
                let want = if j == c && p[(i, c)] < 1e-7 {
                    -f64::from(w[i]) / 1e-7 / denominator
                } else {
                    f64::from(want_dp[(i, j)])
                };
                let got = f64::from(dp[(i, j)]);
                assert!(
                    (got - want).abs() <= 1e-6 + 1e-5 * want.abs(),
                    "{name}: {key} dprobabilities ({i}, {j}): got {got}, want {want}"
                );
            }
        }
    }
    Ok(())
}

fn check_metrics(case: &Value, name: &str) -> TestResult {
    let classes = u(case, "num_classes") as usize;
    let (y_true, y_pred) = (indices(&case["y_true"]), indices(&case["y_pred"]));
    let m = ConfusionMatrix::new(classes, &y_true, &y_pred)?;
    let want: Vec<Vec<u64>> = case["confusion_matrix"]
        .as_array()
        .ok_or("confusion_matrix")?
        .iter()
        .map(|r| r.as_array().into_iter().flatten().filter_map(Value::as_u64).collect())
        .collect();
    assert_eq!(m.rows(), want, "{name}: confusion matrix");
    let support: Vec<u64> = indices(&case["support"]).into_iter().map(|s| s as u64).collect();
    assert_eq!((0..classes).map(|c| m.support(c)).collect::<Vec<_>>(), support, "{name}: support");
    for (key, pick) in [
        ("precision", (|s: dendrite::model::Scores| s.precision) as fn(_) -> f64),
        ("recall", |s| s.recall),
        ("f1", |s| s.f1),
    ] {
        for (c, want) in floats(&case[key]).into_iter().enumerate() {
            close(pick(m.class_scores(c)), want, &format!("{name}: {key} of class {c}"));
        }
        for (average, scores) in [("macro", m.macro_avg()), ("micro", m.micro()), ("weighted", m.weighted())]
        {
            close(pick(scores), f(&case[average], key), &format!("{name}: {average} {key}"));
        }
    }
    close(m.accuracy(), f(case, "accuracy"), &format!("{name}: accuracy"));
    let scores = tensor(&case["scores"]);
    for k in case["top_k_accuracy"].as_array().ok_or("top_k_accuracy")? {
        let kk = u(k, "k") as usize;
        close(top_k_accuracy(&scores, &y_true, kk)?, f(k, "accuracy"), &format!("{name}: top-{kk} accuracy"));
    }
    Ok(())
}

fn check_file(path: &Path) -> TestResult {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let sections: Vec<(&String, &Vec<Value>)> = file
        .as_object()
        .ok_or("an object")?
        .iter()
        .filter_map(|(k, v)| v.as_array().map(|a| (k, a)))
        .collect();
    for (section, cases) in &sections {
        assert!(SECTIONS.contains(&section.as_str()), "{}: unknown section {section}", path.display());
        assert!(!cases.is_empty(), "{}: section {section} has no case", path.display());
        for case in cases.iter() {
            let name = format!("{}: {section}/{}", path.display(), case["name"].as_str().unwrap_or("?"));
            match section.as_str() {
                "optimizers_torch" => check_optimizer(case, &name)?,
                "lr_schedules" => check_schedule(case, &name)?,
                "grad_clipping" => check_clipping(case, &name)?,
                "weighted_losses" => check_weighted_loss(case, &name)?,
                _ => check_metrics(case, &name)?,
            }
        }
    }
    for section in SECTIONS {
        assert!(sections.iter().any(|(s, _)| *s == section), "{}: no section {section}", path.display());
    }
    Ok(())
}

#[test]
fn every_case_of_every_section_matches_pytorch() -> TestResult {
    let files = files()?;
    assert!(!files.is_empty());
    for path in files {
        check_file(&path)?;
    }
    Ok(())
}
