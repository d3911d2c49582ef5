//! Layer specs: what a model file records of each layer.

use dendrite_tensor::Rng;
use serde::{Deserialize, Serialize};

use crate::{
    Dense, DenseConfig, Dropout, Error, Layer, LeakyRelu, Linear, Relu, Result, Sigmoid, Softmax, Tanh,
};

/// The architecture of one layer: its kind and hyper-parameters, without weights or caches.
///
/// Model files store these (the variants' order is part of the file format: new variants go at
/// the end). A plug-in layer is recorded by its kind name and a configuration of its own
/// encoding, and rebuilt through a registry of constructors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LayerSpec {
    /// [`Dense`] with its settings.
    Dense(DenseConfig),
    /// [`Dropout`] with its rate.
    Dropout {
        /// The fraction dropped.
        rate: f32,
    },
    /// [`Relu`].
    Relu,
    /// [`Softmax`].
    Softmax,
    /// [`Sigmoid`].
    Sigmoid,
    /// [`Linear`].
    Linear,
    /// [`Tanh`].
    Tanh,
    /// [`LeakyRelu`] with its slope.
    LeakyRelu {
        /// The slope for negative inputs.
        alpha: f32,
    },
    /// A plug-in layer: its kind name and its own configuration bytes.
    Plugin {
        /// The name it is registered under.
        kind: String,
        /// Its configuration, encoded by the plug-in.
        #[serde(deserialize_with = "dendrite_tensor::bounded::bounded_vec")]
        config: Vec<u8>,
    },
}

impl LayerSpec {
    /// Builds a built-in layer, drawing initial weights and a dropout generator from `rng`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for bad hyper-parameters, or for a plug-in spec (which needs
    /// its registered constructor).
    pub fn build(&self, rng: &mut Rng) -> Result<Box<dyn Layer>> {
        Ok(match self {
            LayerSpec::Dense(config) => Box::new(Dense::from_config(config, rng)?),
            LayerSpec::Dropout { rate } => Box::new(Dropout::new(*rate, rng)?),
            LayerSpec::Relu => Box::new(Relu::new()),
            LayerSpec::Softmax => Box::new(Softmax::new()),
            LayerSpec::Sigmoid => Box::new(Sigmoid::new()),
            LayerSpec::Linear => Box::new(Linear::new()),
            LayerSpec::Tanh => Box::new(Tanh::new()),
            LayerSpec::LeakyRelu { alpha } => Box::new(LeakyRelu::new(*alpha)?),
            LayerSpec::Plugin { kind, .. } => {
                return Err(Error::InvalidConfig {
                    layer: "plug-in",
                    reason: format!("'{kind}' is not a built-in layer: it needs its registered constructor"),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_spec_round_trips() -> Result<()> {
        let mut rng = Rng::seed_from_u64(0);
        let specs = [
            LayerSpec::Dense(DenseConfig { weight_l2: 5e-4, ..DenseConfig::new(2, 3) }),
            LayerSpec::Dropout { rate: 0.25 },
            LayerSpec::Relu,
            LayerSpec::Softmax,
            LayerSpec::Sigmoid,
            LayerSpec::Linear,
            LayerSpec::Tanh,
            LayerSpec::LeakyRelu { alpha: 0.1 },
        ];
        for spec in specs {
            assert_eq!(spec.build(&mut rng)?.spec(), spec);
        }
        let plugin = LayerSpec::Plugin { kind: "Scale".to_owned(), config: vec![1, 2] };
        assert!(plugin.build(&mut rng).is_err());
        Ok(())
    }
}
