//! The training pass of a two-layer perceptron in one sweep over the rows (the module `kernel` says how):
//! Dense → ReLU (→ dropout) → Dense → softmax + cross-entropy with few inputs and classes (at
//! most [`MAX_WIDTH`] of each), in the fastest vectors the machine runs. Every vector width
//! gives the same bits.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod kernel;

pub use kernel::{Grads, MAX_WIDTH, Net, Scratch, Sums};

/// The pass in the fastest vectors this machine runs (the same bits in any of them): sets the
/// gradients of the mean loss in `grads` (without any regularization penalty) and returns the
/// summed loss and the hits.
pub fn train(net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Sums {
    let width = |w: usize| kernel::WIDTHS.into_iter().find(|&k| k >= w).unwrap_or(MAX_WIDTH);
    let (k, n) = (width(net.inputs), width(net.classes));
    if (k, n) == (net.inputs, net.classes) {
        return train_here(net, grads, scratch);
    }
    // Zero inputs and classes whose logits are −∞ change no real class's sums: the padded
    // network gives the same values (the padded classes' probabilities and gradients are 0).
    let mut padded = std::mem::take(&mut scratch.padded);
    let (rows, h) = (net.rows, net.hidden);
    let (i, c) = (net.inputs, net.classes);
    padded.x.clear();
    padded.x.extend_from_slice(&net.x[..rows * i]);
    padded.x.resize(rows * k, 0.0);
    padded.w1.clear();
    for column in net.w1[..i * h].chunks_exact(i) {
        padded.w1.extend_from_slice(column);
        padded.w1.extend(std::iter::repeat_n(0.0, k - i));
    }
    padded.w2.clear();
    padded.w2.extend_from_slice(&net.w2[..h * c]);
    padded.w2.resize(h * n, 0.0);
    padded.b2.clear();
    padded.b2.extend_from_slice(&net.b2[..c]);
    padded.b2.resize(n, f32::NEG_INFINITY);
    for (buffer, len) in [(&mut padded.dw1, k * h), (&mut padded.dw2, h * n), (&mut padded.db2, n)] {
        buffer.resize(len, 0.0);
    }
    let wide =
        Net { x: &padded.x, inputs: k, w1: &padded.w1, w2: &padded.w2, b2: &padded.b2, classes: n, ..*net };
    let mut wide_grads =
        Grads { w1: &mut padded.dw1, b1: &mut *grads.b1, w2: &mut padded.dw2, b2: &mut padded.db2 };
    let sums = train_here(&wide, &mut wide_grads, scratch);
    for (out, column) in grads.w1.chunks_exact_mut(i).zip(padded.dw1.chunks_exact(k)) {
        out.copy_from_slice(&column[..i]);
    }
    grads.w2[..h * c].copy_from_slice(&padded.dw2[..h * c]);
    grads.b2[..c].copy_from_slice(&padded.db2[..c]);
    scratch.padded = padded;
    sums
}

/// [`train`] for widths the kernel is compiled for.
fn train_here(net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Sums {
    #[cfg(target_arch = "x86_64")]
    if let Some(sums) = avx512::train(net, grads, scratch).or_else(|| avx2::train(net, grads, scratch)) {
        return sums;
    }
    kernel::train_portable(net, grads, scratch)
}

#[cfg(test)]
mod tests {
    use super::kernel::{self, Grads, Net, Scratch, Sums};
    #[cfg(target_arch = "x86_64")]
    use super::{avx2, avx512};
    use crate::Rng;
    use crate::kernels::mask::MaskDraws as Draws;

    /// The gradients, loss and hits of a pass through `train` on a network of the given sizes
    /// with values from `seed`, as bits.
    fn pass_bits(
        train: impl Fn(&Net<'_>, &mut Grads<'_>, &mut Scratch) -> Option<Sums>,
        (inputs, hidden, classes, rows): (usize, usize, usize, usize),
        dropout: Option<Draws>,
        seed: u64,
    ) -> Option<Vec<u64>> {
        let mut rng = Rng::seed_from_u64(seed);
        let mut values =
            |n: usize, scale: f32| -> Vec<f32> { (0..n).map(|_| scale * rng.normal_f32()).collect() };
        let (x, w1, b1, w2, b2) = (
            values(rows * inputs, 1.0),
            values(inputs * hidden, 0.7),
            values(hidden, 0.3),
            values(hidden * classes, 0.4),
            values(classes, 0.2),
        );
        let labels: Vec<usize> = (0..rows).map(|r| (r * 7 + r / 3) % classes).collect();
        let net = Net {
            x: &x,
            rows,
            inputs,
            w1: &w1,
            b1: &b1,
            hidden,
            w2: &w2,
            b2: &b2,
            classes,
            labels: &labels,
            dropout,
        };
        let (mut dw1, mut db1, mut dw2, mut db2) =
            (vec![0.0; inputs * hidden], vec![0.0; hidden], vec![0.0; hidden * classes], vec![0.0; classes]);
        let mut grads = Grads { w1: &mut dw1, b1: &mut db1, w2: &mut dw2, b2: &mut db2 };
        let sums = train(&net, &mut grads, &mut Scratch::default())?;
        let mut bits: Vec<u64> =
            [dw1, db1, dw2, db2].iter().flatten().map(|v| u64::from(v.to_bits())).collect();
        bits.extend([sums.loss.to_bits(), sums.hits as u64]);
        Some(bits)
    }

    #[test]
    fn every_vector_width_gives_the_bits_of_plain_arrays() {
        let draws = |rate: f32, key: u64| Draws::new(key, rate);
        let mut checked = 0;
        for (case, shape) in [
            (2, 64, 3, 3000),
            (2, 37, 3, 1003),
            (1, 16, 1, 33),
            (3, 9, 4, 250),
            (4, 20, 2, 17),
            (4, 3, 4, 1),
            (8, 12, 8, 70),
            (2, 64, 8, 500),
            (8, 5, 3, 33),
        ]
        .into_iter()
        .enumerate()
        {
            for dropout in [None, Some(draws(0.1, 99)), Some(draws(0.6, 7))] {
                let seed = case as u64;
                let portable =
                    pass_bits(|n, g, s| Some(kernel::train_portable(n, g, s)), shape, dropout, seed);
                #[cfg(target_arch = "x86_64")]
                for (name, bits) in [
                    ("AVX2", pass_bits(avx2::train, shape, dropout, seed)),
                    ("AVX-512", pass_bits(avx512::train, shape, dropout, seed)),
                ] {
                    if let Some(bits) = bits {
                        assert_eq!(bits, portable.clone().expect("runs"), "{name}, {shape:?}, {dropout:?}");
                        checked += 1;
                    }
                }
            }
        }
        // This machine runs at least one of the vector kinds (x86-64 machines with AVX2).
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert!(checked > 0);
        }
        let _ = checked;
    }
}
