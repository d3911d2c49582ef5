//! RMSprop.

use dendrite_tensor::kernels::update;
use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::Core;
use crate::optimizer::in_halves;
use crate::schedule::validate;
use crate::{Error, LrSchedule, Optimizer, Result};

/// Settings of [`RmsProp`], with the book's defaults (learning rate 0.001, ε = 1e-7, ρ = 0.9).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RmsPropConfig {
    /// The base learning rate.
    pub learning_rate: f64,
    /// Inverse-time decay: `lr_t = lr / (1 + decay · t)`.
    pub decay: f64,
    /// Added to the root of the cache.
    pub epsilon: f64,
    /// The cache's retention factor, in `[0, 1)`.
    pub rho: f64,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        Self { learning_rate: 0.001, decay: 0.0, epsilon: 1e-7, rho: 0.9 }
    }
}

/// RMSprop: `c ← ρ·c + (1 − ρ)·g²`, `w ← w − lr·g / (√c + ε)`.
#[derive(Debug, Clone)]
pub struct RmsProp {
    config: RmsPropConfig,
    core: Core<Matrix>,
}

impl RmsProp {
    /// An RMSprop optimizer.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-positive learning rate, a negative decay or `ρ`
    /// outside `[0, 1)`.
    pub fn new(config: RmsPropConfig) -> Result<Self> {
        validate("RMSprop", config.learning_rate, config.decay)?;
        if !(0.0..1.0).contains(&config.rho) {
            return Err(Error::InvalidConfig {
                optimizer: "RMSprop",
                reason: format!("rho must lie in [0, 1), got {}", config.rho),
            });
        }
        Ok(Self { config, core: Core::new("RMSprop", config.learning_rate, config.decay) })
    }

    /// Replaces the inverse-time decay with another schedule.
    #[must_use]
    pub fn with_schedule(mut self, schedule: Box<dyn LrSchedule>) -> Self {
        self.core.set_schedule(schedule);
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &RmsPropConfig {
        &self.config
    }
}

impl Optimizer for RmsProp {
    fn name(&self) -> &'static str {
        self.core.name
    }

    fn step(&mut self, params: &mut dyn Parameterized) -> Result<()> {
        let eps = self.config.epsilon as f32;
        let rho = self.config.rho as f32;
        let one_minus_rho = (1.0 - self.config.rho) as f32;
        self.core.step(params, |p, cache, lr, _| {
            let lr = lr as f32;
            let k = [lr, eps, rho, one_minus_rho];
            in_halves(&mut p.value, &p.grad, [cache], |w, g, [c]| update::rmsprop(w, g, c, k));
        })
    }

    crate::optimizer::forward_to_core!(RmsProp);
}
