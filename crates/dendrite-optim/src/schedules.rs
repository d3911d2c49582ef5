//! The built-in learning-rate schedules, as one serializable type, and reduce-on-plateau.
//!
//! Each schedule gives the learning rate of step `t` (counted from 0, the first step) in closed
//! form from the optimizer's base rate, as PyTorch's schedulers give it when `scheduler.step()`
//! follows every `optimizer.step()`. The conventions (where PyTorch differs from Keras or from
//! a first guess) are those of `torch-reference.json`, against which the tests check them.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use crate::{Error, LrSchedule, Result};

const NAME: &str = "schedule";

/// How [`Schedule::OneCycle`] moves between its rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Anneal {
    /// Half a cosine from one rate to the next.
    Cos,
    /// A straight line.
    Linear,
}

impl Anneal {
    /// From `from` to `to` at `pct` (0 to 1) of the way.
    fn at(self, from: f64, to: f64, pct: f64) -> f64 {
        match self {
            Anneal::Cos => to + (from - to) * (1.0 + (PI * pct).cos()) / 2.0,
            Anneal::Linear => from + (to - from) * pct,
        }
    }
}

/// One phase of a one-cycle schedule: its last step (a fraction, as PyTorch computes it), and
/// the rate and momentum at its start and end.
#[derive(Debug, Clone, Copy)]
struct Phase {
    end: f64,
    lr: (f64, f64),
    momentum: (f64, f64),
}

/// A learning-rate schedule: the rate of step `t` (0 for the first step) from the base rate.
///
/// The variants' order is part of the model-file format: new ones go at the end.
///
/// # Example
/// ```
/// use dendrite_optim::{LrSchedule, Schedule};
/// // Five steps of linear warm-up to the base rate, then a cosine down to 1e-5 over 25 steps.
/// let schedule = Schedule::Sequence {
///     schedules: vec![
///         Schedule::Linear { start_factor: 0.1, end_factor: 1.0, total_iters: 5 },
///         Schedule::Cosine { t_max: 25, eta_min: 1e-5 },
///     ],
///     milestones: vec![5],
/// };
/// schedule.validate()?;
/// assert!((schedule.learning_rate(0.1, 0) - 0.01).abs() < 1e-15);
/// assert_eq!(schedule.learning_rate(0.1, 5), 0.1);
/// # Ok::<(), dendrite_optim::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Schedule {
    /// The book's inverse-time decay: `base / (1 + decay · t)`.
    InverseTime {
        /// The decay rate.
        decay: f64,
    },
    /// `base · gamma^⌊t / step_size⌋` (PyTorch's `StepLR`).
    Step {
        /// Steps between two reductions.
        step_size: u64,
        /// The factor of each reduction.
        gamma: f64,
    },
    /// `base · gamma^(milestones ≤ t)` (PyTorch's `MultiStepLR`).
    MultiStep {
        /// The steps at which the rate is reduced, increasing.
        milestones: Vec<u64>,
        /// The factor of each reduction.
        gamma: f64,
    },
    /// `base · gamma^t` (PyTorch's `ExponentialLR`).
    Exponential {
        /// The factor per step.
        gamma: f64,
    },
    /// `eta_min + (base − eta_min) · (1 + cos(π t / t_max)) / 2`, also past `t_max`, where it
    /// rises again (PyTorch's `CosineAnnealingLR`, which never restarts).
    Cosine {
        /// Steps from the base rate down to the floor.
        t_max: u64,
        /// The floor.
        eta_min: f64,
    },
    /// `base · (start_factor + (end_factor − start_factor) · min(t, total_iters) / total_iters)`
    /// (PyTorch's `LinearLR`): a linear warm-up when `start_factor < end_factor`.
    Linear {
        /// The factor at step 0.
        start_factor: f64,
        /// The factor from `total_iters` on.
        end_factor: f64,
        /// Steps of the ramp.
        total_iters: u64,
    },
    /// Schedules one after another (PyTorch's `SequentialLR`): from milestone `k − 1` on,
    /// schedule `k` runs with its own step counter (`t − milestone`), from the base rate.
    Sequence {
        /// The schedules, one more than the milestones.
        schedules: Vec<Schedule>,
        /// The steps at which the next schedule takes over, increasing.
        milestones: Vec<u64>,
    },
    /// The one-cycle policy (PyTorch's `OneCycleLR`), which ignores the base rate: from
    /// `max_lr / div_factor` up to `max_lr` over the first `pct_start` of the steps, then down
    /// to `max_lr / div_factor / final_div_factor` (in three phases, back to the initial rate
    /// first). With a momentum range, [`Schedule::momentum`] runs the other way.
    OneCycle {
        /// The peak rate.
        max_lr: f64,
        /// The length of the cycle in steps.
        total_steps: u64,
        /// The fraction of the steps spent rising.
        pct_start: f64,
        /// How the rate moves.
        anneal: Anneal,
        /// The initial rate is `max_lr / div_factor`.
        div_factor: f64,
        /// The last rate is the initial one over `final_div_factor`.
        final_div_factor: f64,
        /// Three phases (up, back down to the initial rate, then to the last) instead of two.
        three_phase: bool,
        /// `(base_momentum, max_momentum)` for a cycled momentum (SGD's momentum or Adam's
        /// `beta1`), or `None`.
        momentum: Option<(f64, f64)>,
    },
    /// `base · (1 − min(t, total_iters) / total_iters)^power` (PyTorch's `PolynomialLR`): zero
    /// from `total_iters` on.
    Polynomial {
        /// Steps down to zero.
        total_iters: u64,
        /// The power of the decay.
        power: f64,
    },
}

impl Schedule {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the setting: a zero length, a factor or rate that is not
    /// finite and positive where it must be, milestones that do not increase, a sequence with
    /// other than one more schedule than milestones.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::InvalidConfig { optimizer: NAME, reason });
        let positive = |name: &str, v: f64| -> Result<()> {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                bad(format!("{name} must be positive and finite, got {v}"))
            }
        };
        let steps = |name: &str, v: u64| -> Result<()> {
            if v > 0 { Ok(()) } else { bad(format!("{name} must be at least 1")) }
        };
        let increasing = |name: &str, v: &[u64]| -> Result<()> {
            if v.windows(2).all(|w| w[0] < w[1]) {
                Ok(())
            } else {
                bad(format!("{name} must increase, got {v:?}"))
            }
        };
        match self {
            Schedule::InverseTime { decay } if !(*decay >= 0.0 && decay.is_finite()) => {
                bad(format!("decay must be non-negative and finite, got {decay}"))
            }
            Schedule::InverseTime { .. } => Ok(()),
            Schedule::Step { step_size, gamma } => {
                steps("step_size", *step_size).and(positive("gamma", *gamma))
            }
            Schedule::MultiStep { milestones, gamma } => {
                increasing("milestones", milestones).and(positive("gamma", *gamma))
            }
            Schedule::Exponential { gamma } => positive("gamma", *gamma),
            Schedule::Cosine { t_max, eta_min } if !(*eta_min >= 0.0 && eta_min.is_finite()) => {
                steps("t_max", *t_max)
                    .and(bad(format!("eta_min must be non-negative and finite, got {eta_min}")))
            }
            Schedule::Cosine { t_max, .. } => steps("t_max", *t_max),
            Schedule::Linear { start_factor, end_factor, total_iters } => {
                positive("start_factor", *start_factor)
                    .and(positive("end_factor", *end_factor))
                    .and(steps("total_iters", *total_iters))
            }
            Schedule::Sequence { schedules, milestones } => {
                if schedules.len() != milestones.len() + 1 {
                    return bad(format!(
                        "a sequence of {} schedules needs {} milestones, got {}",
                        schedules.len(),
                        schedules.len().saturating_sub(1),
                        milestones.len()
                    ));
                }
                increasing("milestones", milestones)?;
                schedules.iter().try_for_each(Schedule::validate)
            }
            Schedule::OneCycle {
                max_lr,
                total_steps,
                pct_start,
                div_factor,
                final_div_factor,
                momentum,
                three_phase,
                ..
            } => {
                positive("max_lr", *max_lr)?;
                positive("div_factor", *div_factor)?;
                positive("final_div_factor", *final_div_factor)?;
                // PyTorch needs every phase to end after the previous one.
                let min_steps = if *three_phase { 3 } else { 2 };
                if *total_steps < min_steps {
                    return bad(format!("total_steps must be at least {min_steps}, got {total_steps}"));
                }
                if !(*pct_start > 0.0 && *pct_start < 1.0) {
                    return bad(format!("pct_start must lie in (0, 1), got {pct_start}"));
                }
                if let Some((base, max)) = momentum
                    && !(0.0 <= *base && base <= max && *max < 1.0)
                {
                    return bad(format!(
                        "momentum range must satisfy 0 <= base <= max < 1, got ({base}, {max})"
                    ));
                }
                Ok(())
            }
            Schedule::Polynomial { total_iters, power } => {
                steps("total_iters", *total_iters).and(positive("power", *power))
            }
        }
    }

    /// The one-cycle phases, or `None` for other schedules.
    fn one_cycle_phases(&self) -> Option<(Vec<Phase>, Anneal)> {
        let Schedule::OneCycle {
            max_lr,
            total_steps,
            pct_start,
            anneal,
            div_factor,
            final_div_factor,
            three_phase,
            momentum,
        } = *self
        else {
            return None;
        };
        let initial = max_lr / div_factor;
        let last = initial / final_div_factor;
        let total = total_steps as f64;
        let (low, high) = momentum.unwrap_or((0.0, 0.0));
        let phase = |end, lr, momentum| Phase { end, lr, momentum };
        let phases = if three_phase {
            vec![
                phase(pct_start * total - 1.0, (initial, max_lr), (high, low)),
                phase(2.0 * pct_start * total - 2.0, (max_lr, initial), (low, high)),
                phase(total - 1.0, (initial, last), (high, high)),
            ]
        } else {
            vec![
                phase(pct_start * total - 1.0, (initial, max_lr), (high, low)),
                phase(total - 1.0, (max_lr, last), (low, high)),
            ]
        };
        Some((phases, anneal))
    }

    /// The one-cycle rate (`momentum = false`) or momentum of step `t`.
    fn one_cycle_at(&self, t: u64, momentum: bool) -> Option<f64> {
        let (phases, anneal) = self.one_cycle_phases()?;
        let t = t as f64;
        let mut start = 0.0;
        for (k, p) in phases.iter().enumerate() {
            if t <= p.end || k == phases.len() - 1 {
                let pct = (t - start) / (p.end - start);
                let (from, to) = if momentum { p.momentum } else { p.lr };
                return Some(anneal.at(from, to, pct));
            }
            start = p.end;
        }
        None
    }
}

impl LrSchedule for Schedule {
    fn learning_rate(&self, base: f64, step: u64) -> f64 {
        let t = step as f64;
        match self {
            Schedule::InverseTime { decay } => {
                if *decay == 0.0 {
                    base
                } else {
                    base * (1.0 / (1.0 + decay * t))
                }
            }
            Schedule::Step { step_size, gamma } => base * gamma.powf((step / step_size.max(&1)) as f64),
            Schedule::MultiStep { milestones, gamma } => {
                base * gamma.powf(milestones.iter().filter(|&&m| m <= step).count() as f64)
            }
            Schedule::Exponential { gamma } => base * gamma.powf(t),
            Schedule::Cosine { t_max, eta_min } => {
                eta_min + (base - eta_min) * (1.0 + (PI * t / (*t_max).max(1) as f64).cos()) / 2.0
            }
            Schedule::Linear { start_factor, end_factor, total_iters } => {
                let total = (*total_iters).max(1);
                base * (start_factor + (end_factor - start_factor) * step.min(total) as f64 / total as f64)
            }
            Schedule::Sequence { schedules, milestones } => {
                let k = milestones.iter().filter(|&&m| m <= step).count();
                let start = if k == 0 { 0 } else { milestones[k - 1] };
                schedules.get(k).map_or(base, |s| s.learning_rate(base, step - start))
            }
            Schedule::OneCycle { .. } => self.one_cycle_at(step, false).unwrap_or(base),
            Schedule::Polynomial { total_iters, power } => {
                let total = (*total_iters).max(1);
                base * (1.0 - step.min(total) as f64 / total as f64).powf(*power)
            }
        }
    }

    /// The momentum of a one-cycle schedule with a momentum range (also inside a sequence).
    ///
    /// # Example
    /// ```
    /// use dendrite_optim::{Anneal, LrSchedule, Schedule};
    /// let s = Schedule::OneCycle {
    ///     max_lr: 0.1, total_steps: 30, pct_start: 0.3, anneal: Anneal::Cos,
    ///     div_factor: 25.0, final_div_factor: 1e4, three_phase: false, momentum: Some((0.85, 0.95)),
    /// };
    /// assert_eq!(s.momentum(0), Some(0.95));
    /// ```
    fn momentum(&self, step: u64) -> Option<f64> {
        match self {
            Schedule::OneCycle { momentum: Some(_), .. } => self.one_cycle_at(step, true),
            Schedule::Sequence { schedules, milestones } => {
                let k = milestones.iter().filter(|&&m| m <= step).count();
                let start = if k == 0 { 0 } else { milestones[k - 1] };
                schedules.get(k).and_then(|s| s.momentum(step - start))
            }
            _ => None,
        }
    }

    fn to_schedule(&self) -> Option<Schedule> {
        Some(self.clone())
    }
}

/// Whether reduce-on-plateau waits for the monitored value to fall or to rise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlateauMode {
    /// Lower is better (a loss).
    Min,
    /// Higher is better (an accuracy).
    Max,
}

/// How much better a value must be to count as an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Threshold {
    /// Better than `best · (1 ∓ threshold)`.
    Relative,
    /// Better than `best ∓ threshold`.
    Absolute,
}

/// The settings of [`ReduceOnPlateau`] (PyTorch's `ReduceLROnPlateau`'s arguments).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlateauConfig {
    /// Lower or higher is better.
    pub mode: PlateauMode,
    /// The factor of each reduction, in (0, 1).
    pub factor: f64,
    /// Epochs without improvement tolerated: the rate falls after `patience + 1` in a row.
    pub patience: u64,
    /// The margin of an improvement.
    pub threshold: f64,
    /// Whether the margin is relative or absolute.
    pub threshold_mode: Threshold,
    /// Epochs after a reduction during which bad epochs do not count.
    pub cooldown: u64,
    /// The rate never falls below this.
    pub min_lr: f64,
    /// A reduction smaller than this is not made.
    pub eps: f64,
}

impl Default for PlateauConfig {
    /// PyTorch's defaults: min mode, factor 0.1, patience 10, relative threshold 1e-4.
    fn default() -> Self {
        Self {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: Threshold::Relative,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// Reduce-on-plateau: the learning rate falls by a factor when a monitored value (fed once
/// per epoch) stops improving. Unlike the [`Schedule`]s it depends on the values, so it keeps
/// state, all of which is serializable.
///
/// # Example
/// ```
/// use dendrite_optim::{PlateauConfig, ReduceOnPlateau};
/// let mut plateau = ReduceOnPlateau::new(PlateauConfig { patience: 1, factor: 0.5, ..PlateauConfig::default() })?;
/// let mut lr = 0.1;
/// for loss in [1.0, 0.9, 0.9, 0.9] {
///     lr = plateau.step(loss, lr);
/// }
/// assert_eq!(lr, 0.05);
/// # Ok::<(), dendrite_optim::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReduceOnPlateau {
    config: PlateauConfig,
    best: f64,
    num_bad_epochs: u64,
    cooldown_counter: u64,
}

impl ReduceOnPlateau {
    /// A fresh state: no best value yet.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a factor outside (0, 1), or a negative or non-finite
    /// threshold, minimum rate or eps.
    pub fn new(config: PlateauConfig) -> Result<Self> {
        let bad = |reason: String| Err(Error::InvalidConfig { optimizer: "ReduceOnPlateau", reason });
        if !(config.factor > 0.0 && config.factor < 1.0) {
            return bad(format!("factor must lie in (0, 1), got {}", config.factor));
        }
        for (name, v) in [("threshold", config.threshold), ("min_lr", config.min_lr), ("eps", config.eps)] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(format!("{name} must be non-negative and finite, got {v}"));
            }
        }
        let best = match config.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        Ok(Self { config, best, num_bad_epochs: 0, cooldown_counter: 0 })
    }

    /// Whether `value` improves on the best so far (strictly, by the threshold).
    fn better(&self, value: f64) -> bool {
        let (best, th) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, Threshold::Relative) => value < best * (1.0 - th),
            (PlateauMode::Min, Threshold::Absolute) => value < best - th,
            (PlateauMode::Max, Threshold::Relative) => value > best * (1.0 + th),
            (PlateauMode::Max, Threshold::Absolute) => value > best + th,
        }
    }

    /// Takes an epoch's monitored value and returns the learning rate for the next epoch,
    /// given the current one.
    pub fn step(&mut self, value: f64, lr: f64) -> f64 {
        if self.better(value) {
            self.best = value;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.config.patience {
            let reduced = (lr * self.config.factor).max(self.config.min_lr);
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_epochs = 0;
            if lr - reduced > self.config.eps {
                return reduced;
            }
        }
        lr
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }

    /// The best value so far (±∞ before the first).
    #[must_use]
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Epochs without improvement since the best or the last reduction.
    #[must_use]
    pub fn num_bad_epochs(&self) -> u64 {
        self.num_bad_epochs
    }

    /// Epochs of cooldown left.
    #[must_use]
    pub fn cooldown_counter(&self) -> u64 {
        self.cooldown_counter
    }
}
