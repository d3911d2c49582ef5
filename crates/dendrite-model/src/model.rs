//! The model: layers, a loss, an optimizer and a metric, run in the right mode.

use dendrite_layers::{Layer, Mode, ReluDropout};
use dendrite_losses::{SoftmaxCrossEntropy, Targets};
use dendrite_optim::Optimizer;
use dendrite_tensor::{Matrix, Param, Parameterized, Rng};

use crate::{Accuracy, Error, LossKind, ModelBuilder, Preprocessing, Result};

/// A network with its loss, optimizer, accuracy metric and seeded generator.
///
/// [`Model::predict`] and [`Model::evaluate`] always run in [`Mode::Infer`]: there is no way
/// to predict with dropout on.
#[derive(Debug)]
pub struct Model {
    pub(crate) input_width: usize,
    pub(crate) output_width: usize,
    pub(crate) layers: Vec<Box<dyn Layer>>,
    pub(crate) loss: LossKind,
    pub(crate) fused: Option<SoftmaxCrossEntropy>,
    pub(crate) optimizer: Box<dyn Optimizer>,
    pub(crate) accuracy: Accuracy,
    pub(crate) rng: Rng,
    /// The gradient of the loss with respect to the output, reused from step to step.
    pub(crate) dloss: Matrix,
    /// What raw inputs go through before the first layer.
    pub(crate) preprocessing: Preprocessing,
    /// Completed training epochs, over every `fit` (a checkpoint resumes from it).
    pub(crate) epochs: usize,
    /// Batch buffers of `evaluate`, kept so that validating every epoch allocates nothing.
    pub(crate) eval_batch: crate::batch::Batch,
    /// Tile buffers of tiled training (see `tiled.rs`).
    pub(crate) tile_batch: crate::batch::Batch,
    /// Buffers of a two-layer perceptron's training pass (see `mlp.rs`).
    pub(crate) perceptron_scratch: crate::mlp::Scratch,
}

/// The result of [`Model::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Number of samples.
    pub samples: usize,
    /// The mean data loss.
    pub loss: f32,
    /// The accuracy.
    pub accuracy: f32,
}

impl Model {
    /// A builder for a model whose inputs have `input_width` columns.
    #[must_use]
    pub fn builder(input_width: usize) -> ModelBuilder {
        ModelBuilder::new(input_width)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        input_width: usize,
        output_width: usize,
        layers: Vec<Box<dyn Layer>>,
        loss: LossKind,
        fused: Option<SoftmaxCrossEntropy>,
        optimizer: Box<dyn Optimizer>,
        accuracy: Accuracy,
        rng: Rng,
    ) -> Self {
        Self {
            input_width,
            output_width,
            layers,
            loss,
            fused,
            optimizer,
            accuracy,
            rng,
            dloss: Matrix::zeros(0, 0),
            preprocessing: Preprocessing::Identity,
            epochs: 0,
            eval_batch: crate::batch::Batch::default(),
            tile_batch: crate::batch::Batch::default(),
            perceptron_scratch: crate::mlp::Scratch::default(),
        }
    }

    /// Whether the last Softmax and the cross-entropy run fused, with the gradient
    /// `(ŷ − y) / samples`.
    #[must_use]
    pub fn uses_fused_softmax_cross_entropy(&self) -> bool {
        self.fused.is_some()
    }

    /// The layers, in order.
    #[must_use]
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The width of the inputs.
    #[must_use]
    pub fn input_width(&self) -> usize {
        self.input_width
    }

    /// The width of the outputs.
    #[must_use]
    pub fn output_width(&self) -> usize {
        self.output_width
    }

    /// The loss.
    #[must_use]
    pub fn loss(&self) -> LossKind {
        self.loss
    }

    /// The optimizer.
    #[must_use]
    pub fn optimizer(&self) -> &dyn Optimizer {
        self.optimizer.as_ref()
    }

    /// The accuracy metric.
    #[must_use]
    pub fn accuracy(&self) -> Accuracy {
        self.accuracy
    }

    /// The preprocessing applied to raw inputs.
    #[must_use]
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// Sets the preprocessing applied to raw inputs (saved with the model).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] when it does not fit the input width.
    pub fn set_preprocessing(&mut self, preprocessing: Preprocessing) -> Result<()> {
        preprocessing.validate(self.input_width)?;
        self.preprocessing = preprocessing;
        Ok(())
    }

    /// Completed training epochs, over every call of `fit`.
    #[must_use]
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// The model's generator (its state is part of a checkpoint).
    #[must_use]
    pub fn rng(&self) -> &Rng {
        &self.rng
    }

    /// Checks that `x` has the model's width, some rows, and only finite values.
    pub(crate) fn check_inputs(&self, x: &Matrix) -> Result<()> {
        if x.ncols() != self.input_width {
            return Err(Error::InvalidData(format!(
                "inputs have {} columns, the model takes {}",
                x.ncols(),
                self.input_width
            )));
        }
        if x.nrows() == 0 {
            return Err(Error::InvalidData("no samples".to_owned()));
        }
        // A vectorized pass first; the position only when something is wrong.
        if !x.as_slice().iter().fold(true, |ok, v| ok & v.is_finite()) {
            let k = x.as_slice().iter().position(|v| !v.is_finite()).unwrap_or(0);
            let (row, col) = (k % x.nrows(), k / x.nrows());
            return Err(Error::InvalidData(format!("input at row {row}, column {col} is {}", x[k])));
        }
        Ok(())
    }

    /// The network's output for `x`, in inference mode (dropout off, nothing drawn).
    ///
    /// # Errors
    /// [`Error::InvalidData`] for inputs of the wrong width, without rows, or not finite.
    pub fn predict(&mut self, x: &Matrix) -> Result<Matrix> {
        self.check_inputs(x)?;
        let prepared = self.preprocessing.apply(x)?;
        let x = prepared.as_ref().unwrap_or(x);
        Ok(forward_layers(&mut self.layers, x, Mode::Infer)?.clone())
    }

    /// The mean data loss and the accuracy on `(x, y)`, in inference mode.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for bad inputs, or targets of another length, width or kind than
    /// the model and its loss take.
    pub fn evaluate(&mut self, x: &Matrix, y: Targets<'_>) -> Result<Evaluation> {
        self.evaluate_batched(x, y, None)
    }

    /// Checks inputs and targets together: inputs as [`Model::predict`] needs them, as many
    /// targets as rows, of a kind the loss takes, labels below the output width.
    pub(crate) fn check_data(&self, x: &Matrix, y: Targets<'_>) -> Result<()> {
        self.check_inputs(x)?;
        if y.len() != x.nrows() {
            return Err(Error::InvalidData(format!("{} samples but {} targets", x.nrows(), y.len())));
        }
        match y {
            Targets::Classes(c) => {
                if self.loss != LossKind::CategoricalCrossEntropy {
                    return Err(Error::InvalidData(format!(
                        "{} needs value targets (a matrix), got class indices",
                        self.loss.as_loss().name()
                    )));
                }
                if let Some((row, &label)) = c.iter().enumerate().find(|&(_, &l)| l >= self.output_width) {
                    return Err(Error::InvalidData(format!(
                        "label {label} of sample {row} is out of range for {} classes",
                        self.output_width
                    )));
                }
            }
            Targets::Values(v) => {
                if v.ncols() != self.output_width {
                    return Err(Error::InvalidData(format!(
                        "targets have {} columns, the model outputs {}",
                        v.ncols(),
                        self.output_width
                    )));
                }
                if let Some(k) = v.as_slice().iter().position(|t| !t.is_finite()) {
                    let (row, col) = (k % v.nrows(), k / v.nrows());
                    return Err(Error::InvalidData(format!("target at row {row}, column {col} is {}", v[k])));
                }
            }
        }
        Ok(())
    }
}

impl Parameterized for Model {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        self.layers.visit_params(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        self.layers.visit_params_mut(f);
    }
}

/// The forward pass of a training step (at least one layer): each layer whose input
/// [`backward_training`] can hand back (the batch, or the output that the layer before keeps)
/// is lent it instead of keeping a copy (see [`Layer::forward_input_kept`]), and a ReLU layer
/// followed by a dropout layer runs as one ([`ReluDropout`]) where its input is lent.
pub(crate) fn forward_training<'a>(layers: &'a mut [Box<dyn Layer>], x: &'a Matrix) -> Result<&'a Matrix> {
    let mut out = x;
    let mut lend = true;
    let mut rest = layers;
    while !rest.is_empty() {
        let fuse = lend && rest.len() >= 2 && ReluDropout::matches(rest[0].as_ref(), rest[1].as_ref());
        let taken = std::mem::take(&mut rest);
        if fuse {
            let (pair, after) = taken.split_at_mut(2);
            let [relu, dropout] = pair else { unreachable!("a pair") };
            out = ReluDropout::of(relu.as_mut(), dropout.as_mut()).expect("matched").forward(out);
            rest = after;
            lend = true;
        } else {
            let (layer, after) = taken.split_first_mut().expect("layers are left");
            // Whether this layer's output can be handed back to the next one: decided before
            // the pass, as the backward pass decides it (a layer keeps its output always or
            // never).
            let keeps_output = layer.output().is_some();
            out = if lend {
                layer.forward_input_kept(out, Mode::Train)?
            } else {
                layer.forward(out, Mode::Train)?
            };
            rest = after;
            lend = keeps_output;
        }
    }
    Ok(out)
}

/// The backward pass of a training step after [`forward_training`] from the batch `x`, from the
/// loss's gradient `dloss`: each layer is handed its input where the layer before keeps it (a
/// fused pair as in the forward pass), and the first layer's input gradient, which has no use,
/// is not computed.
pub(crate) fn backward_training(layers: &mut [Box<dyn Layer>], x: &Matrix, dloss: &Matrix) -> Result<()> {
    let mut g = dloss;
    let mut rest = layers;
    while let n @ 1.. = rest.len() {
        let fuse = n >= 2
            && ReluDropout::matches(rest[n - 2].as_ref(), rest[n - 1].as_ref())
            && input_of(&rest[..n - 2], x).is_some();
        let taken = std::mem::take(&mut rest);
        if fuse {
            let (before, pair) = taken.split_at_mut(n - 2);
            let [relu, dropout] = pair else { unreachable!("a pair") };
            let input = input_of(before, x).expect("checked");
            g = ReluDropout::of(relu.as_mut(), dropout.as_mut()).expect("matched").backward(input, g)?;
            rest = before;
        } else {
            let (last, before) = taken.split_last_mut().expect("layers are left");
            if before.is_empty() {
                last.backward_params_with_input(x, g)?;
            } else {
                g = match input_of(before, x) {
                    Some(input) => last.backward_with_input(input, g)?,
                    None => last.backward(g)?,
                };
            }
            rest = before;
        }
    }
    Ok(())
}

/// The input of the layer after `before` in a training step from the batch `x`, if the model
/// can hand it back: the batch, or the output the previous layer keeps.
fn input_of<'a>(before: &'a [Box<dyn Layer>], x: &'a Matrix) -> Option<&'a Matrix> {
    match before.last() {
        None => Some(x),
        Some(previous) => previous.output(),
    }
}

/// Runs `x` through `layers` in order.
pub(crate) fn forward_layers<'a>(
    layers: &'a mut [Box<dyn Layer>],
    x: &Matrix,
    mode: Mode,
) -> Result<&'a Matrix> {
    let (first, rest) = layers
        .split_first_mut()
        .ok_or_else(|| Error::InvalidSetting("a model needs at least one layer".to_owned()))?;
    let mut out = first.forward(x, mode)?;
    for layer in rest {
        out = layer.forward(out, mode)?;
    }
    Ok(out)
}
