//! The optimizers' updates: one fused pass over a parameter each, compiled for every SIMD level
//! and picked at run time; the arithmetic per element is the same at every level.

/// One fused pass over a parameter, compiled for every SIMD level and picked at run time (the
/// arithmetic per element is the same at every level).
#[multiversion::multiversion(targets = "simd")]
pub fn adagrad(w: &mut [f32], g: &[f32], cache: &mut [f32], lr: f32, eps: f32) {
    for ((w, &g), c) in w.iter_mut().zip(g).zip(cache) {
        *c += g * g;
        *w -= lr * g / (c.sqrt() + eps);
    }
}

/// One fused pass over a parameter (`k` = learning rate, ε, ρ, 1 − ρ), compiled for every SIMD
/// level and picked at run time (the arithmetic per element is the same at every level).
#[multiversion::multiversion(targets = "simd")]
pub fn rmsprop(w: &mut [f32], g: &[f32], cache: &mut [f32], k: [f32; 4]) {
    let [lr, eps, rho, one_minus_rho] = k;
    for ((w, &g), c) in w.iter_mut().zip(g).zip(cache) {
        *c = rho * *c + one_minus_rho * g * g;
        *w -= lr * g / (c.sqrt() + eps);
    }
}

/// The constants of one Adam step.
pub struct AdamStep {
    /// β1.
    pub b1: f32,
    /// β2.
    pub b2: f32,
    /// 1 − β1.
    pub one_minus_b1: f32,
    /// 1 − β2.
    pub one_minus_b2: f32,
    /// 1 / (1 − β1^(t+1)), the first moment's bias correction.
    pub inv_c1: f32,
    /// 1 / (1 − β2^(t+1)), the second moment's bias correction.
    pub inv_c2: f32,
    /// The learning rate of the step.
    pub lr: f32,
    /// ε.
    pub eps: f32,
}

/// One fused pass over a parameter: both moments and the value. Compiled for every SIMD level
/// and picked at run time; the arithmetic per element is the same at every level.
#[multiversion::multiversion(targets = "simd")]
pub fn adam(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: &AdamStep) {
    let n = w.len();
    let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        m[i] = k.b1 * m[i] + k.one_minus_b1 * g[i];
        v[i] = k.b2 * v[i] + k.one_minus_b2 * g[i] * g[i];
        w[i] -= k.lr * (m[i] * k.inv_c1) / ((v[i] * k.inv_c2).sqrt() + k.eps);
    }
}
