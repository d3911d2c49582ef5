//! `ModelSpec`: a whole model described in a TOML or JSON file, and built from it.

use dendrite_layers::DenseConfig;
use dendrite_optim::{
    AdagradConfig, AdamConfig, NadamConfig, Optimizer, OptimizerSpec, RmsPropConfig, Schedule, SgdConfig,
};
use dendrite_tensor::Init;
use serde::{Deserialize, Serialize};

use crate::{Error, LossKind, Model, ModelBuilder, Node, Result};

/// A model's architecture, loss, optimizer (with its schedule) and seed, as a TOML or JSON file
/// gives them. Unknown keys are errors; settings left out take their defaults.
///
/// # Example
/// ```
/// use dendrite_model::{Model, ModelBuilder, ModelSpec};
/// # fn main() -> dendrite_model::Result<()> {
/// let spec = ModelSpec::from_toml(r#"
///     inputs = 2
///     loss = "CategoricalCrossEntropy"
///     seed = 7
///     layers = [
///         { type = "dense", units = 64, weight_l2 = 5e-4 },
///         { type = "relu" },
///         { type = "dropout", rate = 0.1 },
///         { type = "dense", units = 3 },
///         { type = "softmax" },
///     ]
///     [optimizer.adam]
///     learning_rate = 0.05
///     decay = 5e-5
/// "#)?;
/// let model = ModelBuilder::from_spec(&spec)?.build()?;
/// assert_eq!(model.output_width(), 3);
/// assert_eq!(model.spec()?, spec);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The input width; `None` (left out) takes it from the data (see [`ModelSpec::with_inputs`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<usize>,
    /// The layers, in order.
    pub layers: Vec<LayerEntry>,
    /// The loss.
    pub loss: LossKind,
    /// The initializer of every Dense layer that names none (default: the book's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<Init>,
    /// The optimizer (default: Adam with the book's settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<OptimizerEntry>,
    /// The model's seed: initial weights, dropout masks, shuffles.
    #[serde(default)]
    pub seed: u64,
}

/// One layer of a [`ModelSpec`], tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerEntry {
    /// A Dense layer of `units` neurons (its inputs are the previous layer's width).
    Dense {
        /// Neurons.
        units: usize,
        /// Its initializer (default: the spec's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        init: Option<Init>,
        /// L1 strength on the weights.
        #[serde(default, skip_serializing_if = "is_zero")]
        weight_l1: f32,
        /// L2 strength on the weights.
        #[serde(default, skip_serializing_if = "is_zero")]
        weight_l2: f32,
        /// L1 strength on the biases.
        #[serde(default, skip_serializing_if = "is_zero")]
        bias_l1: f32,
        /// L2 strength on the biases.
        #[serde(default, skip_serializing_if = "is_zero")]
        bias_l2: f32,
    },
    /// Dropout of the fraction `rate`.
    Dropout {
        /// The fraction dropped.
        rate: f32,
    },
    /// ReLU.
    Relu,
    /// Softmax.
    Softmax,
    /// Sigmoid.
    Sigmoid,
    /// The identity.
    Linear,
    /// Tanh.
    Tanh,
    /// Leaky ReLU with slope `alpha`.
    LeakyRelu {
        /// The slope for negative inputs.
        alpha: f32,
    },
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// The optimizer of a [`ModelSpec`]: one of the settings tables, and a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerEntry {
    /// SGD's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgd: Option<SgdConfig>,
    /// Adagrad's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adagrad: Option<AdagradConfig>,
    /// RMSprop's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rmsprop: Option<RmsPropConfig>,
    /// Adam's (and AdamW's) settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adam: Option<AdamConfig>,
    /// NAdam's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nadam: Option<NadamConfig>,
    /// A schedule replacing the settings' inverse-time decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
}

impl OptimizerEntry {
    /// The one optimizer the entry names.
    fn settings(&self) -> Result<OptimizerSpec> {
        let named: Vec<OptimizerSpec> = [
            self.sgd.map(OptimizerSpec::Sgd),
            self.adagrad.map(OptimizerSpec::Adagrad),
            self.rmsprop.map(OptimizerSpec::RmsProp),
            self.adam.map(OptimizerSpec::Adam),
            self.nadam.map(OptimizerSpec::Nadam),
        ]
        .into_iter()
        .flatten()
        .collect();
        match named.as_slice() {
            [one] => Ok(*one),
            _ => Err(Error::Spec(format!(
                "optimizer: name exactly one of sgd, adagrad, rmsprop, adam, nadam (got {})",
                named.len()
            ))),
        }
    }

    /// The optimizer it describes.
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        self.settings()?
            .build_with_schedule(self.schedule.clone())
            .map_err(|e| Error::Spec(format!("optimizer: {e}")))
    }
}

impl ModelSpec {
    /// Reads a spec from TOML text.
    ///
    /// # Errors
    /// [`Error::Spec`] naming the key, line and column of an unknown key, a value of the wrong
    /// type or malformed TOML.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::Spec(one_line(&e.to_string())))
    }

    /// Reads a spec from JSON text.
    ///
    /// # Errors
    /// As [`ModelSpec::from_toml`].
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::Spec(e.to_string()))
    }

    /// The spec as TOML text.
    ///
    /// # Errors
    /// [`Error::Spec`] if a value has no TOML form.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Spec(e.to_string()))
    }

    /// The spec as pretty JSON text.
    ///
    /// # Errors
    /// [`Error::Spec`] if a value has no JSON form.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Spec(e.to_string()))
    }

    /// The spec with its input width set (from the data), unless it gives one already.
    #[must_use]
    pub fn with_inputs(mut self, inputs: usize) -> Self {
        self.inputs.get_or_insert(inputs);
        self
    }
}

/// A TOML error's report (where, the source line under a caret, the message) in one line:
/// where and the message.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains('|'))
        .collect::<Vec<_>>()
        .join(": ")
}

impl ModelBuilder {
    /// A builder for the model a spec describes.
    ///
    /// # Errors
    /// [`Error::Spec`] when the spec has no input width, names no optimizer or several, or
    /// its optimizer settings or schedule are out of range.
    pub fn from_spec(spec: &ModelSpec) -> Result<ModelBuilder> {
        let inputs = spec.inputs.ok_or_else(|| {
            Error::Spec("inputs: the spec takes its input width from the data; set it first".to_owned())
        })?;
        let mut builder = Model::builder(inputs).loss(spec.loss).seed(spec.seed);
        if let Some(init) = spec.init {
            builder = builder.init(init);
        }
        let mut width = inputs;
        for layer in &spec.layers {
            builder = match *layer {
                LayerEntry::Dense { units, init, weight_l1, weight_l2, bias_l1, bias_l2 } => {
                    let config = DenseConfig {
                        inputs: width,
                        neurons: units,
                        init: init.or(spec.init).unwrap_or_default(),
                        weight_l1,
                        weight_l2,
                        bias_l1,
                        bias_l2,
                    };
                    width = units;
                    builder.dense_with(config)
                }
                LayerEntry::Dropout { rate } => builder.dropout(rate),
                LayerEntry::Relu => builder.relu(),
                LayerEntry::Softmax => builder.softmax(),
                LayerEntry::Sigmoid => builder.sigmoid(),
                LayerEntry::Linear => builder.linear(),
                LayerEntry::Tanh => builder.tanh(),
                LayerEntry::LeakyRelu { alpha } => builder.leaky_relu(alpha),
            };
        }
        if let Some(entry) = &spec.optimizer {
            builder = builder.optimizer_boxed(entry.build()?);
        }
        Ok(builder)
    }
}

impl Model {
    /// The spec that builds this model's architecture, loss and optimizer (with its current
    /// base rate and its schedule) with the seed it was built with (0 for a loaded model).
    ///
    /// # Errors
    /// [`Error::Spec`] for a plug-in layer or an optimizer whose settings or schedule a spec
    /// cannot describe.
    pub fn spec(&self) -> Result<ModelSpec> {
        let mut layers = Vec::with_capacity(self.nodes.len());
        let mut inits = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            layers.push(match node {
                Node::Dense(d) => {
                    let c = d.config();
                    inits.push(c.init);
                    LayerEntry::Dense {
                        units: c.neurons,
                        init: Some(c.init),
                        weight_l1: c.weight_l1,
                        weight_l2: c.weight_l2,
                        bias_l1: c.bias_l1,
                        bias_l2: c.bias_l2,
                    }
                }
                Node::Dropout(d) => LayerEntry::Dropout { rate: d.rate() },
                Node::Relu => LayerEntry::Relu,
                Node::Softmax => LayerEntry::Softmax,
                Node::Sigmoid => LayerEntry::Sigmoid,
                Node::Linear => LayerEntry::Linear,
                Node::Tanh => LayerEntry::Tanh,
                Node::LeakyRelu(alpha) => LayerEntry::LeakyRelu { alpha: *alpha },
                Node::Plugin(_) => {
                    return Err(Error::Spec(format!(
                        "layer {i} ({}) is a plug-in, which a spec cannot name",
                        node.describe()
                    )));
                }
            });
        }
        // One initializer for every Dense layer is the spec's (left out when it is the book's);
        // a layer names its own only where it differs from the spec's.
        let shared = inits
            .first()
            .copied()
            .filter(|first| inits.iter().all(|i| i == first))
            .filter(|&i| i != Init::default());
        let default = shared.unwrap_or_default();
        for layer in &mut layers {
            if let LayerEntry::Dense { init, .. } = layer
                && *init == Some(default)
            {
                *init = None;
            }
        }
        let settings = self.optimizer.spec().ok_or_else(|| {
            Error::Spec(format!(
                "the {} optimizer has a custom schedule, which a spec cannot name",
                self.optimizer.name()
            ))
        })?;
        let mut entry = OptimizerEntry {
            sgd: None,
            adagrad: None,
            rmsprop: None,
            adam: None,
            nadam: None,
            schedule: self.optimizer.schedule(),
        };
        match settings {
            OptimizerSpec::Sgd(c) => entry.sgd = Some(c),
            OptimizerSpec::Adagrad(c) => entry.adagrad = Some(c),
            OptimizerSpec::RmsProp(c) => entry.rmsprop = Some(c),
            OptimizerSpec::Adam(c) => entry.adam = Some(c),
            OptimizerSpec::Nadam(c) => entry.nadam = Some(c),
            _ => return Err(Error::Spec("an optimizer a spec cannot name".to_owned())),
        }
        Ok(ModelSpec {
            inputs: Some(self.input_width),
            layers,
            loss: self.loss,
            init: shared,
            optimizer: Some(entry),
            seed: self.seed,
        })
    }
}
