//! The fully connected layer.

use dendrite_tensor::{
    Init, Matrix, Param, Parameterized, RandomSource, Regularizer, Shape, matmul_bias, matmul_nt,
    matmul_tn_sums, resize,
};
use serde::{Deserialize, Serialize};

use crate::layer::check_backward;
use crate::{Error, Layer, Mode, Result};

/// The settings of a [`Dense`] layer: its size, initializer and the four regularizer strengths
/// (the book's `Layer_Dense` arguments).
///
/// # Example
/// ```
/// use dendrite_layers::{Dense, DenseConfig};
/// use dendrite_tensor::Rng;
/// # fn main() -> dendrite_layers::Result<()> {
/// let mut rng = Rng::seed_from_u64(0);
/// let config = DenseConfig { weight_l2: 5e-4, bias_l2: 5e-4, ..DenseConfig::new(2, 64) };
/// let dense = Dense::from_config(&config, &mut rng)?;
/// assert_eq!(dense.weights().shape(), (2, 64));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseConfig {
    /// Number of inputs (columns of the input).
    pub inputs: usize,
    /// Number of neurons (columns of the output).
    pub neurons: usize,
    /// Initializer of the weights; biases start at zero.
    pub init: Init,
    /// L1 strength on the weights.
    pub weight_l1: f32,
    /// L2 strength on the weights.
    pub weight_l2: f32,
    /// L1 strength on the biases.
    pub bias_l1: f32,
    /// L2 strength on the biases.
    pub bias_l2: f32,
}

impl DenseConfig {
    /// A layer of the given size with the book's initializer and no regularization.
    #[must_use]
    pub fn new(inputs: usize, neurons: usize) -> Self {
        Self { inputs, neurons, ..Self::default() }
    }

    fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::InvalidConfig { layer: "Dense", reason });
        if self.inputs == 0 || self.neurons == 0 {
            return bad(format!("sizes must be positive, got {} -> {}", self.inputs, self.neurons));
        }
        for (name, v) in [
            ("weight_l1", self.weight_l1),
            ("weight_l2", self.weight_l2),
            ("bias_l1", self.bias_l1),
            ("bias_l2", self.bias_l2),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(format!("{name} must be a finite non-negative number, got {v}"));
            }
        }
        Ok(())
    }
}

impl Default for DenseConfig {
    fn default() -> Self {
        Self {
            inputs: 1,
            neurons: 1,
            init: Init::default(),
            weight_l1: 0.0,
            weight_l2: 0.0,
            bias_l1: 0.0,
            bias_l2: 0.0,
        }
    }
}

/// A fully connected layer: `output = inputs · W + b`, W of shape inputs × neurons.
///
/// Backward: `dW = inputsᵀ · dvalues (+ λ1·sign(W) + 2·λ2·W)`, `db = Σ_rows dvalues (+ the same
/// terms)`, `dinputs = dvalues · Wᵀ`. All three products run through the fast GEMM kernel.
#[derive(Debug, Clone)]
pub struct Dense {
    weights: Param,
    biases: Param,
    /// The initializer the settings named (recorded, so that the settings read back whole).
    init: Init,
    input: Matrix,
    output: Matrix,
    dinputs: Matrix,
    forwarded: bool,
}

impl Dense {
    /// A layer with the book's `0.01·N(0, 1)` weights, zero biases and no regularization.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when a size is zero.
    pub fn new<R: RandomSource + ?Sized>(inputs: usize, neurons: usize, rng: &mut R) -> Result<Self> {
        Self::from_config(&DenseConfig::new(inputs, neurons), rng)
    }

    /// A layer built from its settings, weights drawn from `rng`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when a size is zero or a strength negative or not finite.
    pub fn from_config<R: RandomSource + ?Sized>(config: &DenseConfig, rng: &mut R) -> Result<Self> {
        config.validate()?;
        let weights = config.init.matrix(config.inputs, config.neurons, rng);
        let biases = Matrix::zeros(1, config.neurons);
        Self::from_parts(config, weights, biases)
    }

    /// A layer with the given weights (inputs × neurons) and biases (1 × neurons); the config's
    /// sizes are ignored, its regularizers kept, its initializer recorded (as the one that drew
    /// the weights).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the biases do not match the weights, and
    /// [`Error::InvalidConfig`] for a bad strength or an empty matrix.
    pub fn from_parts(config: &DenseConfig, weights: Matrix, biases: Matrix) -> Result<Self> {
        let (inputs, neurons) = weights.shape();
        DenseConfig { inputs, neurons, ..config.clone() }.validate()?;
        if biases.shape() != (1, neurons) {
            return Err(Error::ShapeMismatch {
                layer: format!("Dense({inputs} -> {neurons})"),
                pass: "construction",
                expected: format!("biases of shape 1x{neurons}"),
                got: Shape::of(&biases).to_string(),
            });
        }
        let weights = Param::new("weight", weights)
            .with_regularizer(Regularizer { l1: config.weight_l1, l2: config.weight_l2 });
        let biases = Param::new("bias", biases)
            .with_regularizer(Regularizer { l1: config.bias_l1, l2: config.bias_l2 });
        Ok(Self {
            weights,
            biases,
            init: config.init,
            input: Matrix::zeros(0, 0),
            output: Matrix::zeros(0, 0),
            dinputs: Matrix::zeros(0, 0),
            forwarded: false,
        })
    }

    /// Number of inputs.
    #[must_use]
    pub fn inputs(&self) -> usize {
        self.weights.value.nrows()
    }

    /// Number of neurons (outputs).
    #[must_use]
    pub fn neurons(&self) -> usize {
        self.weights.value.ncols()
    }

    /// The weight matrix, inputs × neurons.
    #[must_use]
    pub fn weights(&self) -> &Matrix {
        &self.weights.value
    }

    /// The bias row, 1 × neurons.
    #[must_use]
    pub fn biases(&self) -> &Matrix {
        &self.biases.value
    }

    /// The weight parameter (value, gradient, regularizer).
    #[must_use]
    pub fn weight_param(&self) -> &Param {
        &self.weights
    }

    /// The bias parameter (value, gradient, regularizer).
    #[must_use]
    pub fn bias_param(&self) -> &Param {
        &self.biases
    }

    /// The weight and bias parameters, for a caller that computes the layer's pass itself,
    /// fused with the layers around it, and writes the gradients.
    pub fn params_mut(&mut self) -> (&mut Param, &mut Param) {
        (&mut self.weights, &mut self.biases)
    }

    /// The layer's settings, its initializer among them.
    #[must_use]
    pub fn config(&self) -> DenseConfig {
        let (w, b) = (self.weights.regularizer, self.biases.regularizer);
        DenseConfig {
            inputs: self.inputs(),
            neurons: self.neurons(),
            init: self.init,
            weight_l1: w.l1,
            weight_l2: w.l2,
            bias_l1: b.l1,
            bias_l2: b.l2,
        }
    }
}

impl Parameterized for Dense {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        f(&self.weights);
        f(&self.biases);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        f(&mut self.weights);
        f(&mut self.biases);
    }
}

impl Layer for Dense {
    fn kind(&self) -> &'static str {
        "Dense"
    }

    fn describe(&self) -> String {
        format!("Dense({} -> {})", self.inputs(), self.neurons())
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        if input_width == self.inputs() {
            Ok(self.neurons())
        } else {
            Err(Error::ShapeMismatch {
                layer: self.describe(),
                pass: "forward",
                expected: format!("{} input columns", self.inputs()),
                got: format!("{input_width} columns"),
            })
        }
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> Result<&Matrix> {
        if input.ncols() != self.inputs() {
            return Err(Error::ShapeMismatch {
                layer: self.describe(),
                pass: "forward",
                expected: format!("{} input columns", self.inputs()),
                got: Shape::of(input).to_string(),
            });
        }
        matmul_bias(input, &self.weights.value, &self.biases.value, &mut self.output)?;
        resize(&mut self.input, input.nrows(), input.ncols());
        self.input.copy_from(input);
        self.forwarded = true;
        Ok(&self.output)
    }

    fn backward(&mut self, dvalues: &Matrix) -> Result<&Matrix> {
        check_backward(|| self.describe(), self.forwarded, &self.output, dvalues)?;
        matmul_tn_sums(&self.input, dvalues, &mut self.weights.grad, &mut self.biases.grad)?;
        for p in [&mut self.weights, &mut self.biases] {
            p.regularizer.add_gradient(&p.value, &mut p.grad);
        }
        matmul_nt(dvalues, &self.weights.value, &mut self.dinputs)?;
        Ok(&self.dinputs)
    }

    fn rowwise(&self) -> bool {
        true
    }

    fn spec(&self) -> crate::LayerSpec {
        crate::LayerSpec::Dense(self.config())
    }
}

#[cfg(test)]
mod tests {
    use dendrite_tensor::Rng;

    use super::*;
    use crate::testing::check_layer;

    fn input() -> Matrix {
        Matrix::from_fn(5, 3, |i, j| ((i * 3 + j) as f32 * 0.7).sin())
    }

    #[test]
    fn gradient_check_without_regularizers() -> Result<(), Box<dyn std::error::Error>> {
        let mut rng = Rng::seed_from_u64(1);
        let config = DenseConfig { init: Init::Normal { std: 0.5 }, ..DenseConfig::new(3, 4) };
        check_layer(&mut Dense::from_config(&config, &mut rng)?, &input(), Mode::Train, Default::default())?;
        Ok(())
    }

    #[test]
    fn gradient_check_with_all_four_regularizers() -> Result<(), Box<dyn std::error::Error>> {
        let mut rng = Rng::seed_from_u64(2);
        let config = DenseConfig {
            init: Init::Normal { std: 0.5 },
            weight_l1: 0.01,
            weight_l2: 0.02,
            bias_l1: 0.03,
            bias_l2: 0.04,
            ..DenseConfig::new(3, 4)
        };
        let mut dense = Dense::from_config(&config, &mut rng)?;
        // Non-zero biases, away from the L1 kink at 0.
        dense.visit_params_mut(&mut |p| {
            if p.name() == "bias" {
                p.value = Matrix::from_row_slice(1, 4, &[0.3, -0.2, 0.5, -0.6]);
            }
        });
        check_layer(&mut dense, &input(), Mode::Train, Default::default())?;
        Ok(())
    }

    #[test]
    fn wrong_input_width_names_the_layer() -> Result<(), Box<dyn std::error::Error>> {
        let mut dense = Dense::new(2, 64, &mut Rng::seed_from_u64(0))?;
        let err = dense.forward(&Matrix::zeros(3, 5), Mode::Train).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in Dense(2 -> 64) forward: expected 2 input columns, got 3x5"
        );
        let err = dense.backward(&Matrix::zeros(3, 64)).unwrap_err();
        assert!(matches!(err, Error::BackwardBeforeForward { .. }));
        dense.forward(&Matrix::zeros(3, 2), Mode::Train)?;
        let err = dense.backward(&Matrix::zeros(4, 64)).unwrap_err();
        assert!(err.to_string().contains("expected gradient of shape 3x64, got 4x64"), "{err}");
        Ok(())
    }

    #[test]
    fn rejects_bad_configs() {
        let mut rng = Rng::seed_from_u64(0);
        assert!(Dense::new(0, 3, &mut rng).is_err());
        let neg = DenseConfig { weight_l2: -1.0, ..DenseConfig::new(2, 2) };
        assert!(Dense::from_config(&neg, &mut rng).is_err());
        let bad_bias = Dense::from_parts(&DenseConfig::default(), Matrix::zeros(2, 3), Matrix::zeros(1, 2));
        assert!(bad_bias.is_err());
    }
}
