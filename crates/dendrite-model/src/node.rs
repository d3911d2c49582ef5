//! The layers of a model as the model holds them: built-in layers as variants of one enum,
//! matched once when the plan is compiled, and plug-ins behind the `Layer` trait.

use std::sync::{Mutex, MutexGuard, PoisonError};

use dendrite_layers::{Dense, Dropout, Layer, LayerSpec};
use dendrite_tensor::kernels::epilogue::Activation;
use dendrite_tensor::{Param, Parameterized, Rng};

use crate::Result;

/// One layer of a model.
///
/// The model holds a built-in layer's settings and parameters (and a dropout layer's
/// generator); the buffers of a pass live in a workspace, so a model is shared, immutable, at
/// inference. A plug-in layer runs through its [`Layer`] methods, one caller at a time.
#[derive(Debug, Clone)]
#[non_exhaustive]
#[expect(
    clippy::large_enum_variant,
    reason = "nodes live in the model's one vector, built once and never moved in a pass"
)]
pub enum Node {
    /// A fully connected layer (its own buffers stay unused: the model's plan runs it).
    Dense(Dense),
    /// Dropout, with its generator.
    Dropout(Dropout),
    /// ReLU.
    Relu,
    /// Softmax over each row.
    Softmax,
    /// Sigmoid.
    Sigmoid,
    /// The identity.
    Linear,
    /// Tanh.
    Tanh,
    /// Leaky ReLU with its slope for negative inputs.
    LeakyRelu(f32),
    /// A plug-in layer.
    Plugin(Plugin),
}

/// A plug-in layer inside a model: its [`Layer`] methods need `&mut`, so callers that share
/// the model take turns.
#[derive(Debug)]
pub struct Plugin(Mutex<Box<dyn Layer>>);

impl Clone for Plugin {
    /// A new plug-in node holding a clone of the layer.
    fn clone(&self) -> Self {
        Plugin(Mutex::new(self.lock().clone()))
    }
}

impl Plugin {
    /// The layer, for one caller at a time.
    pub fn lock(&self) -> MutexGuard<'_, Box<dyn Layer>> {
        // A plug-in that panicked leaves its own state as it was; the model's is untouched.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The layer, without locking (the caller has the model to itself).
    pub fn get_mut(&mut self) -> &mut Box<dyn Layer> {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Node {
    /// The node of a plug-in layer. A built-in layer passed in a box is a plug-in too: it runs
    /// through its `Layer` methods, unfused.
    #[must_use]
    pub fn plugin(layer: Box<dyn Layer>) -> Self {
        Node::Plugin(Plugin(Mutex::new(layer)))
    }

    /// The node of a built-in layer's spec (`None` for a plug-in spec), with parameters and a
    /// dropout generator drawn from `rng`.
    ///
    /// # Errors
    /// A layer's configuration error.
    pub(crate) fn from_spec(spec: &LayerSpec, rng: &mut Rng) -> Result<Option<Self>> {
        Ok(Some(match spec {
            LayerSpec::Dense(config) => Node::Dense(Dense::from_config(config, rng)?),
            LayerSpec::Dropout { rate } => Node::Dropout(Dropout::new(*rate, rng)?),
            LayerSpec::Relu => Node::Relu,
            LayerSpec::Softmax => Node::Softmax,
            LayerSpec::Sigmoid => Node::Sigmoid,
            LayerSpec::Linear => Node::Linear,
            LayerSpec::Tanh => Node::Tanh,
            LayerSpec::LeakyRelu { alpha } => {
                // The layer checks the slope.
                dendrite_layers::LeakyRelu::new(*alpha)?;
                Node::LeakyRelu(*alpha)
            }
            _ => return Ok(None),
        }))
    }

    /// The element-wise activation of an activation node.
    pub(crate) fn activation(&self) -> Option<Activation> {
        match self {
            Node::Relu => Some(Activation::Relu),
            Node::Sigmoid => Some(Activation::Sigmoid),
            Node::Linear => Some(Activation::Identity),
            Node::Tanh => Some(Activation::Tanh),
            Node::LeakyRelu(alpha) => Some(Activation::LeakyRelu(*alpha)),
            _ => None,
        }
    }

    /// The kind of layer, as files and messages name it.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Dense(_) => "Dense",
            Node::Dropout(_) => "Dropout",
            Node::Relu => "ReLU",
            Node::Softmax => "Softmax",
            Node::Sigmoid => "Sigmoid",
            Node::Linear => "Linear",
            Node::Tanh => "Tanh",
            Node::LeakyRelu(_) => "LeakyReLU",
            Node::Plugin(p) => p.lock().kind(),
        }
    }

    /// A short description for messages, such as `Dense(2 -> 64)`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Node::Dense(d) => d.describe(),
            Node::Dropout(d) => d.describe(),
            Node::LeakyRelu(alpha) => format!("LeakyReLU({alpha})"),
            Node::Plugin(p) => p.lock().describe(),
            other => other.kind().to_owned(),
        }
    }

    /// The width of the output for an input of `input_width` columns.
    ///
    /// # Errors
    /// A layer's shape error when it cannot take that width.
    pub fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(match self {
            Node::Dense(d) => d.output_width(input_width)?,
            Node::Plugin(p) => p.lock().output_width(input_width)?,
            _ => input_width,
        })
    }

    /// What a model file records of this layer.
    #[must_use]
    pub fn spec(&self) -> LayerSpec {
        match self {
            Node::Dense(d) => d.spec(),
            Node::Dropout(d) => d.spec(),
            Node::Relu => LayerSpec::Relu,
            Node::Softmax => LayerSpec::Softmax,
            Node::Sigmoid => LayerSpec::Sigmoid,
            Node::Linear => LayerSpec::Linear,
            Node::Tanh => LayerSpec::Tanh,
            Node::LeakyRelu(alpha) => LayerSpec::LeakyRelu { alpha: *alpha },
            Node::Plugin(p) => p.lock().spec(),
        }
    }

    /// Whether each output row depends only on the same input row.
    pub(crate) fn rowwise(&self) -> bool {
        match self {
            Node::Plugin(p) => p.lock().rowwise(),
            _ => true,
        }
    }

    /// Visits the node's generators (a dropout layer's, or a plug-in's own).
    pub fn visit_rngs(&self, f: &mut dyn FnMut(&Rng)) {
        match self {
            Node::Dropout(d) => f(d.rng()),
            Node::Plugin(p) => p.lock().visit_rngs(f),
            _ => {}
        }
    }

    /// Visits the node's generators mutably, in the order of [`Node::visit_rngs`].
    pub fn visit_rngs_mut(&mut self, f: &mut dyn FnMut(&mut Rng)) {
        match self {
            Node::Dropout(d) => {
                let mut rng = d.rng().clone();
                f(&mut rng);
                d.set_rng(rng);
            }
            Node::Plugin(p) => p.get_mut().visit_rngs_mut(f),
            _ => {}
        }
    }
}

impl Parameterized for Node {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        match self {
            Node::Dense(d) => d.visit_params(f),
            Node::Plugin(p) => p.lock().visit_params(f),
            _ => {}
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        match self {
            Node::Dense(d) => d.visit_params_mut(f),
            Node::Plugin(p) => p.get_mut().visit_params_mut(f),
            _ => {}
        }
    }
}
