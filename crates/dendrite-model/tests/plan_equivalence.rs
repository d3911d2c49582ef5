//! The compiled plan computes what the layers compute one by one: random networks (1 to 5
//! Dense layers of widths 1 to 300, every activation, dropout, every loss, every regularizer,
//! batches of 1 to 2,000 rows, so full batches, tiled ones and the perceptron sweep) train one
//! step through the model and through the same layers driven by hand with the `Layer` trait,
//! from the same weights and dropout generators. The losses and every gradient agree to 1e-5
//! of the largest gradient, and the predictions to 1e-6.

use dendrite_layers::{
    Dense, DenseConfig, Dropout, Layer, LeakyRelu, Linear, Mode, Relu, Sigmoid, Softmax, Tanh,
};
use dendrite_losses::{SoftmaxCrossEntropy, Targets};
use dendrite_model::{LossKind, Model, ModelBuilder, Node};
use dendrite_tensor::{Matrix, Parameterized, Rng};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// An activation of a hidden layer.
#[derive(Debug, Clone, Copy)]
enum Act {
    Relu,
    Sigmoid,
    Tanh,
    LeakyRelu,
    Linear,
    Softmax,
}

/// One hidden layer: its width, activation, dropout rate (0 for none) and regularizers.
#[derive(Debug, Clone)]
struct Hidden {
    width: usize,
    act: Act,
    dropout: f32,
    reg: [f32; 4],
}

#[derive(Debug, Clone)]
struct Case {
    inputs: usize,
    hidden: Vec<Hidden>,
    outputs: usize,
    loss: LossKind,
    rows: usize,
    seed: u64,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        4 => Just(Act::Relu),
        1 => Just(Act::Sigmoid),
        1 => Just(Act::Tanh),
        1 => Just(Act::LeakyRelu),
        1 => Just(Act::Linear),
        1 => Just(Act::Softmax),
    ]
}

fn reg() -> impl Strategy<Value = [f32; 4]> {
    let strength = prop_oneof![2 => Just(0.0f32), 1 => 1e-4f32..1e-2];
    [strength.clone(), strength.clone(), strength.clone(), strength]
}

fn hidden() -> impl Strategy<Value = Hidden> {
    let width = prop_oneof![1usize..=8, 1usize..=300];
    let dropout = prop_oneof![1 => Just(0.0f32), 1 => 0.05f32..0.6];
    (width, act(), dropout, reg()).prop_map(|(width, act, dropout, reg)| Hidden { width, act, dropout, reg })
}

fn case() -> impl Strategy<Value = Case> {
    let loss = prop_oneof![
        3 => Just(LossKind::CategoricalCrossEntropy),
        1 => Just(LossKind::BinaryCrossEntropy),
        1 => Just(LossKind::MeanSquaredError),
        1 => Just(LossKind::MeanAbsoluteError),
    ];
    let rows = prop_oneof![1usize..=64, 1usize..=2000];
    let inputs = prop_oneof![1usize..=4, 1usize..=300];
    let outputs = prop_oneof![1usize..=4, 1usize..=40];
    (inputs, prop::collection::vec(hidden(), 0..=4), outputs, loss, rows, any::<u64>()).prop_map(
        |(inputs, hidden, outputs, loss, rows, seed)| Case { inputs, hidden, outputs, loss, rows, seed },
    )
}

fn dense_config(inputs: usize, neurons: usize, reg: [f32; 4]) -> DenseConfig {
    DenseConfig {
        init: dendrite_tensor::Init::Normal { std: (1.0 / inputs as f64).sqrt() },
        weight_l1: reg[0],
        weight_l2: reg[1],
        bias_l1: reg[2],
        bias_l2: reg[3],
        ..DenseConfig::new(inputs, neurons)
    }
}

fn with_act(builder: ModelBuilder, act: Act) -> ModelBuilder {
    match act {
        Act::Relu => builder.relu(),
        Act::Sigmoid => builder.sigmoid(),
        Act::Tanh => builder.tanh(),
        Act::LeakyRelu => builder.leaky_relu(0.1),
        Act::Linear => builder.linear(),
        Act::Softmax => builder.softmax(),
    }
}

fn model(case: &Case) -> Model {
    let mut builder = Model::builder(case.inputs);
    let mut width = case.inputs;
    for h in &case.hidden {
        builder = with_act(builder.dense_with(dense_config(width, h.width, h.reg)), h.act);
        if h.dropout > 0.0 {
            builder = builder.dropout(h.dropout);
        }
        width = h.width;
    }
    builder = builder.dense_with(dense_config(width, case.outputs, [1e-3, 0.0, 0.0, 1e-3]));
    builder = match case.loss {
        LossKind::CategoricalCrossEntropy => builder.softmax(),
        LossKind::BinaryCrossEntropy => builder.sigmoid(),
        _ => builder.linear(),
    };
    builder.loss(case.loss).seed(case.seed).build().expect("a valid model")
}

/// The model's layers as layers of their own, with the model's weights and generators.
fn layers_of(model: &Model) -> Vec<Box<dyn Layer>> {
    model
        .layers()
        .iter()
        .map(|node| -> Box<dyn Layer> {
            match node {
                Node::Dense(d) => Box::new(
                    Dense::from_parts(&d.config(), d.weights().clone(), d.biases().clone()).expect("valid"),
                ),
                Node::Dropout(d) => Box::new(Dropout::with_rng(d.rate(), d.rng().clone()).expect("valid")),
                Node::Relu => Box::new(Relu::new()),
                Node::Sigmoid => Box::new(Sigmoid::new()),
                Node::Tanh => Box::new(Tanh::new()),
                Node::LeakyRelu(alpha) => Box::new(LeakyRelu::new(*alpha).expect("valid")),
                Node::Linear => Box::new(Linear::new()),
                Node::Softmax => Box::new(Softmax::new()),
                other => panic!("no plug-ins here: {other:?}"),
            }
        })
        .collect()
}

fn data(case: &Case) -> (Matrix, Vec<usize>, Matrix) {
    let mut rng = Rng::seed_from_u64(case.seed ^ 0x5eed);
    let x = Matrix::from_fn(case.rows, case.inputs, |_, _| rng.normal_f32());
    let classes: Vec<usize> = (0..case.rows).map(|_| rng.below(case.outputs as u64) as usize).collect();
    let values = match case.loss {
        LossKind::BinaryCrossEntropy => {
            Matrix::from_fn(case.rows, case.outputs, |_, _| f32::from(u8::from(rng.below(2) == 1)))
        }
        _ => Matrix::from_fn(case.rows, case.outputs, |_, _| rng.normal_f32()),
    };
    (x, classes, values)
}

/// One training step through the layers by hand: the data loss and every gradient, in the
/// model's parameter order.
fn by_hand(layers: &mut [Box<dyn Layer>], loss: LossKind, x: &Matrix, y: Targets<'_>) -> (f32, Vec<f32>) {
    let fused = loss == LossKind::CategoricalCrossEntropy;
    let body = if fused { layers.len() - 1 } else { layers.len() };
    let mut out = x.clone();
    for layer in &mut layers[..body] {
        out = layer.forward(&out, Mode::Train).expect("forward").clone();
    }
    let mut grad = Matrix::zeros(0, 0);
    let data_loss = if fused {
        let mut head = SoftmaxCrossEntropy::new();
        let l = head.forward(&out, y).expect("loss");
        head.backward(y, &mut grad).expect("gradient");
        l
    } else {
        let l = loss.as_loss().forward(&out, y).expect("loss");
        loss.as_loss().backward(&out, y, &mut grad).expect("gradient");
        l
    };
    for layer in layers[..body].iter_mut().rev() {
        grad = layer.backward(&grad).expect("backward").clone();
    }
    let mut grads = Vec::new();
    for layer in layers.iter() {
        layer.visit_params(&mut |p| grads.extend_from_slice(p.grad.as_slice()));
    }
    (data_loss, grads)
}

fn predict_by_hand(layers: &mut [Box<dyn Layer>], x: &Matrix) -> Matrix {
    let mut out = x.clone();
    for layer in layers {
        out = layer.forward(&out, Mode::Infer).expect("forward").clone();
    }
    out
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let mut model = model(case);
    let mut layers = layers_of(&model);
    let (x, classes, values) = data(case);
    let y = match case.loss {
        LossKind::CategoricalCrossEntropy => Targets::Classes(&classes),
        _ => Targets::Values(&values),
    };
    // Predictions first: they change nothing, so both then train from the same state.
    let predicted = model.predict(&x).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let expected = predict_by_hand(&mut layers, &x);
    prop_assert_eq!(predicted.shape(), expected.shape());
    let top = expected.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (k, (a, b)) in predicted.iter().zip(expected.iter()).enumerate() {
        prop_assert!((a - b).abs() <= 1e-6 * top, "prediction {k}: {a} vs {b}");
    }
    let (want_loss, want) = by_hand(&mut layers, case.loss, &x, y);
    let stats = model.train_batch(&x, y).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut got = Vec::new();
    model.visit_params(&mut |p| got.extend_from_slice(p.grad.as_slice()));
    prop_assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(f32::MIN_POSITIVE);
    let loss_tol = 1e-5 * f64::from(want_loss.abs()).max(1.0);
    prop_assert!(
        (stats.data_loss - f64::from(want_loss)).abs() <= loss_tol,
        "loss {} vs {}",
        stats.data_loss,
        want_loss
    );
    for (k, (a, b)) in got.iter().zip(&want).enumerate() {
        prop_assert!((a - b).abs() <= 1e-5 * scale, "gradient {k}: {a} vs {b} (largest {scale})");
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config {
        cases: 48,
        rng_seed: RngSeed::Fixed(13),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn the_plan_computes_what_the_layers_compute(case in case()) {
        check(&case)?;
    }
}

#[test]
fn shapes_across_the_kernels_edges() -> Result<(), TestCaseError> {
    // Fixed cases beside the random ones: the book's spiral network (the sweep), the same
    // network too wide for the sweep, a deep tiled network with dropout after every activation,
    // and one row.
    let spiral = |outputs: usize, rows: usize, dropout: f32| Case {
        inputs: 2,
        hidden: vec![Hidden { width: 64, act: Act::Relu, dropout, reg: [0.0, 5e-4, 0.0, 5e-4] }],
        outputs,
        loss: LossKind::CategoricalCrossEntropy,
        rows,
        seed: 3,
    };
    check(&spiral(3, 3000, 0.1))?;
    check(&spiral(8, 3000, 0.1))?;
    check(&spiral(3, 1, 0.0))?;
    let deep = Case {
        inputs: 8,
        hidden: [Act::Relu, Act::Tanh, Act::Sigmoid, Act::LeakyRelu]
            .into_iter()
            .map(|act| Hidden { width: 64, act, dropout: 0.1, reg: [1e-4, 1e-4, 1e-4, 1e-4] })
            .collect(),
        outputs: 4,
        loss: LossKind::CategoricalCrossEntropy,
        rows: 1500,
        seed: 9,
    };
    check(&deep)?;
    check(&Case { loss: LossKind::MeanSquaredError, ..deep })
}
