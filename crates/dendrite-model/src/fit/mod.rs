//! Training: `Model::fit` runs epochs of steps over batches, validates, reports and stops
//! early; `Model::train_batch` is one step for loops of one's own.

mod checkpoint;
mod options;
mod printer;
mod stopping;

pub use checkpoint::Checkpoints;
use dendrite_losses::{Targets, regularization_loss};
use dendrite_optim::Clip;
use dendrite_tensor::{Matrix, Parameterized};
pub use options::{EarlyStopping, EpochHook, FitOptions, Flow, LrPlateau, Monitor, Report, StepStats};
use printer::Printer;
use stopping::Stopper;

use crate::batch::{Batch, ShuffledBatches};
use crate::plan::{At, Scoring};
use crate::printout::stats;
use crate::{EpochRecord, Error, Evaluation, History, Model, Result};

/// How a fit's epochs walk the data, decided once.
#[derive(Debug, Clone, Copy)]
struct Walk {
    rows: usize,
    /// Batches of the given size (the book's model chapter), or the full batch.
    batched: bool,
    batch_size: usize,
    steps: usize,
    shuffle: bool,
    print_every: usize,
    clip: Option<Clip>,
}

/// The buffers of a fit's epochs, reused from epoch to epoch.
#[derive(Default)]
struct EpochBuffers {
    order: Vec<usize>,
    /// A batch's targets (and, unshuffled, its inputs).
    batch: Batch,
    /// A shuffled epoch's batches, gathered up front in the epoch's order.
    shuffled: ShuffledBatches,
    /// A shuffled batch's sample weights.
    weights: Vec<f32>,
}

/// What an epoch's steps measured.
#[derive(Debug, Clone, Copy)]
struct EpochSums {
    data_loss: f64,
    accuracy: f64,
    reg_loss: f64,
}

impl Model {
    /// Trains the model on `(x, y)` and returns the per-epoch history.
    ///
    /// Full-batch training prints the book's early chapters' lines (`epoch: 0, acc: …` every
    /// `print_every` epochs, then `validation, acc: …, loss: …` once at the end); training in
    /// batches prints its model chapter's (`epoch: 1`, `step: …` every `print_every` steps and
    /// at the last step, `training, …`, and `validation, …` after every epoch).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for zero epochs or a zero batch size; [`Error::InvalidData`]
    /// for inputs or targets that do not fit the model (width, length, NaN, label range, kind);
    /// [`Error::NonFinite`] when training produces a NaN or infinity; [`Error::Callback`] when
    /// the end-of-epoch hook fails.
    pub fn fit(&mut self, x: &Matrix, y: Targets<'_>, mut options: FitOptions<'_>) -> Result<History> {
        self.check_fit(x, y, &options)?;
        self.accuracy = self.accuracy.fitted_to(y);
        let weights = sample_weights(x.nrows(), y, options.class_weights, options.sample_weights)?;
        let prepared = self.preprocessing.apply(x)?;
        let x = prepared.as_ref().unwrap_or(x);
        let rows = x.nrows();
        let batched = options.batch_size.is_some();
        let batch_size = options.batch_size.unwrap_or(rows).min(rows);
        let walk = Walk {
            rows,
            batched,
            batch_size,
            steps: rows.div_ceil(batch_size),
            shuffle: options.shuffle.unwrap_or(batched),
            print_every: options.print_every,
            clip: options.clip,
        };
        let first_epoch = self.epochs + usize::from(batched);
        let mut buffers = EpochBuffers { order: (0..rows).collect(), ..EpochBuffers::default() };
        // Room for every record up front: an epoch's bookkeeping allocates nothing.
        let mut history = History { epochs: Vec::with_capacity(options.epochs.min(1 << 20)) };
        let mut stopper = options.early_stopping.map(Stopper::new);
        let mut printer =
            Printer::new(&mut options.report, options.progress_bar, options.epochs * walk.steps);
        let mut last_validation: Option<Evaluation> = None;

        for e in 0..options.epochs {
            let epoch = first_epoch + e;
            let data = (x, y, weights.as_deref());
            let sums = match self.train_epoch(data, epoch, walk, &mut buffers, &mut printer) {
                Ok(sums) => sums,
                // A divergence gives back the epochs that completed before it.
                Err(Error::NonFinite { epoch, step, layer, what, .. }) => {
                    printer.finish();
                    return Err(Error::NonFinite { epoch, step, layer, what, history });
                }
                Err(e) => return Err(e),
            };
            // Every epoch whenever something watches the epochs' values (a hook, such as the
            // checkpoints, may watch the validation's).
            let validate_now = batched
                || stopper.is_some()
                || self.plateau.is_some()
                || options.on_epoch_end.is_some()
                || e + 1 == options.epochs
                || (walk.print_every > 0 && epoch.is_multiple_of(walk.print_every));
            let validation = match options.validation {
                Some((vx, vy)) if validate_now => {
                    let (v, scores) = self.validate(vx, vy, options.batch_size)?;
                    if batched {
                        printer
                            .line(|| format!("validation, acc: {:.3}, loss: {:.3}", v.accuracy, v.loss))?;
                    }
                    last_validation = Some(v);
                    Some((v, scores))
                }
                _ => None,
            };
            let scores = validation.and_then(|(_, s)| s);
            let record = EpochRecord {
                epoch,
                loss: sums.data_loss + sums.reg_loss,
                data_loss: sums.data_loss,
                regularization_loss: sums.reg_loss,
                accuracy: sums.accuracy,
                learning_rate: self.optimizer.learning_rate(),
                validation_loss: validation.map(|(v, _)| f64::from(v.loss)),
                validation_accuracy: validation.map(|(v, _)| f64::from(v.accuracy)),
                validation_precision: scores.map(|s| s.precision),
                validation_recall: scores.map(|s| s.recall),
                validation_f1: scores.map(|s| s.f1),
            };
            history.epochs.push(record);
            self.epochs += 1;
            if let Some(plateau) = self.plateau.as_mut() {
                plateau.observe(&record, self.optimizer.as_mut())?;
            }

            let mut flow = stopper.as_mut().map_or(Flow::Continue, |s| s.observe(&record, &self.nodes));
            if let Some(hook) = options.on_epoch_end.as_mut()
                && hook(self, &record).map_err(Error::Callback)? == Flow::Stop
            {
                flow = Flow::Stop;
            }
            if flow == Flow::Stop {
                break;
            }
        }
        printer.finish();
        if let Some(stopper) = stopper {
            stopper.restore(&mut self.nodes);
        }
        if !batched && let Some(v) = last_validation {
            printer.line(|| format!("validation, acc: {:.3}, loss: {:.3}", v.accuracy, v.loss))?;
        }
        Ok(history)
    }

    /// The settings and the data of a fit, checked before anything trains.
    fn check_fit(&self, x: &Matrix, y: Targets<'_>, options: &FitOptions<'_>) -> Result<()> {
        if options.epochs == 0 {
            return Err(Error::InvalidSetting("epochs must be at least 1".to_owned()));
        }
        if options.batch_size == Some(0) {
            return Err(Error::InvalidSetting("batch size must be at least 1".to_owned()));
        }
        self.check_data(x, y)?;
        if let Some((vx, vy)) = options.validation {
            self.check_data(vx, vy).map_err(|e| match e {
                Error::InvalidData(m) => Error::InvalidData(format!("validation data: {m}")),
                other => other,
            })?;
        }
        Ok(())
    }

    /// One epoch's steps over the prepared inputs `x`, with their printout.
    fn train_epoch(
        &mut self,
        (x, y, weights): (&Matrix, Targets<'_>, Option<&[f32]>),
        epoch: usize,
        walk: Walk,
        buffers: &mut EpochBuffers,
        printer: &mut Printer<'_, '_>,
    ) -> Result<EpochSums> {
        let Walk { rows, batched, batch_size, steps, shuffle, print_every, clip } = walk;
        if batched {
            printer.line(|| format!("epoch: {epoch}"))?;
        }
        let EpochBuffers { order, batch, shuffled, weights: batch_weights } = buffers;
        if shuffle {
            // From the identity each epoch, so that an epoch's order depends only on the
            // generator's state (which a checkpoint restores), not on earlier epochs.
            for (i, o) in order.iter_mut().enumerate() {
                *o = i;
            }
            self.rng.shuffle(order);
            shuffled.gather(x, order, batch_size);
        }
        let (mut loss_sum, mut hits, mut count, mut last_reg) = (0.0f64, 0usize, 0usize, 0.0f64);
        for step in 0..steps {
            let start = step * batch_size;
            let len = batch_size.min(rows - start);
            let lr_before = self.optimizer.learning_rate();
            let at = At { epoch, step };
            let s = if shuffle {
                let rows = &order[start..start + len];
                batch.gather_targets(y, rows);
                let w = weights.map(|w| {
                    batch_weights.clear();
                    batch_weights.extend(rows.iter().map(|&r| w[r]));
                    batch_weights.as_slice()
                });
                self.train_step(shuffled.batch(step), batch.targets(y), w, clip, at)?
            } else if steps == 1 {
                self.train_step(x, y, weights, clip, at)?
            } else {
                batch.gather_range(x, y, start, len);
                let w = weights.map(|w| &w[start..start + len]);
                self.train_step(&batch.x, batch.targets(y), w, clip, at)?
            };
            loss_sum += s.data_loss * len as f64;
            hits += s.hits;
            count += s.count;
            last_reg = s.reg_loss;
            printer.tick();
            if print_every == 0 {
                continue;
            }
            let acc = s.hits as f64 / s.count.max(1) as f64;
            if !batched && epoch.is_multiple_of(print_every) {
                printer
                    .line(|| format!("epoch: {epoch}, {}", stats(acc, s.data_loss, s.reg_loss, lr_before)))?;
            } else if batched && (step % print_every == 0 || step + 1 == steps) {
                let lr = self.optimizer.learning_rate();
                printer.line(|| format!("step: {step}, {}", stats(acc, s.data_loss, s.reg_loss, lr)))?;
            }
        }
        let data_loss = loss_sum / rows as f64;
        let accuracy = hits as f64 / count.max(1) as f64;
        // Full batch: the values of the step, measured before its update (as the book's early
        // chapters print them); batches: the penalty at the end of the epoch.
        let reg_loss = if batched { f64::from(regularization_loss(&self.nodes)) } else { last_reg };
        if batched {
            let lr = self.optimizer.learning_rate();
            printer.line(|| format!("training, {}", stats(accuracy, data_loss, reg_loss, lr)))?;
        }
        Ok(EpochSums { data_loss, accuracy, reg_loss })
    }

    /// The evaluation of checked validation data, with the model's validation buffers, and a
    /// classifier's macro-averaged scores.
    fn validate(
        &mut self,
        x: &Matrix,
        y: Targets<'_>,
        batch_size: Option<usize>,
    ) -> Result<(Evaluation, Option<crate::Scores>)> {
        let mut ws = std::mem::take(&mut self.validation_workspace);
        let v = self.evaluate_scored(x, y, batch_size, &mut ws);
        self.validation_workspace = ws;
        v
    }

    /// One training step on one batch, for loops of one's own (and benchmarks): a forward pass
    /// in training mode, the backward pass and the optimizer's update. It applies the model's
    /// preprocessing and checks the batch as `fit` does; it counts no epoch.
    ///
    /// # Errors
    /// As [`Model::fit`] for bad data; [`Error::NonFinite`] (epoch and step 0) on divergence.
    pub fn train_batch(&mut self, x: &Matrix, y: Targets<'_>) -> Result<StepStats> {
        self.train_batch_with(x, y, None)
    }

    /// [`Model::train_batch`] with the gradients clipped (when `clip` is given) before the
    /// update.
    ///
    /// # Errors
    /// As [`Model::train_batch`].
    pub fn train_batch_with(&mut self, x: &Matrix, y: Targets<'_>, clip: Option<Clip>) -> Result<StepStats> {
        self.check_data(x, y)?;
        let prepared = self.preprocessing.apply(x)?;
        self.train_step(prepared.as_ref().unwrap_or(x), y, None, clip, At { epoch: 0, step: 0 })
    }

    /// [`Model::train_batch_with`] with one weight per sample: the step minimizes
    /// `Σ w_i · l_i / n` (the convention of [`FitOptions::sample_weights`]).
    ///
    /// # Errors
    /// As [`Model::train_batch`]; [`Error::InvalidData`] for weights that are not one
    /// non-negative finite value per sample, or all zero.
    pub fn train_batch_weighted(
        &mut self,
        x: &Matrix,
        y: Targets<'_>,
        weights: &[f32],
        clip: Option<Clip>,
    ) -> Result<StepStats> {
        self.check_data(x, y)?;
        check_weights("sample weights", weights, Some(x.nrows()))?;
        let prepared = self.preprocessing.apply(x)?;
        self.train_step(prepared.as_ref().unwrap_or(x), y, Some(weights), clip, At { epoch: 0, step: 0 })
    }

    /// One forward pass, backward pass, clipping and update on a batch.
    fn train_step(
        &mut self,
        x: &Matrix,
        y: Targets<'_>,
        weights: Option<&[f32]>,
        clip: Option<Clip>,
        at: At,
    ) -> Result<StepStats> {
        let At { epoch, step } = at;
        let scoring = Scoring { loss: self.loss, accuracy: self.accuracy, at, weights };
        let (data_loss, hits, count) =
            self.plan.gradients(&mut self.nodes, scoring, x, y, &mut self.workspace)?;
        let reg_loss = f64::from(regularization_loss(&self.nodes));
        for (i, node) in self.nodes.iter().enumerate() {
            let mut bad = None;
            node.visit_params(&mut |p| {
                // A fold, not `all`: it vectorizes (no early exit), and divergence is rare.
                if bad.is_none() && !p.grad.as_slice().iter().fold(true, |ok, v| ok & v.is_finite()) {
                    bad = Some(p.name());
                }
            });
            if let Some(name) = bad {
                return Err(Error::NonFinite {
                    epoch,
                    step,
                    layer: format!("layer {i} ({})", node.describe()),
                    what: format!("gradient of {name}"),
                    history: History::default(),
                });
            }
        }
        if let Some(clip) = clip {
            clip.apply(&mut self.nodes);
        }
        self.optimizer.step(&mut self.nodes)?;
        Ok(StepStats { data_loss, reg_loss, hits, count })
    }
}

/// Checks weights: finite, non-negative, not all zero, and `len` of them when given.
fn check_weights(what: &str, weights: &[f32], len: Option<usize>) -> Result<()> {
    if let Some(len) = len
        && weights.len() != len
    {
        return Err(Error::InvalidData(format!("{} {what} for {len} samples", weights.len())));
    }
    if let Some(i) = weights.iter().position(|w| !(*w >= 0.0 && w.is_finite())) {
        return Err(Error::InvalidData(format!(
            "{what}: weight {i} is {}, not a non-negative finite number",
            weights[i]
        )));
    }
    if !weights.iter().any(|&w| w > 0.0) {
        return Err(Error::InvalidData(format!("{what}: every weight is zero")));
    }
    Ok(())
}

/// The weight of each training sample: its sample weight times its class's weight (as Keras
/// combines them), or `None` when neither is given.
fn sample_weights(
    rows: usize,
    y: Targets<'_>,
    class_weights: Option<&[f32]>,
    sample_weights: Option<&[f32]>,
) -> Result<Option<Vec<f32>>> {
    if class_weights.is_none() && sample_weights.is_none() {
        return Ok(None);
    }
    let mut weights = vec![1.0f32; rows];
    if let Some(s) = sample_weights {
        check_weights("sample weights", s, Some(rows))?;
        weights.copy_from_slice(s);
    }
    if let Some(c) = class_weights {
        check_weights("class weights", c, None)?;
        for (i, w) in weights.iter_mut().enumerate() {
            let class = match y {
                Targets::Classes(labels) => labels[i],
                // Binary targets in one column: the class is the 0 or 1 of the target.
                Targets::Values(v) if v.ncols() == 1 && (v[i] == 0.0 || v[i] == 1.0) => v[i] as usize,
                Targets::Values(_) => {
                    return Err(Error::InvalidData(
                        "class weights need class targets: class indices, or one column of 0 and 1"
                            .to_owned(),
                    ));
                }
            };
            let cw = c.get(class).ok_or_else(|| {
                Error::InvalidData(format!(
                    "sample {i} is of class {class}, but {} class weights were given",
                    c.len()
                ))
            })?;
            *w *= cw;
        }
    }
    check_weights("sample weights", &weights, None)?;
    Ok(Some(weights))
}
