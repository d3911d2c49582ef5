//! Stochastic gradient descent with optional momentum.

use dendrite_tensor::{Matrix, Parameterized};

use crate::optimizer::Core;
use crate::optimizer::in_halves;
use crate::schedule::{non_negative, unit_interval, validate};
use crate::{Error, LrSchedule, Optimizer, OptimizerSpec, OptimizerState, Result};

/// Settings of [`Sgd`], with the book's defaults (learning rate 1.0, no decay, no momentum, no
/// Nesterov, no weight decay).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
// In a spec file, unset settings take their defaults and unknown ones are errors.
#[serde(default, deny_unknown_fields)]
pub struct SgdConfig {
    /// The base learning rate.
    pub learning_rate: f64,
    /// Inverse-time decay: `lr_t = lr / (1 + decay · t)`.
    pub decay: f64,
    /// The momentum factor, in `[0, 1)`.
    pub momentum: f64,
    /// Nesterov momentum: the step looks ahead along the velocity (needs a momentum).
    pub nesterov: bool,
    /// Weight decay added to the gradient, `g + weight_decay·w` (PyTorch's, on every
    /// parameter: an L2 penalty of `weight_decay / 2`).
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self { learning_rate: 1.0, decay: 0.0, momentum: 0.0, nesterov: false, weight_decay: 0.0 }
    }
}

#[derive(Debug, Clone)]
enum Variant {
    Plain(Core<()>),
    Momentum(Core<Matrix>),
}

/// SGD: `w ← w − lr·g`; with momentum `μ`, `u ← μ·u − lr·g`, `w ← w + u` (the book's velocity,
/// in the units of the weights); Nesterov: `w ← w + μ·u − lr·g` with the new `u`. With a
/// constant rate these are PyTorch's steps exactly (its buffer is `−u / lr`); weight decay adds
/// `weight_decay·w` to `g` first.
///
/// # Example
/// ```
/// use dendrite_optim::{Optimizer, Sgd, SgdConfig};
/// use dendrite_tensor::{Matrix, Param};
/// # fn main() -> dendrite_optim::Result<()> {
/// let mut w = Param::new("weight", Matrix::from_element(1, 1, 1.0));
/// w.grad[0] = 0.5;
/// let mut sgd = Sgd::new(SgdConfig { learning_rate: 0.1, ..SgdConfig::default() })?;
/// sgd.step(&mut w)?;
/// assert_eq!(w.value[0], 0.95);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Sgd {
    config: SgdConfig,
    core: Variant,
}

const NAME: &str = "SGD";

impl Sgd {
    /// An SGD optimizer.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-positive learning rate, a negative decay or a
    /// momentum outside `[0, 1)`.
    pub fn new(config: SgdConfig) -> Result<Self> {
        validate(NAME, config.learning_rate, config.decay)?;
        unit_interval(NAME, &[("momentum", config.momentum)])?;
        if config.nesterov && config.momentum == 0.0 {
            return Err(Error::InvalidConfig {
                optimizer: NAME,
                reason: "Nesterov momentum needs a momentum above 0".to_owned(),
            });
        }
        non_negative(NAME, &[("weight_decay", config.weight_decay)])?;
        let core = if config.momentum == 0.0 {
            Variant::Plain(Core::new(NAME, config.learning_rate, config.decay))
        } else {
            Variant::Momentum(Core::new(NAME, config.learning_rate, config.decay))
        };
        Ok(Self { config, core })
    }

    /// Replaces the inverse-time decay with another schedule. A schedule that cycles the
    /// momentum (one-cycle) gives plain SGD a momentum buffer.
    #[must_use]
    pub fn with_schedule(mut self, schedule: Box<dyn LrSchedule>) -> Self {
        if schedule.momentum(0).is_some() && matches!(self.core, Variant::Plain(_)) {
            self.core = Variant::Momentum(Core::new(NAME, self.config.learning_rate, self.config.decay));
        }
        match &mut self.core {
            Variant::Plain(c) => c.set_schedule(schedule),
            Variant::Momentum(c) => c.set_schedule(schedule),
        }
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }
}

impl Optimizer for Sgd {
    fn name(&self) -> &'static str {
        NAME
    }

    fn step(&mut self, params: &mut dyn Parameterized) -> Result<()> {
        let (decay, nesterov) = (self.config.weight_decay as f32, self.config.nesterov);
        match &mut self.core {
            Variant::Plain(core) => core.step(params, |p, (), lr, _| {
                let lr = lr as f32;
                in_halves(&mut p.value, &p.grad, [], |w, g, []| {
                    for (w, &g) in w.iter_mut().zip(g) {
                        let g = if decay == 0.0 { g } else { g + decay * *w };
                        *w -= lr * g;
                    }
                });
            }),
            Variant::Momentum(core) => {
                let momentum = core.scheduled_momentum().unwrap_or(self.config.momentum) as f32;
                core.step(params, |p, u, lr, _| {
                    let lr = lr as f32;
                    in_halves(&mut p.value, &p.grad, [u], |w, g, [u]| {
                        for ((w, &g), u) in w.iter_mut().zip(g).zip(u) {
                            let g = if decay == 0.0 { g } else { g + decay * *w };
                            *u = momentum * *u - lr * g;
                            if nesterov {
                                *w += momentum * *u - lr * g;
                            } else {
                                *w += *u;
                            }
                        }
                    });
                })
            }
        }
    }

    fn learning_rate(&self) -> f64 {
        match &self.core {
            Variant::Plain(c) => c.learning_rate(),
            Variant::Momentum(c) => c.learning_rate(),
        }
    }

    fn iterations(&self) -> u64 {
        match &self.core {
            Variant::Plain(c) => c.iterations(),
            Variant::Momentum(c) => c.iterations(),
        }
    }

    fn spec(&self) -> Option<OptimizerSpec> {
        let spec = OptimizerSpec::Sgd(self.config);
        match &self.core {
            Variant::Plain(c) => c.spec_if_storable(spec),
            Variant::Momentum(c) => c.spec_if_storable(spec),
        }
    }

    fn schedule(&self) -> Option<crate::Schedule> {
        match &self.core {
            Variant::Plain(c) => c.schedule(),
            Variant::Momentum(c) => c.schedule(),
        }
    }

    fn base_learning_rate(&self) -> f64 {
        self.config.learning_rate
    }

    fn set_base_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        match &mut self.core {
            Variant::Plain(c) => c.set_base_learning_rate(learning_rate)?,
            Variant::Momentum(c) => c.set_base_learning_rate(learning_rate)?,
        }
        self.config.learning_rate = learning_rate;
        Ok(())
    }

    fn state(&self, params: &dyn Parameterized) -> OptimizerState {
        match &self.core {
            Variant::Plain(c) => c.state(self.spec(), params),
            Variant::Momentum(c) => c.state(self.spec(), params),
        }
    }

    fn set_state(&mut self, params: &dyn Parameterized, state: &OptimizerState) -> Result<()> {
        match &mut self.core {
            Variant::Plain(c) => c.set_state(params, state),
            Variant::Momentum(c) => c.set_state(params, state),
        }
    }
}

#[cfg(test)]
mod tests {
    use dendrite_tensor::Param;

    use super::*;

    #[test]
    fn state_round_trips_into_a_fresh_optimizer() -> Result<()> {
        let config = SgdConfig { learning_rate: 0.1, decay: 0.01, momentum: 0.9, ..SgdConfig::default() };
        let mut a = Sgd::new(config)?;
        let mut b = Sgd::new(config)?;
        let mut pa = vec![Param::new("weight", Matrix::from_element(2, 2, 1.0))];
        let mut pb = pa.clone();
        for p in pa.iter_mut().chain(pb.iter_mut()) {
            p.grad.fill(0.5);
        }
        a.step(&mut pa)?;
        let state = a.state(&pa);
        assert_eq!(state.spec, Some(OptimizerSpec::Sgd(config)));
        assert_eq!(state.slots[0].len(), 1, "one momentum matrix");
        b.set_state(&pb, &state)?;
        pb[0].value.copy_from(&pa[0].value);
        a.step(&mut pa)?;
        b.step(&mut pb)?;
        assert_eq!(pa[0].value, pb[0].value, "the restored optimizer continues identically");
        assert_eq!(a.learning_rate(), b.learning_rate());
        let wrong = OptimizerState { slots: vec![], ..state };
        assert!(matches!(b.set_state(&pb, &wrong).unwrap_err(), Error::InvalidState { .. }));
        Ok(())
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(Sgd::new(SgdConfig { learning_rate: 0.0, ..SgdConfig::default() }).is_err());
        assert!(Sgd::new(SgdConfig { decay: -1.0, ..SgdConfig::default() }).is_err());
        assert!(Sgd::new(SgdConfig { momentum: 1.0, ..SgdConfig::default() }).is_err());
    }

    #[test]
    fn a_changed_parameter_shape_is_an_error() -> Result<()> {
        let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, ..SgdConfig::default() })?;
        let mut p = Param::new("weight", Matrix::zeros(2, 2));
        sgd.step(&mut p)?;
        p.value = Matrix::zeros(3, 2);
        p.grad = Matrix::zeros(3, 2);
        let err = sgd.step(&mut p).unwrap_err();
        assert!(matches!(err, Error::StateShapeMismatch { .. }), "{err}");
        assert_eq!(sgd.iterations(), 1, "a failed step is not counted");
        p.grad = Matrix::zeros(1, 1);
        assert!(matches!(sgd.step(&mut p).unwrap_err(), Error::GradientShapeMismatch { .. }));
        Ok(())
    }
}
