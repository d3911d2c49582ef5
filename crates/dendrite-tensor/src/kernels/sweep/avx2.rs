//! The pass of [`super::kernel`] in AVX2 registers with fused multiply-adds, when the machine
//! has them: a vector of sixteen lanes is a pair of registers, a block one vector of rows.
#![allow(unsafe_code)]

use super::kernel::{Grads, Net, Scratch, Sums, train_with, with_widths};
use crate::kernels::simd::avx2::Avx2;

/// The pass in AVX2 registers if the machine has AVX2 and FMA; `None` otherwise.
pub(crate) fn train(net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Option<Sums> {
    let s = Avx2::detect()?;
    // SAFETY: AVX2 and FMA are present (the token).
    Some(unsafe { train_avx2(s, net, grads, scratch) })
}

#[target_feature(enable = "avx2,fma")]
unsafe fn train_avx2(s: Avx2, net: &Net<'_>, grads: &mut Grads<'_>, scratch: &mut Scratch) -> Sums {
    with_widths!(net, train_with::<Avx2, _, _, 16, 16>(s, net, grads, scratch))
}
