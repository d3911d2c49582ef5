//! Serializable optimizer settings.

use serde::{Deserialize, Serialize};

use crate::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Optimizer, Result, RmsProp, RmsPropConfig, Sgd, SgdConfig,
};

/// An optimizer's kind and settings, as a model file records them (the variants' order is part
/// of the file format: new variants go at the end).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OptimizerSpec {
    /// [`Sgd`].
    Sgd(SgdConfig),
    /// [`Adagrad`].
    Adagrad(AdagradConfig),
    /// [`RmsProp`].
    RmsProp(RmsPropConfig),
    /// [`Adam`].
    Adam(AdamConfig),
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
        })
    }
}
