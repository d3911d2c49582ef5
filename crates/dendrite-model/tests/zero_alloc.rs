//! After the first steps, training allocates nothing: a counting global allocator reads the
//! number of allocations at the end of every epoch, and from the third epoch on the count must
//! not move (full batch, and mini-batches with a short last batch; dropout, Adam, shuffling and
//! validation on), for every shape of plan: a two-layer perceptron (which trains in a sweep of
//! its own), a deeper network (whose full batch runs in tiles of rows), and one with every kind
//! of step (activations whose unmasked outputs are kept, a softmax in the middle, a plug-in,
//! a loss without the fused head). `predict_into`, `predict_classes_into` and `evaluate_into`
//! allocate nothing after their first call.

use dendrite_data::spiral_data;
use dendrite_layers::{Layer, Mode};
use dendrite_losses::Targets;
use dendrite_model::{EpochRecord, FitOptions, Flow, LossKind, Model, Preprocessing, Report, Workspace};
use dendrite_optim::{Adam, AdamConfig};
use dendrite_tensor::{Matrix, Param, Parameterized, Rng, resize};

use dendrite_tensor::kernels::alloc::{Counting, allocations};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A plug-in that passes its input through, reusing its buffers.
#[derive(Debug, Default, Clone)]
struct Identity {
    output: Matrix,
    dinputs: Matrix,
}

impl Parameterized for Identity {
    fn visit_params(&self, _f: &mut dyn FnMut(&Param)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut Param)) {}
}

impl Layer for Identity {
    fn kind(&self) -> &'static str {
        "Identity"
    }
    fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
        Ok(input_width)
    }
    fn forward(&mut self, input: &Matrix, _mode: Mode) -> dendrite_layers::Result<&Matrix> {
        resize(&mut self.output, input.nrows(), input.ncols());
        self.output.copy_from(input);
        Ok(&self.output)
    }
    fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
        resize(&mut self.dinputs, dvalues.nrows(), dvalues.ncols());
        self.dinputs.copy_from(dvalues);
        Ok(&self.dinputs)
    }
    fn rowwise(&self) -> bool {
        true
    }
}

/// The plan shapes the counts are taken for.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A two-layer perceptron: the sweep.
    Perceptron,
    /// Two hidden layers: fused Dense steps, in tiles on the full batch.
    Deep,
    /// Tanh and sigmoid with dropout (their unmasked outputs kept), a softmax in the middle, a
    /// plug-in between built-ins, and a loss without the fused head.
    Mixed,
}

fn model(shape: Shape) -> Result<Model, Box<dyn std::error::Error>> {
    let adam = Adam::new(AdamConfig { learning_rate: 0.02, decay: 1e-3, ..AdamConfig::default() })?;
    let builder = match shape {
        Shape::Perceptron => Model::builder(2).dense(32).relu().dropout(0.1).dense(3).softmax(),
        Shape::Deep => Model::builder(2).dense(32).relu().dropout(0.1).dense(16).relu().dense(3).softmax(),
        Shape::Mixed => Model::builder(2)
            .dense(32)
            .tanh()
            .dropout(0.1)
            .layer(Box::new(Identity::default()))
            .dense(16)
            .sigmoid()
            .dropout(0.2)
            .dense(8)
            .softmax()
            .dense(3)
            .softmax(),
    };
    let loss = match shape {
        Shape::Mixed => LossKind::MeanSquaredError,
        _ => LossKind::CategoricalCrossEntropy,
    };
    Ok(builder.loss(loss).optimizer(adam).build()?)
}

/// Allocation counts at the end of each epoch of a fit.
fn counts_per_epoch(
    batch_size: Option<usize>,
    shape: Shape,
) -> Result<Vec<usize>, Box<dyn std::error::Error>> {
    // The counter sees allocations at all.
    let before = allocations();
    let probe = std::hint::black_box(vec![1u8; 3]);
    assert!(allocations() > before && probe.len() == 3);
    let mut rng = Rng::seed_from_u64(1);
    // 1,200 samples: a deep network's full batch runs in tiles of rows (five of 240).
    let (x, y) = spiral_data(400, 3, &mut rng);
    let (vx, vy) = spiral_data(20, 3, &mut rng);
    let one_hot = |y: &[usize]| Matrix::from_fn(y.len(), 3, |i, j| f32::from(u8::from(y[i] == j)));
    let (y_values, vy_values) = (one_hot(&y), one_hot(&vy));
    let (y, vy) = match shape {
        Shape::Mixed => (Targets::Values(&y_values), Targets::Values(&vy_values)),
        _ => (Targets::Classes(&y), Targets::Classes(&vy)),
    };
    let mut model = model(shape)?;
    let mut counts = Vec::with_capacity(16);
    let hook = Box::new(|_: &Model, _: &EpochRecord| {
        counts.push(allocations());
        Ok(Flow::Continue)
    });
    model.fit(
        &x,
        y,
        FitOptions {
            epochs: 8,
            batch_size,
            validation: Some((&vx, vy)),
            on_epoch_end: Some(hook),
            report: Report::Quiet,
            ..FitOptions::default()
        },
    )?;
    Ok(counts)
}

#[test]
fn full_batch_training_allocates_nothing_after_warm_up() -> Result<(), Box<dyn std::error::Error>> {
    for shape in [Shape::Perceptron, Shape::Deep, Shape::Mixed] {
        let counts = counts_per_epoch(None, shape)?;
        assert_eq!(counts.len(), 8);
        assert!(counts[2..].windows(2).all(|w| w[0] == w[1]), "{shape:?}: allocations per epoch: {counts:?}");
    }
    Ok(())
}

#[test]
fn mini_batch_training_allocates_nothing_after_warm_up() -> Result<(), Box<dyn std::error::Error>> {
    // 1,200 samples in batches of 64: 18 full batches and a short one of 48 every epoch.
    for shape in [Shape::Perceptron, Shape::Deep, Shape::Mixed] {
        let counts = counts_per_epoch(Some(64), shape)?;
        assert!(counts[2..].windows(2).all(|w| w[0] == w[1]), "{shape:?}: allocations per epoch: {counts:?}");
    }
    Ok(())
}

#[test]
fn predict_into_allocates_nothing_after_its_first_call() -> Result<(), Box<dyn std::error::Error>> {
    // 3,000 rows: a batch large enough to run in tiles.
    let (x, _) = spiral_data(1000, 3, &mut Rng::seed_from_u64(2));
    for shape in [Shape::Perceptron, Shape::Deep, Shape::Mixed] {
        let mut model = model(shape)?;
        model.set_preprocessing(Preprocessing::Affine { shift: 0.5, scale: 2.0 })?;
        let (mut workspace, mut out) = (Workspace::new(), Matrix::zeros(0, 0));
        model.predict_into(&x, &mut workspace, &mut out)?;
        let before = allocations();
        for _ in 0..3 {
            model.predict_into(&x, &mut workspace, &mut out)?;
        }
        assert_eq!(allocations(), before, "{shape:?}");
        assert_eq!(out, model.predict(&x)?);
    }
    Ok(())
}

#[test]
fn predict_classes_into_and_evaluate_into_allocate_nothing_after_their_first_call()
-> Result<(), Box<dyn std::error::Error>> {
    let (x, y) = spiral_data(1000, 3, &mut Rng::seed_from_u64(4));
    for shape in [Shape::Perceptron, Shape::Deep] {
        let model = model(shape)?;
        let (mut workspace, mut out, mut classes) = (Workspace::new(), Matrix::zeros(0, 0), Vec::new());
        model.predict_classes_into(&x, &mut workspace, &mut out, &mut classes)?;
        let evaluation = model.evaluate_into(&x, Targets::Classes(&y), &mut workspace)?;
        let before = allocations();
        for _ in 0..3 {
            model.predict_classes_into(&x, &mut workspace, &mut out, &mut classes)?;
            assert_eq!(model.evaluate_into(&x, Targets::Classes(&y), &mut workspace)?, evaluation);
        }
        assert_eq!(allocations(), before, "{shape:?}");
        assert_eq!(classes, model.predict_classes(&x)?);
        assert_eq!(evaluation, model.evaluate(&x, Targets::Classes(&y))?);
    }
    Ok(())
}
