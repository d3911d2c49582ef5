//! Learning-rate schedules.

/// How the learning rate changes with the number of completed steps.
pub trait LrSchedule: dyn_clone::DynClone + Send + Sync + std::fmt::Debug {
    /// The learning rate for the step that follows `step` completed ones.
    fn learning_rate(&self, base: f64, step: u64) -> f64;

    /// The momentum for the step that follows `step` completed ones, when the schedule cycles
    /// it (one-cycle with a momentum range: SGD's and RMSprop's momentum, Adam's `beta1`);
    /// `None` leaves the optimizer's own.
    fn momentum(&self, step: u64) -> Option<f64> {
        let _ = step;
        None
    }

    /// The schedule as a value that model files store, or `None` for one they cannot (then a
    /// model whose optimizer runs it cannot be saved).
    fn to_schedule(&self) -> Option<crate::Schedule> {
        None
    }
}

dyn_clone::clone_trait_object!(LrSchedule);

/// The book's inverse-time decay: `lr_t = lr / (1 + decay · t)`; `decay = 0` keeps `lr`.
///
/// # Example
/// ```
/// use dendrite_optim::{InverseTimeDecay, LrSchedule};
/// let s = InverseTimeDecay { decay: 5e-5 };
/// assert_eq!(s.learning_rate(0.05, 0), 0.05);
/// assert_eq!(s.learning_rate(0.05, 9999), 0.03333444448148271);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InverseTimeDecay {
    /// The decay rate.
    pub decay: f64,
}

impl LrSchedule for InverseTimeDecay {
    fn learning_rate(&self, base: f64, step: u64) -> f64 {
        if self.decay == 0.0 { base } else { base * (1.0 / (1.0 + self.decay * step as f64)) }
    }

    fn to_schedule(&self) -> Option<crate::Schedule> {
        Some(crate::Schedule::InverseTime { decay: self.decay })
    }
}

/// Checks a learning rate and decay, as every optimizer's constructor does.
pub(crate) fn validate(optimizer: &'static str, learning_rate: f64, decay: f64) -> crate::Result<()> {
    if !(learning_rate > 0.0 && learning_rate.is_finite()) {
        return Err(crate::Error::InvalidConfig {
            optimizer,
            reason: format!("learning rate must be positive and finite, got {learning_rate}"),
        });
    }
    non_negative(optimizer, &[("decay", decay)])
}

/// Checks that each named setting is non-negative and finite (decays, weight decays).
pub(crate) fn non_negative(optimizer: &'static str, settings: &[(&str, f64)]) -> crate::Result<()> {
    match settings.iter().find(|(_, v)| !(*v >= 0.0 && v.is_finite())) {
        Some((name, v)) => Err(crate::Error::InvalidConfig {
            optimizer,
            reason: format!("{name} must be non-negative and finite, got {v}"),
        }),
        None => Ok(()),
    }
}

/// Checks that each named setting (a β, ρ or momentum) lies in `[0, 1)`.
pub(crate) fn unit_interval(optimizer: &'static str, settings: &[(&str, f64)]) -> crate::Result<()> {
    match settings.iter().find(|(_, v)| !(0.0..1.0).contains(v)) {
        Some((name, v)) => Err(crate::Error::InvalidConfig {
            optimizer,
            reason: format!("{name} must lie in [0, 1), got {v}"),
        }),
        None => Ok(()),
    }
}
