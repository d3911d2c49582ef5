//! Adam.

use dendrite_tensor::kernels::update;
use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::Core;
use crate::optimizer::in_halves;
use crate::schedule::{non_negative, unit_interval, validate};
use crate::{LrSchedule, Optimizer, Result};

/// Settings of [`Adam`], with the book's defaults (learning rate 0.001, ε = 1e-7, β1 = 0.9,
/// β2 = 0.999, no weight decay, no AMSGrad). [`AdamConfig::adamw`] gives AdamW's.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
// In a spec file, unset settings take their defaults and unknown ones are errors.
#[serde(default, deny_unknown_fields)]
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
    /// Weight decay (PyTorch's `weight_decay`, on every parameter): with
    /// `decoupled_weight_decay`, `w ← w·(1 − lr·weight_decay)` before the step (AdamW);
    /// without, `weight_decay·w` added to the gradient (an L2 penalty of `weight_decay / 2`).
    pub weight_decay: f64,
    /// Decoupled weight decay (AdamW) rather than added to the gradient.
    pub decoupled_weight_decay: bool,
    /// AMSGrad: the denominator takes the running maximum of the second moment.
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            decay: 0.0,
            epsilon: 1e-7,
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            amsgrad: false,
        }
    }
}

impl AdamConfig {
    /// AdamW with PyTorch's defaults (ε = 1e-8, decoupled weight decay 0.01) at `learning_rate`.
    ///
    /// # Example
    /// ```
    /// use dendrite_optim::{Adam, AdamConfig, Optimizer};
    /// let adamw = Adam::new(AdamConfig::adamw(0.001))?;
    /// assert_eq!(adamw.name(), "AdamW");
    /// # Ok::<(), dendrite_optim::Error>(())
    /// ```
    #[must_use]
    pub fn adamw(learning_rate: f64) -> Self {
        Self {
            learning_rate,
            epsilon: 1e-8,
            weight_decay: 0.01,
            decoupled_weight_decay: true,
            ..Self::default()
        }
    }
}

/// Adam: `m ← β1·m + (1 − β1)·g`, `v ← β2·v + (1 − β2)·g²`, and with the bias corrections
/// `m̂ = m / (1 − β1^(t+1))`, `v̂ = v / (1 − β2^(t+1))`: `w ← w − lr·m̂ / (√v̂ + ε)`.
///
/// One fused pass over each parameter updates both moments and the value. With weight decay
/// (coupled, or decoupled: AdamW) and AMSGrad (`v̂` from the running maximum of `v`) it follows
/// PyTorch's `Adam`/`AdamW`, checked against PyTorch's numbers.
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
    core: Core<(Matrix, Matrix, Matrix)>,
}

impl Adam {
    /// An Adam optimizer.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for a non-positive learning rate, a negative decay or a β
    /// outside `[0, 1)`.
    pub fn new(config: AdamConfig) -> Result<Self> {
        validate("Adam", config.learning_rate, config.decay)?;
        unit_interval("Adam", &[("beta1", config.beta1), ("beta2", config.beta2)])?;
        non_negative("Adam", &[("weight_decay", config.weight_decay)])?;
        let name = if config.decoupled_weight_decay { "AdamW" } else { "Adam" };
        Ok(Self { config, core: Core::new(name, config.learning_rate, config.decay) })
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
        let AdamConfig { epsilon, beta1, beta2, weight_decay, decoupled_weight_decay, amsgrad, .. } =
            self.config;
        let beta1 = self.core.scheduled_momentum().unwrap_or(beta1);
        let (eps, b1, b2) = (epsilon as f32, beta1 as f32, beta2 as f32);
        let (one_minus_b1, one_minus_b2) = ((1.0 - beta1) as f32, (1.0 - beta2) as f32);
        let book = weight_decay == 0.0 && !amsgrad;
        self.core.step(params, |p, (m, v, v_max), lr, t| {
            // Bias corrections in f64, as the book computes them (t counts completed steps).
            let c1 = 1.0 - beta1.powf(t as f64 + 1.0);
            let c2 = 1.0 - beta2.powf(t as f64 + 1.0);
            let k = update::AdamStep {
                b1,
                b2,
                one_minus_b1,
                one_minus_b2,
                inv_c1: (1.0 / c1) as f32,
                inv_c2: (1.0 / c2) as f32,
                lr: lr as f32,
                eps,
            };
            if book {
                in_halves(&mut p.value, &p.grad, [m, v], |w, g, [m, v]| update::adam(w, g, m, v, &k));
                return;
            }
            let shape = p.value.shape();
            if amsgrad {
                crate::optimizer::ensure(v_max, shape);
            }
            // Decoupled decay uses the step's rate, so it follows any schedule.
            let (coupled, shrink) = if decoupled_weight_decay {
                (0.0, (1.0 - lr * weight_decay) as f32)
            } else {
                (weight_decay as f32, 1.0)
            };
            let one = |w: &mut f32, g: f32, m: &mut f32, v: &mut f32, v_max: Option<&mut f32>| {
                if shrink != 1.0 {
                    *w *= shrink;
                }
                let g = g + coupled * *w;
                *m = k.b1 * *m + k.one_minus_b1 * g;
                *v = k.b2 * *v + k.one_minus_b2 * g * g;
                let second = match v_max {
                    Some(v_max) => {
                        *v_max = v_max.max(*v);
                        *v_max
                    }
                    None => *v,
                };
                *w -= k.lr * (*m * k.inv_c1) / ((second * k.inv_c2).sqrt() + k.eps);
            };
            if amsgrad {
                in_halves(&mut p.value, &p.grad, [m, v, v_max], |w, g, [m, v, x]| {
                    for i in 0..w.len() {
                        one(&mut w[i], g[i], &mut m[i], &mut v[i], Some(&mut x[i]));
                    }
                });
            } else {
                in_halves(&mut p.value, &p.grad, [m, v], |w, g, [m, v]| {
                    for i in 0..w.len() {
                        one(&mut w[i], g[i], &mut m[i], &mut v[i], None);
                    }
                });
            }
        })
    }

    crate::optimizer::forward_to_core!(Adam);
}
