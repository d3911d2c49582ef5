//! The plan: what a model's layers become when it is built or loaded, decided once.
//!
//! The layers are matched by their [`Node`] variants into a list of [`Step`]s, each a fused
//! group of built-in layers or one plug-in:
//!
//! - a Dense layer with the activation and the dropout after it: the product with its bias,
//!   then the activation and the mask applied to each column of the output while it is in
//!   cache; backward, the mask and the activation's derivative applied to the incoming
//!   gradient before the two products read it;
//! - an activation and a dropout without a product before them;
//! - a softmax over rows that is not the loss head;
//! - a plug-in, through its `Layer` methods.
//!
//! The last Softmax under categorical cross-entropy becomes the [`Head`]: the fused softmax +
//! cross-entropy and its gradient `(ŷ − y) / samples`. A plan whose steps are a two-layer
//! perceptron with few inputs and classes also trains in one sweep of registers
//! ([`sweep`](self::sweep)). The plan holds no buffers: those live in a [`Workspace`], so that a
//! model is shared, immutable, when it predicts.

mod infer;
pub(crate) mod sweep;
mod train;
mod workspace;

#[cfg(test)]
pub(crate) use train::add_penalty_gradients;
pub(crate) use train::{At, Scoring};

use dendrite_tensor::Parameterized;
use dendrite_tensor::kernels::epilogue::Activation;

pub use workspace::Workspace;

use crate::{LossKind, Node};

/// A compiled model: its steps and its loss head.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub(crate) steps: Vec<Step>,
    pub(crate) head: Head,
    /// Whether a large batch may run in tiles of rows: every layer is row-wise, and no plug-in
    /// has parameters (its backward pass sets their gradients, which tiles would overwrite).
    pub(crate) tileable: bool,
    /// The widest output of a step (what a tile keeps in cache).
    pub(crate) widest: usize,
    /// The two-layer perceptron that trains in a sweep, if the plan is one.
    pub(crate) perceptron: Option<sweep::Perceptron>,
    /// Rows of a tile of a large batch at inference, when every layer is row-wise.
    pub(crate) infer_tile: Option<usize>,
}

/// One step of a plan: a fused group of built-in layers, or a plug-in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) op: Op,
    /// The model's index of the step's first layer (messages name it).
    pub(crate) node: usize,
    /// The width of the step's output.
    pub(crate) width: usize,
}

/// What a step computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    /// `act(x · W + b)`, masked by the dropout layer `dropout`: Dense layer `dense`.
    Dense { dense: usize, act: Activation, dropout: Option<usize> },
    /// `act(x)`, masked by the dropout layer `dropout`.
    Map { act: Activation, dropout: Option<usize> },
    /// Softmax over each row, masked by the dropout layer `dropout`.
    Softmax { dropout: Option<usize> },
    /// The plug-in layer `node`.
    Plugin { node: usize },
}

impl Op {
    /// The dropout layer of the step, if any.
    pub(crate) fn dropout(&self) -> Option<usize> {
        match *self {
            Op::Dense { dropout, .. } | Op::Map { dropout, .. } | Op::Softmax { dropout } => dropout,
            Op::Plugin { .. } => None,
        }
    }

    /// Whether the backward pass needs the step's output before its mask: with dropout after
    /// an activation other than ReLU (whose derivative and mask both follow from the masked
    /// output) and the identity (whose derivative is 1).
    pub(crate) fn keeps_unmasked(&self) -> bool {
        match *self {
            Op::Dense { act, dropout, .. } | Op::Map { act, dropout } => {
                dropout.is_some() && keeps_unmasked(act)
            }
            Op::Softmax { dropout } => dropout.is_some(),
            Op::Plugin { .. } => false,
        }
    }
}

/// Whether a masked output of `act` is kept unmasked too (see [`Op::keeps_unmasked`]).
pub(crate) fn keeps_unmasked(act: Activation) -> bool {
    !matches!(act, Activation::Relu | Activation::Identity)
}

/// How the last step's output meets the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// The model's last layer is a Softmax under categorical cross-entropy: the two run fused,
    /// and the last step's output is the logits.
    SoftmaxCrossEntropy,
    /// The loss takes the last step's output as the model's output.
    Loss,
}

/// Floats in one tile of the widest step's output at most (512 KiB, half an L2 cache): a
/// tile's activations and gradients then stay in the caches close by.
const TILE_FLOATS: usize = 128 * 1024;

/// Floats of the operands of a product that a core's L2 cache holds (1 MB).
const L2_FLOATS: usize = 1 << 18;

/// Rows of a tile at most: enough to keep per-tile overheads small.
const MAX_TILE_ROWS: usize = 256;

/// Rows of a tile at least, beside very wide layers.
const MIN_TILE_ROWS: usize = 16;

impl Plan {
    /// The plan of `nodes` (whose widths the builder or the loader checked) under `loss`, for
    /// inputs of `input_width` columns.
    pub(crate) fn compile(nodes: &[Node], loss: LossKind, input_width: usize) -> Plan {
        let fused = loss == LossKind::CategoricalCrossEntropy && matches!(nodes.last(), Some(Node::Softmax));
        let body = if fused { &nodes[..nodes.len() - 1] } else { nodes };
        let mut steps = Vec::new();
        let mut width = input_width;
        let mut widest = 1;
        let mut i = 0;
        // The dropout layer at `i`, if there is one: it joins the step before it.
        let dropout_at = |i: &mut usize| {
            matches!(body.get(*i), Some(Node::Dropout(_))).then(|| {
                *i += 1;
                *i - 1
            })
        };
        while i < body.len() {
            let node = i;
            i += 1;
            let op = match &body[node] {
                Node::Dense(d) => {
                    width = d.neurons();
                    let act = match body.get(i).and_then(Node::activation) {
                        Some(act) => {
                            i += 1;
                            act
                        }
                        None => Activation::Identity,
                    };
                    Op::Dense { dense: node, act, dropout: dropout_at(&mut i) }
                }
                Node::Dropout(_) => Op::Map { act: Activation::Identity, dropout: Some(node) },
                Node::Softmax => Op::Softmax { dropout: dropout_at(&mut i) },
                Node::Plugin(p) => {
                    width = p.lock().output_width(width).unwrap_or(width);
                    Op::Plugin { node }
                }
                other => {
                    let act = other.activation().unwrap_or(Activation::Identity);
                    Op::Map { act, dropout: dropout_at(&mut i) }
                }
            };
            widest = widest.max(width);
            steps.push(Step { op, node, width });
        }
        let tileable =
            nodes.iter().all(|n| n.rowwise() && (!matches!(n, Node::Plugin(_)) || n.param_count() == 0));
        let head = if fused { Head::SoftmaxCrossEntropy } else { Head::Loss };
        let perceptron = sweep::Perceptron::of(&steps, head, nodes);
        let infer_tile = nodes.iter().all(Node::rowwise).then(|| {
            // The first product's operands in one core's L2, so that it takes the
            // register-blocked kernel; the activations of a tile in half of it.
            let first = steps.first().map_or(1, |s| s.width);
            let room = (L2_FLOATS.saturating_sub(input_width * first) / input_width.max(1))
                .min(TILE_FLOATS / widest);
            room.clamp(MIN_TILE_ROWS, MAX_TILE_ROWS) / MIN_TILE_ROWS * MIN_TILE_ROWS
        });
        Plan { steps, head, tileable, widest, perceptron, infer_tile }
    }

    /// A line per step (the layers it fuses, or a plug-in) and one for the loss head.
    pub(crate) fn describe(&self, nodes: &[Node]) -> Vec<String> {
        let name = |i: usize| nodes[i].describe();
        let with_dropout = |mut text: String, dropout: Option<usize>| {
            if let Some(d) = dropout {
                text = format!("{text} + {}", name(d));
            }
            text
        };
        let mut lines: Vec<String> = self
            .steps
            .iter()
            .map(|step| match step.op {
                Op::Dense { dense, act, dropout } => {
                    let text = match act {
                        Activation::Identity => name(dense),
                        _ => format!("{} + {}", name(dense), name(dense + 1)),
                    };
                    with_dropout(text, dropout)
                }
                Op::Map { .. } if matches!(nodes[step.node], Node::Dropout(_)) => name(step.node),
                Op::Map { dropout, .. } | Op::Softmax { dropout } => with_dropout(name(step.node), dropout),
                Op::Plugin { node } => format!("{} (plug-in)", name(node)),
            })
            .collect();
        lines.push(match self.head {
            Head::SoftmaxCrossEntropy => "Softmax + cross-entropy (fused)".to_owned(),
            Head::Loss => "loss".to_owned(),
        });
        if self.perceptron.is_some() {
            lines.push("(a two-layer perceptron: trains in one sweep of registers)".to_owned());
        }
        lines
    }

    /// The rows of a tile for a training batch of `rows`, or `None` when the batch runs whole:
    /// when it fits in two tiles, or a layer keeps its batches whole. It depends only on the
    /// architecture and the batch, never on the machine, so the same seed gives the same bytes
    /// everywhere.
    pub(crate) fn tile_rows(&self, rows: usize) -> Option<usize> {
        if !self.tileable {
            return None;
        }
        let tile = (TILE_FLOATS / self.widest).clamp(MIN_TILE_ROWS, MAX_TILE_ROWS);
        if rows < 2 * tile {
            return None;
        }
        // Tiles of whole SIMD blocks of 16 rows, as even as that allows: no small last tile.
        let tiles = rows.div_ceil(tile);
        Some(rows.div_ceil(tiles).next_multiple_of(16))
    }
}

#[cfg(test)]
mod tests {
    use dendrite_layers::{Layer, Mode};
    use dendrite_tensor::{Matrix, Param, Parameterized};

    use crate::{LossKind, Model};

    /// A plug-in that does not say it is row-wise.
    #[derive(Debug, Default, Clone)]
    struct Whole(Matrix);

    impl Parameterized for Whole {
        fn visit_params(&self, _f: &mut dyn FnMut(&Param)) {}
        fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut Param)) {}
    }

    impl Layer for Whole {
        fn kind(&self) -> &'static str {
            "Whole"
        }
        fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
            Ok(input_width)
        }
        fn forward(&mut self, input: &Matrix, _mode: Mode) -> dendrite_layers::Result<&Matrix> {
            self.0 = input.clone();
            Ok(&self.0)
        }
        fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
            self.0 = dvalues.clone();
            Ok(&self.0)
        }
    }

    #[test]
    fn inference_tiles_fit_the_first_product_in_l2_and_keep_plug_ins_whole() {
        let mnist = Model::builder(784).dense(128).relu().dense(10).softmax();
        let model = mnist.loss(LossKind::CategoricalCrossEntropy).build().expect("valid");
        // 192 rows of 784 inputs and the 784 × 128 weights: 250,880 floats of 262,144.
        assert_eq!(model.plan.infer_tile, Some(192));
        let spiral = Model::builder(2).dense(64).relu().dense(3).softmax();
        let model = spiral.loss(LossKind::CategoricalCrossEntropy).build().expect("valid");
        assert_eq!(model.plan.infer_tile, Some(256));
        let plugin = Model::builder(2).dense(8).layer(Box::new(Whole::default())).dense(3).softmax();
        let model = plugin.loss(LossKind::CategoricalCrossEntropy).build().expect("valid");
        assert_eq!(model.plan.infer_tile, None);
    }
}
