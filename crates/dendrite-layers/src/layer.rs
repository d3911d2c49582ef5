//! The `Layer` trait and the training/inference `Mode`.

use dendrite_tensor::{Matrix, Parameterized, Rng, Shape};

use crate::{Error, LayerSpec, Result};

/// Whether a forward pass is part of training or of inference.
///
/// It is an argument of every [`Layer::forward`], so no layer can be left in the wrong mode:
/// Dropout drops only under `Train`, and under `Infer` it is the identity and draws nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Training: stochastic layers are active, and caches for `backward` are kept.
    Train,
    /// Inference: every layer is deterministic.
    Infer,
}

/// A layer of a network: a differentiable map from a batch of rows to a batch of rows.
///
/// Built-in layers and a user's own (plug-in) layers implement it alike. A layer owns its
/// output and gradient buffers and reuses them from call to call, so that after the first
/// batch of a given size a training step allocates nothing. A layer is `Clone` (a boxed one
/// clones through [`dyn_clone`]), so that a model holding it can be cloned.
///
/// # Example
/// A plug-in layer that scales its input by a constant:
/// ```
/// use dendrite_layers::{Layer, Mode, Result};
/// use dendrite_tensor::{Matrix, Param, Parameterized};
///
/// #[derive(Debug, Default, Clone)]
/// struct Double { output: Matrix, dinputs: Matrix }
///
/// impl Parameterized for Double {
///     fn visit_params(&self, _f: &mut dyn FnMut(&Param)) {}
///     fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut Param)) {}
/// }
///
/// impl Layer for Double {
///     fn kind(&self) -> &'static str { "Double" }
///     fn output_width(&self, input_width: usize) -> Result<usize> { Ok(input_width) }
///     fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
///         self.output = input * 2.0;
///         Ok(&self.output)
///     }
///     fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
///         self.dinputs = dvalues * 2.0;
///         Ok(&self.dinputs)
///     }
/// }
///
/// # fn main() -> Result<()> {
/// let mut d = Double::default();
/// let y = d.forward(&Matrix::from_element(2, 2, 1.5), Mode::Infer)?;
/// assert_eq!(y[(0, 0)], 3.0);
/// # Ok(())
/// # }
/// ```
pub trait Layer: Parameterized + dyn_clone::DynClone + Send + std::fmt::Debug {
    /// The kind of layer (`"Dense"`, `"ReLU"`, …), as files and messages name it.
    fn kind(&self) -> &'static str;

    /// A short description for messages, such as `Dense(2 -> 64)`. Defaults to [`Layer::kind`].
    fn describe(&self) -> String {
        self.kind().to_owned()
    }

    /// The width of the output for an input of `input_width` columns.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the layer cannot take that width.
    fn output_width(&self, input_width: usize) -> Result<usize>;

    /// Computes the output for a batch of rows.
    ///
    /// # Shapes
    /// `input`: samples × input width; output: samples × [`Layer::output_width`].
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `input` has the wrong number of columns.
    fn forward(&mut self, input: &Matrix, mode: Mode) -> Result<&Matrix>;

    /// Given the gradient of the loss with respect to the last output, sets the gradients of
    /// the layer's parameters and returns the gradient with respect to its input.
    ///
    /// # Shapes
    /// `dvalues`: the shape of the last output; result: the shape of the last input.
    ///
    /// # Errors
    /// [`Error::BackwardBeforeForward`] before any forward pass; [`Error::ShapeMismatch`] when
    /// `dvalues` does not have the last output's shape.
    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix>;

    /// Whether each output row depends only on the same input row. A model may then run a
    /// large batch through the layer in tiles of rows, each tile's forward pass followed by its
    /// backward pass while its activations are still in cache (a layer with parameters still
    /// sees its batches whole, since its backward pass sets their gradients). Every built-in
    /// layer is row-wise; the default, for plug-ins, is `false`, which keeps batches whole.
    fn rowwise(&self) -> bool {
        false
    }

    /// What a model file records of this layer. Built-in layers give their own variant; the
    /// default, for plug-ins, is [`LayerSpec::Plugin`] with the layer's kind and no
    /// configuration (override it to record a configuration for the registered constructor).
    fn spec(&self) -> LayerSpec {
        LayerSpec::Plugin { kind: self.kind().to_owned(), config: Vec::new() }
    }

    /// Visits the layer's own random number generators, if it draws numbers (Dropout has
    /// one): a checkpoint saves their states. The default visits none.
    fn visit_rngs(&self, f: &mut dyn FnMut(&Rng)) {
        let _ = f;
    }

    /// Visits the layer's generators mutably, in the order of [`Layer::visit_rngs`], to restore
    /// a checkpoint.
    fn visit_rngs_mut(&mut self, f: &mut dyn FnMut(&mut Rng)) {
        let _ = f;
    }
}

dyn_clone::clone_trait_object!(Layer);

/// Checks, for a layer's backward pass, that a forward pass happened and that `dvalues` has
/// the shape of its output.
pub(crate) fn check_backward(
    describe: impl FnOnce() -> String,
    forwarded: bool,
    output: &Matrix,
    dvalues: &Matrix,
) -> Result<()> {
    if !forwarded {
        return Err(Error::BackwardBeforeForward { layer: describe() });
    }
    if output.shape() != dvalues.shape() {
        return Err(Error::ShapeMismatch {
            layer: describe(),
            pass: "backward",
            expected: format!("gradient of shape {}", Shape::of(output)),
            got: Shape::of(dvalues).to_string(),
        });
    }
    Ok(())
}

/// Implements [`Parameterized`] with no parameters.
macro_rules! no_params {
    ($($t:ty),* $(,)?) => {$(
        impl dendrite_tensor::Parameterized for $t {
            fn visit_params(&self, _f: &mut dyn FnMut(&dendrite_tensor::Param)) {}
            fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut dendrite_tensor::Param)) {}
        }
    )*};
}
pub(crate) use no_params;
