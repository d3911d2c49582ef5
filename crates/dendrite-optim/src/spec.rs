//! Serializable optimizer settings.

use serde::{Deserialize, Serialize};

use crate::{
    Adagrad, AdagradConfig, Adam, AdamConfig, LrSchedule, Nadam, NadamConfig, Optimizer, Result, RmsProp,
    RmsPropConfig, Schedule, Sgd, SgdConfig,
};

/// An optimizer's kind and settings, as a model file records them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "Wire", into = "Wire")]
#[non_exhaustive]
pub enum OptimizerSpec {
    /// [`Sgd`].
    Sgd(SgdConfig),
    /// [`Adagrad`].
    Adagrad(AdagradConfig),
    /// [`RmsProp`].
    RmsProp(RmsPropConfig),
    /// [`Adam`] (and AdamW).
    Adam(AdamConfig),
    /// [`Nadam`].
    Nadam(NadamConfig),
}

impl OptimizerSpec {
    /// A fresh optimizer with these settings.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for settings out of range.
    pub fn build(&self) -> Result<Box<dyn Optimizer>> {
        Ok(match *self {
            OptimizerSpec::Sgd(c) => Box::new(Sgd::new(c)?),
            OptimizerSpec::Adagrad(c) => Box::new(Adagrad::new(c)?),
            OptimizerSpec::RmsProp(c) => Box::new(RmsProp::new(c)?),
            OptimizerSpec::Adam(c) => Box::new(Adam::new(c)?),
            OptimizerSpec::Nadam(c) => Box::new(Nadam::new(c)?),
        })
    }

    /// A fresh optimizer with these settings whose learning rate follows `schedule` (`None`:
    /// the settings' inverse-time decay), as a model file that stores a schedule rebuilds it.
    ///
    /// # Example
    /// ```
    /// use dendrite_optim::{AdamConfig, OptimizerSpec, Schedule};
    /// let cosine = Schedule::Cosine { t_max: 100, eta_min: 1e-5 };
    /// let adam = OptimizerSpec::Adam(AdamConfig::default()).build_with_schedule(Some(cosine.clone()))?;
    /// assert_eq!(adam.schedule(), Some(cosine));
    /// # Ok::<(), dendrite_optim::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for settings or a schedule out of range.
    pub fn build_with_schedule(&self, schedule: Option<Schedule>) -> Result<Box<dyn Optimizer>> {
        let Some(schedule) = schedule else { return self.build() };
        schedule.validate()?;
        let s: Box<dyn LrSchedule> = Box::new(schedule);
        Ok(match *self {
            OptimizerSpec::Sgd(c) => Box::new(Sgd::new(c)?.with_schedule(s)),
            OptimizerSpec::Adagrad(c) => Box::new(Adagrad::new(c)?.with_schedule(s)),
            OptimizerSpec::RmsProp(c) => Box::new(RmsProp::new(c)?.with_schedule(s)),
            OptimizerSpec::Adam(c) => Box::new(Adam::new(c)?.with_schedule(s)),
            OptimizerSpec::Nadam(c) => Box::new(Nadam::new(c)?.with_schedule(s)),
        })
    }
}

/// The layout in model files. The first four variants are the settings of format 1 (the book's
/// optimizers): a spec that the book's settings describe is written as one of them, so such
/// files are the bytes they always were; the others carry the settings added since. Variants
/// are only ever added at the end.
#[derive(Serialize, Deserialize)]
enum Wire {
    Sgd(BookSgd),
    Adagrad(AdagradConfig),
    RmsProp(BookRmsProp),
    Adam(BookAdam),
    SgdFull(SgdConfig),
    RmsPropFull(RmsPropConfig),
    AdamFull(AdamConfig),
    Nadam(NadamConfig),
}

#[derive(Serialize, Deserialize)]
struct BookSgd {
    learning_rate: f64,
    decay: f64,
    momentum: f64,
}

#[derive(Serialize, Deserialize)]
struct BookRmsProp {
    learning_rate: f64,
    decay: f64,
    epsilon: f64,
    rho: f64,
}

#[derive(Serialize, Deserialize)]
struct BookAdam {
    learning_rate: f64,
    decay: f64,
    epsilon: f64,
    beta1: f64,
    beta2: f64,
}

impl From<OptimizerSpec> for Wire {
    fn from(spec: OptimizerSpec) -> Self {
        match spec {
            OptimizerSpec::Sgd(c) if c.nesterov || c.weight_decay != 0.0 => Wire::SgdFull(c),
            OptimizerSpec::Sgd(c) => {
                Wire::Sgd(BookSgd { learning_rate: c.learning_rate, decay: c.decay, momentum: c.momentum })
            }
            OptimizerSpec::Adagrad(c) => Wire::Adagrad(c),
            OptimizerSpec::RmsProp(c) if c.momentum != 0.0 || c.centered || c.weight_decay != 0.0 => {
                Wire::RmsPropFull(c)
            }
            OptimizerSpec::RmsProp(c) => Wire::RmsProp(BookRmsProp {
                learning_rate: c.learning_rate,
                decay: c.decay,
                epsilon: c.epsilon,
                rho: c.rho,
            }),
            OptimizerSpec::Adam(c) if c.weight_decay != 0.0 || c.amsgrad => Wire::AdamFull(c),
            OptimizerSpec::Adam(c) => Wire::Adam(BookAdam {
                learning_rate: c.learning_rate,
                decay: c.decay,
                epsilon: c.epsilon,
                beta1: c.beta1,
                beta2: c.beta2,
            }),
            OptimizerSpec::Nadam(c) => Wire::Nadam(c),
        }
    }
}

impl From<Wire> for OptimizerSpec {
    fn from(wire: Wire) -> Self {
        match wire {
            Wire::Sgd(c) => OptimizerSpec::Sgd(SgdConfig {
                learning_rate: c.learning_rate,
                decay: c.decay,
                momentum: c.momentum,
                ..SgdConfig::default()
            }),
            Wire::Adagrad(c) => OptimizerSpec::Adagrad(c),
            Wire::RmsProp(c) => OptimizerSpec::RmsProp(RmsPropConfig {
                learning_rate: c.learning_rate,
                decay: c.decay,
                epsilon: c.epsilon,
                rho: c.rho,
                ..RmsPropConfig::default()
            }),
            Wire::Adam(c) => OptimizerSpec::Adam(AdamConfig {
                learning_rate: c.learning_rate,
                decay: c.decay,
                epsilon: c.epsilon,
                beta1: c.beta1,
                beta2: c.beta2,
                ..AdamConfig::default()
            }),
            Wire::SgdFull(c) => OptimizerSpec::Sgd(c),
            Wire::RmsPropFull(c) => OptimizerSpec::RmsProp(c),
            Wire::AdamFull(c) => OptimizerSpec::Adam(c),
            Wire::Nadam(c) => OptimizerSpec::Nadam(c),
        }
    }
}
