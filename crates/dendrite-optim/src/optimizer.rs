//! The `Optimizer` trait and the step loop the optimizers share.

use std::collections::HashMap;

use dendrite_tensor::{Matrix, Param, ParamId, Parameterized, Shape};

use crate::{Error, InverseTimeDecay, LrSchedule, Result};

/// An optimizer: updates parameters from their gradients, one step at a time.
///
/// It sees only [`Param`]s (through a [`Parameterized`] visitor), never layer types, and keeps
/// its per-parameter state keyed by [`ParamId`].
pub trait Optimizer: Send + std::fmt::Debug {
    /// The optimizer's name.
    fn name(&self) -> &'static str;

    /// Updates every parameter `params` holds from its gradient, then counts the step.
    ///
    /// # Errors
    /// When a gradient's shape differs from its parameter's, or a parameter's shape changed
    /// since an earlier step; no parameter is updated by a failing step after the failure.
    fn step(&mut self, params: &mut dyn Parameterized) -> Result<()>;

    /// The learning rate of the latest step (before the first step, the base rate): the book's
    /// `current_learning_rate`.
    fn learning_rate(&self) -> f64;

    /// The number of completed steps.
    fn iterations(&self) -> u64;
}

/// The skeleton of every optimizer: the schedule, the step counter and per-parameter state.
#[derive(Debug)]
pub(crate) struct Core<S> {
    pub(crate) name: &'static str,
    base_lr: f64,
    schedule: Box<dyn LrSchedule>,
    iterations: u64,
    current_lr: f64,
    state: HashMap<ParamId, S>,
}

/// Per-parameter state made of matrices of the parameter's shape.
pub(crate) trait ParamState {
    /// Fresh (zero) state for a parameter of this shape.
    fn zeros(rows: usize, cols: usize) -> Self;
    /// The shape of the state (`None` for stateless optimizers).
    fn shape(&self) -> Option<(usize, usize)>;
}

impl<S: ParamState> Core<S> {
    pub(crate) fn new(name: &'static str, base_lr: f64, decay: f64) -> Self {
        Self {
            name,
            base_lr,
            schedule: Box::new(InverseTimeDecay { decay }),
            iterations: 0,
            current_lr: base_lr,
            state: HashMap::new(),
        }
    }

    pub(crate) fn set_schedule(&mut self, schedule: Box<dyn LrSchedule>) {
        self.schedule = schedule;
    }

    pub(crate) fn learning_rate(&self) -> f64 {
        self.current_lr
    }

    pub(crate) fn iterations(&self) -> u64 {
        self.iterations
    }

    /// One step: sets the learning rate for this step, calls `update(param, state, lr, t)` for
    /// every parameter (`t` = completed steps before this one), then counts the step.
    pub(crate) fn step(
        &mut self,
        params: &mut dyn Parameterized,
        mut update: impl FnMut(&mut Param, &mut S, f64, u64),
    ) -> Result<()> {
        self.current_lr = self.schedule.learning_rate(self.base_lr, self.iterations);
        let (lr, t, name) = (self.current_lr, self.iterations, self.name);
        let mut failure = None;
        params.visit_params_mut(&mut |p| {
            if failure.is_some() {
                return;
            }
            if p.grad.shape() != p.value.shape() {
                failure = Some(Error::GradientShapeMismatch {
                    optimizer: name,
                    param: p.name(),
                    expected: Shape::of(&p.value).to_string(),
                    got: Shape::of(&p.grad).to_string(),
                });
                return;
            }
            let (rows, cols) = p.value.shape();
            let state = self.state.entry(p.id()).or_insert_with(|| S::zeros(rows, cols));
            if let Some((r, c)) = state.shape().filter(|&s| s != (rows, cols)) {
                failure = Some(Error::StateShapeMismatch {
                    optimizer: name,
                    param: p.name(),
                    expected: Shape { rows: r, cols: c }.to_string(),
                    got: Shape { rows, cols }.to_string(),
                });
                return;
            }
            update(p, state, lr, t);
        });
        match failure {
            Some(e) => Err(e),
            None => {
                self.iterations += 1;
                Ok(())
            }
        }
    }
}

/// No state (plain SGD).
impl ParamState for () {
    fn zeros(_: usize, _: usize) -> Self {}
    fn shape(&self) -> Option<(usize, usize)> {
        None
    }
}

/// One matrix of state (momentum, or a cache of squared gradients).
impl ParamState for Matrix {
    fn zeros(rows: usize, cols: usize) -> Self {
        Matrix::zeros(rows, cols)
    }
    fn shape(&self) -> Option<(usize, usize)> {
        Some(Matrix::shape(self))
    }
}

/// Two matrices (Adam's first and second moments).
impl ParamState for (Matrix, Matrix) {
    fn zeros(rows: usize, cols: usize) -> Self {
        (Matrix::zeros(rows, cols), Matrix::zeros(rows, cols))
    }
    fn shape(&self) -> Option<(usize, usize)> {
        Some(self.0.shape())
    }
}
