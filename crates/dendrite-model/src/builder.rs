//! The model builder.

use dendrite_layers::{Dense, DenseConfig, Dropout, Layer, LeakyRelu};
use dendrite_optim::{Adam, AdamConfig, Optimizer};
use dendrite_tensor::{Init, RandomSource, Rng};

use crate::{Accuracy, Error, LossKind, Model, Node, Preprocessing, Result};

/// A layer waiting for `build`, which creates it with the model's generator.
#[derive(Debug)]
enum Pending {
    Dense(DenseConfig, bool),
    Dropout(f32),
    Relu,
    Softmax,
    Sigmoid,
    Linear,
    Tanh,
    LeakyRelu(f32),
    Custom(Box<dyn Layer>),
}

/// Builds a [`Model`]: input width, layers in order, loss, optimizer, accuracy and seed.
///
/// # Example
/// ```
/// use dendrite_model::{Accuracy, LossKind, Model};
/// # fn main() -> dendrite_model::Result<()> {
/// let model = Model::builder(2)
///     .dense(64)
///     .relu()
///     .dropout(0.1)
///     .dense(3)
///     .softmax()
///     .loss(LossKind::CategoricalCrossEntropy)
///     .accuracy(Accuracy::Categorical)
///     .seed(0)
///     .build()?;
/// assert!(model.uses_fused_softmax_cross_entropy());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ModelBuilder {
    input_width: usize,
    layers: Vec<Pending>,
    loss: Option<LossKind>,
    optimizer: Option<Box<dyn Optimizer>>,
    accuracy: Option<Accuracy>,
    seed: u64,
    init: Init,
    preprocessing: Preprocessing,
    class_names: Option<Vec<String>>,
    plateau: Option<crate::LrPlateau>,
}

impl ModelBuilder {
    pub(crate) fn new(input_width: usize) -> Self {
        Self {
            input_width,
            layers: Vec::new(),
            loss: None,
            optimizer: None,
            accuracy: None,
            seed: 0,
            init: Init::default(),
            preprocessing: Preprocessing::Identity,
            class_names: None,
            plateau: None,
        }
    }

    /// The preprocessing applied to raw inputs (default: none), saved with the model.
    #[must_use]
    pub fn preprocessing(mut self, preprocessing: Preprocessing) -> Self {
        self.preprocessing = preprocessing;
        self
    }

    /// A Dense layer of `neurons` taking the previous layer's width, with the builder's
    /// initializer ([`ModelBuilder::init`], the book's `0.01·N(0, 1)` by default) and no
    /// regularization.
    #[must_use]
    pub fn dense(mut self, neurons: usize) -> Self {
        self.layers.push(Pending::Dense(DenseConfig::new(0, neurons), true));
        self
    }

    /// A Dense layer with explicit settings, its own initializer among them; its `inputs`
    /// must equal the previous width.
    #[must_use]
    pub fn dense_with(mut self, config: DenseConfig) -> Self {
        self.layers.push(Pending::Dense(config, false));
        self
    }

    /// Dropout of the fraction `rate` in training.
    #[must_use]
    pub fn dropout(mut self, rate: f32) -> Self {
        self.layers.push(Pending::Dropout(rate));
        self
    }

    /// ReLU.
    #[must_use]
    pub fn relu(mut self) -> Self {
        self.layers.push(Pending::Relu);
        self
    }

    /// Softmax (fused with categorical cross-entropy when it is the last layer).
    #[must_use]
    pub fn softmax(mut self) -> Self {
        self.layers.push(Pending::Softmax);
        self
    }

    /// Sigmoid.
    #[must_use]
    pub fn sigmoid(mut self) -> Self {
        self.layers.push(Pending::Sigmoid);
        self
    }

    /// The linear (identity) activation.
    #[must_use]
    pub fn linear(mut self) -> Self {
        self.layers.push(Pending::Linear);
        self
    }

    /// Tanh.
    #[must_use]
    pub fn tanh(mut self) -> Self {
        self.layers.push(Pending::Tanh);
        self
    }

    /// Leaky ReLU with slope `alpha` for negative inputs.
    #[must_use]
    pub fn leaky_relu(mut self, alpha: f32) -> Self {
        self.layers.push(Pending::LeakyRelu(alpha));
        self
    }

    /// A plug-in layer (a user's own type implementing [`Layer`]). It runs through its `Layer`
    /// methods between the fused steps of the built-in layers; a built-in layer passed here in
    /// a box is a plug-in too (the builder's own methods give the fused ones).
    #[must_use]
    pub fn layer(mut self, layer: Box<dyn Layer>) -> Self {
        self.layers.push(Pending::Custom(layer));
        self
    }

    /// The loss (required).
    #[must_use]
    pub fn loss(mut self, loss: LossKind) -> Self {
        self.loss = Some(loss);
        self
    }

    /// The optimizer (default: Adam with the book's defaults).
    #[must_use]
    pub fn optimizer(mut self, optimizer: impl Optimizer + 'static) -> Self {
        self.optimizer = Some(Box::new(optimizer));
        self
    }

    /// The optimizer, already boxed (for choosing one at run time).
    #[must_use]
    pub fn optimizer_boxed(mut self, optimizer: Box<dyn Optimizer>) -> Self {
        self.optimizer = Some(optimizer);
        self
    }

    /// Reduce-on-plateau, which `fit` feeds after every epoch (default: none).
    #[must_use]
    pub fn reduce_on_plateau(mut self, plateau: crate::LrPlateau) -> Self {
        self.plateau = Some(plateau);
        self
    }

    /// The accuracy metric (default: categorical for cross-entropy, binary for binary
    /// cross-entropy, regression otherwise).
    #[must_use]
    pub fn accuracy(mut self, accuracy: Accuracy) -> Self {
        self.accuracy = Some(accuracy);
        self
    }

    /// The initializer of the weights of every layer added with [`ModelBuilder::dense`]
    /// (default: the book's `0.01·N(0, 1)`), wherever it is called in the chain; layers added
    /// with [`ModelBuilder::dense_with`] keep their own.
    ///
    /// # Example
    /// ```
    /// use dendrite_model::{LossKind, Model};
    /// use dendrite_tensor::Init;
    /// # fn main() -> dendrite_model::Result<()> {
    /// let model = Model::builder(784).dense(128).relu().dense(10).softmax()
    ///     .init(Init::HeNormal)
    ///     .loss(LossKind::CategoricalCrossEntropy)
    ///     .build()?;
    /// assert_eq!(model.output_width(), 10);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// The names of the classes, one per class index (saved with the model; `dendrite predict
    /// --names` prints them): as many as the output's width, or two for a single output
    /// column. `build` checks them ([`Model::set_class_names`]).
    ///
    /// # Example
    /// ```
    /// use dendrite_model::{LossKind, Model, Matrix};
    /// # fn main() -> dendrite_model::Result<()> {
    /// let model = Model::builder(2).dense(3).softmax()
    ///     .loss(LossKind::CategoricalCrossEntropy)
    ///     .class_names(["cat", "dog", "bird"])
    ///     .build()?;
    /// let class = model.predict_classes(&Matrix::from_row_slice(1, 2, &[0.5, 1.0]))?[0];
    /// assert!(["cat", "dog", "bird"].contains(&model.class_names().unwrap()[class].as_str()));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn class_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.class_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The seed of the model's generator, behind every random draw (default 0).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Creates the layers with the model's generator and checks that each layer takes the
    /// width the previous one gives.
    ///
    /// # Errors
    /// [`Error::WidthMismatch`] naming both layers and widths; [`Error::InvalidSetting`] for a
    /// model without layers or loss; a layer's own configuration error.
    pub fn build(self) -> Result<Model> {
        self.build_inner(None)
    }

    /// [`ModelBuilder::build`], drawing the initial weights from `init` instead of the model's
    /// generator (which still draws the dropout masks and the shuffles): any `rand`
    /// generator, or `dendrite_data::NumpyRng`.
    ///
    /// With `dendrite_data::NumpyRng` continuing after the book's data, this gives the book's
    /// very initial weights, so a run reproduces the book's printout.
    ///
    /// # Errors
    /// As [`ModelBuilder::build`].
    pub fn build_with_init(self, init: &mut dyn RandomSource) -> Result<Model> {
        self.build_inner(Some(init))
    }

    fn build_inner(self, mut init: Option<&mut dyn RandomSource>) -> Result<Model> {
        let loss = self.loss.ok_or_else(|| Error::InvalidSetting("a model needs a loss".to_owned()))?;
        if self.layers.is_empty() {
            return Err(Error::InvalidSetting("a model needs at least one layer".to_owned()));
        }
        if self.input_width == 0 {
            return Err(Error::InvalidSetting("the input width must be positive".to_owned()));
        }
        let mut rng = Rng::seed_from_u64(self.seed);
        let mut nodes: Vec<Node> = Vec::with_capacity(self.layers.len());
        let mut width = self.input_width;
        let mut previous = "the input".to_owned();
        for (index, pending) in self.layers.into_iter().enumerate() {
            let node = match pending {
                Pending::Dense(config, infer_inputs) => {
                    let config = if infer_inputs {
                        DenseConfig { inputs: width, init: self.init, ..config }
                    } else {
                        config
                    };
                    if config.inputs != width {
                        return Err(Error::WidthMismatch {
                            index,
                            layer: format!("Dense({} -> {})", config.inputs, config.neurons),
                            previous,
                            expected: config.inputs.to_string(),
                            got: width,
                        });
                    }
                    match init.as_deref_mut() {
                        Some(source) => Node::Dense(Dense::from_config(&config, source)?),
                        None => Node::Dense(Dense::from_config(&config, &mut rng)?),
                    }
                }
                Pending::Dropout(rate) => Node::Dropout(Dropout::new(rate, &mut rng)?),
                Pending::Relu => Node::Relu,
                Pending::Softmax => Node::Softmax,
                Pending::Sigmoid => Node::Sigmoid,
                Pending::Linear => Node::Linear,
                Pending::Tanh => Node::Tanh,
                Pending::LeakyRelu(alpha) => Node::LeakyRelu(LeakyRelu::new(alpha)?.alpha()),
                Pending::Custom(layer) => Node::plugin(layer),
            };
            width = node.output_width(width).map_err(|_| Error::WidthMismatch {
                index,
                layer: node.describe(),
                previous: previous.clone(),
                expected: "another width".to_owned(),
                got: width,
            })?;
            previous = format!("layer {index} ({})", node.describe());
            nodes.push(node);
        }
        let optimizer = match self.optimizer {
            Some(o) => o,
            None => Box::new(Adam::new(AdamConfig::default())?),
        };
        let accuracy = self.accuracy.unwrap_or(match loss {
            LossKind::CategoricalCrossEntropy => Accuracy::Categorical,
            LossKind::BinaryCrossEntropy => Accuracy::Binary,
            _ => Accuracy::Regression { precision: None },
        });
        let mut model = Model::from_parts(self.input_width, width, nodes, loss, optimizer, accuracy, rng);
        model.set_preprocessing(self.preprocessing)?;
        model.set_class_names(self.class_names)?;
        model.plateau = self.plateau;
        model.seed = self.seed;
        Ok(model)
    }
}
