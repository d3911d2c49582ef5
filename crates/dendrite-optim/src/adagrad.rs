//! Adagrad.

use dendrite_tensor::kernels::update;
use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::Core;
use crate::optimizer::in_halves;
use crate::schedule::validate;
use crate::{LrSchedule, Optimizer, Result};

/// Settings of [`Adagrad`], with the book's defaults (learning rate 1.0, ε = 1e-7).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
// In a spec file, unset settings take their defaults and unknown ones are errors.
#[serde(default, deny_unknown_fields)]
pub struct AdagradConfig {
    /// The base learning rate.
    pub learning_rate: f64,
    /// Inverse-time decay: `lr_t = lr / (1 + decay · t)`.
    pub decay: f64,
    /// Added to the root of the cache.
    pub epsilon: f64,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        Self { learning_rate: 1.0, decay: 0.0, epsilon: 1e-7 }
    }
}

/// Adagrad: `c ← c + g²`, `w ← w − lr·g / (√c + ε)`.
#[derive(Debug, Clone)]
pub struct Adagrad {
    config: AdagradConfig,
    core: Core<Matrix>,
}

impl Adagrad {
    /// An Adagrad optimizer.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for a non-positive learning rate or a negative decay.
    pub fn new(config: AdagradConfig) -> Result<Self> {
        validate("Adagrad", config.learning_rate, config.decay)?;
        Ok(Self { config, core: Core::new("Adagrad", config.learning_rate, config.decay) })
    }

    /// Replaces the inverse-time decay with another schedule.
    #[must_use]
    pub fn with_schedule(mut self, schedule: Box<dyn LrSchedule>) -> Self {
        self.core.set_schedule(schedule);
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &AdagradConfig {
        &self.config
    }
}

impl Optimizer for Adagrad {
    fn name(&self) -> &'static str {
        self.core.name
    }

    fn step(&mut self, params: &mut dyn Parameterized) -> Result<()> {
        let eps = self.config.epsilon as f32;
        self.core.step(params, |p, cache, lr, _| {
            let lr = lr as f32;
            in_halves(&mut p.value, &p.grad, [cache], |w, g, [c]| update::adagrad(w, g, c, lr, eps));
        })
    }

    crate::optimizer::forward_to_core!(Adagrad);
}
