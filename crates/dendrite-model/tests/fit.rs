//! Training: printout, history files, determinism, callbacks, divergence and bad input.

use dendrite_data::spiral_data;
use dendrite_layers::{Layer, Mode};
use dendrite_losses::Targets;
use dendrite_model::{EarlyStopping, Error, FitOptions, Flow, History, LossKind, Model, Report};
use dendrite_optim::{Adam, AdamConfig};
use dendrite_tensor::{Matrix, Param, Parameterized, Rng};
use regex::Regex;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn spiral_model(seed: u64) -> Result<Model, Error> {
    Model::builder(2)
        .dense(32)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.05, decay: 5e-5, ..AdamConfig::default() })?)
        .seed(seed)
        .build()
}

fn data() -> (Matrix, Vec<usize>, Matrix, Vec<usize>) {
    let mut rng = Rng::seed_from_u64(3);
    let (x, y) = spiral_data(100, 3, &mut rng);
    let (vx, vy) = spiral_data(30, 3, &mut rng);
    (x, y, vx, vy)
}

fn weights(model: &Model) -> Vec<u32> {
    let mut bits = Vec::new();
    model.visit_params(&mut |p| bits.extend(p.value.iter().map(|v| v.to_bits())));
    bits
}

const STATS: &str =
    r"acc: \d\.\d{3}, loss: \d+\.\d{3} \(data_loss: \d+\.\d{3}, reg_loss: \d+\.\d{3}\), lr: \d\.\d+(e-\d\d)?";

#[test]
fn full_batch_printout_has_the_books_lines() -> TestResult {
    let (x, y, vx, vy) = data();
    let mut out = Vec::new();
    spiral_model(0)?.fit(
        &x,
        Targets::Classes(&y),
        FitOptions {
            epochs: 201,
            print_every: 100,
            validation: Some((&vx, Targets::Classes(&vy))),
            report: Report::Writer(&mut out),
            ..FitOptions::default()
        },
    )?;
    let text = String::from_utf8(out)?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for (line, epoch) in lines.iter().zip([0, 100, 200]) {
        let re = Regex::new(&format!("^epoch: {epoch}, {STATS}$"))?;
        assert!(re.is_match(line), "{line}");
    }
    assert!(lines[0].ends_with("lr: 0.05"), "{}", lines[0]);
    assert!(
        Regex::new(r"^validation, acc: \d\.\d{3}, loss: \d+\.\d{3}$")?.is_match(lines[3]),
        "{}",
        lines[3]
    );
    Ok(())
}

#[test]
fn batched_printout_has_the_model_chapters_lines() -> TestResult {
    let (x, y, vx, vy) = data();
    let mut out = Vec::new();
    spiral_model(0)?.fit(
        &x,
        Targets::Classes(&y),
        FitOptions {
            epochs: 2,
            batch_size: Some(128),
            print_every: 2,
            validation: Some((&vx, Targets::Classes(&vy))),
            report: Report::Writer(&mut out),
            ..FitOptions::default()
        },
    )?;
    let text = String::from_utf8(out)?;
    // 300 samples in batches of 128: steps 0, 1, 2 (the last one short); printed: 0 and 2.
    let expected = [
        "^epoch: 1$".to_owned(),
        format!("^step: 0, {STATS}$"),
        format!("^step: 2, {STATS}$"),
        format!("^training, {STATS}$"),
        r"^validation, acc: \d\.\d{3}, loss: \d+\.\d{3}$".to_owned(),
        "^epoch: 2$".to_owned(),
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10, "{text}");
    for (line, pattern) in lines.iter().zip(&expected) {
        assert!(Regex::new(pattern)?.is_match(line), "{line} !~ {pattern}");
    }
    Ok(())
}

#[test]
fn same_seed_same_bytes_with_batches_shuffling_and_dropout() -> TestResult {
    let (x, y, _, _) = data();
    let run = |seed| -> Result<(Vec<u32>, History), Error> {
        let mut model = spiral_model(seed)?;
        let options =
            FitOptions { epochs: 5, batch_size: Some(32), report: Report::Quiet, ..FitOptions::default() };
        let history = model.fit(&x, Targets::Classes(&y), options)?;
        Ok((weights(&model), history))
    };
    let (a, ha) = run(11)?;
    let (b, hb) = run(11)?;
    let (c, _) = run(12)?;
    assert_eq!(a, b, "bit-identical weights");
    assert_eq!(ha, hb);
    assert_ne!(a, c, "another seed trains differently");
    Ok(())
}

#[test]
fn history_round_trips_through_csv_and_json() -> TestResult {
    let (x, y, vx, vy) = data();
    let history = spiral_model(0)?.fit(
        &x,
        Targets::Classes(&y),
        FitOptions {
            epochs: 3,
            batch_size: Some(100),
            validation: Some((&vx, Targets::Classes(&vy))),
            report: Report::Quiet,
            ..FitOptions::default()
        },
    )?;
    assert_eq!(history.epochs.len(), 3);
    assert!(history.epochs.iter().all(|e| e.validation_loss.is_some()));
    let mut csv = Vec::new();
    history.write_csv(&mut csv)?;
    let header = String::from_utf8(csv.clone())?.lines().next().unwrap_or_default().to_owned();
    assert_eq!(
        header,
        "epoch,loss,data_loss,regularization_loss,accuracy,learning_rate,validation_loss,validation_accuracy,\
         validation_precision,validation_recall,validation_f1"
    );
    assert_eq!(History::read_csv(csv.as_slice())?, history);
    let mut json = Vec::new();
    history.write_json(&mut json)?;
    assert_eq!(History::read_json(json.as_slice())?, history);
    Ok(())
}

#[test]
fn training_learns_the_spiral() -> TestResult {
    let (x, y, vx, vy) = data();
    let mut model = Model::builder(2)
        .dense(64)
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.05, decay: 5e-5, ..AdamConfig::default() })?)
        .build()?;
    let options = FitOptions { epochs: 1000, report: Report::Quiet, ..FitOptions::default() };
    let history = model.fit(&x, Targets::Classes(&y), options)?;
    let (first, last) = (history.epochs[0], history.epochs[999]);
    assert!(last.loss < 0.5 * first.loss, "{first:?} -> {last:?}");
    assert!(last.accuracy > 0.75, "{last:?}");
    assert!(model.evaluate(&vx, Targets::Classes(&vy))?.accuracy > 0.6);
    Ok(())
}

#[test]
fn early_stopping_restores_the_best_weights() -> TestResult {
    let (x, y, _, _) = data();
    let mut model = spiral_model(0)?;
    let mut first_epoch_weights = Vec::new();
    let hook = Box::new(|m: &Model, r: &dendrite_model::EpochRecord| {
        if r.epoch == 0 {
            first_epoch_weights = weights(m);
        }
        Ok(Flow::Continue)
    });
    // No later epoch can beat the first by 1e9: the first stays best, and patience 2 stops
    // training after epoch 2.
    let history = model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions {
            epochs: 50,
            early_stopping: Some(EarlyStopping { patience: 2, min_delta: 1e9, ..EarlyStopping::default() }),
            on_epoch_end: Some(hook),
            report: Report::Quiet,
            ..FitOptions::default()
        },
    )?;
    assert_eq!(history.epochs.len(), 3);
    assert_eq!(weights(&model), first_epoch_weights);
    Ok(())
}

#[test]
fn the_epoch_hook_can_stop_or_fail() -> TestResult {
    let (x, y, _, _) = data();
    let mut model = spiral_model(0)?;
    let stop_at_3 = Box::new(|_: &Model, r: &dendrite_model::EpochRecord| {
        Ok(if r.epoch == 3 { Flow::Stop } else { Flow::Continue })
    });
    let options = FitOptions {
        epochs: 10,
        on_epoch_end: Some(stop_at_3),
        report: Report::Quiet,
        ..FitOptions::default()
    };
    assert_eq!(model.fit(&x, Targets::Classes(&y), options)?.epochs.len(), 4);
    let failing = Box::new(|_: &Model, _: &dendrite_model::EpochRecord| Err("disk full".into()));
    let options = FitOptions {
        epochs: 10,
        on_epoch_end: Some(failing),
        report: Report::Quiet,
        ..FitOptions::default()
    };
    let err = model.fit(&x, Targets::Classes(&y), options).unwrap_err();
    assert_eq!(err.to_string(), "callback failed: disk full");
    Ok(())
}

/// A plug-in layer that passes its input through, and poisons it with NaN on one call.
#[derive(Debug, Clone)]
struct Poison {
    calls: usize,
    poison_at: usize,
    poison_gradient: bool,
    output: Matrix,
    dinputs: Matrix,
}

impl Parameterized for Poison {
    fn visit_params(&self, _f: &mut dyn FnMut(&Param)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut Param)) {}
}

impl Layer for Poison {
    fn kind(&self) -> &'static str {
        "Poison"
    }
    fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
        Ok(input_width)
    }
    fn forward(&mut self, input: &Matrix, _mode: Mode) -> dendrite_layers::Result<&Matrix> {
        self.output = input.clone();
        if self.calls == self.poison_at && !self.poison_gradient {
            self.output[(0, 0)] = f32::NAN;
        }
        self.calls += 1;
        Ok(&self.output)
    }
    fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
        self.dinputs = dvalues.clone();
        if self.calls == self.poison_at + 1 && self.poison_gradient {
            self.dinputs[(0, 0)] = f32::INFINITY;
        }
        Ok(&self.dinputs)
    }
}

/// Dense → Poison → ReLU → Dense → Softmax, poisoned on call `poison_at` (from 0) of the plug-in.
fn poisoned_model(poison_at: usize, poison_gradient: bool) -> Result<Model, Error> {
    let poison = Poison {
        calls: 0,
        poison_at,
        poison_gradient,
        output: Matrix::zeros(0, 0),
        dinputs: Matrix::zeros(0, 0),
    };
    Model::builder(2)
        .dense(8)
        .layer(Box::new(poison))
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()
}

#[test]
fn a_nan_stops_training_naming_epoch_step_and_layer() -> TestResult {
    let (x, y, _, _) = data();
    let model = |poison_gradient| poisoned_model(5, poison_gradient);
    // Batches of 100: three steps per epoch, so the sixth call is epoch 2, step 2.
    let options =
        || FitOptions { epochs: 5, batch_size: Some(100), report: Report::Quiet, ..FitOptions::default() };
    let err = model(false)?.fit(&x, Targets::Classes(&y), options()).unwrap_err();
    assert!(matches!(err, Error::NonFinite { epoch: 2, step: 2, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "training diverged at epoch 2, step 2: output of layer 1 (Poison) is not finite"
    );
    // An infinite gradient flowing back from the plug-in reaches the Dense layer before it.
    let err = model(true)?.fit(&x, Targets::Classes(&y), options()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "training diverged at epoch 2, step 2: gradient of weight of layer 0 (Dense(2 -> 8)) is not finite"
    );
    Ok(())
}

#[test]
fn bad_settings_and_data_are_errors_with_clear_messages() -> TestResult {
    let (x, y, _, _) = data();
    let mut model = spiral_model(0)?;
    let quiet = || FitOptions { report: Report::Quiet, ..FitOptions::default() };
    let cases: Vec<(Result<History, Error>, &str)> = vec![
        (
            model.fit(&x, Targets::Classes(&y), FitOptions { epochs: 0, ..quiet() }),
            "invalid setting: epochs must be at least 1",
        ),
        (
            model.fit(&x, Targets::Classes(&y), FitOptions { batch_size: Some(0), ..quiet() }),
            "invalid setting: batch size must be at least 1",
        ),
        (model.fit(&x, Targets::Classes(&y[..10]), quiet()), "invalid data: 300 samples but 10 targets"),
        (model.fit(&Matrix::zeros(0, 2), Targets::Classes(&[]), quiet()), "invalid data: no samples"),
        (
            model.fit(&Matrix::zeros(3, 2), Targets::Classes(&[0, 3, 1]), quiet()),
            "invalid data: label 3 of sample 1 is out of range for 3 classes",
        ),
        (
            model.fit(&Matrix::zeros(3, 2), Targets::Values(&Matrix::zeros(3, 2)), quiet()),
            "invalid data: targets have 2 columns, the model outputs 3",
        ),
        (
            model.fit(&Matrix::zeros(3, 5), Targets::Classes(&[0, 1, 2]), quiet()),
            "invalid data: inputs have 5 columns, the model takes 2",
        ),
    ];
    for (result, message) in cases {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::InvalidSetting(_) | Error::InvalidData(_)), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
    let mut nan = x.clone();
    nan[(7, 1)] = f32::NAN;
    let err = model.fit(&nan, Targets::Classes(&y), quiet()).unwrap_err();
    assert_eq!(err.to_string(), "invalid data: input at row 7, column 1 is NaN");
    let bad_val = Matrix::zeros(4, 3);
    let options = FitOptions { validation: Some((&bad_val, Targets::Classes(&[0, 0, 0, 0]))), ..quiet() };
    let err = model.fit(&x, Targets::Classes(&y), options).unwrap_err();
    assert_eq!(err.to_string(), "invalid data: validation data: inputs have 3 columns, the model takes 2");

    let mut binary = Model::builder(2).dense(1).sigmoid().loss(LossKind::BinaryCrossEntropy).build()?;
    let err = binary.fit(&x, Targets::Classes(&y), quiet()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid data: binary cross-entropy needs value targets (a matrix), got class indices"
    );
    Ok(())
}

#[test]
fn batched_evaluation_and_prediction_match_the_full_batch() -> TestResult {
    let (x, y, _, _) = data();
    let mut model = spiral_model(0)?;
    model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 20, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let full = model.evaluate(&x, Targets::Classes(&y))?;
    let batched = model.evaluate_batched(&x, Targets::Classes(&y), Some(64))?;
    assert_eq!(full.accuracy, batched.accuracy);
    assert!((full.loss - batched.loss).abs() < 1e-5);
    let p = model.predict(&x)?;
    let pb = model.predict_batched(&x, 7)?;
    assert!(p.iter().zip(pb.iter()).all(|(a, b)| (a - b).abs() < 1e-6));
    Ok(())
}

/// The model's weights, in visitor order, as f64.
fn weight_values(model: &Model) -> Vec<f64> {
    let mut out = Vec::new();
    for node in model.layers() {
        node.visit_params(&mut |p: &Param| out.extend(p.value.iter().map(|&v| f64::from(v))));
    }
    out
}

/// Clipping by global norm bounds SGD's step (lr 1: the step is the clipped gradient) to the
/// norm; a bound far above the gradient's norm changes nothing; clipping every entry to 0 stops
/// the update; and `fit` clips every step as `train_batch_with` does.
#[test]
fn clipping_bounds_each_update() -> TestResult {
    use dendrite_optim::{Clip, GradNorm, Sgd, SgdConfig};
    let (x, y, _, _) = data();
    let sgd = || Sgd::new(SgdConfig { learning_rate: 1.0, ..SgdConfig::default() });
    let build = || -> Result<Model, Box<dyn std::error::Error>> {
        Ok(Model::builder(2)
            .dense(16)
            .relu()
            .dense(3)
            .softmax()
            .loss(LossKind::CategoricalCrossEntropy)
            .optimizer(sgd()?)
            .seed(4)
            .build()?)
    };
    let start = weight_values(&build()?);
    let step_norm = |model: &Model| -> f64 {
        weight_values(model).iter().zip(&start).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
    };

    let mut plain = build()?;
    plain.train_batch(&x, Targets::Classes(&y))?;
    let unclipped = step_norm(&plain);
    assert!(unclipped > 1e-3, "{unclipped}");

    let mut clipped = build()?;
    clipped.train_batch_with(
        &x,
        Targets::Classes(&y),
        Some(Clip::Norm { max_norm: 1e-3, norm: GradNorm::L2 }),
    )?;
    let norm = step_norm(&clipped);
    assert!(norm <= 1e-3 && norm > 0.999e-3, "{norm}");

    let mut loose = build()?;
    loose.train_batch_with(
        &x,
        Targets::Classes(&y),
        Some(Clip::Norm { max_norm: 1e6, norm: GradNorm::L2 }),
    )?;
    assert_eq!(weight_values(&loose), weight_values(&plain));

    let mut frozen = build()?;
    frozen.train_batch_with(&x, Targets::Classes(&y), Some(Clip::Value(0.0)))?;
    assert_eq!(weight_values(&frozen), start);

    let mut fitted = build()?;
    let clip = Some(Clip::Norm { max_norm: 1e-3, norm: GradNorm::Inf });
    fitted.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 3, report: Report::Quiet, clip, ..FitOptions::default() },
    )?;
    let mut stepped = build()?;
    for _ in 0..3 {
        stepped.train_batch_with(&x, Targets::Classes(&y), clip)?;
    }
    assert_eq!(weight_values(&fitted), weight_values(&stepped));
    Ok(())
}

/// A divergence gives back the epochs that finished before it, and a CSV logger's file holds
/// every one of them.
#[test]
fn a_divergence_returns_the_finished_epochs_and_the_log_keeps_them() -> TestResult {
    let (x, y, _, _) = data();
    let mut model = poisoned_model(7, false)?;
    let log = std::env::temp_dir().join(format!("dendrite-fit-log-{}.csv", std::process::id()));
    let options = FitOptions {
        epochs: 5,
        batch_size: Some(100),
        report: Report::Quiet,
        on_epoch_end: Some(dendrite_model::CsvLogger::create(&log)?.into_hook()),
        ..FitOptions::default()
    };
    // Three steps per epoch: the eighth call is epoch 3 (batches count from 1), so epochs 1
    // and 2 finished.
    let err = model.fit(&x, Targets::Classes(&y), options).unwrap_err();
    let Error::NonFinite { epoch, history, .. } = err else { panic!("{err}") };
    assert_eq!(epoch, 3);
    assert_eq!(history.epochs.iter().map(|r| r.epoch).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(History::read_csv(std::fs::File::open(&log)?)?, history);
    std::fs::remove_file(&log)?;
    Ok(())
}

/// Early stopping on a maximized metric from a given epoch: the run stops where the known
/// accuracies of the same run without stopping say it must, with the best epoch's weights.
#[test]
fn early_stopping_on_a_maximized_metric_stops_where_the_values_say() -> TestResult {
    use dendrite_model::Monitor;
    let (x, y, _, _) = data();
    let options = |early_stopping| FitOptions {
        epochs: 60,
        report: Report::Quiet,
        early_stopping,
        ..FitOptions::default()
    };
    let full = spiral_model(3)?.fit(&x, Targets::Classes(&y), options(None))?;
    let (patience, start) = (4, 10);
    // By hand: from epoch `start` on, the best accuracy so far, and the first epoch that is
    // `patience` epochs past the last improvement.
    let mut best = f64::NEG_INFINITY;
    let mut since = 0;
    let mut stop_after = full.epochs.len();
    for (k, r) in full.epochs.iter().enumerate().skip(start) {
        if r.accuracy > best {
            best = r.accuracy;
            since = 0;
        } else {
            since += 1;
            if since >= patience {
                stop_after = k + 1;
                break;
            }
        }
    }
    assert!(stop_after < full.epochs.len(), "the known run must plateau within 60 epochs");
    let stopping = EarlyStopping {
        monitor: Monitor::Accuracy,
        patience,
        start_from_epoch: start,
        restore_best_weights: false,
        ..EarlyStopping::default()
    };
    let stopped = spiral_model(3)?.fit(&x, Targets::Classes(&y), options(Some(stopping)))?;
    assert_eq!(stopped.epochs.len(), stop_after);
    assert_eq!(stopped.epochs[..], full.epochs[..stop_after]);
    Ok(())
}

/// Reduce-on-plateau in `fit`. With a rate too small to move any weight, the monitored loss is
/// the same every epoch, so the rate must halve after every `patience + 1` epochs (with the
/// cooldown's epochs not counted), down to the floor. On a real run, the rates recorded equal
/// those of a `ReduceOnPlateau` fed the recorded values by hand.
#[test]
fn reduce_on_plateau_lowers_the_rate_where_the_values_say() -> TestResult {
    use dendrite_model::{LrPlateau, Monitor};
    use dendrite_optim::{PlateauConfig, ReduceOnPlateau, Sgd, SgdConfig};
    let (x, y, vx, vy) = data();
    // No minimum reduction (eps): the rate is far below PyTorch's default of 1e-8.
    let config = PlateauConfig {
        patience: 2,
        factor: 0.5,
        cooldown: 1,
        min_lr: 1e-12 / 8.0,
        eps: 0.0,
        ..PlateauConfig::default()
    };
    let mut frozen = Model::builder(2)
        .dense(8)
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Sgd::new(SgdConfig { learning_rate: 1e-12, ..SgdConfig::default() })?)
        .reduce_on_plateau(LrPlateau::new(Monitor::Loss, config)?)
        .build()?;
    let history = frozen.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 16, report: Report::Quiet, ..FitOptions::default() },
    )?;
    assert!(history.epochs.windows(2).all(|w| w[0].loss == w[1].loss), "the loss stands still");
    // Epoch 0 sets the best; epochs 1–3 are bad, so the rate halves after epoch 3; epoch 4 is
    // cooldown, 5–7 bad: halved after 7; then after 11 and 15, where the floor holds it.
    let rates: Vec<f64> = history.epochs.iter().map(|r| r.learning_rate / 1e-12).collect();
    let want = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.125];
    for (got, want) in rates.iter().zip(want) {
        assert!((got - want).abs() < 1e-9, "{rates:?}");
    }
    assert_eq!(frozen.optimizer().base_learning_rate(), 1e-12 / 8.0, "the floor");

    // A learning run, watched on the validation accuracy (maximized).
    let config = PlateauConfig { patience: 1, factor: 0.7, threshold: 0.0, ..PlateauConfig::default() };
    let mut model = spiral_model(4)?;
    model.set_plateau(Some(LrPlateau::new(Monitor::ValidationAccuracy, config)?));
    let options = FitOptions {
        epochs: 60,
        validation: Some((&vx, Targets::Classes(&vy))),
        report: Report::Quiet,
        print_every: 0,
        ..FitOptions::default()
    };
    let history = model.fit(&x, Targets::Classes(&y), options)?;
    let mut by_hand =
        ReduceOnPlateau::new(PlateauConfig { mode: dendrite_optim::PlateauMode::Max, ..config })?;
    let (mut base, mut reductions) = (0.05, 0);
    for pair in history.epochs.windows(2) {
        let next = by_hand.step(pair[0].validation_accuracy.ok_or("validated")?, base);
        reductions += usize::from(next < base);
        base = next;
        // Adam's rate of the next epoch's last step, with the book's decay on the new base.
        let steps = (pair[1].epoch + 1) as f64;
        let want = base / (1.0 + 5e-5 * (steps - 1.0));
        assert!((pair[1].learning_rate - want).abs() < 1e-12 * want, "epoch {}", pair[1].epoch);
    }
    assert!(reductions >= 2, "the run plateaus and the rate falls ({reductions} reductions)");
    Ok(())
}

/// The checkpoint callback: periodic files (the last two kept) and the best epoch by the
/// validation loss, which loads with that epoch's counter; training resumed from a periodic file
/// ends at the uninterrupted run's weights.
#[test]
fn checkpoints_keep_the_last_files_and_the_best_epoch() -> TestResult {
    use dendrite_model::{Checkpoints, Monitor};
    let (x, y, vx, vy) = data();
    let dir = std::env::temp_dir().join(format!("dendrite-fit-checkpoints-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = |epochs, hook| FitOptions {
        epochs,
        batch_size: Some(64),
        validation: Some((&vx, Targets::Classes(&vy))),
        on_epoch_end: hook,
        report: Report::Quiet,
        ..FitOptions::default()
    };
    let hook = Checkpoints::every(&dir, 3).keep_last(2).best(Monitor::ValidationLoss).into_hook();
    let mut model = spiral_model(6)?;
    let history = model.fit(&x, Targets::Classes(&y), options(20, Some(hook)))?;
    // Batches number epochs from 1: every third of 1..=20 is 3, 6, …, 18; the last two stay.
    let mut files: Vec<String> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    files.sort();
    assert_eq!(files, ["checkpoint-best.dnd", "checkpoint-epoch-00015.dnd", "checkpoint-epoch-00018.dnd"]);
    let losses: Vec<f64> =
        history.epochs.iter().map(|r| r.validation_loss.unwrap_or(f64::INFINITY)).collect();
    let best = (0..losses.len()).min_by(|&a, &b| losses[a].total_cmp(&losses[b])).ok_or("epochs")?;
    let best_model = Model::load(dir.join("checkpoint-best.dnd"))?;
    assert_eq!(best_model.epochs(), best + 1, "the best file holds epoch {}", history.epochs[best].epoch);
    let v = best_model.evaluate(&vx, Targets::Classes(&vy))?;
    assert!((f64::from(v.loss) - losses[best]).abs() < 1e-6, "{} vs {}", v.loss, losses[best]);

    let mut resumed = Model::load(dir.join("checkpoint-epoch-00015.dnd"))?;
    resumed.fit(&x, Targets::Classes(&y), options(5, None))?;
    assert!(weights(&resumed) == weights(&model), "15 + 5 epochs equal 20");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Every parameter's gradient, in visitor order.
fn gradients(model: &Model) -> Vec<f64> {
    let mut out = Vec::new();
    model.visit_params(&mut |p| out.extend(p.grad.iter().map(|&g| f64::from(g))));
    out
}

/// A weighted step's gradients are `Σ w_i · ∇l_i / n`, from the per-sample gradients of
/// one-row steps, for the fused softmax head and a plain loss, in one pass and in tiles; its
/// loss is `Σ w_i · l_i / n`. Unit weights train to the unweighted bits.
#[test]
fn weighted_steps_have_the_weighted_gradients() -> TestResult {
    use dendrite_optim::{Sgd, SgdConfig};
    let (x, y, _, _) = data();
    let sgd = || Sgd::new(SgdConfig { learning_rate: 1e-30, ..SgdConfig::default() });
    type Build = fn(Sgd) -> Result<Model, Error>;
    let builds: [(&str, Build); 2] = [
        ("softmax + cross-entropy", |sgd| {
            Model::builder(2)
                .dense(24)
                .tanh()
                .dense(16)
                .relu()
                .dense(3)
                .softmax()
                .loss(LossKind::CategoricalCrossEntropy)
                .optimizer(sgd)
                .seed(8)
                .build()
        }),
        ("sigmoid + binary cross-entropy", |sgd| {
            Model::builder(2)
                .dense(12)
                .relu()
                .dense(3)
                .sigmoid()
                .loss(LossKind::BinaryCrossEntropy)
                .optimizer(sgd)
                .seed(8)
                .build()
        }),
    ];
    for (name, build) in builds {
        // 3,000 rows run in tiles, 40 in one pass.
        for rows in [40, 3000] {
            let xs = Matrix::from_fn(rows, 2, |i, j| x[(i % x.nrows(), j)]);
            let labels: Vec<usize> = (0..rows).map(|i| y[i % y.len()]).collect();
            let one_hot = Matrix::from_fn(rows, 3, |i, j| f32::from(u8::from(labels[i] == j)));
            let targets = |k: std::ops::Range<usize>| -> (Vec<usize>, Matrix) {
                let oh = Matrix::from_fn(k.len(), 3, |i, j| one_hot[(k.start + i, j)]);
                (labels[k].to_vec(), oh)
            };
            let weights: Vec<f32> = (0..rows).map(|i| [0.0, 0.5, 1.0, 3.0][i % 4]).collect();
            let mut model = build(sgd()?)?;
            let binary = model.loss() == LossKind::BinaryCrossEntropy;
            let (all_labels, all_hot) = targets(0..rows);
            let t = if binary { Targets::Values(&all_hot) } else { Targets::Classes(&all_labels) };
            let stats = model.train_batch_weighted(&xs, t, &weights, None)?;
            let weighted = gradients(&model);
            let (mut expected, mut loss) = (vec![0.0; weighted.len()], 0.0);
            // One-row steps on a copy: per-sample gradients and losses (every 7th row keeps
            // the check quick; the others get weight 0 in both).
            let mut reference = build(sgd()?)?;
            let mut used = vec![0.0f32; rows];
            for i in (0..rows).step_by(7) {
                used[i] = weights[i];
                let xi = Matrix::from_fn(1, 2, |_, j| xs[(i, j)]);
                let (li, hi) = targets(i..i + 1);
                let ti = if binary { Targets::Values(&hi) } else { Targets::Classes(&li) };
                let s = reference.train_batch(&xi, ti)?;
                loss += f64::from(used[i]) * s.data_loss / rows as f64;
                for (e, g) in expected.iter_mut().zip(gradients(&reference)) {
                    *e += f64::from(used[i]) * g / rows as f64;
                }
            }
            let stats_used = model.train_batch_weighted(&xs, t, &used, None)?;
            let got = gradients(&model);
            let scale = expected.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!((g - e).abs() <= 1e-5 * scale, "{name}, {rows} rows, gradient {k}: {g} vs {e}");
            }
            assert!(
                (stats_used.data_loss - loss).abs() < 1e-5 * loss,
                "{name}: {} vs {loss}",
                stats_used.data_loss
            );
            assert!(weighted != got && stats.data_loss != stats_used.data_loss, "the weights matter");
        }
    }

    // Unit weights: the same bits as no weights (a network the sweep does not train).
    let (_, _, vx, vy) = data();
    let unit = vec![1.0f32; y.len()];
    let fit = |sample_weights: Option<&[f32]>| -> Result<Vec<u32>, Error> {
        let mut m =
            builds[0].1(Sgd::new(SgdConfig { learning_rate: 0.5, momentum: 0.5, ..SgdConfig::default() })?)?;
        m.fit(
            &x,
            Targets::Classes(&y),
            FitOptions {
                epochs: 5,
                batch_size: Some(64),
                sample_weights,
                report: Report::Quiet,
                validation: Some((&vx, Targets::Classes(&vy))),
                ..FitOptions::default()
            },
        )?;
        Ok(weights(&m))
    };
    assert!(fit(Some(&unit))? == fit(None)?, "unit weights change nothing");
    Ok(())
}

/// Two overlapping clouds, 95 % of class 0 and 5 % of class 1.
fn imbalanced(rows: usize, rng: &mut Rng) -> (Matrix, Vec<usize>) {
    let y: Vec<usize> = (0..rows).map(|i| usize::from(i % 20 == 0)).collect();
    let x = Matrix::from_fn(rows, 2, |i, _| rng.normal_f32() + if y[i] == 1 { 1.5 } else { 0.0 });
    (x, y)
}

/// On a 95/5 data set, class weights (the inverse frequencies) raise the minority class's
/// recall on held-out data well above what unweighted training reaches.
#[test]
fn class_weights_raise_the_minority_recall() -> TestResult {
    let mut rng = Rng::seed_from_u64(21);
    let (x, y) = imbalanced(2000, &mut rng);
    let (tx, ty) = imbalanced(2000, &mut rng);
    let recall = |class_weights: Option<&[f32]>| -> Result<f64, Error> {
        let mut model = Model::builder(2)
            .dense(16)
            .relu()
            .dense(2)
            .softmax()
            .loss(LossKind::CategoricalCrossEntropy)
            .optimizer(Adam::new(AdamConfig { learning_rate: 0.01, ..AdamConfig::default() })?)
            .seed(2)
            .build()?;
        let options = FitOptions {
            epochs: 20,
            batch_size: Some(64),
            class_weights,
            report: Report::Quiet,
            ..FitOptions::default()
        };
        model.fit(&x, Targets::Classes(&y), options)?;
        Ok(model.evaluate_metrics(&tx, &ty)?.class_scores(1).recall)
    };
    let (plain, weighted) = (recall(None)?, recall(Some(&[1.0, 19.0]))?);
    assert!(plain < 0.3, "unweighted, the minority is mostly missed: recall {plain}");
    assert!(weighted > 0.6 && weighted > plain + 0.3, "weighted recall {weighted} against {plain}");
    Ok(())
}

/// Bad weights are errors that say what is wrong.
#[test]
fn bad_weights_are_clear_errors() -> TestResult {
    let (x, y, _, _) = data();
    let mut model = spiral_model(1)?;
    let fit = |model: &mut Model, class_weights: Option<&[f32]>, sample_weights: Option<&[f32]>| {
        let options =
            FitOptions { class_weights, sample_weights, report: Report::Quiet, ..FitOptions::default() };
        model.fit(&x, Targets::Classes(&y), options).unwrap_err().to_string()
    };
    assert!(fit(&mut model, None, Some(&[1.0; 3])).contains("3 sample weights for 300 samples"));
    assert!(fit(&mut model, Some(&[1.0, -1.0, 1.0]), None).contains("weight 1 is -1"));
    assert!(fit(&mut model, Some(&[1.0, 1.0]), None).contains("of class 2, but 2 class weights"));
    assert!(fit(&mut model, Some(&[0.0; 3]), None).contains("every weight is zero"));
    let mut regression = Model::builder(2).dense(2).linear().loss(LossKind::MeanSquaredError).build()?;
    let targets = Matrix::from_fn(x.nrows(), 2, |i, j| x[(i, j)] * 0.5);
    let options =
        FitOptions { class_weights: Some(&[1.0, 2.0]), report: Report::Quiet, ..FitOptions::default() };
    let err = regression.fit(&x, Targets::Values(&targets), options).unwrap_err();
    assert!(err.to_string().contains("class weights need class targets"), "{err}");
    Ok(())
}

/// Each epoch's record carries the validation's macro precision, recall and F1: those of
/// `evaluate_metrics` on the model after that epoch. They survive CSV and JSON, and early
/// stopping and checkpoints can watch them.
#[test]
fn epochs_record_the_validation_scores() -> TestResult {
    use dendrite_model::Monitor;
    let (x, y, vx, vy) = data();
    let (vx2, vy2) = (vx.clone(), vy.clone());
    let hook: dendrite_model::EpochHook<'_> = Box::new(move |model, record| {
        let m = model.evaluate_metrics(&vx2, &vy2)?.macro_avg();
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-12);
        if !(close(record.validation_precision, m.precision)
            && close(record.validation_recall, m.recall)
            && close(record.validation_f1, m.f1))
        {
            return Err(format!("epoch {}: {record:?} against {m:?}", record.epoch).into());
        }
        Ok(Flow::Continue)
    });
    let stopping = EarlyStopping { monitor: Monitor::ValidationF1, patience: 3, ..EarlyStopping::default() };
    let options = FitOptions {
        epochs: 40,
        batch_size: Some(50),
        validation: Some((&vx, Targets::Classes(&vy))),
        early_stopping: Some(stopping),
        on_epoch_end: Some(hook),
        report: Report::Quiet,
        ..FitOptions::default()
    };
    let history = spiral_model(2)?.fit(&x, Targets::Classes(&y), options)?;
    assert!(history.epochs.iter().all(|r| r.validation_f1.is_some()));
    let mut csv = Vec::new();
    history.write_csv(&mut csv)?;
    assert_eq!(History::read_csv(csv.as_slice())?, history);
    let header = String::from_utf8(csv)?.lines().next().unwrap_or_default().to_owned();
    assert!(header.ends_with("validation_precision,validation_recall,validation_f1"), "{header}");
    // A file of the earlier layout, without the scores, still reads.
    let old = "epoch,loss,data_loss,regularization_loss,accuracy,learning_rate,validation_loss,validation_accuracy\n\
               1,1.0,0.9,0.1,0.5,0.05,,\n";
    assert_eq!(History::read_csv(old.as_bytes())?.epochs[0].validation_f1, None);
    // A regression model records none.
    let mut regression = Model::builder(2).dense(2).linear().loss(LossKind::MeanSquaredError).build()?;
    let targets = Matrix::from_fn(x.nrows(), 2, |i, j| x[(i, j)] * 0.5);
    let options = FitOptions {
        epochs: 2,
        validation: Some((&x, Targets::Values(&targets))),
        report: Report::Quiet,
        ..FitOptions::default()
    };
    let h = regression.fit(&x, Targets::Values(&targets), options)?;
    assert!(h.epochs.iter().all(|r| r.validation_f1.is_none() && r.validation_loss.is_some()));
    Ok(())
}
