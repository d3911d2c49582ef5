//! RMSprop.

use dendrite_tensor::kernels::update;
use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::Core;
use crate::optimizer::in_halves;
use crate::schedule::{non_negative, unit_interval, validate};
use crate::{LrSchedule, Optimizer, Result};

/// Settings of [`RmsProp`], with the book's defaults (learning rate 0.001, ε = 1e-7, ρ = 0.9).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
// In a spec file, unset settings take their defaults and unknown ones are errors.
#[serde(default, deny_unknown_fields)]
pub struct RmsPropConfig {
    /// The base learning rate.
    pub learning_rate: f64,
    /// Inverse-time decay: `lr_t = lr / (1 + decay · t)`.
    pub decay: f64,
    /// Added to the root of the cache.
    pub epsilon: f64,
    /// The cache's retention factor, in `[0, 1)` (PyTorch's `alpha`).
    pub rho: f64,
    /// Momentum on the scaled steps, in `[0, 1)`: `b ← μ·b + g / (√c + ε)`, `w ← w − lr·b`.
    pub momentum: f64,
    /// Centred: the cache's variance, `c − ḡ²` with `ḡ` the running mean of the gradient.
    pub centered: bool,
    /// Weight decay added to the gradient, `g + weight_decay·w`.
    pub weight_decay: f64,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            decay: 0.0,
            epsilon: 1e-7,
            rho: 0.9,
            momentum: 0.0,
            centered: false,
            weight_decay: 0.0,
        }
    }
}

/// RMSprop: `c ← ρ·c + (1 − ρ)·g²`, `w ← w − lr·g / (√c + ε)`.
#[derive(Debug, Clone)]
pub struct RmsProp {
    config: RmsPropConfig,
    core: Core<RmsState>,
}

/// The cache, and (`0 × 0` until the settings use them) the momentum buffer and the mean
/// gradient. A snapshot lists the cache, then the buffer and the mean when present: the book's
/// settings give one slot, as they always did.
#[derive(Debug, Clone)]
struct RmsState {
    cache: Matrix,
    buffer: Matrix,
    mean: Matrix,
}

impl crate::optimizer::ParamState for RmsState {
    fn zeros(rows: usize, cols: usize) -> Self {
        Self { cache: Matrix::zeros(rows, cols), buffer: Matrix::zeros(0, 0), mean: Matrix::zeros(0, 0) }
    }
    fn shape(&self) -> Option<(usize, usize)> {
        Some(self.cache.shape())
    }
    fn to_slots(&self) -> Vec<Matrix> {
        [&self.cache, &self.buffer, &self.mean].into_iter().filter(|m| !m.is_empty()).cloned().collect()
    }
    fn from_slots(slots: &[Matrix]) -> Option<Self> {
        let empty = || Matrix::zeros(0, 0);
        let (cache, buffer, mean) = match slots {
            [c] => (c.clone(), empty(), empty()),
            [c, b] => (c.clone(), b.clone(), empty()),
            [c, b, m] => (c.clone(), b.clone(), m.clone()),
            _ => return None,
        };
        let fits = |m: &Matrix| m.is_empty() || m.shape() == cache.shape();
        (fits(&buffer) && fits(&mean)).then_some(Self { cache, buffer, mean })
    }
}

impl RmsProp {
    /// An RMSprop optimizer.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for a non-positive learning rate, a negative decay or `ρ`
    /// outside `[0, 1)`.
    pub fn new(config: RmsPropConfig) -> Result<Self> {
        validate("RMSprop", config.learning_rate, config.decay)?;
        unit_interval("RMSprop", &[("rho", config.rho), ("momentum", config.momentum)])?;
        non_negative("RMSprop", &[("weight_decay", config.weight_decay)])?;
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
        let RmsPropConfig { epsilon, rho, momentum, centered, weight_decay, .. } = self.config;
        let momentum = self.core.scheduled_momentum().unwrap_or(momentum);
        let (eps, mu, decay) = (epsilon as f32, momentum as f32, weight_decay as f32);
        let (rho, one_minus_rho) = (rho as f32, (1.0 - rho) as f32);
        let book = momentum == 0.0 && !centered && weight_decay == 0.0;
        self.core.step(params, |p, RmsState { cache, buffer, mean }, lr, _| {
            let lr = lr as f32;
            if book {
                let k = [lr, eps, rho, one_minus_rho];
                in_halves(&mut p.value, &p.grad, [cache], |w, g, [c]| update::rmsprop(w, g, c, k));
                return;
            }
            // PyTorch's RMSprop: the buffer holds the scaled steps (lr applied after it), the
            // mean gradient centres the cache. Absent state stands in as the value's shape.
            let shape = p.value.shape();
            crate::optimizer::ensure(buffer, shape);
            if centered {
                crate::optimizer::ensure(mean, shape);
            } else {
                crate::optimizer::ensure(mean, (0, 0));
            }
            let one = |w: &mut f32, g: f32, c: &mut f32, b: &mut f32, mean: Option<&mut f32>| {
                let g = g + decay * *w;
                *c = rho * *c + one_minus_rho * g * g;
                let variance = match mean {
                    Some(m) => {
                        *m = rho * *m + one_minus_rho * g;
                        *c - *m * *m
                    }
                    None => *c,
                };
                let scaled = g / (variance.sqrt() + eps);
                if mu == 0.0 {
                    *w -= lr * scaled;
                } else {
                    *b = mu * *b + scaled;
                    *w -= lr * *b;
                }
            };
            if centered {
                in_halves(&mut p.value, &p.grad, [cache, buffer, mean], |w, g, [c, b, m]| {
                    for i in 0..w.len() {
                        one(&mut w[i], g[i], &mut c[i], &mut b[i], Some(&mut m[i]));
                    }
                });
            } else {
                in_halves(&mut p.value, &p.grad, [cache, buffer], |w, g, [c, b]| {
                    for i in 0..w.len() {
                        one(&mut w[i], g[i], &mut c[i], &mut b[i], None);
                    }
                });
            }
        })
    }

    crate::optimizer::forward_to_core!(RmsProp);
}
