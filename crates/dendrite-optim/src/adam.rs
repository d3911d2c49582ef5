//! Adam.

use dendrite_tensor::kernels::update;
use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::Core;
use crate::optimizer::in_halves;
use crate::schedule::validate;
use crate::{Error, LrSchedule, Optimizer, Result};

/// Settings of [`Adam`], with the book's defaults (learning rate 0.001, ε = 1e-7, β1 = 0.9,
/// β2 = 0.999).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamConfig {
    /// The base learning rate.
    pub learning_rate: f64,
    /// Inverse-time decay: `lr_t = lr / (1 + decay · t)`.
    pub decay: f64,
    /// Added to the root of the corrected second moment.
    pub epsilon: f64,
    /// Retention of the first moment, in `[0, 1)`.
    pub beta1: f64,
    /// Retention of the second moment, in `[0, 1)`.
    pub beta2: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self { learning_rate: 0.001, decay: 0.0, epsilon: 1e-7, beta1: 0.9, beta2: 0.999 }
    }
}

/// Adam: `m ← β1·m + (1 − β1)·g`, `v ← β2·v + (1 − β2)·g²`, and with the bias corrections
/// `m̂ = m / (1 − β1^(t+1))`, `v̂ = v / (1 − β2^(t+1))`: `w ← w − lr·m̂ / (√v̂ + ε)`.
///
/// One fused pass over each parameter updates both moments and the value.
///
/// # Example
/// ```
/// use dendrite_optim::{Adam, AdamConfig, Optimizer};
/// use dendrite_tensor::{Matrix, Param};
/// # fn main() -> dendrite_optim::Result<()> {
/// let mut w = Param::new("weight", Matrix::from_element(1, 1, 1.0));
/// w.grad[0] = 3.0;
/// let mut adam = Adam::new(AdamConfig { learning_rate: 0.05, ..AdamConfig::default() })?;
/// adam.step(&mut w)?;
/// // The first step moves every entry by about the learning rate.
/// assert!((w.value[0] - 0.95).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Adam {
    config: AdamConfig,
    core: Core<(Matrix, Matrix)>,
}

impl Adam {
    /// An Adam optimizer.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-positive learning rate, a negative decay or a β
    /// outside `[0, 1)`.
    pub fn new(config: AdamConfig) -> Result<Self> {
        validate("Adam", config.learning_rate, config.decay)?;
        for (name, beta) in [("beta1", config.beta1), ("beta2", config.beta2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(Error::InvalidConfig {
                    optimizer: "Adam",
                    reason: format!("{name} must lie in [0, 1), got {beta}"),
                });
            }
        }
        Ok(Self { config, core: Core::new("Adam", config.learning_rate, config.decay) })
    }

    /// Replaces the inverse-time decay with another schedule.
    #[must_use]
    pub fn with_schedule(mut self, schedule: Box<dyn LrSchedule>) -> Self {
        self.core.set_schedule(schedule);
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }
}

impl Optimizer for Adam {
    fn name(&self) -> &'static str {
        self.core.name
    }

    fn step(&mut self, params: &mut dyn Parameterized) -> Result<()> {
        let AdamConfig { epsilon, beta1, beta2, .. } = self.config;
        let (eps, b1, b2) = (epsilon as f32, beta1 as f32, beta2 as f32);
        let (one_minus_b1, one_minus_b2) = ((1.0 - beta1) as f32, (1.0 - beta2) as f32);
        self.core.step(params, |p, (m, v), lr, t| {
            // Bias corrections in f64, as the book computes them (t counts completed steps).
            let c1 = 1.0 - beta1.powf(t as f64 + 1.0);
            let c2 = 1.0 - beta2.powf(t as f64 + 1.0);
            let (inv_c1, inv_c2, lr) = ((1.0 / c1) as f32, (1.0 / c2) as f32, lr as f32);
            let k = update::AdamStep { b1, b2, one_minus_b1, one_minus_b2, inv_c1, inv_c2, lr, eps };
            in_halves(&mut p.value, &p.grad, [m, v], |w, g, [m, v]| update::adam(w, g, m, v, &k));
        })
    }

    crate::optimizer::forward_to_core!(Adam);
}
