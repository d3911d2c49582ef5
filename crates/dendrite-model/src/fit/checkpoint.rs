//! The checkpoint callback: saves checkpoints as training goes.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::{EpochHook, EpochRecord, Flow, Model, Monitor, Result};

/// Saves checkpoints during [`Model::fit`], as its end-of-epoch hook: every `n` epochs (keeping
/// the last `k` of them, or all), and the best epoch by a monitored value. Every file is a
/// checkpoint that training resumes from bit-identically ([`Model::save_checkpoint`]), written
/// atomically: an interrupted save leaves the earlier file as it was.
///
/// Files are named `<prefix>-epoch-<epoch>.dnd` (the epoch as the record numbers it, five
/// digits) and `<prefix>-best.dnd`, in the checkpoint directory, which is created.
///
/// # Example
/// ```
/// use dendrite_model::{Checkpoints, FitOptions, LossKind, Matrix, Model, Monitor, Report};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = std::env::temp_dir().join(format!("dendrite-checkpoints-doc-{}", std::process::id()));
/// let mut model = Model::builder(2).dense(4).relu().dense(2).softmax()
///     .loss(LossKind::CategoricalCrossEntropy).build()?;
/// let x = Matrix::from_row_slice(4, 2, &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
/// let y = vec![0, 1, 1, 0];
/// let hook = Checkpoints::every(&dir, 2).keep_last(2).best(Monitor::Loss).into_hook();
/// model.fit(&x, (&y).into(), FitOptions { epochs: 7, on_epoch_end: Some(hook), report: Report::Quiet, ..FitOptions::default() })?;
/// // Epochs 0 to 6: saved after 1, 3 and 5, of which the last two are kept.
/// assert!(!dir.join("checkpoint-epoch-00001.dnd").exists());
/// assert!(dir.join("checkpoint-epoch-00005.dnd").exists());
/// let best = Model::load(dir.join("checkpoint-best.dnd"))?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Checkpoints {
    dir: PathBuf,
    prefix: String,
    every: Option<usize>,
    keep_last: Option<usize>,
    best: Option<Monitor>,
    /// The best monitored value so far, negated when higher is better.
    best_value: f64,
    /// Epochs seen, for `every`.
    seen: usize,
    /// The periodic files written, oldest first.
    written: VecDeque<PathBuf>,
}

impl Checkpoints {
    fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            prefix: "checkpoint".to_owned(),
            every: None,
            keep_last: None,
            best: None,
            best_value: f64::INFINITY,
            seen: 0,
            written: VecDeque::new(),
        }
    }

    /// A checkpoint every `epochs` epochs (after the `epochs`-th, the `2·epochs`-th, … of the
    /// run) into `dir`; 0 is taken as 1.
    #[must_use]
    pub fn every(dir: impl AsRef<Path>, epochs: usize) -> Self {
        Self { every: Some(epochs.max(1)), ..Self::new(dir.as_ref()) }
    }

    /// Only the best epoch by `monitor` (lower losses, higher accuracies), into `dir`.
    #[must_use]
    pub fn best_only(dir: impl AsRef<Path>, monitor: Monitor) -> Self {
        Self::new(dir.as_ref()).best(monitor)
    }

    /// Also keeps `<prefix>-best.dnd`: the checkpoint of the best epoch by `monitor`, replaced
    /// whenever an epoch improves on it (an epoch without the value does not).
    #[must_use]
    pub fn best(mut self, monitor: Monitor) -> Self {
        self.best = Some(monitor);
        self
    }

    /// Keeps only the newest `k` periodic checkpoints, deleting older ones (0 is taken as 1).
    #[must_use]
    pub fn keep_last(mut self, k: usize) -> Self {
        self.keep_last = Some(k.max(1));
        self
    }

    /// The file names' prefix (default `checkpoint`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Takes an epoch's record with the model after it: writes what is due.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when the directory or a file cannot be written; as
    /// [`Model::save_checkpoint`].
    pub fn observe(&mut self, model: &Model, record: &EpochRecord) -> Result<()> {
        self.seen += 1;
        let due = self.every.is_some_and(|n| self.seen.is_multiple_of(n));
        let improved = self.best.and_then(|m| {
            let sign = if m.higher_is_better() { -1.0 } else { 1.0 };
            m.value(record).map(|v| sign * v).filter(|&v| v < self.best_value)
        });
        if !due && improved.is_none() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        // Encoded once for both files.
        let bytes = model.to_checkpoint_bytes()?;
        if due {
            let path = self.dir.join(format!("{}-epoch-{:05}.dnd", self.prefix, record.epoch));
            crate::atomic::write_atomic(&path, &bytes)?;
            self.written.retain(|p| *p != path);
            self.written.push_back(path);
            while self.keep_last.is_some_and(|k| self.written.len() > k) {
                if let Some(old) = self.written.pop_front() {
                    match std::fs::remove_file(&old) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                        _ => {}
                    }
                }
            }
        }
        if let Some(value) = improved {
            crate::atomic::write_atomic(&self.dir.join(format!("{}-best.dnd", self.prefix)), &bytes)?;
            self.best_value = value;
        }
        Ok(())
    }

    /// The checkpoints as `fit`'s end-of-epoch hook.
    #[must_use]
    pub fn into_hook<'a>(mut self) -> EpochHook<'a> {
        Box::new(move |model, record| {
            self.observe(model, record)?;
            Ok(Flow::Continue)
        })
    }
}
