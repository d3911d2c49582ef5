//! Products through matrixmultiply's packed sgemm kernel: every shape the other kernels do not take.

use super::Product;

/// `out = alpha · A · B + beta · out` in one call of matrixmultiply's packed kernel.
pub(super) fn packed(p: Product<'_>, out: &mut [f32]) {
    let Product { m, k, n, alpha, beta, a, b } = p;
    debug_assert!(out.len() >= m * n);
    // SAFETY: `a` views an m×k operand and `b` a k×n one inside their slices (the strides come
    // from the shapes of the matrices the slices belong to, and a right half of `b` is sliced
    // from its first column on); `out` holds m×n entries, column-major, and is borrowed
    // mutably, so it cannot alias `a` or `b`.
    #[allow(unsafe_code)]
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs,
            a.cs,
            b.data.as_ptr(),
            b.rs,
            b.cs,
            beta,
            out.as_mut_ptr(),
            1,
            m as isize,
        );
    }
}
