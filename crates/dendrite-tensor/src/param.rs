//! Trainable parameters, their regularizers, and the visitor that reaches them.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::Matrix;

/// A process-unique identity of a [`Param`], under which optimizers keep their state.
///
/// Every new `Param` (including a clone) gets a fresh id, so two parameters never share
/// optimizer state by accident. Ids say nothing about a parameter's place in a model; that is
/// its [`Param::name`] and the order in which a visitor reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(u64);

impl ParamId {
    /// A new id, never handed out before in this process.
    #[must_use]
    pub fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number.
    #[must_use]
    pub fn get(self) -> u64 {
        self.0
    }
}

/// L1 and L2 penalty strengths on one parameter (the book's `*_regularizer_l1`/`_l2`).
///
/// The penalty is `l1·Σ|w| + l2·Σw²`; its gradient `l1·sign(w) + 2·l2·w`, with sign(0) = +1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Regularizer {
    /// L1 strength (λ1).
    pub l1: f32,
    /// L2 strength (λ2).
    pub l2: f32,
}

impl Regularizer {
    /// No penalty.
    pub const NONE: Self = Self { l1: 0.0, l2: 0.0 };

    /// Whether any strength is non-zero.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.l1 != 0.0 || self.l2 != 0.0
    }

    /// The penalty `l1·Σ|w| + l2·Σw²` of `values`, accumulated in `f64`.
    #[must_use]
    pub fn penalty(&self, values: &Matrix) -> f64 {
        let mut total = 0.0;
        if self.l1 > 0.0 {
            let s: f64 = values.as_slice().iter().map(|&v| f64::from(v.abs())).sum();
            total += f64::from(self.l1) * s;
        }
        if self.l2 > 0.0 {
            let s: f64 = values.as_slice().iter().map(|&v| f64::from(v) * f64::from(v)).sum();
            total += f64::from(self.l2) * s;
        }
        total
    }

    /// Adds the penalty's gradient `l1·sign(w) + 2·l2·w` to `grad` (sign(0) = +1).
    ///
    /// # Panics
    /// When `grad` and `values` differ in shape (a caller's invariant: a gradient always has
    /// its parameter's shape).
    pub fn add_gradient(&self, values: &Matrix, grad: &mut Matrix) {
        assert_eq!(values.shape(), grad.shape(), "a gradient has its parameter's shape");
        if !self.is_active() {
            return;
        }
        let (l1, l2x2) = (self.l1, 2.0 * self.l2);
        for (g, &w) in grad.as_mut_slice().iter_mut().zip(values.as_slice()) {
            let sign = if w < 0.0 { -1.0 } else { 1.0 };
            *g += l1 * sign + l2x2 * w;
        }
    }
}

/// A trainable tensor: its value, the gradient of the loss with respect to it, a stable name
/// within its layer (`"weight"`, `"bias"`), and its regularizer.
#[derive(Debug)]
pub struct Param {
    id: ParamId,
    name: &'static str,
    /// The current value.
    pub value: Matrix,
    /// The gradient of the loss with respect to `value`, set by the layer's backward pass.
    pub grad: Matrix,
    /// The penalty on this parameter.
    pub regularizer: Regularizer,
}

impl Param {
    /// A parameter with the given value, a zero gradient of the same shape and no penalty.
    #[must_use]
    pub fn new(name: &'static str, value: Matrix) -> Self {
        let grad = Matrix::zeros(value.nrows(), value.ncols());
        Self { id: ParamId::fresh(), name, value, grad, regularizer: Regularizer::NONE }
    }

    /// The same parameter with a penalty.
    #[must_use]
    pub fn with_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.regularizer = regularizer;
        self
    }

    /// The id under which optimizers keep this parameter's state.
    #[must_use]
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The parameter's name within its layer.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Number of scalar entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether the parameter has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

impl Clone for Param {
    /// A copy with a fresh [`ParamId`]: the copy is a new parameter with state of its own.
    fn clone(&self) -> Self {
        Self {
            id: ParamId::fresh(),
            name: self.name,
            value: self.value.clone(),
            grad: self.grad.clone(),
            regularizer: self.regularizer,
        }
    }
}

/// Anything that holds parameters: a layer, a list of layers, a model.
///
/// Visitors reach the parameters in a fixed order (a layer's own order, layers in sequence), so
/// the order can name them (`"0.weight"`) in files.
pub trait Parameterized {
    /// Calls `f` on every parameter, in order.
    fn visit_params(&self, f: &mut dyn FnMut(&Param));
    /// Calls `f` on every parameter mutably, in the same order.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param));

    /// Total number of scalar parameters.
    fn param_count(&self) -> usize {
        let mut n = 0;
        self.visit_params(&mut |p| n += p.len());
        n
    }
}

impl Parameterized for Param {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        f(self);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        f(self);
    }
}

impl<T: Parameterized + ?Sized> Parameterized for Box<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        (**self).visit_params(f);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        (**self).visit_params_mut(f);
    }
}

impl<T: Parameterized + ?Sized> Parameterized for &mut T {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        (**self).visit_params(f);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        (**self).visit_params_mut(f);
    }
}

impl<T: Parameterized> Parameterized for [T] {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        self.iter().for_each(|p| p.visit_params(f));
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        self.iter_mut().for_each(|p| p.visit_params_mut(f));
    }
}

impl<T: Parameterized, const N: usize> Parameterized for [T; N] {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        self.as_slice().visit_params(f);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        self.as_mut_slice().visit_params_mut(f);
    }
}

impl<T: Parameterized> Parameterized for Vec<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        self.as_slice().visit_params(f);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        self.as_mut_slice().visit_params_mut(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_and_gradient_follow_the_book() {
        let w = Matrix::from_row_slice(1, 3, &[-2.0, 0.0, 3.0]);
        let r = Regularizer { l1: 0.5, l2: 0.25 };
        // 0.5·(2+0+3) + 0.25·(4+0+9)
        assert!((r.penalty(&w) - (2.5 + 3.25)).abs() < 1e-12);
        let mut g = Matrix::zeros(1, 3);
        r.add_gradient(&w, &mut g);
        // sign(0) counts as +1
        assert_eq!(g.as_slice(), &[-0.5 - 1.0, 0.5, 0.5 + 1.5]);
    }

    #[test]
    fn clones_get_fresh_ids_and_visitors_keep_order() {
        let a = Param::new("weight", Matrix::zeros(2, 2));
        let b = a.clone();
        assert_ne!(a.id(), b.id());
        let list = vec![a, b];
        let mut names = Vec::new();
        list.visit_params(&mut |p| names.push(p.id()));
        assert_eq!(names, vec![list[0].id(), list[1].id()]);
        assert_eq!(list.param_count(), 8);
    }
}
