//! The training pass of a plan: forward, loss head and backward over a batch, in tiles of rows
//! when the batch is large, setting every parameter's gradient.

use dendrite_layers::Mode;
use dendrite_losses::Targets;
use dendrite_tensor::kernels::epilogue::{
    Activation, activate, activate_backward, activate_masked, activate_masked_backward,
};
use dendrite_tensor::kernels::mask::{MaskDraws, masked_map_at};
use dendrite_tensor::{
    Matrix, matmul_bias, matmul_nt, matmul_tn_sums, resize, softmax_rows, softmax_rows_backward,
};

use super::{Head, Op, Plan, Workspace};
use crate::{Accuracy, Error, LossKind, Node, Result};

/// What a pass measured: the mean data loss, the correct comparisons and the comparisons.
pub(crate) type Sums = (f64, usize, usize);

/// Where a pass stands: the epoch and step (for messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct At {
    pub(crate) epoch: usize,
    pub(crate) step: usize,
}

/// What a training pass is scored by (the loss, the samples' weights and the accuracy metric)
/// and where it stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scoring<'w> {
    pub(crate) loss: LossKind,
    pub(crate) accuracy: Accuracy,
    pub(crate) at: At,
    /// One weight per sample of the batch, or `None` for equal weights. The loss is
    /// `Σ w_i · l_i / n` (Keras' `sample_weight`, with `n` the number of samples).
    pub(crate) weights: Option<&'w [f32]>,
}

/// One tile of a batch: rows `r0..r0 + len` of a batch of `rows`; its loss's gradient is scaled
/// by its share of the rows, and the first tile sets the parameters' gradients that the later
/// ones add to.
#[derive(Debug, Clone, Copy)]
struct Tile {
    r0: usize,
    rows: usize,
    share: f32,
    first: bool,
}

impl Plan {
    /// The forward and backward pass of a batch: sets the gradients of every parameter
    /// (regularization penalties included) and returns the mean data loss, the hits and the
    /// count of the accuracy.
    pub(crate) fn gradients(
        &self,
        nodes: &mut [Node],
        scoring: Scoring<'_>,
        x: &Matrix,
        y: Targets<'_>,
        ws: &mut Workspace,
    ) -> Result<Sums> {
        let sweeps = scoring.accuracy == Accuracy::Categorical && scoring.weights.is_none();
        let swept = match (self.perceptron.filter(|_| sweeps), y) {
            (Some(net), Targets::Classes(labels)) => net.gradients(nodes, x, labels, &mut ws.sweep),
            _ => None,
        };
        // A swept pass whose loss was not finite runs again step by step, which names the layer.
        let sums = match swept {
            Some(sums) => sums,
            None => self.step_gradients(nodes, scoring, x, y, ws)?,
        };
        add_penalty_gradients(nodes);
        Ok(sums)
    }

    /// The gradients of a batch through the steps, tile by tile when it is large.
    fn step_gradients(
        &self,
        nodes: &mut [Node],
        scoring: Scoring<'_>,
        x: &Matrix,
        y: Targets<'_>,
        ws: &mut Workspace,
    ) -> Result<Sums> {
        let rows = x.nrows();
        ws.fit_steps(self.steps.len());
        for (step, draws) in self.steps.iter().zip(&mut ws.draws) {
            *draws = match step.op.dropout().map(|d| &mut nodes[d]) {
                Some(Node::Dropout(d)) => Some(d.draw_pass(rows, step.width)),
                _ => None,
            };
        }
        // Regression accuracy takes its precision from the whole batch, not from each tile.
        let scoring = Scoring { accuracy: scoring.accuracy.fitted_to(y), ..scoring };
        Ok(match self.tile_rows(rows) {
            None => {
                let tile = Tile { r0: 0, rows, share: 1.0, first: true };
                self.pass(nodes, scoring, x, y, tile, ws)?
            }
            Some(len) => {
                let (mut loss_sum, mut hits, mut count) = (0.0f64, 0, 0);
                let mut batch = std::mem::take(&mut ws.tile);
                let mut run = || -> Result<()> {
                    for r0 in (0..rows).step_by(len) {
                        let n = len.min(rows - r0);
                        batch.gather_range(x, y, r0, n);
                        let tile = Tile { r0, rows, share: n as f32 / rows as f32, first: r0 == 0 };
                        let scoring = Scoring { weights: scoring.weights.map(|w| &w[r0..r0 + n]), ..scoring };
                        let (l, h, c) = self.pass(nodes, scoring, &batch.x, batch.targets(y), tile, ws)?;
                        loss_sum += l * n as f64;
                        hits += h;
                        count += c;
                    }
                    Ok(())
                };
                let done = run();
                ws.tile = batch;
                done?;
                (loss_sum / rows as f64, hits, count)
            }
        })
    }

    /// Forward, head and backward of one tile.
    fn pass(
        &self,
        nodes: &mut [Node],
        scoring: Scoring<'_>,
        x: &Matrix,
        y: Targets<'_>,
        tile: Tile,
        ws: &mut Workspace,
    ) -> Result<Sums> {
        let Scoring { loss, accuracy, at, weights } = scoring;
        self.forward(nodes, x, tile, ws)?;
        let last = self.steps.len().checked_sub(1);
        let output = match last {
            Some(s) => &ws.outs[s],
            None => x,
        };
        let dloss = match last {
            Some(s) => &mut ws.grads[s],
            None => &mut ws.spare,
        };
        let (mut data_loss, (hits, count)) = match self.head {
            Head::SoftmaxCrossEntropy => {
                let l = ws.head.forward(output, y)?;
                ws.head.backward(y, dloss)?;
                (l, accuracy.count(ws.head.output(), y))
            }
            Head::Loss => {
                let loss = loss.as_loss();
                let l = loss.forward(output, y)?;
                loss.backward(output, y, dloss)?;
                (l, accuracy.count(output, y))
            }
        };
        if let Some(w) = weights {
            // Each row of the mean's gradient is `∂l_i / n`: weighted, `w_i · ∂l_i / n`.
            let (scored, loss) = match self.head {
                Head::SoftmaxCrossEntropy => (ws.head.output(), LossKind::CategoricalCrossEntropy.as_loss()),
                Head::Loss => (output, loss.as_loss()),
            };
            loss.sample_losses(scored, y, &mut ws.sample_losses)?;
            let n = w.len();
            let sum: f64 = ws.sample_losses.iter().zip(w).map(|(&l, &w)| l * f64::from(w)).sum();
            data_loss = (sum / n as f64) as f32;
            for column in dloss.as_mut_slice().chunks_exact_mut(n) {
                for (d, &w) in column.iter_mut().zip(w) {
                    *d *= w;
                }
            }
        }
        if !data_loss.is_finite() {
            let layer = self
                .steps
                .iter()
                .zip(&ws.outs)
                .find(|(_, out)| !out.iter().fold(true, |ok, v| ok & v.is_finite()))
                .map_or_else(
                    || "the loss".to_owned(),
                    |(step, _)| format!("layer {} ({})", step.node, nodes[step.node].describe()),
                );
            return Err(Error::NonFinite {
                epoch: at.epoch,
                step: at.step,
                layer,
                what: "output".to_owned(),
                history: crate::History::default(),
            });
        }
        if tile.share != 1.0 {
            *dloss *= tile.share;
        }
        self.backward(nodes, x, tile, ws)?;
        Ok((f64::from(data_loss), hits, count))
    }

    /// The forward pass of a tile in training mode: every step's output in `ws.outs`.
    fn forward(&self, nodes: &mut [Node], x: &Matrix, tile: Tile, ws: &mut Workspace) -> Result<()> {
        for (s, step) in self.steps.iter().enumerate() {
            let (before, rest) = ws.outs.split_at_mut(s);
            let out = &mut rest[0];
            let input = before.last().unwrap_or(x);
            let draws = ws.draws[s];
            let unmasked = &mut ws.unmasked[s];
            match step.op {
                Op::Dense { dense, act, .. } => {
                    let Node::Dense(d) = &nodes[dense] else {
                        unreachable!("a Dense step has a Dense layer")
                    };
                    matmul_bias(input, d.weights(), d.biases(), out)?;
                    epilogue(act, draws, out, unmasked, tile);
                }
                Op::Map { act, .. } => {
                    resize(out, input.nrows(), input.ncols());
                    out.copy_from(input);
                    epilogue(act, draws, out, unmasked, tile);
                }
                Op::Softmax { .. } => {
                    softmax_rows(input, out);
                    if let Some(draws) = draws {
                        resize(unmasked, out.nrows(), out.ncols());
                        unmasked.copy_from(out);
                        for_columns(out, tile, |col, e0| masked_map_at(col, draws, e0, |x, v| x * v));
                    }
                }
                Op::Plugin { node } => {
                    let Node::Plugin(p) = &mut nodes[node] else {
                        unreachable!("a plug-in step has a plug-in")
                    };
                    let y = p.get_mut().forward(input, Mode::Train)?;
                    resize(out, y.nrows(), y.ncols());
                    out.copy_from(y);
                }
            }
        }
        Ok(())
    }

    /// The backward pass of a tile from the loss's gradient in the last step's `ws.grads`.
    fn backward(&self, nodes: &mut [Node], x: &Matrix, tile: Tile, ws: &mut Workspace) -> Result<()> {
        for (s, step) in self.steps.iter().enumerate().rev() {
            let (before, rest) = ws.grads.split_at_mut(s);
            let g = &mut rest[0];
            let input = if s == 0 { x } else { &ws.outs[s - 1] };
            let draws = ws.draws[s];
            let from = if step.op.keeps_unmasked() { &ws.unmasked[s] } else { &ws.outs[s] };
            match step.op {
                Op::Dense { dense, act, .. } => {
                    epilogue_backward(act, draws, from, g, tile);
                    let Node::Dense(d) = &mut nodes[dense] else {
                        unreachable!("a Dense step has a Dense layer")
                    };
                    let (w, b) = d.params_mut();
                    if tile.first {
                        matmul_tn_sums(input, g, &mut w.grad, &mut b.grad)?;
                    } else {
                        matmul_tn_sums(input, g, &mut ws.dw, &mut ws.db)?;
                        w.grad += &ws.dw;
                        b.grad += &ws.db;
                    }
                    if let Some(gin) = before.last_mut() {
                        matmul_nt(g, &w.value, gin)?;
                    }
                }
                Op::Map { act, .. } => {
                    if let Some(gin) = before.last_mut() {
                        epilogue_backward(act, draws, from, g, tile);
                        std::mem::swap(g, gin);
                    }
                }
                Op::Softmax { .. } => {
                    if let Some(gin) = before.last_mut() {
                        if let Some(draws) = draws {
                            for_columns(g, tile, |col, e0| masked_map_at(col, draws, e0, |d, v| d * v));
                        }
                        softmax_rows_backward(from, g, gin)?;
                    }
                }
                Op::Plugin { node } => {
                    let Node::Plugin(p) = &mut nodes[node] else {
                        unreachable!("a plug-in step has a plug-in")
                    };
                    let layer = p.get_mut();
                    let dx = layer.backward(g)?;
                    if let Some(gin) = before.last_mut() {
                        resize(gin, dx.nrows(), dx.ncols());
                        gin.copy_from(dx);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Adds each built-in layer's regularization penalty's gradient to its parameters' gradients,
/// once per batch (a plug-in's backward pass sets its own parameters' gradients whole).
pub(crate) fn add_penalty_gradients(nodes: &mut [Node]) {
    for node in nodes {
        if let Node::Dense(d) = node {
            let (w, b) = d.params_mut();
            for p in [w, b] {
                p.regularizer.add_gradient(&p.value, &mut p.grad);
            }
        }
    }
}

/// Calls `f` with each column of `m` (a tile) and the index of its first element in the pass
/// (column-major over the whole batch, as the dropout layer numbers its elements).
fn for_columns(m: &mut Matrix, tile: Tile, mut f: impl FnMut(&mut [f32], usize)) {
    let len = m.nrows();
    if len == 0 {
        return;
    }
    for (c, col) in m.as_mut_slice().chunks_exact_mut(len).enumerate() {
        f(col, c * tile.rows + tile.r0);
    }
}

/// A step's forward epilogue on its output: the activation, then the mask (keeping the
/// unmasked values where the backward pass needs them).
fn epilogue(act: Activation, draws: Option<MaskDraws>, out: &mut Matrix, unmasked: &mut Matrix, tile: Tile) {
    let Some(draws) = draws else {
        activate(act, out.as_mut_slice());
        return;
    };
    let keep = super::keeps_unmasked(act);
    if keep {
        resize(unmasked, out.nrows(), out.ncols());
    }
    let len = out.nrows();
    if len == 0 {
        return;
    }
    let mut kept = unmasked.as_mut_slice().chunks_exact_mut(len);
    for_columns(out, tile, |col, e0| {
        let pre = if keep { kept.next() } else { None };
        activate_masked(act, col, pre, draws, e0);
    });
}

/// A step's backward epilogue on the gradient `g` of its output: the mask and the activation's
/// derivative (`from` is the output, or the unmasked output where the step keeps it).
fn epilogue_backward(act: Activation, draws: Option<MaskDraws>, from: &Matrix, g: &mut Matrix, tile: Tile) {
    let Some(draws) = draws else {
        activate_backward(act, from.as_slice(), g.as_mut_slice());
        return;
    };
    let len = g.nrows();
    if len == 0 {
        return;
    }
    let mut from = from.as_slice().chunks_exact(len);
    for_columns(g, tile, |col, e0| {
        let y = from.next().expect("the output has the gradient's shape");
        activate_masked_backward(act, y, col, draws, e0);
    });
}
