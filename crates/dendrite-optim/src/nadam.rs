//! NAdam: Adam with Nesterov momentum (Dozat), as PyTorch computes it.

use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::{Core, in_halves};
use crate::schedule::{non_negative, unit_interval, validate};
use crate::{LrSchedule, Optimizer, OptimizerSpec, OptimizerState, Result};

const NAME: &str = "NAdam";

/// Settings of [`Nadam`], with PyTorch's defaults (learning rate 0.002, ε = 1e-8, β1 = 0.9,
/// β2 = 0.999, momentum decay 0.004, no weight decay).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
// In a spec file, unset settings take their defaults and unknown ones are errors.
#[serde(default, deny_unknown_fields)]
pub struct NadamConfig {
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
    /// The momentum schedule's decay: `μ_t = β1·(1 − 0.5·0.96^(t·momentum_decay))`.
    pub momentum_decay: f64,
    /// Weight decay: added to the gradient, or (decoupled) `w ← w·(1 − lr·weight_decay)`.
    pub weight_decay: f64,
    /// Decoupled weight decay rather than added to the gradient.
    pub decoupled_weight_decay: bool,
}

impl Default for NadamConfig {
    fn default() -> Self {
        Self {
            learning_rate: 0.002,
            decay: 0.0,
            epsilon: 1e-8,
            beta1: 0.9,
            beta2: 0.999,
            momentum_decay: 0.004,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        }
    }
}

/// NAdam: with `μ_t = β1·(1 − 0.5·0.96^(t·ψ))` (t from 1) and `P_t = μ_1···μ_t`, the moments
/// as Adam's, `d = √(v / (1 − β2^t)) + ε` and
/// `w ← w − lr·(1 − μ_t)/(1 − P_t)·g/d − lr·μ_{t+1}/(1 − P_t·μ_{t+1})·m/d`.
///
/// # Example
/// ```
/// use dendrite_optim::{Nadam, NadamConfig, Optimizer, Param};
/// use dendrite_optim::tensor::Matrix;
/// # fn main() -> dendrite_optim::Result<()> {
/// let mut w = Param::new("weight", Matrix::from_element(1, 1, 1.0));
/// w.grad[0] = 0.5;
/// let mut nadam = Nadam::new(NadamConfig::default())?;
/// nadam.step(&mut w)?;
/// assert!(w.value[0] < 1.0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Nadam {
    config: NadamConfig,
    core: Core<(Matrix, Matrix, Matrix)>,
    /// `P_t` after the completed steps (1 before the first), in `f64`.
    mu_product: f64,
}

impl Nadam {
    /// A NAdam optimizer.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for a non-positive learning rate, a negative decay, weight
    /// decay or momentum decay, or a β outside `[0, 1)`.
    pub fn new(config: NadamConfig) -> Result<Self> {
        validate(NAME, config.learning_rate, config.decay)?;
        unit_interval(NAME, &[("beta1", config.beta1), ("beta2", config.beta2)])?;
        non_negative(
            NAME,
            &[("weight_decay", config.weight_decay), ("momentum_decay", config.momentum_decay)],
        )?;
        Ok(Self { config, core: Core::new(NAME, config.learning_rate, config.decay), mu_product: 1.0 })
    }

    /// Replaces the inverse-time decay with another schedule.
    #[must_use]
    pub fn with_schedule(mut self, schedule: Box<dyn LrSchedule>) -> Self {
        self.core.set_schedule(schedule);
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &NadamConfig {
        &self.config
    }

    /// `μ_t`.
    fn mu(&self, t: u64) -> f64 {
        self.config.beta1 * (1.0 - 0.5 * 0.96f64.powf(t as f64 * self.config.momentum_decay))
    }
}

impl Optimizer for Nadam {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, params: &mut dyn Parameterized) -> Result<()> {
        let NadamConfig { epsilon, beta1, beta2, weight_decay, decoupled_weight_decay, .. } = self.config;
        let t = self.core.iterations() + 1;
        let (mu, mu_next) = (self.mu(t), self.mu(t + 1));
        let product = self.mu_product * mu;
        let c2 = 1.0 - beta2.powf(t as f64);
        let (b1, b2, eps) = (beta1 as f32, beta2 as f32, epsilon as f32);
        let (one_minus_b1, one_minus_b2) = ((1.0 - beta1) as f32, (1.0 - beta2) as f32);
        self.core.step(params, |p, (m, v, _), lr, _| {
            let gradient_share = (lr * (1.0 - mu) / (1.0 - product)) as f32;
            let moment_share = (lr * mu_next / (1.0 - product * mu_next)) as f32;
            let inv_c2 = (1.0 / c2) as f32;
            let (coupled, shrink) = if decoupled_weight_decay {
                (0.0, (1.0 - lr * weight_decay) as f32)
            } else {
                (weight_decay as f32, 1.0)
            };
            in_halves(&mut p.value, &p.grad, [m, v], |w, g, [m, v]| {
                for i in 0..w.len() {
                    if shrink != 1.0 {
                        w[i] *= shrink;
                    }
                    let g = g[i] + coupled * w[i];
                    m[i] = b1 * m[i] + one_minus_b1 * g;
                    v[i] = b2 * v[i] + one_minus_b2 * g * g;
                    let d = (v[i] * inv_c2).sqrt() + eps;
                    w[i] -= gradient_share * g / d + moment_share * m[i] / d;
                }
            });
        })?;
        self.mu_product = product;
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.core.learning_rate()
    }

    fn iterations(&self) -> u64 {
        self.core.iterations()
    }

    fn spec(&self) -> Option<OptimizerSpec> {
        self.core.spec_if_storable(OptimizerSpec::Nadam(self.config))
    }

    fn schedule(&self) -> Option<crate::Schedule> {
        self.core.schedule()
    }

    fn base_learning_rate(&self) -> f64 {
        self.core.base_learning_rate()
    }

    fn set_base_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        self.core.set_base_learning_rate(learning_rate)?;
        self.config.learning_rate = learning_rate;
        Ok(())
    }

    fn state(&self, params: &dyn Parameterized) -> OptimizerState {
        self.core.state(self.spec(), params)
    }

    /// Restores the moments and the step counter; `P_t` follows from the counter.
    fn set_state(&mut self, params: &dyn Parameterized, state: &OptimizerState) -> Result<()> {
        self.core.set_state(params, state)?;
        self.mu_product = (1..=state.iterations).map(|t| self.mu(t)).product();
        Ok(())
    }
}
