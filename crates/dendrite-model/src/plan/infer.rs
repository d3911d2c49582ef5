//! The inference pass of a plan: dropout off, nothing drawn, the model itself unchanged.

use dendrite_layers::Mode;
use dendrite_tensor::kernels::epilogue::activate;
use dendrite_tensor::{Matrix, matmul_bias, resize, softmax_rows};

use super::{Head, Op, Plan, Workspace};
use crate::{Node, Result};

impl Plan {
    /// The model's output for `x` in inference mode, in `ws.output`: the head's probabilities,
    /// or the last step's output.
    pub(crate) fn infer(&self, nodes: &[Node], x: &Matrix, ws: &mut Workspace) -> Result<()> {
        ws.fit_steps(self.steps.len());
        for (s, step) in self.steps.iter().enumerate() {
            let (before, rest) = ws.outs.split_at_mut(s);
            let out = &mut rest[0];
            let input = before.last().unwrap_or(x);
            match step.op {
                Op::Dense { dense, act, .. } => {
                    let Node::Dense(d) = &nodes[dense] else {
                        unreachable!("a Dense step has a Dense layer")
                    };
                    matmul_bias(input, d.weights(), d.biases(), out)?;
                    activate(act, out.as_mut_slice());
                }
                Op::Map { act, .. } => {
                    resize(out, input.nrows(), input.ncols());
                    out.copy_from(input);
                    activate(act, out.as_mut_slice());
                }
                Op::Softmax { .. } => softmax_rows(input, out),
                Op::Plugin { node } => {
                    let Node::Plugin(p) = &nodes[node] else { unreachable!("a plug-in step has a plug-in") };
                    let mut layer = p.lock();
                    let y = layer.forward(input, Mode::Infer)?;
                    resize(out, y.nrows(), y.ncols());
                    out.copy_from(y);
                }
            }
        }
        let last = ws.outs[..self.steps.len()].last().unwrap_or(x);
        match self.head {
            Head::SoftmaxCrossEntropy => softmax_rows(last, &mut ws.output),
            Head::Loss => {
                resize(&mut ws.output, last.nrows(), last.ncols());
                ws.output.copy_from(last);
            }
        }
        Ok(())
    }
}
