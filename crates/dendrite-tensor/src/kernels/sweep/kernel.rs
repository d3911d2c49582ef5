//! The training pass of a two-layer perceptron in one sweep over the rows: for each block of
//! rows, the hidden layer's activations are computed unit by unit and kept only for the block
//! (a few kilobytes), the loss head runs on the block's logits, and the backward pass adds the
//! block's part of every gradient into per-lane accumulators. Nothing as large as the batch is
//! written: the hidden activations, their gradients and the loss's gradient never leave the
//! block.
//!
//! The arithmetic is written once, over a vector of [`LANES`] floats ([`Simd`]), and runs in
//! AVX-512 or AVX2 registers or in plain arrays. Each lane does the same operations in the same
//! order in all of them, and lane `l` of every sum takes the rows `r ≡ l (mod LANES)` in
//! order, whatever the block size, so every machine gives the same bits.

// The kernel indexes several arrays by the same lane, row, input or class.
#![allow(clippy::needless_range_loop)]

use crate::kernels::math::clip_probability;
use crate::{exp, ln, pairwise_sum};

pub(crate) use crate::kernels::simd::{LANES, MAX_VECTORS, Portable, Simd};

/// Inputs (columns of the batch) and classes at most.
pub const MAX_WIDTH: usize = 8;

/// The widths of inputs and classes the kernel is compiled for; a caller pads the others to the
/// next one (zero inputs, and classes whose logits are −∞).
pub(crate) const WIDTHS: [usize; 5] = [1, 2, 3, 4, 8];

/// How the dropout layer decides the elements of a pass: element `e` of the hidden layer's
/// activations (column-major, `e = unit · rows + row`) is kept, and scaled, when its 16 bits are
/// below `keep_below` (see [`dendrite_layers::Dropout`]).
pub(crate) use crate::kernels::mask::MaskDraws as Draws;

/// The network and the batch of one pass. Matrices are column-major slices: `x` is
/// rows × inputs, `w1` inputs × hidden, `w2` hidden × classes.
#[derive(Debug, Clone, Copy)]
pub struct Net<'a> {
    /// The batch, rows × inputs.
    pub x: &'a [f32],
    /// Rows of the batch.
    pub rows: usize,
    /// Inputs (columns of the batch), 1 to [`MAX_WIDTH`].
    pub inputs: usize,
    /// The first layer's weights, inputs × hidden.
    pub w1: &'a [f32],
    /// The first layer's biases.
    pub b1: &'a [f32],
    /// Hidden units.
    pub hidden: usize,
    /// The second layer's weights, hidden × classes.
    pub w2: &'a [f32],
    /// The second layer's biases.
    pub b2: &'a [f32],
    /// Classes, 1 to [`MAX_WIDTH`].
    pub classes: usize,
    /// The class of each row, each below `classes`.
    pub labels: &'a [usize],
    /// The dropout after the ReLU, if any.
    pub dropout: Option<Draws>,
}

/// Where a pass writes the gradients of the mean loss (shapes as the parameters).
#[derive(Debug)]
pub struct Grads<'a> {
    /// Of the first layer's weights.
    pub w1: &'a mut [f32],
    /// Of the first layer's biases.
    pub b1: &'a mut [f32],
    /// Of the second layer's weights.
    pub w2: &'a mut [f32],
    /// Of the second layer's biases.
    pub b2: &'a mut [f32],
}

/// The buffers of a pass, kept from pass to pass.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    /// The padded copies of a network whose widths the kernel is not compiled for.
    pub(crate) padded: Padded,
    /// The block's hidden activations, a block of rows per unit.
    hidden: Vec<f32>,
    /// Per unit: the lanes of its gradient sums, `classes` vectors for the second layer's
    /// weights, then `inputs` for the first layer's, then one for its bias.
    acc: Vec<f32>,
}

/// A network's batch, weights and gradients padded to widths of [`WIDTHS`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Padded {
    pub(crate) x: Vec<f32>,
    pub(crate) w1: Vec<f32>,
    pub(crate) w2: Vec<f32>,
    pub(crate) b2: Vec<f32>,
    pub(crate) dw1: Vec<f32>,
    pub(crate) dw2: Vec<f32>,
    pub(crate) db2: Vec<f32>,
}

/// What a pass returns beside the gradients: the sum over rows of the cross-entropy and the
/// number of rows whose largest probability is the true class's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sums {
    /// The cross-entropy summed over rows.
    pub loss: f64,
    /// Rows whose largest probability is the true class's.
    pub hits: usize,
}

/// The pass on any machine, in blocks of one vector of rows.
pub(crate) fn train_portable(net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Sums {
    with_widths!(net, train_with::<Portable, _, _, 16, 16>(Portable, net, grads, scratch))
}

/// Calls `$f::<S, K, N, R>(…)` for the run-time inputs `K` and classes `N` of `$net`, each one
/// of [`WIDTHS`] (the caller pads other widths), in blocks of `$r4` rows, or of `$r8` rows with
/// eight classes (whose logits take twice the registers).
macro_rules! with_widths {
    ($net:expr, $f:ident::<$s:ty, _, _, $r4:literal, $r8:literal>($($arg:expr),*)) => {{
        let net: &$crate::kernels::sweep::kernel::Net<'_> = $net;
        debug_assert!($crate::kernels::sweep::kernel::WIDTHS.contains(&net.inputs));
        debug_assert!($crate::kernels::sweep::kernel::WIDTHS.contains(&net.classes));
        match (net.inputs, net.classes) {
            (1, 1) => $f::<$s, 1, 1, $r4>($($arg),*),
            (1, 2) => $f::<$s, 1, 2, $r4>($($arg),*),
            (1, 3) => $f::<$s, 1, 3, $r4>($($arg),*),
            (1, 4) => $f::<$s, 1, 4, $r4>($($arg),*),
            (1, 8) => $f::<$s, 1, 8, $r8>($($arg),*),
            (2, 1) => $f::<$s, 2, 1, $r4>($($arg),*),
            (2, 2) => $f::<$s, 2, 2, $r4>($($arg),*),
            (2, 3) => $f::<$s, 2, 3, $r4>($($arg),*),
            (2, 4) => $f::<$s, 2, 4, $r4>($($arg),*),
            (2, 8) => $f::<$s, 2, 8, $r8>($($arg),*),
            (3, 1) => $f::<$s, 3, 1, $r4>($($arg),*),
            (3, 2) => $f::<$s, 3, 2, $r4>($($arg),*),
            (3, 3) => $f::<$s, 3, 3, $r4>($($arg),*),
            (3, 4) => $f::<$s, 3, 4, $r4>($($arg),*),
            (3, 8) => $f::<$s, 3, 8, $r8>($($arg),*),
            (4, 1) => $f::<$s, 4, 1, $r4>($($arg),*),
            (4, 2) => $f::<$s, 4, 2, $r4>($($arg),*),
            (4, 3) => $f::<$s, 4, 3, $r4>($($arg),*),
            (4, 4) => $f::<$s, 4, 4, $r4>($($arg),*),
            (4, 8) => $f::<$s, 4, 8, $r8>($($arg),*),
            (8, 1) => $f::<$s, 8, 1, $r4>($($arg),*),
            (8, 2) => $f::<$s, 8, 2, $r4>($($arg),*),
            (8, 3) => $f::<$s, 8, 3, $r4>($($arg),*),
            (8, 4) => $f::<$s, 8, 4, $r4>($($arg),*),
            _ => $f::<$s, 8, 8, $r8>($($arg),*),
        }
    }};
}
pub(crate) use with_widths;

/// `x[at..at + LANES]` as an array.
#[inline(always)]
fn lanes(x: &[f32], at: usize) -> &[f32; LANES] {
    x[at..at + LANES].try_into().expect("a whole vector")
}

/// `x[at..at + LANES]` as a mutable array.
#[inline(always)]
fn lanes_mut(x: &mut [f32], at: usize) -> &mut [f32; LANES] {
    (&mut x[at..at + LANES]).try_into().expect("a whole vector")
}

/// Row `j` of `w2` (hidden × classes, column-major), each entry in every lane.
#[inline(always)]
fn splat_row<S: Simd, const N: usize>(s: S, w2: &[f32], j: usize, hidden: usize) -> [S::F; N] {
    let mut out = [s.splat(0.0); N];
    for (c, o) in out.iter_mut().enumerate() {
        *o = s.splat(w2[j + c * hidden]);
    }
    out
}

/// The lanes of a sum added pairwise: lanes l and l + 8, then l + 4, l + 2 and l + 1.
#[inline(always)]
fn finish(acc: [f32; LANES]) -> f32 {
    pairwise_sum(acc)
}

/// The pass for `K` inputs and `N` classes in blocks of `R` rows (a multiple of [`LANES`], at
/// most [`MAX_VECTORS`] vectors), in the vectors of `s`.
///
/// Per row, in this order: `z_j = b1_j + Σ_p x_p · w1[p, j]` (a fused multiply-add per input,
/// in order), `h_j = relu(z_j) · mask` (no multiply without dropout), `logit_c = Σ_j h_j ·
/// w2[j, c]` (fused, in order of `j`) `+ b2_c`, the softmax and the clipped cross-entropy as
/// the layers compute them, and `dlogit_c = (p_c − [c = class]) / rows`. Backward:
/// `dh_j = dlogit_0 · w2[j, 0] + Σ_{c>0} dlogit_c · w2[j, c]` (fused), `dz_j = h_j > 0 ?
/// dh_j · scale : 0`, and each gradient's lane `l` adds its product for the rows `r ≡ l` in
/// order (fused; the bias sums plain adds); the lanes are added pairwise at the end.
#[inline(always)]
pub(crate) fn train_with<S: Simd, const K: usize, const N: usize, const R: usize>(
    s: S,
    net: &Net<'_>,
    grads: &mut Grads<'_>,
    scratch: &mut Scratch,
) -> Sums {
    let vectors = R / LANES;
    debug_assert!(R.is_multiple_of(LANES) && vectors <= MAX_VECTORS);
    let Net { x, rows, w1, b1, hidden: h, w2, b2, labels, dropout, .. } = *net;
    debug_assert!(net.inputs == K && net.classes == N && rows > 0);
    let stride = (N + K + 1) * LANES;
    scratch.hidden.resize(h * R, 0.0);
    scratch.acc.clear();
    scratch.acc.resize(h * stride, 0.0);
    let inv_rows = 1.0 / rows as f32;
    let scale = s.splat(dropout.map_or(1.0, |d| d.scale));
    let zero = s.splat(0.0);
    let mut loss = [0.0f64; LANES];
    let mut hits = 0usize;
    let mut db2 = [zero; N];
    let (w1, b1, w2) = (&w1[..K * h], &b1[..h], &w2[..N * h]);

    for r0 in (0..rows).step_by(R) {
        let len = R.min(rows - r0);
        // The block's inputs, padded with zeros past the last row.
        let mut xb = [[0.0f32; R]; K];
        for (p, xb) in xb.iter_mut().enumerate() {
            xb[..len].copy_from_slice(&x[p * rows + r0..p * rows + r0 + len]);
        }
        let mut xv = [[zero; MAX_VECTORS]; K];
        for p in 0..K {
            for q in 0..vectors {
                xv[p][q] = s.load(lanes(&xb[p], q * LANES));
            }
        }

        // Forward: the hidden layer unit by unit, the logits summed in registers.
        let mut logits = [[zero; MAX_VECTORS]; N];
        for (j, hidden) in scratch.hidden.chunks_exact_mut(R).enumerate() {
            let w: &[f32; K] = w1[j * K..j * K + K].try_into().expect("K weights");
            let bias = s.splat(b1[j]);
            let w2j = splat_row::<S, N>(s, w2, j, h);
            let masks = match &dropout {
                Some(draws) => s.masks(draws, j * rows + r0, vectors),
                None => [scale; MAX_VECTORS],
            };
            for q in 0..vectors {
                let mut z = bias;
                for p in 0..K {
                    z = s.mul_add(xv[p][q], s.splat(w[p]), z);
                }
                let mut hv = s.relu(z);
                if dropout.is_some() {
                    hv = s.mul(hv, masks[q]);
                }
                s.store(hv, lanes_mut(hidden, q * LANES));
                for c in 0..N {
                    logits[c][q] = s.mul_add(hv, w2j[c], logits[c][q]);
                }
            }
        }

        // The loss head on the block's rows.
        let mut p = [[0.0f32; R]; N];
        for c in 0..N {
            for q in 0..vectors {
                s.store(logits[c][q], lanes_mut(&mut p[c], q * LANES));
            }
        }
        let dlogits = head::<N, R>(&mut p, b2, &labels[r0..r0 + len], inv_rows, &mut loss, &mut hits);
        let mut dv = [[zero; MAX_VECTORS]; N];
        for c in 0..N {
            for q in 0..vectors {
                dv[c][q] = s.load(lanes(&dlogits[c], q * LANES));
                db2[c] = s.add(db2[c], dv[c][q]);
            }
        }

        // Backward: each unit's gradient from the logits' and its part of every sum.
        for (j, (hidden, acc)) in
            scratch.hidden.chunks_exact(R).zip(scratch.acc.chunks_exact_mut(stride)).enumerate()
        {
            let w2j = splat_row::<S, N>(s, w2, j, h);
            let mut a2 = [zero; N];
            for (c, a2) in a2.iter_mut().enumerate() {
                *a2 = s.load(lanes(acc, c * LANES));
            }
            let mut a1 = [zero; K];
            for (p, a1) in a1.iter_mut().enumerate() {
                *a1 = s.load(lanes(acc, (N + p) * LANES));
            }
            let mut ab = s.load(lanes(acc, (N + K) * LANES));
            for q in 0..vectors {
                let hv = s.load(lanes(hidden, q * LANES));
                let mut dh = s.mul(dv[0][q], w2j[0]);
                for c in 1..N {
                    dh = s.mul_add(dv[c][q], w2j[c], dh);
                }
                let dz = s.where_positive(hv, s.mul(dh, scale));
                for c in 0..N {
                    a2[c] = s.mul_add(hv, dv[c][q], a2[c]);
                }
                for p in 0..K {
                    a1[p] = s.mul_add(xv[p][q], dz, a1[p]);
                }
                ab = s.add(ab, dz);
            }
            for (c, a2) in a2.iter().enumerate() {
                s.store(*a2, lanes_mut(acc, c * LANES));
            }
            for (p, a1) in a1.iter().enumerate() {
                s.store(*a1, lanes_mut(acc, (N + p) * LANES));
            }
            s.store(ab, lanes_mut(acc, (N + K) * LANES));
        }
    }

    let Grads { w1: dw1, b1: db1, w2: dw2, b2: db2_out } = grads;
    for (j, acc) in scratch.acc.chunks_exact(stride).enumerate() {
        for c in 0..N {
            dw2[j + c * h] = finish(*lanes(acc, c * LANES));
        }
        for p in 0..K {
            dw1[p + j * K] = finish(*lanes(acc, (N + p) * LANES));
        }
        db1[j] = finish(*lanes(acc, (N + K) * LANES));
    }
    for (o, acc) in db2_out.iter_mut().zip(db2) {
        let mut lanes = [0.0; LANES];
        s.store(acc, &mut lanes);
        *o = finish(lanes);
    }
    Sums { loss: loss.iter().sum(), hits }
}

/// The loss head of a block: `p` holds the logits without their bias on entry and the
/// probabilities on return. Adds each row's cross-entropy to its lane of `loss` and the rows
/// whose largest probability (the first on ties; NaN never wins) is the true class's to `hits`;
/// returns the gradient of the mean loss with respect to the logits, zero past the last row.
#[inline(always)]
fn head<const N: usize, const R: usize>(
    p: &mut [[f32; R]; N],
    b2: &[f32],
    labels: &[usize],
    inv_rows: f32,
    loss: &mut [f64; LANES],
    hits: &mut usize,
) -> [[f32; R]; N] {
    let len = labels.len();
    let mut label = [u32::MAX; R];
    for (l, &c) in label.iter_mut().zip(labels) {
        *l = c as u32;
    }
    // The softmax of `dendrite_tensor::softmax_rows`.
    let mut max = [f32::NEG_INFINITY; R];
    for c in 0..N {
        for r in 0..R {
            p[c][r] += b2[c];
            max[r] = max[r].max(p[c][r]);
        }
    }
    let mut sum = [0.0f32; R];
    for c in 0..N {
        for r in 0..R {
            let e = exp(p[c][r] - max[r]);
            p[c][r] = e;
            sum[r] += e;
        }
    }
    let mut inv = [0.0f32; R];
    for r in 0..R {
        inv[r] = 1.0 / sum[r];
    }
    for c in 0..N {
        for r in 0..R {
            p[c][r] *= inv[r];
        }
    }
    // The true class's probability, the arg-max, and the gradient.
    let mut truth = [1.0f32; R];
    let mut best = p[0];
    let mut index = [0u32; R];
    for c in 0..N {
        for r in 0..R {
            if label[r] == c as u32 {
                truth[r] = p[c][r];
            }
            if c > 0 {
                let take = p[c][r] > best[r];
                best[r] = if take { p[c][r] } else { best[r] };
                index[r] = if take { c as u32 } else { index[r] };
            }
        }
    }
    for r in 0..len {
        *hits += usize::from(index[r] == label[r]);
    }
    for t in &mut truth {
        *t = ln(clip_probability(*t));
    }
    for r in 0..R {
        if r < len {
            loss[r % LANES] -= f64::from(truth[r]);
        }
    }
    let mut d = [[0.0f32; R]; N];
    for c in 0..N {
        for r in 0..R {
            let target = if label[r] == c as u32 { 1.0 } else { 0.0 };
            d[c][r] = if r < len { (p[c][r] - target) * inv_rows } else { 0.0 };
        }
    }
    d
}
