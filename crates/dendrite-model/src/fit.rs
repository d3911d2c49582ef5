//! Training: `Model::fit`, its options, early stopping and the end-of-epoch hook.

use std::io::{IsTerminal, Write};

use dendrite_losses::{Targets, regularization_loss};
use dendrite_tensor::{Matrix, Parameterized};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::batch::{Batch, ShuffledBatches};
use crate::plan::At;
use crate::printout::stats;
use crate::{EpochRecord, Error, Evaluation, History, Model, Result};

/// Whether training goes on after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop after this epoch (its record is kept).
    Stop,
}

/// Code run after every epoch with the model and the epoch's record (checkpointing uses it).
/// An `Err` stops training with [`Error::Callback`].
pub type EpochHook<'a> = Box<
    dyn FnMut(&Model, &EpochRecord) -> std::result::Result<Flow, Box<dyn std::error::Error + Send + Sync>>
        + 'a,
>;

/// Where the book's printout goes.
pub enum Report<'a> {
    /// Standard output (the default).
    Stdout,
    /// Nowhere.
    Quiet,
    /// Any writer (a test's buffer, a log file).
    Writer(&'a mut dyn Write),
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Report::Stdout => "Stdout",
            Report::Quiet => "Quiet",
            Report::Writer(_) => "Writer",
        })
    }
}

/// Stop when the monitored loss (validation loss when there is validation data, training loss
/// otherwise) has not improved by more than `min_delta` for `patience` epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// The smallest decrease that counts as an improvement.
    pub min_delta: f64,
    /// Whether to put back the weights of the best epoch when training ends.
    pub restore_best_weights: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self { patience: 10, min_delta: 0.0, restore_best_weights: true }
    }
}

/// How [`Model::fit`] trains.
///
/// # Example
/// ```
/// use dendrite_model::{FitOptions, Report};
/// let options = FitOptions { epochs: 10, batch_size: Some(128), report: Report::Quiet, ..FitOptions::default() };
/// assert_eq!(options.shuffle, None); // on, because of the batches
/// ```
pub struct FitOptions<'a> {
    /// Passes over the training data (at least 1).
    pub epochs: usize,
    /// Samples per step; `None` trains on the full batch. A short last batch is kept.
    pub batch_size: Option<usize>,
    /// Shuffle the samples every epoch with the model's generator; `None` shuffles exactly when
    /// training in batches.
    pub shuffle: Option<bool>,
    /// Print every this many epochs (full batch) or steps (batches); 0 prints no progress lines.
    pub print_every: usize,
    /// Data to validate on.
    pub validation: Option<(&'a Matrix, Targets<'a>)>,
    /// Stop early when the monitored loss stops improving.
    pub early_stopping: Option<EarlyStopping>,
    /// Code run after every epoch.
    pub on_epoch_end: Option<EpochHook<'a>>,
    /// Where the printout goes.
    pub report: Report<'a>,
    /// Show a progress bar on standard error when it is a terminal (and the report is not quiet).
    pub progress_bar: bool,
}

impl Default for FitOptions<'_> {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch_size: None,
            shuffle: None,
            print_every: 1,
            validation: None,
            early_stopping: None,
            on_epoch_end: None,
            report: Report::Stdout,
            progress_bar: true,
        }
    }
}

impl std::fmt::Debug for FitOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitOptions")
            .field("epochs", &self.epochs)
            .field("batch_size", &self.batch_size)
            .field("shuffle", &self.shuffle)
            .field("print_every", &self.print_every)
            .field("validation", &self.validation.as_ref().map(|(x, _)| x.shape()))
            .field("early_stopping", &self.early_stopping)
            .field("on_epoch_end", &self.on_epoch_end.is_some())
            .field("report", &self.report)
            .field("progress_bar", &self.progress_bar)
            .finish()
    }
}

/// The printout's destination and the progress bar.
struct Printer<'a, 'r> {
    report: &'r mut Report<'a>,
    bar: Option<ProgressBar>,
}

impl Printer<'_, '_> {
    /// Prints a line; `text` is not even formatted when the report is quiet, so quiet training
    /// allocates nothing for its printout.
    fn line(&mut self, text: impl FnOnce() -> String) -> Result<()> {
        match self.report {
            Report::Quiet => Ok(()),
            Report::Stdout => {
                let text = text();
                match &self.bar {
                    Some(bar) => bar.suspend(|| println!("{text}")),
                    None => println!("{text}"),
                }
                Ok(())
            }
            Report::Writer(w) => Ok(writeln!(w, "{}", text())?),
        }
    }
}

/// What one training step measured, before its update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// The batch's mean data loss.
    pub data_loss: f64,
    /// The regularization penalty.
    pub reg_loss: f64,
    /// Correct comparisons in the batch.
    pub hits: usize,
    /// Comparisons in the batch.
    pub count: usize,
}

/// Tracks the monitored loss for early stopping, with a copy of the best weights.
struct Stopper {
    config: EarlyStopping,
    best: f64,
    since_best: usize,
    best_weights: Vec<Matrix>,
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
        self.accuracy = self.accuracy.fitted_to(y);
        let prepared = self.preprocessing.apply(x)?;
        let x = prepared.as_ref().unwrap_or(x);
        let validation = options.validation;

        let n = x.nrows();
        let batched = options.batch_size.is_some();
        let batch_size = options.batch_size.unwrap_or(n).min(n);
        let steps = n.div_ceil(batch_size);
        let shuffle = options.shuffle.unwrap_or(batched);
        let first_epoch = self.epochs + usize::from(batched);
        let mut order: Vec<usize> = (0..n).collect();
        let mut batch = Batch::default();
        // A shuffled epoch trains on its batches gathered up front, in the epoch's order.
        let mut shuffled = ShuffledBatches::default();
        // Room for every record up front: an epoch's bookkeeping allocates nothing.
        let mut history = History { epochs: Vec::with_capacity(options.epochs.min(1 << 20)) };
        let mut stopper = options.early_stopping.map(|config| Stopper {
            config,
            best: f64::INFINITY,
            since_best: 0,
            best_weights: Vec::new(),
        });
        let show_bar = options.progress_bar
            && !matches!(options.report, Report::Quiet)
            && std::io::stderr().is_terminal();
        let bar = show_bar.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some((options.epochs * steps) as u64),
                ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} steps, {elapsed} elapsed, {eta} left")
            {
                bar.set_style(style);
            }
            bar
        });
        let mut printer = Printer { report: &mut options.report, bar };
        let print_every = options.print_every;
        let mut last_validation: Option<Evaluation> = None;

        for e in 0..options.epochs {
            let epoch = first_epoch + e;
            if batched {
                printer.line(|| format!("epoch: {epoch}"))?;
            }
            if shuffle {
                // From the identity each epoch, so that an epoch's order depends only on the
                // generator's state (which a checkpoint restores), not on earlier epochs.
                for (i, o) in order.iter_mut().enumerate() {
                    *o = i;
                }
                self.rng.shuffle(&mut order);
                shuffled.gather(x, &order, batch_size);
            }
            let (mut loss_sum, mut hits, mut count, mut last_reg) = (0.0f64, 0usize, 0usize, 0.0f64);
            for step in 0..steps {
                let start = step * batch_size;
                let rows = &order[start..(start + batch_size).min(n)];
                let lr_before = self.optimizer.learning_rate();
                let s = if shuffle {
                    batch.gather_targets(y, rows);
                    self.train_step(shuffled.batch(step), batch.targets(y), epoch, step)?
                } else if steps == 1 {
                    self.train_step(x, y, epoch, step)?
                } else {
                    batch.gather_range(x, y, start, rows.len());
                    self.train_step(&batch.x, batch.targets(y), epoch, step)?
                };
                loss_sum += s.data_loss * rows.len() as f64;
                hits += s.hits;
                count += s.count;
                last_reg = s.reg_loss;
                if let Some(bar) = &printer.bar {
                    bar.inc(1);
                }
                if print_every > 0 {
                    if !batched && epoch.is_multiple_of(print_every) {
                        let acc = s.hits as f64 / s.count.max(1) as f64;
                        printer.line(|| {
                            format!("epoch: {epoch}, {}", stats(acc, s.data_loss, s.reg_loss, lr_before))
                        })?;
                    } else if batched && (step % print_every == 0 || step + 1 == steps) {
                        let acc = s.hits as f64 / s.count.max(1) as f64;
                        let lr = self.optimizer.learning_rate();
                        printer
                            .line(|| format!("step: {step}, {}", stats(acc, s.data_loss, s.reg_loss, lr)))?;
                    }
                }
            }
            let data_loss = loss_sum / n as f64;
            let accuracy = hits as f64 / count.max(1) as f64;
            // Full batch: the values of the step, measured before its update (as the book's
            // early chapters print them); batches: the penalty at the end of the epoch.
            let reg_loss = if batched { f64::from(regularization_loss(&self.nodes)) } else { last_reg };
            let lr = self.optimizer.learning_rate();
            if batched {
                printer.line(|| format!("training, {}", stats(accuracy, data_loss, reg_loss, lr)))?;
            }
            let last = e + 1 == options.epochs;
            let validate_now = batched
                || stopper.is_some()
                || last
                || (print_every > 0 && epoch.is_multiple_of(print_every));
            let validation = match validation {
                Some((vx, vy)) if validate_now => {
                    let mut ws = std::mem::take(&mut self.validation_workspace);
                    let v = self.evaluate_checked(vx, vy, options.batch_size, &mut ws);
                    self.validation_workspace = ws;
                    let v = v?;
                    if batched {
                        printer
                            .line(|| format!("validation, acc: {:.3}, loss: {:.3}", v.accuracy, v.loss))?;
                    }
                    last_validation = Some(v);
                    Some(v)
                }
                _ => None,
            };
            let record = EpochRecord {
                epoch,
                loss: data_loss + reg_loss,
                data_loss,
                regularization_loss: reg_loss,
                accuracy,
                learning_rate: lr,
                validation_loss: validation.map(|v| f64::from(v.loss)),
                validation_accuracy: validation.map(|v| f64::from(v.accuracy)),
            };
            history.epochs.push(record);
            self.epochs += 1;

            let mut flow = Flow::Continue;
            if let Some(stopper) = stopper.as_mut() {
                let monitored = record.validation_loss.unwrap_or(record.loss);
                if monitored < stopper.best - stopper.config.min_delta {
                    stopper.best = monitored;
                    stopper.since_best = 0;
                    if stopper.config.restore_best_weights {
                        snapshot(&self.nodes, &mut stopper.best_weights);
                    }
                } else {
                    stopper.since_best += 1;
                    if stopper.since_best >= stopper.config.patience {
                        flow = Flow::Stop;
                    }
                }
            }
            if let Some(hook) = options.on_epoch_end.as_mut()
                && hook(self, &record).map_err(Error::Callback)? == Flow::Stop
            {
                flow = Flow::Stop;
            }
            if flow == Flow::Stop {
                break;
            }
        }
        if let Some(bar) = &printer.bar {
            bar.finish_and_clear();
        }
        if let Some(stopper) = stopper.filter(|s| s.config.restore_best_weights && !s.best_weights.is_empty())
        {
            let mut k = 0;
            self.nodes.visit_params_mut(&mut |p| {
                p.value.copy_from(&stopper.best_weights[k]);
                k += 1;
            });
        }
        if !batched && let Some(v) = last_validation {
            printer.line(|| format!("validation, acc: {:.3}, loss: {:.3}", v.accuracy, v.loss))?;
        }
        Ok(history)
    }

    /// One training step on one batch, for loops of one's own (and benchmarks): a forward pass
    /// in training mode, the backward pass and the optimizer's update. It applies the model's
    /// preprocessing and checks the batch as `fit` does; it counts no epoch.
    ///
    /// # Errors
    /// As [`Model::fit`] for bad data; [`Error::NonFinite`] (epoch and step 0) on divergence.
    pub fn train_batch(&mut self, x: &Matrix, y: Targets<'_>) -> Result<StepStats> {
        self.check_data(x, y)?;
        let prepared = self.preprocessing.apply(x)?;
        self.train_step(prepared.as_ref().unwrap_or(x), y, 0, 0)
    }

    /// One forward pass, backward pass and update on a batch.
    fn train_step(&mut self, x: &Matrix, y: Targets<'_>, epoch: usize, step: usize) -> Result<StepStats> {
        let at = At { epoch, step };
        let (data_loss, hits, count) =
            self.plan.gradients(&mut self.nodes, self.loss, self.accuracy, x, y, at, &mut self.workspace)?;
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
                });
            }
        }
        self.optimizer.step(&mut self.nodes)?;
        Ok(StepStats { data_loss, reg_loss, hits, count })
    }
}

/// Copies every parameter value into `into` (reusing its matrices).
fn snapshot(params: &dyn Parameterized, into: &mut Vec<Matrix>) {
    let mut k = 0;
    params.visit_params(&mut |p| {
        if k < into.len() {
            into[k].clone_from(&p.value);
        } else {
            into.push(p.value.clone());
        }
        k += 1;
    });
}
