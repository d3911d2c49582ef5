//! A layer written outside the crates joins a model like a built-in one: a learnable
//! per-feature scale, `y = x ∘ s` with `s` a 1 × width row.

use dendrite::prelude::*;
use dendrite_layers::testing::check_layer;
use dendrite_model::{FitOptions, Report};
use dendrite_optim::AdamConfig;
use dendrite_tensor::{Shape, resize};

/// `y[i, j] = x[i, j] · s[j]`; `ds[j] = Σ_i x[i, j] · d[i, j]`, `dx = d ∘ s`.
#[derive(Debug, Clone)]
struct Scale {
    scale: Param,
    input: Matrix,
    output: Matrix,
    dinputs: Matrix,
}

impl Scale {
    fn new(width: usize) -> Self {
        Self {
            scale: Param::new("scale", Matrix::from_element(1, width, 1.0)),
            input: Matrix::zeros(0, 0),
            output: Matrix::zeros(0, 0),
            dinputs: Matrix::zeros(0, 0),
        }
    }
}

impl Parameterized for Scale {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        f(&self.scale);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        f(&mut self.scale);
    }
}

impl Layer for Scale {
    fn kind(&self) -> &'static str {
        "Scale"
    }

    fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
        if input_width == self.scale.value.ncols() {
            Ok(input_width)
        } else {
            Err(dendrite_layers::Error::ShapeMismatch {
                layer: self.describe(),
                pass: "forward",
                expected: format!("{} columns", self.scale.value.ncols()),
                got: format!("{input_width} columns"),
            })
        }
    }

    fn forward(&mut self, input: &Matrix, _mode: Mode) -> dendrite_layers::Result<&Matrix> {
        self.output_width(input.ncols())?;
        self.input.clone_from(input);
        resize(&mut self.output, input.nrows(), input.ncols());
        for (j, s) in self.scale.value.iter().enumerate() {
            self.output.column_mut(j).copy_from(&(input.column(j) * *s));
        }
        Ok(&self.output)
    }

    fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
        if dvalues.shape() != self.input.shape() {
            return Err(dendrite_layers::Error::ShapeMismatch {
                layer: self.describe(),
                pass: "backward",
                expected: Shape::of(&self.input).to_string(),
                got: Shape::of(dvalues).to_string(),
            });
        }
        resize(&mut self.dinputs, dvalues.nrows(), dvalues.ncols());
        for j in 0..dvalues.ncols() {
            self.scale.grad[j] = self.input.column(j).dot(&dvalues.column(j));
            let s = self.scale.value[j];
            self.dinputs.column_mut(j).copy_from(&(dvalues.column(j) * s));
        }
        Ok(&self.dinputs)
    }
}

#[test]
fn the_plug_in_passes_the_gradient_check() -> Result<(), Box<dyn std::error::Error>> {
    let mut layer = Scale::new(4);
    layer.scale.value = Matrix::from_row_slice(1, 4, &[0.5, -1.5, 2.0, 0.25]);
    let x = Matrix::from_fn(5, 4, |i, j| ((i * 4 + j) as f32 * 0.7).sin());
    check_layer(&mut layer, &x, Mode::Train, Default::default())?;
    Ok(())
}

#[test]
fn the_plug_in_trains_inside_a_model() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng::seed_from_u64(5);
    let (x, y) = spiral_data(100, 3, &mut rng);
    let mut model = Model::builder(2)
        .dense(64)
        .layer(Box::new(Scale::new(64)))
        .relu()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.05, ..AdamConfig::default() })?)
        .build()?;
    // 2·64 + 64 (Dense) + 64 (Scale) + 64·3 + 3 (Dense).
    assert_eq!(model.param_count(), 2 * 64 + 64 + 64 + 64 * 3 + 3);
    let history = model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 300, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let (first, last) = (history.epochs[0].loss, history.epochs[299].loss);
    assert!(last < 0.7 * first, "loss {first} -> {last}");

    // The optimizer reached the plug-in's parameter: its entries moved away from 1.
    let mut scales = Vec::new();
    model.visit_params(&mut |p| {
        if p.name() == "scale" {
            scales.extend(p.value.iter().copied());
        }
    });
    assert_eq!(scales.len(), 64);
    assert!(scales.iter().filter(|&&s| (s - 1.0).abs() > 1e-3).count() > 32, "{scales:?}");
    Ok(())
}

#[test]
fn built_in_layers_stay_fused_around_a_plug_in() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng::seed_from_u64(6);
    let (x, y) = spiral_data(100, 3, &mut rng);
    let mut model = Model::builder(2)
        .dense(64)
        .relu()
        .dropout(0.1)
        .layer(Box::new(Scale::new(64)))
        .dense(32)
        .tanh()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.02, ..AdamConfig::default() })?)
        .build()?;
    assert_eq!(
        model.plan_steps(),
        [
            "Dense(2 -> 64) + ReLU + Dropout(0.1)",
            "Scale (plug-in)",
            "Dense(64 -> 32) + Tanh",
            "Dense(32 -> 3)",
            "Softmax + cross-entropy (fused)",
        ]
    );
    let history = model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions { epochs: 500, report: Report::Quiet, ..FitOptions::default() },
    )?;
    let (first, last) = (history.epochs[0].loss, history.epochs[499].loss);
    assert!(last < 0.7 * first, "loss {first} -> {last}");
    let accuracy = model.evaluate(&x, Targets::Classes(&y))?.accuracy;
    assert!(accuracy > 0.6, "accuracy {accuracy}");
    Ok(())
}

#[test]
fn a_plug_in_of_the_wrong_width_is_a_build_error() {
    let err = Model::builder(2)
        .dense(8)
        .layer(Box::new(Scale::new(5)))
        .loss(LossKind::CategoricalCrossEntropy)
        .build()
        .unwrap_err();
    assert!(err.to_string().starts_with("layer 1 (Scale) cannot follow layer 0 (Dense(2 -> 8))"), "{err}");
}
