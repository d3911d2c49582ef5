//! Learning-rate schedules.

/// How the learning rate changes with the number of completed steps.
pub trait LrSchedule: dyn_clone::DynClone + Send + Sync + std::fmt::Debug {
    /// The learning rate for the step that follows `step` completed ones.
    fn learning_rate(&self, base: f64, step: u64) -> f64;
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
}

/// Checks a learning rate and decay, as every optimizer's constructor does.
pub(crate) fn validate(optimizer: &'static str, learning_rate: f64, decay: f64) -> crate::Result<()> {
    if !(learning_rate > 0.0 && learning_rate.is_finite()) {
        return Err(crate::Error::InvalidConfig {
            optimizer,
            reason: format!("learning rate must be positive and finite, got {learning_rate}"),
        });
    }
    if !(decay >= 0.0 && decay.is_finite()) {
        return Err(crate::Error::InvalidConfig {
            optimizer,
            reason: format!("decay must be non-negative and finite, got {decay}"),
        });
    }
    Ok(())
}
