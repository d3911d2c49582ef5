//! Epilogues: what a dense layer's product does to its output before the next layer reads it
//! (the activation, then the dropout mask), and what the backward pass does to the incoming
//! gradient before the product reads it (the mask and the activation's derivative).
//!
//! Each activation's formula and derivative live here once ([`Activation::apply`],
//! [`Activation::derivative`]); the layers of `dendrite-layers` and the model's compiled plan
//! both call them. Every loop is compiled for each SIMD level and branch-free per element.

use crate::kernels::mask::{MaskDraws, masked_map_at};

/// An element-wise activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// The identity (the book's linear activation).
    Identity,
    /// `max(0, x)`; NaN passes.
    Relu,
    /// `1 / (1 + e^−x)`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// `x` for `x > 0`, else `alpha · x` (`0 < alpha < 1`).
    LeakyRelu(f32),
}

impl Activation {
    /// The activation of `x`.
    #[inline(always)]
    #[must_use]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Identity => x,
            Activation::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Tanh => x.tanh(),
            Activation::LeakyRelu(alpha) => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
        }
    }

    /// `d` times the derivative at the input whose activation is `y` (every activation here
    /// has its derivative as a function of its output; ReLU's is 0 at 0, as the book has it).
    #[inline(always)]
    #[must_use]
    pub fn derivative(self, y: f32, d: f32) -> f32 {
        match self {
            Activation::Identity => d,
            Activation::Relu => {
                if y > 0.0 {
                    d
                } else {
                    0.0
                }
            }
            Activation::Sigmoid => d * (1.0 - y) * y,
            Activation::Tanh => d * (1.0 - y * y),
            Activation::LeakyRelu(alpha) => {
                if y > 0.0 {
                    d
                } else {
                    alpha * d
                }
            }
        }
    }
}

/// `z = act(z)` in place.
pub fn activate(act: Activation, z: &mut [f32]) {
    match act {
        Activation::Identity => {}
        Activation::Relu => map_in_place(z, |x| Activation::Relu.apply(x)),
        Activation::Sigmoid => map_in_place(z, |x| Activation::Sigmoid.apply(x)),
        Activation::Tanh => map_in_place(z, |x| Activation::Tanh.apply(x)),
        Activation::LeakyRelu(a) => map_in_place(z, |x| Activation::LeakyRelu(a).apply(x)),
    }
}

/// `d = act'(y) · d` in place, from the activation's output `y`.
pub fn activate_backward(act: Activation, y: &[f32], d: &mut [f32]) {
    match act {
        Activation::Identity => {}
        Activation::Relu => zip_in_place(d, y, |d, y| Activation::Relu.derivative(y, d)),
        Activation::Sigmoid => zip_in_place(d, y, |d, y| Activation::Sigmoid.derivative(y, d)),
        Activation::Tanh => zip_in_place(d, y, |d, y| Activation::Tanh.derivative(y, d)),
        Activation::LeakyRelu(a) => zip_in_place(d, y, |d, y| Activation::LeakyRelu(a).derivative(y, d)),
    }
}

/// The forward epilogue of one column of a pass whose dropout draws are `draws`: the elements
/// `z` are the pass's elements `e0..e0 + z.len()`; `z = act(z) · mask`, and `pre`, when given,
/// receives `act(z)` before the mask (the backward pass of an activation other than ReLU needs
/// it).
pub fn activate_masked(act: Activation, z: &mut [f32], pre: Option<&mut [f32]>, draws: MaskDraws, e0: usize) {
    activate(act, z);
    if let Some(pre) = pre {
        pre.copy_from_slice(z);
    }
    masked_map_at(z, draws, e0, |x, v| x * v);
}

/// The backward epilogue of one column of a pass with dropout: `d` holds the gradient with
/// respect to the masked output and becomes the gradient with respect to the activation's
/// input. For ReLU `y` is the masked output (positive exactly where the element was kept and
/// its input positive, so no mask is drawn: `d · scale` there, else 0); for the other
/// activations `y` is the activation's output before the mask (`pre` of
/// [`activate_masked`]), and the mask is drawn again.
pub fn activate_masked_backward(act: Activation, y: &[f32], d: &mut [f32], draws: MaskDraws, e0: usize) {
    if act == Activation::Relu {
        let scale = draws.scale;
        zip_in_place(d, y, |d, y| if y > 0.0 { d * scale } else { 0.0 });
        return;
    }
    masked_map_at(d, draws, e0, |d, v| d * v);
    activate_backward(act, y, d);
}

/// `x[i] = f(x[i])`, compiled for every SIMD level and picked at run time.
#[multiversion::multiversion(targets = "simd")]
fn map_in_place<F: Fn(f32) -> f32>(x: &mut [f32], f: F) {
    for v in x {
        *v = f(*v);
    }
}

/// `a[i] = g(a[i], b[i])`, compiled for every SIMD level and picked at run time.
#[multiversion::multiversion(targets = "simd")]
fn zip_in_place<G: Fn(f32, f32) -> f32>(a: &mut [f32], b: &[f32], g: G) {
    for (a, &b) in a.iter_mut().zip(b) {
        *a = g(*a, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws() -> MaskDraws {
        MaskDraws::new(42, 0.3)
    }

    #[test]
    fn masked_epilogues_are_the_activation_then_the_layers_mask() {
        // Columns that start anywhere inside a block of draws.
        let draws = draws();
        for act in [
            Activation::Identity,
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::LeakyRelu(0.1),
        ] {
            for (e0, len) in [(0usize, 64usize), (3, 70), (130, 5), (1, 1)] {
                let z: Vec<f32> = (0..len).map(|i| ((i as f32) * 0.77 - 20.0).sin() * 3.0).collect();
                let mut y = z.clone();
                let mut pre = vec![0.0; len];
                activate_masked(act, &mut y, Some(&mut pre), draws, e0);
                for i in 0..len {
                    let a = act.apply(z[i]);
                    assert_eq!(pre[i].to_bits(), a.to_bits());
                    assert_eq!(y[i].to_bits(), (a * draws.value(e0 + i)).to_bits(), "{act:?} {e0} {i}");
                }
                let d: Vec<f32> = (0..len).map(|i| (i as f32 * 0.3).cos()).collect();
                let mut g = d.clone();
                let from = if act == Activation::Relu { &y } else { &pre };
                activate_masked_backward(act, from, &mut g, draws, e0);
                for i in 0..len {
                    let want = act.derivative(pre[i], d[i] * draws.value(e0 + i));
                    assert!(g[i] == want, "{act:?} {e0} {i}: {} vs {want}", g[i]);
                }
            }
        }
    }
}
