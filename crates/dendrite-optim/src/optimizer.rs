//! The `Optimizer` trait and the step loop the optimizers share.

use std::collections::HashMap;

use dendrite_tensor::{Matrix, Param, ParamId, Parameterized, Shape};

use crate::{Error, InverseTimeDecay, LrSchedule, OptimizerSpec, Result, Schedule};

/// Parameters with at least this many entries are updated in two halves, on two threads with
/// dendrite-tensor's `threading` feature (a hand-over costs about a microsecond; an Adam pass
/// over 16,384 entries about four).
const SPLIT_ENTRIES: usize = 1 << 14;

/// Runs `update` over the entries of a parameter's `value`, `grad` and per-entry `state`
/// (matrices of the value's shape): for a large parameter in two halves of its columns, the
/// second on the helper thread with dendrite-tensor's `threading` feature, one after the other
/// without it. The halves are those of a threaded matrix product (the first n/2 columns and the
/// rest), so each core updates the weights that it reads and whose gradient it wrote, still in
/// its cache. The update is element-wise, so the split changes no bit.
pub(crate) fn in_halves<const S: usize>(
    value: &mut Matrix,
    grad: &Matrix,
    state: [&mut Matrix; S],
    update: impl Fn(&mut [f32], &[f32], [&mut [f32]; S]) + Sync,
) {
    let split = if value.len() >= SPLIT_ENTRIES { value.ncols() / 2 * value.nrows() } else { 0 };
    let (rows, cols) = value.shape();
    let grad = &grad.as_slice()[..rows * cols];
    if split == 0 {
        update(value.as_mut_slice(), grad, state.map(|m| &mut m.as_mut_slice()[..rows * cols]));
        return;
    }
    let (w0, w1) = value.as_mut_slice().split_at_mut(split);
    let (g0, g1) = grad.split_at(split);
    let mut halves = state.map(|m| {
        let (a, b) = m.as_mut_slice()[..rows * cols].split_at_mut(split);
        (Some(a), Some(b))
    });
    let s0: [&mut [f32]; S] = std::array::from_fn(|i| halves[i].0.take().unwrap_or_default());
    let s1: [&mut [f32]; S] = std::array::from_fn(|i| halves[i].1.take().unwrap_or_default());
    let update = &update;
    dendrite_tensor::join(|| update(w1, g1, s1), || update(w0, g0, s0));
}

/// A snapshot of an optimizer: its settings, step counter, current learning rate and
/// per-parameter state, aligned with the order in which a visitor reaches the parameters
/// (so that it survives a model file, where parameter ids do not).
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState {
    /// The settings, when they are the built-in ones (`None` with a custom schedule).
    pub spec: Option<OptimizerSpec>,
    /// Completed steps.
    pub iterations: u64,
    /// The learning rate of the latest step.
    pub learning_rate: f64,
    /// Per parameter, in visitor order: its state matrices (none before its first step).
    pub slots: Vec<Vec<Matrix>>,
}

/// An optimizer: updates parameters from their gradients, one step at a time.
///
/// It sees only [`Param`]s (through a [`Parameterized`] visitor), never layer types, and keeps
/// its per-parameter state keyed by [`ParamId`].
pub trait Optimizer: dyn_clone::DynClone + Send + Sync + std::fmt::Debug {
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

    /// The settings as a serializable spec (with the current base rate), or `None` when a
    /// schedule that model files cannot store replaced the built-in decay.
    fn spec(&self) -> Option<OptimizerSpec>;

    /// The schedule that replaced the built-in inverse-time decay, when there is one and model
    /// files can store it; `None` otherwise ([`Optimizer::spec`] is `None` for a schedule that
    /// cannot be stored).
    fn schedule(&self) -> Option<Schedule> {
        None
    }

    /// The base learning rate that the schedule scales.
    fn base_learning_rate(&self) -> f64;

    /// Replaces the base learning rate (reduce-on-plateau lowers it); the schedule, the step
    /// counter and the state go on.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a rate that is not positive and finite.
    fn set_base_learning_rate(&mut self, learning_rate: f64) -> Result<()>;

    /// A snapshot of the state for the parameters `params` holds, in visitor order.
    fn state(&self, params: &dyn Parameterized) -> OptimizerState;

    /// Restores a snapshot taken by [`Optimizer::state`] for the same parameters.
    ///
    /// # Errors
    /// [`Error::InvalidState`] when the snapshot's parameter count, slot count or shapes do
    /// not match `params`.
    fn set_state(&mut self, params: &dyn Parameterized, state: &OptimizerState) -> Result<()>;
}

dyn_clone::clone_trait_object!(Optimizer);

/// The skeleton of every optimizer: the schedule, the step counter and per-parameter state.
#[derive(Debug, Clone)]
pub(crate) struct Core<S> {
    pub(crate) name: &'static str,
    base_lr: f64,
    schedule: Box<dyn LrSchedule>,
    iterations: u64,
    current_lr: f64,
    state: HashMap<ParamId, S>,
    /// Whether `schedule` replaced the built-in inverse-time decay.
    replaced: bool,
}

/// Per-parameter state made of matrices of the parameter's shape.
pub(crate) trait ParamState {
    /// Fresh (zero) state for a parameter of this shape.
    fn zeros(rows: usize, cols: usize) -> Self;
    /// The shape of the state (`None` for stateless optimizers).
    fn shape(&self) -> Option<(usize, usize)>;
    /// The state as matrices, for a snapshot.
    fn to_slots(&self) -> Vec<Matrix>;
    /// The state from a snapshot's matrices, if there are the right number of them.
    fn from_slots(slots: &[Matrix]) -> Option<Self>
    where
        Self: Sized;
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
            replaced: false,
        }
    }

    pub(crate) fn set_schedule(&mut self, schedule: Box<dyn LrSchedule>) {
        self.schedule = schedule;
        self.replaced = true;
    }

    /// `spec` unless a schedule that files cannot store replaced the built-in decay.
    pub(crate) fn spec_if_storable(&self, spec: OptimizerSpec) -> Option<OptimizerSpec> {
        (!self.replaced || self.schedule.to_schedule().is_some()).then_some(spec)
    }

    /// The replacing schedule, if files can store it.
    pub(crate) fn schedule(&self) -> Option<Schedule> {
        if self.replaced { self.schedule.to_schedule() } else { None }
    }

    /// The momentum the schedule gives the next step, if it cycles one.
    pub(crate) fn scheduled_momentum(&self) -> Option<f64> {
        self.schedule.momentum(self.iterations)
    }

    pub(crate) fn base_learning_rate(&self) -> f64 {
        self.base_lr
    }

    pub(crate) fn set_base_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        crate::schedule::validate(self.name, learning_rate, 0.0)?;
        if self.iterations == 0 {
            self.current_lr = learning_rate;
        }
        self.base_lr = learning_rate;
        Ok(())
    }

    pub(crate) fn state(&self, spec: Option<OptimizerSpec>, params: &dyn Parameterized) -> OptimizerState {
        let mut slots = Vec::new();
        params.visit_params(&mut |p| slots.push(self.state.get(&p.id()).map_or_else(Vec::new, S::to_slots)));
        OptimizerState { spec, iterations: self.iterations, learning_rate: self.current_lr, slots }
    }

    pub(crate) fn set_state(&mut self, params: &dyn Parameterized, state: &OptimizerState) -> Result<()> {
        let name = self.name;
        let invalid = |reason: String| Error::InvalidState { optimizer: name, reason };
        let mut count = 0;
        params.visit_params(&mut |_| count += 1);
        if count != state.slots.len() {
            return Err(invalid(format!("{} parameters, but state for {}", count, state.slots.len())));
        }
        let mut restored = HashMap::new();
        let mut failure = None;
        let mut k = 0;
        params.visit_params(&mut |p| {
            let slots = &state.slots[k];
            k += 1;
            if failure.is_some() || slots.is_empty() {
                return;
            }
            match S::from_slots(slots) {
                Some(s) if s.shape().is_none_or(|shape| shape == p.value.shape()) => {
                    restored.insert(p.id(), s);
                }
                _ => {
                    failure = Some(invalid(format!(
                        "state of parameter {} ('{}') does not fit it",
                        k - 1,
                        p.name()
                    )))
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        self.state = restored;
        self.iterations = state.iterations;
        self.current_lr = state.learning_rate;
        Ok(())
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
    fn to_slots(&self) -> Vec<Matrix> {
        Vec::new()
    }
    fn from_slots(slots: &[Matrix]) -> Option<Self> {
        slots.is_empty().then_some(())
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
    fn to_slots(&self) -> Vec<Matrix> {
        vec![self.clone()]
    }
    fn from_slots(slots: &[Matrix]) -> Option<Self> {
        match slots {
            [m] => Some(m.clone()),
            _ => None,
        }
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
    fn to_slots(&self) -> Vec<Matrix> {
        vec![self.0.clone(), self.1.clone()]
    }
    fn from_slots(slots: &[Matrix]) -> Option<Self> {
        match slots {
            [m, v] if m.shape() == v.shape() => Some((m.clone(), v.clone())),
            _ => None,
        }
    }
}

/// Two matrices and an optional third (Adam's moments and AMSGrad's maximum): a `0 × 0` third
/// is absent, and the step sizes it when the settings need it.
impl ParamState for (Matrix, Matrix, Matrix) {
    fn zeros(rows: usize, cols: usize) -> Self {
        (Matrix::zeros(rows, cols), Matrix::zeros(rows, cols), Matrix::zeros(0, 0))
    }
    fn shape(&self) -> Option<(usize, usize)> {
        Some(self.0.shape())
    }
    fn to_slots(&self) -> Vec<Matrix> {
        let mut slots = vec![self.0.clone(), self.1.clone()];
        if !self.2.is_empty() {
            slots.push(self.2.clone());
        }
        slots
    }
    fn from_slots(slots: &[Matrix]) -> Option<Self> {
        match slots {
            [a, b] if a.shape() == b.shape() => Some((a.clone(), b.clone(), Matrix::zeros(0, 0))),
            [a, b, c] if a.shape() == b.shape() && a.shape() == c.shape() => {
                Some((a.clone(), b.clone(), c.clone()))
            }
            _ => None,
        }
    }
}

/// Sizes an optional state matrix (zeros) when it is still absent.
pub(crate) fn ensure(m: &mut Matrix, shape: (usize, usize)) {
    if m.shape() != shape {
        *m = Matrix::zeros(shape.0, shape.1);
    }
}

/// The `Optimizer` methods every single-core optimizer forwards to its `core` field; the
/// argument is its `OptimizerSpec` variant.
macro_rules! forward_to_core {
    ($variant:ident) => {
        fn learning_rate(&self) -> f64 {
            self.core.learning_rate()
        }

        fn iterations(&self) -> u64 {
            self.core.iterations()
        }

        fn spec(&self) -> Option<crate::OptimizerSpec> {
            self.core.spec_if_storable(crate::OptimizerSpec::$variant(self.config))
        }

        fn schedule(&self) -> Option<crate::Schedule> {
            self.core.schedule()
        }

        fn base_learning_rate(&self) -> f64 {
            self.core.base_learning_rate()
        }

        fn set_base_learning_rate(&mut self, learning_rate: f64) -> crate::Result<()> {
            self.core.set_base_learning_rate(learning_rate)?;
            self.config.learning_rate = learning_rate;
            Ok(())
        }

        fn state(&self, params: &dyn dendrite_tensor::Parameterized) -> crate::OptimizerState {
            self.core.state(self.spec(), params)
        }

        fn set_state(
            &mut self,
            params: &dyn dendrite_tensor::Parameterized,
            state: &crate::OptimizerState,
        ) -> crate::Result<()> {
            self.core.set_state(params, state)
        }
    };
}
pub(crate) use forward_to_core;

#[cfg(test)]
mod tests {
    use dendrite_tensor::{Param, Rng};

    use crate::{Adagrad, AdagradConfig, Adam, AdamConfig, RmsProp, RmsPropConfig, Sgd, SgdConfig};

    use super::*;

    #[test]
    fn a_large_parameter_updated_in_halves_gets_the_bits_of_one_pass() -> Result<()> {
        // 160 × 130 entries are split at column 65; the same entries as one column are not.
        let mut rng = Rng::seed_from_u64(7);
        let value = Matrix::from_fn(160, 130, |_, _| rng.uniform_f32() - 0.5);
        let grads: Vec<Matrix> =
            (0..3).map(|_| Matrix::from_fn(160, 130, |_, _| rng.uniform_f32() - 0.5)).collect();
        assert!(value.len() >= SPLIT_ENTRIES);
        type Make = fn() -> Result<Box<dyn Optimizer>>;
        let optimizers: [Make; 5] = [
            || Ok(Box::new(Adam::new(AdamConfig::default())?)),
            || Ok(Box::new(Adagrad::new(AdagradConfig::default())?)),
            || Ok(Box::new(RmsProp::new(RmsPropConfig::default())?)),
            || Ok(Box::new(Sgd::new(SgdConfig::default())?)),
            || Ok(Box::new(Sgd::new(SgdConfig { momentum: 0.9, ..SgdConfig::default() })?)),
        ];
        for make in optimizers {
            let (mut split, mut whole) = (make()?, make()?);
            let mut p = Param::new("weight", value.clone());
            let mut q = Param::new("weight", Matrix::from_column_slice(value.len(), 1, value.as_slice()));
            for g in &grads {
                p.grad.copy_from(g);
                q.grad.copy_from_slice(g.as_slice());
                split.step(&mut p)?;
                whole.step(&mut q)?;
            }
            let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p.value), bits(&q.value), "{}", split.name());
        }
        Ok(())
    }
}
