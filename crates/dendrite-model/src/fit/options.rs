//! How `Model::fit` trains: its options, the end-of-epoch hook, early stopping's settings and
//! what a step reports.

use std::io::Write;

use dendrite_losses::Targets;
use dendrite_optim::{Clip, Optimizer, PlateauConfig, PlateauMode, ReduceOnPlateau};
use dendrite_tensor::Matrix;

use crate::{EpochRecord, Model};

/// Whether training goes on after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop after this epoch (its record is kept).
    Stop,
}

/// Code run after every epoch with the model and the epoch's record (checkpointing uses it).
/// An `Err` stops training with [`Error::Callback`](crate::Error::Callback).
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

/// What early stopping, reduce-on-plateau and checkpoints watch in each epoch's record.
///
/// The variants' order is part of the model-file format (a model stores its
/// reduce-on-plateau's monitor): new ones go at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Monitor {
    /// The validation loss when there is validation data, the training loss otherwise.
    #[default]
    Auto,
    /// The training loss (data plus regularization).
    Loss,
    /// The training data loss.
    DataLoss,
    /// The training accuracy (higher is better).
    Accuracy,
    /// The validation loss.
    ValidationLoss,
    /// The validation accuracy (higher is better).
    ValidationAccuracy,
    /// The validation's macro-averaged precision (higher is better).
    ValidationPrecision,
    /// The validation's macro-averaged recall (higher is better).
    ValidationRecall,
    /// The validation's macro-averaged F1 (higher is better).
    ValidationF1,
}

impl Monitor {
    /// The watched value of `record`, if the record has it (validation values exist only for
    /// epochs that validated).
    #[must_use]
    pub fn value(self, record: &EpochRecord) -> Option<f64> {
        match self {
            Monitor::Auto => Some(record.validation_loss.unwrap_or(record.loss)),
            Monitor::Loss => Some(record.loss),
            Monitor::DataLoss => Some(record.data_loss),
            Monitor::Accuracy => Some(record.accuracy),
            Monitor::ValidationLoss => record.validation_loss,
            Monitor::ValidationAccuracy => record.validation_accuracy,
            Monitor::ValidationPrecision => record.validation_precision,
            Monitor::ValidationRecall => record.validation_recall,
            Monitor::ValidationF1 => record.validation_f1,
        }
    }

    /// Whether a higher value is better (the accuracies) rather than a lower one (the losses).
    #[must_use]
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Monitor::Auto | Monitor::Loss | Monitor::DataLoss | Monitor::ValidationLoss)
    }
}

/// Reduce-on-plateau as [`Model::fit`] runs it: after every epoch, the monitored value of its
/// record feeds a [`ReduceOnPlateau`], which lowers the optimizer's base learning rate (the
/// rate the schedule scales; with the book's constant rate, the rate itself, as PyTorch's
/// `ReduceLROnPlateau` lowers it). An epoch without the value (no validation) is skipped. The
/// state is the model's: model files and checkpoints keep it.
///
/// # Example
/// ```
/// use dendrite_model::{LossKind, LrPlateau, Model, Monitor};
/// use dendrite_model::optim::PlateauConfig;
/// let plateau = LrPlateau::new(Monitor::ValidationAccuracy, PlateauConfig { patience: 3, factor: 0.5, ..PlateauConfig::default() })?;
/// let model = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy)
///     .reduce_on_plateau(plateau).build()?;
/// assert_eq!(model.plateau().map(LrPlateau::monitor), Some(Monitor::ValidationAccuracy));
/// # Ok::<(), dendrite_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrPlateau {
    monitor: Monitor,
    state: ReduceOnPlateau,
}

impl LrPlateau {
    /// Reduce-on-plateau watching `monitor`; the mode (lower or higher is better) follows the
    /// monitor, whatever `config.mode` says.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`](crate::Error::InvalidSetting) for settings out of range.
    pub fn new(monitor: Monitor, config: PlateauConfig) -> crate::Result<Self> {
        let mode = if monitor.higher_is_better() { PlateauMode::Max } else { PlateauMode::Min };
        let state = ReduceOnPlateau::new(PlateauConfig { mode, ..config })
            .map_err(|e| crate::Error::InvalidSetting(e.to_string()))?;
        Ok(Self { monitor, state })
    }

    /// What is watched.
    #[must_use]
    pub fn monitor(&self) -> Monitor {
        self.monitor
    }

    /// The state: the best value so far, bad epochs, cooldown.
    #[must_use]
    pub fn state(&self) -> &ReduceOnPlateau {
        &self.state
    }

    /// Takes an epoch's record and lowers `optimizer`'s base rate when the value plateaued.
    pub(crate) fn observe(
        &mut self,
        record: &EpochRecord,
        optimizer: &mut dyn Optimizer,
    ) -> crate::Result<()> {
        let Some(value) = self.monitor.value(record) else { return Ok(()) };
        let base = optimizer.base_learning_rate();
        let next = self.state.step(value, base);
        if next != base {
            optimizer.set_base_learning_rate(next)?;
        }
        Ok(())
    }
}

/// Stop when the monitored value has not improved by more than `min_delta` for `patience`
/// epochs (losses must fall, accuracies rise), counting from epoch `start_from_epoch` of the
/// run (0: the first).
///
/// # Example
/// ```
/// use dendrite_model::{EarlyStopping, Monitor};
/// let stopping = EarlyStopping { monitor: Monitor::ValidationAccuracy, patience: 5, start_from_epoch: 10, ..EarlyStopping::default() };
/// assert!(stopping.monitor.higher_is_better());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// The smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Whether to put back the weights of the best epoch when training ends.
    pub restore_best_weights: bool,
    /// What is watched.
    pub monitor: Monitor,
    /// Epochs of the run (from 0) before watching starts: they neither count as bad nor set
    /// the best.
    pub start_from_epoch: usize,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self {
            patience: 10,
            min_delta: 0.0,
            restore_best_weights: true,
            monitor: Monitor::Auto,
            start_from_epoch: 0,
        }
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
    /// Show a progress bar on standard error when it is a terminal (and the report is not quiet);
    /// without the feature `progress` there is no bar.
    pub progress_bar: bool,
    /// Clip the gradients of every step before the update (by global norm or by value).
    pub clip: Option<Clip>,
    /// One weight per class, indexed by class (for one column of binary targets, by the target
    /// 0 or 1): a sample's loss counts its class's weight times. Keras' `class_weight`: the
    /// batch's loss is `Σ w_i · l_i / n`, divided by the number of samples (not by the sum of
    /// the weights, as PyTorch's `CrossEntropyLoss(weight=…)` divides), so the weights also
    /// scale the effective learning rate. Validation is not weighted.
    pub class_weights: Option<&'a [f32]>,
    /// One weight per training sample, in the convention of `class_weights` (with both, a
    /// sample's weight is the product).
    pub sample_weights: Option<&'a [f32]>,
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
            clip: None,
            class_weights: None,
            sample_weights: None,
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
            .field("clip", &self.clip)
            .field("class_weights", &self.class_weights)
            .field("sample_weights", &self.sample_weights.map(<[f32]>::len))
            .finish()
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
