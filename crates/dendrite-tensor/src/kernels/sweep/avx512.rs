//! The pass of [`super::kernel`] in AVX-512 registers, when the machine has AVX-512 F, BW, DQ
//! and VL: a vector is one register, a block four vectors of rows (two with eight classes).
#![allow(unsafe_code)]

use super::kernel::{Grads, Net, Scratch, Sums, train_with, with_widths};
use crate::kernels::simd::avx512::Avx512;

/// The pass in AVX-512 registers if the machine has them; `None` otherwise.
pub(crate) fn train(net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Option<Sums> {
    let s = Avx512::detect()?;
    // SAFETY: AVX-512 F, BW, DQ and VL are present (the token).
    Some(unsafe { train_avx512(s, net, grads, scratch) })
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn train_avx512(s: Avx512, net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Sums {
    with_widths!(net, train_with::<Avx512, _, _, 64, 32>(s, net, grads, scratch))
}
