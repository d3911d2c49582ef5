//! Early stopping: the monitored loss, the patience, and a copy of the best weights.

use dendrite_tensor::{Matrix, Parameterized};

use crate::{EarlyStopping, EpochRecord, Flow};

/// Tracks the monitored value for early stopping, with a copy of the best weights.
pub(super) struct Stopper {
    config: EarlyStopping,
    /// The best value so far, negated when higher is better (so that lower is always better).
    best: f64,
    since_best: usize,
    /// Epochs of this run seen so far.
    seen: usize,
    best_weights: Vec<Matrix>,
}

impl Stopper {
    pub(super) fn new(config: EarlyStopping) -> Self {
        Self { config, best: f64::INFINITY, since_best: 0, seen: 0, best_weights: Vec::new() }
    }

    /// Takes in an epoch's record with the weights after it: whether training goes on. An
    /// epoch without the monitored value (no validation that epoch) counts as no improvement.
    pub(super) fn observe(&mut self, record: &EpochRecord, weights: &dyn Parameterized) -> Flow {
        self.seen += 1;
        if self.seen <= self.config.start_from_epoch {
            return Flow::Continue;
        }
        let sign = if self.config.monitor.higher_is_better() { -1.0 } else { 1.0 };
        let monitored = self.config.monitor.value(record).map_or(f64::INFINITY, |v| sign * v);
        if monitored < self.best - self.config.min_delta {
            self.best = monitored;
            self.since_best = 0;
            if self.config.restore_best_weights {
                snapshot(weights, &mut self.best_weights);
            }
            return Flow::Continue;
        }
        self.since_best += 1;
        if self.since_best >= self.config.patience { Flow::Stop } else { Flow::Continue }
    }

    /// Puts back the best epoch's weights, if so configured.
    pub(super) fn restore(self, weights: &mut dyn Parameterized) {
        if !self.config.restore_best_weights || self.best_weights.is_empty() {
            return;
        }
        let mut k = 0;
        weights.visit_params_mut(&mut |p| {
            p.value.copy_from(&self.best_weights[k]);
            k += 1;
        });
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
