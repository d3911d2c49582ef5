//! Training of a two-layer perceptron in one sweep: a plan whose steps are Dense → ReLU
//! (→ Dropout) and Dense under the fused softmax + cross-entropy, with few inputs and few
//! classes (at most four of each, as the book's spiral networks), trains each batch of class
//! indices under the categorical accuracy through the sweep kernel of
//! `dendrite_tensor::kernels::sweep`: block by block of rows, the hidden activations exist only
//! for the block, so the pass reads the batch once and writes nothing as large as it. Any other
//! plan, or one-hot targets, trains step by step.
//!
//! The gradients are those of the steps, summed in another order (to within float rounding:
//! the tests compare them), and the dropout layer draws its key and decides its elements
//! exactly as it would alone.

use dendrite_tensor::Matrix;
use dendrite_tensor::kernels::epilogue::Activation;
use dendrite_tensor::kernels::sweep::{Grads, MAX_WIDTH, Net, Scratch, Sums, train};

use super::{Head, Op, Step};
use crate::Node;

/// A plan that is a two-layer perceptron: the layers' places in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Perceptron {
    first: usize,
    dropout: Option<usize>,
    second: usize,
}

impl Perceptron {
    /// The plan's steps as a perceptron that trains in a sweep, if they are one.
    pub(crate) fn of(steps: &[Step], head: Head, nodes: &[Node]) -> Option<Self> {
        if head != Head::SoftmaxCrossEntropy {
            return None;
        }
        let [first, second] = steps else { return None };
        let (
            Op::Dense { dense: a, act: Activation::Relu, dropout },
            Op::Dense { dense: b, act: Activation::Identity, dropout: None },
        ) = (first.op, second.op)
        else {
            return None;
        };
        let (Node::Dense(d1), Node::Dense(d2)) = (&nodes[a], &nodes[b]) else { return None };
        let small = d1.inputs() <= MAX_WIDTH && d2.neurons() <= MAX_WIDTH;
        (small && d1.neurons() == d2.inputs()).then_some(Perceptron { first: a, dropout, second: b })
    }

    /// The gradients of a batch in one sweep: sets the parameters' gradients (without the
    /// regularization penalty's, which the caller adds) and returns the mean data loss, the hits
    /// and the count, or `None` when the loss is not finite (the caller then runs the steps,
    /// which name the layer that diverged).
    pub(crate) fn gradients(
        self,
        nodes: &mut [Node],
        x: &Matrix,
        labels: &[usize],
        scratch: &mut Scratch,
    ) -> Option<(f64, usize, usize)> {
        let rows = x.nrows();
        let hidden = match &nodes[self.first] {
            Node::Dense(d) => d.neurons(),
            _ => return None,
        };
        let draws = match self.dropout.map(|d| &mut nodes[d]) {
            Some(Node::Dropout(d)) => Some(d.draw_pass(rows, hidden)),
            _ => None,
        };
        let (before, after) = nodes.split_at_mut(self.second);
        let (Node::Dense(first), Node::Dense(second)) = (&mut before[self.first], &mut after[0]) else {
            return None;
        };
        let (w1, b1) = first.params_mut();
        let (w2, b2) = second.params_mut();
        let net = Net {
            x: x.as_slice(),
            rows,
            inputs: w1.value.nrows(),
            w1: w1.value.as_slice(),
            b1: b1.value.as_slice(),
            hidden,
            w2: w2.value.as_slice(),
            b2: b2.value.as_slice(),
            classes: w2.value.ncols(),
            labels,
            dropout: draws,
        };
        let mut grads = Grads {
            w1: w1.grad.as_mut_slice(),
            b1: b1.grad.as_mut_slice(),
            w2: w2.grad.as_mut_slice(),
            b2: b2.grad.as_mut_slice(),
        };
        let Sums { loss, hits } = train(&net, &mut grads, scratch);
        let loss = loss / rows as f64;
        loss.is_finite().then_some((loss, hits, rows))
    }
}

#[cfg(test)]
mod tests {
    use dendrite_layers::DenseConfig;
    use dendrite_losses::Targets;
    use dendrite_tensor::{Matrix, Parameterized, Rng};

    use crate::{LossKind, Model};

    /// Dense(inputs → hidden) with all four regularizers → ReLU (→ Dropout) → Dense(hidden →
    /// classes) → Softmax, under cross-entropy.
    fn model(inputs: usize, hidden: usize, classes: usize, dropout: f32, seed: u64) -> Model {
        let config = DenseConfig {
            weight_l1: 1e-3,
            weight_l2: 5e-4,
            bias_l1: 2e-3,
            bias_l2: 5e-4,
            ..DenseConfig::new(inputs, hidden)
        };
        let mut builder = Model::builder(inputs).dense_with(config).relu();
        if dropout > 0.0 {
            builder = builder.dropout(dropout);
        }
        builder
            .dense(classes)
            .softmax()
            .loss(LossKind::CategoricalCrossEntropy)
            .seed(seed)
            .build()
            .expect("valid")
    }

    fn data(rows: usize, inputs: usize, classes: usize, seed: u64) -> (Matrix, Vec<usize>) {
        let mut rng = Rng::seed_from_u64(seed);
        let x = Matrix::from_fn(rows, inputs, |_, _| rng.normal_f32());
        let y = (0..rows).map(|_| rng.below(classes as u64) as usize).collect();
        (x, y)
    }

    fn grads(model: &Model) -> Vec<f32> {
        let mut out = Vec::new();
        model.visit_params(&mut |p| out.extend_from_slice(p.grad.as_slice()));
        out
    }

    /// The sweep's loss, hits and gradients against those of the layers run one by one on the
    /// whole batch (the same dropout key, so the same masks).
    fn assert_sweep_matches_the_layers(
        inputs: usize,
        hidden: usize,
        classes: usize,
        dropout: f32,
        rows: usize,
    ) {
        let (mut swept, mut layered) =
            (model(inputs, hidden, classes, dropout, 3), model(inputs, hidden, classes, dropout, 3));
        let (x, y) = data(rows, inputs, classes, 11);
        let net = swept.perceptron(Targets::Classes(&y)).expect("a perceptron");
        let (loss, hits, count) = swept.gradients_perceptron(&x, &y, net).expect("a finite loss");
        let (want_loss, want_hits, want_count) =
            layered.gradients(&x, Targets::Classes(&y), 0, 0).expect("runs");
        let case = format!("{inputs} → {hidden} → {classes}, dropout {dropout}, {rows} rows");
        assert!((loss - f64::from(want_loss)).abs() < 1e-5, "{case}: loss {loss} vs {want_loss}");
        assert_eq!((hits, count), (want_hits, want_count), "{case}");
        let (got, want) = (grads(&swept), grads(&layered));
        let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        for (k, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!((a - b).abs() <= 2e-5 * scale, "{case}: gradient {k}: {a} vs {b}");
        }
        assert_eq!(swept.rng(), layered.rng());
    }

    #[test]
    fn only_small_two_layer_perceptrons_on_classes_are_swept() {
        let (_, y) = data(10, 2, 3, 1);
        let one_hot = Matrix::from_fn(10, 3, |i, j| f32::from(u8::from(y[i] == j)));
        let classes = Targets::Classes(&y);
        assert!(model(2, 8, 3, 0.1, 1).perceptron(classes).is_some());
        assert!(model(4, 8, 4, 0.0, 1).perceptron(classes).is_some());
        assert_eq!(model(2, 8, 3, 0.1, 1).perceptron(Targets::Values(&one_hot)), None, "one-hot targets");
        assert!(model(8, 8, 8, 0.1, 1).perceptron(classes).is_some(), "eight of each");
        assert_eq!(model(9, 8, 3, 0.1, 1).perceptron(classes), None, "nine inputs");
        assert_eq!(model(2, 8, 9, 0.1, 1).perceptron(classes), None, "nine classes");
        let build = |builder: crate::ModelBuilder| {
            builder.dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build().expect("valid")
        };
        assert_eq!(build(Model::builder(2).dense(8).tanh()).perceptron(classes), None, "tanh");
        assert_eq!(
            build(Model::builder(2).dense(8).relu().dense(8).relu()).perceptron(classes),
            None,
            "deeper"
        );
        let mut binary = model(2, 8, 3, 0.0, 1);
        binary.accuracy = crate::Accuracy::Binary;
        assert_eq!(binary.perceptron(classes), None, "another accuracy");
    }

    #[test]
    fn a_diverged_perceptron_is_named_by_the_layers() {
        // A non-finite loss in the sweep: the step runs again layer by layer, whose error names
        // the first layer with a non-finite output.
        let mut model = model(2, 8, 3, 0.1, 1);
        model.visit_params_mut(&mut |p| {
            if p.name() == "weight" && p.value.nrows() == 2 {
                p.value[(0, 3)] = f32::NAN;
            }
        });
        let (x, y) = data(100, 2, 3, 2);
        let err = model.train_batch(&x, Targets::Classes(&y)).unwrap_err();
        match err {
            crate::Error::NonFinite { layer, what, .. } => {
                assert!(layer.starts_with("layer 0 (Dense(2 -> 8))"), "{layer}");
                assert_eq!(what, "output");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn the_sweep_gives_the_gradients_of_the_layers() {
        // The book's spiral network, and shapes across the kernel's edges: a short last block,
        // rows not a multiple of 4 (masks that start inside a draw), one row, odd widths.
        assert_sweep_matches_the_layers(2, 64, 3, 0.1, 3000);
        assert_sweep_matches_the_layers(2, 64, 3, 0.0, 3000);
        assert_sweep_matches_the_layers(2, 512, 3, 0.1, 1000);
        assert_sweep_matches_the_layers(1, 7, 2, 0.3, 1003);
        assert_sweep_matches_the_layers(3, 33, 4, 0.5, 77);
        assert_sweep_matches_the_layers(4, 16, 1, 0.2, 45);
        assert_sweep_matches_the_layers(2, 5, 3, 0.1, 1);
        // Widths the kernel is compiled for (8), and widths it pads (5 to 7).
        assert_sweep_matches_the_layers(2, 128, 8, 0.1, 8000);
        assert_sweep_matches_the_layers(5, 20, 7, 0.2, 300);
        assert_sweep_matches_the_layers(7, 33, 5, 0.0, 61);
        assert_sweep_matches_the_layers(8, 16, 6, 0.3, 17);
    }

    #[test]
    fn each_training_step_has_the_gradients_of_the_layers() -> crate::Result<()> {
        // 300 full-batch steps of the spiral network with Adam, through the sweep; at each
        // step the layers one by one, from the same weights and dropout generator, give the
        // same loss, hits and gradients (to float rounding). Training itself amplifies rounding
        // (Adam turns near-zero gradients into whole steps), so the weights are synchronized
        // rather than trained twice.
        let (mut swept, mut layered) = (model(2, 64, 3, 0.1, 5), model(2, 64, 3, 0.1, 5));
        let (x, y) = dendrite_data::spiral_data(200, 3, &mut Rng::seed_from_u64(0));
        for step in 0..300 {
            let mut values = Vec::new();
            swept.visit_params(&mut |p| values.push(p.value.clone()));
            let mut values = values.into_iter();
            layered.visit_params_mut(&mut |p| p.value = values.next().expect("the same parameters"));
            let (loss, hits, _) = layered.gradients(&x, Targets::Classes(&y), 0, step)?;
            let stats = swept.train_batch(&x, Targets::Classes(&y))?;
            assert!(
                (stats.data_loss - f64::from(loss)).abs() < 1e-5,
                "step {step}: {} vs {loss}",
                stats.data_loss
            );
            assert_eq!(stats.hits, hits, "step {step}");
            let (got, want) = (grads(&swept), grads(&layered));
            let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!((a - b).abs() <= 2e-5 * scale, "step {step}, gradient {k}: {a} vs {b}");
            }
        }
        Ok(())
    }
}
