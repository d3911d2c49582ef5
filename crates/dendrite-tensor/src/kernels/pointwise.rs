//! Element-wise maps, compiled for every SIMD level and picked at run time.

/// `out[i] = f(x[i])`, compiled for every SIMD level and picked at run time.
#[multiversion::multiversion(targets = "simd")]
pub fn map_into<F: Fn(f32) -> f32>(out: &mut [f32], x: &[f32], f: F) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = f(v);
    }
}

/// `out[i] = g(a[i], b[i])`, compiled for every SIMD level and picked at run time.
#[multiversion::multiversion(targets = "simd")]
pub fn zip_map_into<G: Fn(f32, f32) -> f32>(out: &mut [f32], a: &[f32], b: &[f32], g: G) {
    for (o, (&a, &b)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = g(a, b);
    }
}
