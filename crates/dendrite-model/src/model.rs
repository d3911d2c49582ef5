//! The model: layers, a loss, an optimizer and a metric, run in the right mode.

use dendrite_losses::Targets;
use dendrite_optim::Optimizer;
use dendrite_tensor::{Matrix, Param, Parameterized, Rng, resize};

use crate::batch::Batch;
use crate::plan::{Head, Plan};
use crate::{Accuracy, Error, LossKind, ModelBuilder, Node, Preprocessing, Result, Workspace};

/// A network with its loss, optimizer, accuracy metric and seeded generator.
///
/// The layers are compiled into a plan when the model is built or loaded (fused steps of the
/// built-in layers, plug-ins between them); the buffers of a pass live in a [`Workspace`].
/// [`Model::predict`] and [`Model::evaluate`] take a shared model and always run in inference
/// mode: there is no way to predict with dropout on.
///
/// A model is `Send + Sync + Clone`: threads share one (in an `Arc`) to predict and evaluate,
/// each with a [`Workspace`] of its own, and get the same bits as one thread. A clone is a
/// model of its own, with the same weights, optimizer state and generator state (so it trains
/// on exactly as the original would), and empty buffers.
#[derive(Debug)]
pub struct Model {
    pub(crate) input_width: usize,
    pub(crate) output_width: usize,
    pub(crate) nodes: Vec<Node>,
    pub(crate) plan: Plan,
    pub(crate) loss: LossKind,
    pub(crate) optimizer: Box<dyn Optimizer>,
    pub(crate) accuracy: Accuracy,
    pub(crate) rng: Rng,
    /// What raw inputs go through before the first layer.
    pub(crate) preprocessing: Preprocessing,
    /// The names of the classes, one per class index, if the model has them.
    pub(crate) class_names: Option<Vec<String>>,
    /// Completed training epochs, over every `fit` (a checkpoint resumes from it).
    pub(crate) epochs: usize,
    /// Reduce-on-plateau, which `fit` feeds after every epoch.
    pub(crate) plateau: Option<crate::LrPlateau>,
    /// The seed the model was built with (0 for a loaded model), for [`Model::spec`].
    pub(crate) seed: u64,
    /// The buffers of training steps.
    pub(crate) workspace: Workspace,
    /// The buffers of the validation during `fit`, so that validating every epoch allocates
    /// nothing.
    pub(crate) validation_workspace: Workspace,
}

impl Clone for Model {
    fn clone(&self) -> Self {
        // The clone's parameters are new ones (fresh ids): the optimizer's state moves over to
        // them, in visitor order.
        let nodes = self.nodes.clone();
        let mut optimizer = self.optimizer.clone();
        optimizer
            .set_state(&nodes, &self.optimizer.state(&self.nodes))
            .expect("a clone's parameters have the original's shapes");
        Self {
            input_width: self.input_width,
            output_width: self.output_width,
            nodes,
            plan: self.plan.clone(),
            loss: self.loss,
            optimizer,
            accuracy: self.accuracy,
            rng: self.rng.clone(),
            preprocessing: self.preprocessing.clone(),
            class_names: self.class_names.clone(),
            epochs: self.epochs,
            plateau: self.plateau.clone(),
            seed: self.seed,
            // Buffers: the clone makes its own at its first pass.
            workspace: Workspace::default(),
            validation_workspace: Workspace::default(),
        }
    }
}

/// The result of [`Model::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Number of samples.
    pub samples: usize,
    /// The mean data loss.
    pub loss: f32,
    /// The accuracy.
    pub accuracy: f32,
}

impl Model {
    /// A builder for a model whose inputs have `input_width` columns.
    #[must_use]
    pub fn builder(input_width: usize) -> ModelBuilder {
        ModelBuilder::new(input_width)
    }

    /// A model of `nodes` (whose widths were checked), its plan compiled.
    pub(crate) fn from_parts(
        input_width: usize,
        output_width: usize,
        nodes: Vec<Node>,
        loss: LossKind,
        optimizer: Box<dyn Optimizer>,
        accuracy: Accuracy,
        rng: Rng,
    ) -> Self {
        let plan = Plan::compile(&nodes, loss, input_width);
        Self {
            input_width,
            output_width,
            nodes,
            plan,
            loss,
            optimizer,
            accuracy,
            rng,
            preprocessing: Preprocessing::Identity,
            class_names: None,
            epochs: 0,
            plateau: None,
            seed: 0,
            workspace: Workspace::default(),
            validation_workspace: Workspace::default(),
        }
    }

    /// Whether the last Softmax and the cross-entropy run fused, with the gradient
    /// `(ŷ − y) / samples`.
    #[must_use]
    pub fn uses_fused_softmax_cross_entropy(&self) -> bool {
        self.plan.head == Head::SoftmaxCrossEntropy
    }

    /// The layers, in order.
    #[must_use]
    pub fn layers(&self) -> &[Node] {
        &self.nodes
    }

    /// The compiled plan, a line per step: the built-in layers each step fuses (`Dense(2 -> 64)
    /// + ReLU + Dropout(0.1)`), the plug-ins between them, and the loss head.
    ///
    /// # Example
    /// ```
    /// use dendrite_model::{LossKind, Model};
    /// # fn main() -> dendrite_model::Result<()> {
    /// let model = Model::builder(2).dense(8).relu().dropout(0.1).dense(3).softmax()
    ///     .loss(LossKind::CategoricalCrossEntropy)
    ///     .build()?;
    /// assert_eq!(model.plan_steps()[..3], ["Dense(2 -> 8) + ReLU + Dropout(0.1)", "Dense(8 -> 3)", "Softmax + cross-entropy (fused)"]);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn plan_steps(&self) -> Vec<String> {
        self.plan.describe(&self.nodes)
    }

    /// The width of the inputs.
    #[must_use]
    pub fn input_width(&self) -> usize {
        self.input_width
    }

    /// The width of the outputs.
    #[must_use]
    pub fn output_width(&self) -> usize {
        self.output_width
    }

    /// The loss.
    #[must_use]
    pub fn loss(&self) -> LossKind {
        self.loss
    }

    /// Reduce-on-plateau, if the model has it.
    #[must_use]
    pub fn plateau(&self) -> Option<&crate::LrPlateau> {
        self.plateau.as_ref()
    }

    /// Sets (or, with `None`, removes) reduce-on-plateau.
    pub fn set_plateau(&mut self, plateau: Option<crate::LrPlateau>) {
        self.plateau = plateau;
    }

    /// The optimizer.
    #[must_use]
    pub fn optimizer(&self) -> &dyn Optimizer {
        self.optimizer.as_ref()
    }

    /// The accuracy metric.
    #[must_use]
    pub fn accuracy(&self) -> Accuracy {
        self.accuracy
    }

    /// The preprocessing applied to raw inputs.
    #[must_use]
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// Sets the preprocessing applied to raw inputs (saved with the model).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] when it does not fit the input width.
    pub fn set_preprocessing(&mut self, preprocessing: Preprocessing) -> Result<()> {
        preprocessing.validate(self.input_width)?;
        self.preprocessing = preprocessing;
        Ok(())
    }

    /// The number of classes a classifier's output tells apart: its width, or 2 for a single
    /// output column (a probability of class 1); `None` for a regression model (a loss of
    /// mean squared or absolute error).
    #[must_use]
    pub fn class_count(&self) -> Option<usize> {
        match self.loss {
            LossKind::MeanSquaredError | LossKind::MeanAbsoluteError => None,
            _ if self.output_width == 1 => Some(2),
            _ => Some(self.output_width),
        }
    }

    /// The names of the classes (saved with the model), one per class index, if it has them.
    #[must_use]
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// Sets (or with `None` removes) the names of the classes.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a regression model, for a number of names other than
    /// [`Model::class_count`], or for an empty or repeated name.
    pub fn set_class_names(&mut self, names: Option<Vec<String>>) -> Result<()> {
        if let Some(names) = &names {
            let Some(count) = self.class_count() else {
                return Err(Error::InvalidSetting(format!(
                    "a model with {} loss predicts values, not classes: it takes no class names",
                    self.loss.as_loss().name()
                )));
            };
            if names.len() != count {
                return Err(Error::InvalidSetting(format!(
                    "the model tells {count} classes apart but {} class names were given",
                    names.len()
                )));
            }
            if let Some(i) = names.iter().position(String::is_empty) {
                return Err(Error::InvalidSetting(format!("class name {i} is empty")));
            }
            for (i, name) in names.iter().enumerate() {
                if let Some(j) = names[..i].iter().position(|n| n == name) {
                    return Err(Error::InvalidSetting(format!(
                        "classes {j} and {i} are both named '{name}'"
                    )));
                }
            }
        }
        self.class_names = names;
        Ok(())
    }

    /// Completed training epochs, over every call of `fit`.
    #[must_use]
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// The model's generator (its state is part of a checkpoint).
    #[must_use]
    pub fn rng(&self) -> &Rng {
        &self.rng
    }

    /// Checks that `x` has the model's width, some rows, and only finite values.
    pub(crate) fn check_inputs(&self, x: &Matrix) -> Result<()> {
        if x.ncols() != self.input_width {
            return Err(Error::InvalidData(format!(
                "inputs have {} columns, the model takes {}",
                x.ncols(),
                self.input_width
            )));
        }
        if x.nrows() == 0 {
            return Err(Error::InvalidData("no samples".to_owned()));
        }
        // A vectorized pass first; the position only when something is wrong.
        if !x.as_slice().iter().fold(true, |ok, v| ok & v.is_finite()) {
            let k = x.as_slice().iter().position(|v| !v.is_finite()).unwrap_or(0);
            let (row, col) = (k % x.nrows(), k / x.nrows());
            return Err(Error::InvalidData(format!("input at row {row}, column {col} is {}", x[k])));
        }
        Ok(())
    }

    /// The network's output for `x`, in inference mode (dropout off, nothing drawn).
    ///
    /// # Errors
    /// [`Error::InvalidData`] for inputs of the wrong width, without rows, or not finite.
    pub fn predict(&self, x: &Matrix) -> Result<Matrix> {
        let mut out = Matrix::zeros(0, 0);
        self.predict_into(x, &mut Workspace::new(), &mut out)?;
        Ok(out)
    }

    /// [`Model::predict`] into `out` (resized), with the buffers of `workspace`: after a first
    /// call with a batch of the same size it allocates nothing. Threads that share a model
    /// predict with a workspace each.
    ///
    /// # Errors
    /// As [`Model::predict`].
    pub fn predict_into(&self, x: &Matrix, workspace: &mut Workspace, out: &mut Matrix) -> Result<()> {
        self.check_inputs(x)?;
        let rows = x.nrows();
        match self.plan.infer_tile.filter(|&tile| rows > 2 * tile) {
            // A large batch of a row-wise network in tiles of rows, each through every layer
            // while its activations are in cache.
            Some(tile) => {
                resize(out, rows, self.output_width);
                let mut batch = std::mem::take(&mut workspace.tile);
                let done = self.infer_tiles(x, tile, &mut batch, workspace, out);
                workspace.tile = batch;
                done
            }
            None => {
                self.infer_prepared(x, workspace)?;
                resize(out, workspace.output.nrows(), workspace.output.ncols());
                out.copy_from(&workspace.output);
                Ok(())
            }
        }
    }

    /// The rows of `x` through the plan in tiles of `tile` rows, into `out`.
    fn infer_tiles(
        &self,
        x: &Matrix,
        tile: usize,
        batch: &mut Batch,
        ws: &mut Workspace,
        out: &mut Matrix,
    ) -> Result<()> {
        for start in (0..x.nrows()).step_by(tile) {
            let len = tile.min(x.nrows() - start);
            crate::batch::copy_rows(x, start, len, &mut batch.x);
            self.infer_prepared(&batch.x, ws)?;
            out.rows_mut(start, len).copy_from(&ws.output);
        }
        Ok(())
    }

    /// [`Model::predict`] in batches of `batch_size` rows.
    ///
    /// # Errors
    /// As [`Model::predict`]; [`Error::InvalidSetting`] for a zero batch size.
    pub fn predict_batched(&self, x: &Matrix, batch_size: usize) -> Result<Matrix> {
        if batch_size == 0 {
            return Err(Error::InvalidSetting("batch size must be at least 1".to_owned()));
        }
        self.check_inputs(x)?;
        let n = x.nrows();
        let mut out = Matrix::zeros(n, self.output_width);
        let mut ws = Workspace::new();
        let mut batch = Batch::default();
        for start in (0..n).step_by(batch_size) {
            let len = batch_size.min(n - start);
            crate::batch::copy_rows(x, start, len, &mut batch.x);
            self.infer_prepared(&batch.x, &mut ws)?;
            out.rows_mut(start, len).copy_from(&ws.output);
        }
        Ok(out)
    }

    /// The class of each row of `x`: the index of its largest output (the first of equal
    /// ones), or for a single output column (a probability of class 1) 1 where it exceeds 0.5.
    /// [`Model::class_names`] names them.
    ///
    /// # Errors
    /// As [`Model::predict`]; [`Error::InvalidSetting`] for a regression model.
    pub fn predict_classes(&self, x: &Matrix) -> Result<Vec<usize>> {
        let mut classes = Vec::new();
        self.predict_classes_into(x, &mut Workspace::new(), &mut Matrix::zeros(0, 0), &mut classes)?;
        Ok(classes)
    }

    /// [`Model::predict_classes`] with the buffers of `workspace`, the outputs left in
    /// `outputs` and the classes in `classes` (both resized): after a first call with a batch
    /// of the same size it allocates nothing.
    ///
    /// # Errors
    /// As [`Model::predict_classes`].
    pub fn predict_classes_into(
        &self,
        x: &Matrix,
        workspace: &mut Workspace,
        outputs: &mut Matrix,
        classes: &mut Vec<usize>,
    ) -> Result<()> {
        if self.class_count().is_none() {
            return Err(Error::InvalidSetting(format!(
                "a model with {} loss predicts values, not classes",
                self.loss.as_loss().name()
            )));
        }
        self.predict_into(x, workspace, outputs)?;
        classes_of(outputs, classes);
        Ok(())
    }

    /// The output for checked raw inputs in `ws.output`: the preprocessing, then the plan.
    fn infer_prepared(&self, x: &Matrix, ws: &mut Workspace) -> Result<()> {
        if matches!(self.preprocessing, Preprocessing::Identity) {
            return self.plan.infer(&self.nodes, x, ws);
        }
        let mut prepared = std::mem::take(&mut ws.prepared);
        self.preprocessing.apply_into(x, &mut prepared)?;
        let done = self.plan.infer(&self.nodes, &prepared, ws);
        ws.prepared = prepared;
        done
    }

    /// The mean data loss and the accuracy on `(x, y)`, in inference mode.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for bad inputs, or targets of another length, width or kind than
    /// the model and its loss take.
    pub fn evaluate(&self, x: &Matrix, y: Targets<'_>) -> Result<Evaluation> {
        self.evaluate_batched(x, y, None)
    }

    /// The confusion matrix of the classes [`Model::predict_classes`] gives for `x` against
    /// `y_true`, from which precision, recall and F1 per class and averaged follow.
    ///
    /// # Errors
    /// As [`Model::predict_classes`]; [`Error::InvalidData`] for another number of classes
    /// than rows, or a class out of range.
    ///
    /// # Example
    /// ```
    /// use dendrite_model::{LossKind, Matrix, Model};
    /// # fn main() -> dendrite_model::Result<()> {
    /// let model = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
    /// let x = Matrix::from_row_slice(2, 2, &[0.5, 1.0, -1.0, 0.25]);
    /// let m = model.evaluate_metrics(&x, &[0, 2])?;
    /// assert_eq!(m.total(), 2);
    /// println!("macro F1 {:.3}", m.macro_avg().f1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn evaluate_metrics(&self, x: &Matrix, y_true: &[usize]) -> Result<crate::ConfusionMatrix> {
        let classes = self.predict_classes(x)?;
        let count = self.class_count().unwrap_or(self.output_width);
        crate::ConfusionMatrix::new(count, y_true, &classes)
    }

    /// [`Model::evaluate`] with the buffers of `workspace`: after a first call with data of the
    /// same size it allocates nothing. Threads that share a model evaluate with a workspace
    /// each.
    ///
    /// # Errors
    /// As [`Model::evaluate`].
    pub fn evaluate_into(&self, x: &Matrix, y: Targets<'_>, workspace: &mut Workspace) -> Result<Evaluation> {
        self.check_data(x, y)?;
        self.evaluate_checked(x, y, None, workspace)
    }

    /// [`Model::evaluate`] in batches of `batch_size` rows (all rows at once for `None`),
    /// accumulating loss and accuracy over the batches like the book.
    ///
    /// # Errors
    /// As [`Model::evaluate`]; [`Error::InvalidSetting`] for a zero batch size.
    pub fn evaluate_batched(
        &self,
        x: &Matrix,
        y: Targets<'_>,
        batch_size: Option<usize>,
    ) -> Result<Evaluation> {
        self.check_data(x, y)?;
        self.evaluate_checked(x, y, batch_size, &mut Workspace::new())
    }

    /// Evaluation of checked raw inputs with the buffers of `ws`.
    pub(crate) fn evaluate_checked(
        &self,
        x: &Matrix,
        y: Targets<'_>,
        batch_size: Option<usize>,
        ws: &mut Workspace,
    ) -> Result<Evaluation> {
        self.evaluate_counting(x, y, batch_size, ws, None)
    }

    /// The evaluation, counting the confusion matrix of `confusion` classes when given.
    fn evaluate_counting(
        &self,
        x: &Matrix,
        y: Targets<'_>,
        batch_size: Option<usize>,
        ws: &mut Workspace,
        confusion: Option<usize>,
    ) -> Result<Evaluation> {
        let n = x.nrows();
        let batch_size = match batch_size {
            Some(0) => return Err(Error::InvalidSetting("batch size must be at least 1".to_owned())),
            Some(b) => b.min(n),
            None => n,
        };
        let mut batch = std::mem::take(&mut ws.tile);
        let sums = self.evaluation_sums(&mut batch, x, y, batch_size, ws, confusion);
        ws.tile = batch;
        let (loss_sum, hits, count) = sums?;
        Ok(Evaluation {
            samples: n,
            loss: (loss_sum / n as f64) as f32,
            accuracy: hits as f32 / count.max(1) as f32,
        })
    }

    /// [`Model::evaluate_checked`] that also counts a classifier's confusion matrix into
    /// `ws.confusion` and gives its macro-averaged scores (`None` for a regression model, or
    /// targets that are not classes).
    pub(crate) fn evaluate_scored(
        &self,
        x: &Matrix,
        y: Targets<'_>,
        batch_size: Option<usize>,
        ws: &mut Workspace,
    ) -> Result<(Evaluation, Option<crate::Scores>)> {
        let classes = self.class_count();
        let evaluation = self.evaluate_counting(x, y, batch_size, ws, classes)?;
        let counted = classes.is_some() && ws.confusion.total() == x.nrows() as u64;
        Ok((evaluation, counted.then(|| ws.confusion.macro_avg())))
    }

    /// Loss (summed over samples), hits and comparisons, batch by batch.
    fn evaluation_sums(
        &self,
        batch: &mut Batch,
        x: &Matrix,
        y: Targets<'_>,
        batch_size: usize,
        ws: &mut Workspace,
        confusion: Option<usize>,
    ) -> Result<(f64, usize, usize)> {
        let n = x.nrows();
        let (mut loss_sum, mut hits, mut count) = (0.0f64, 0usize, 0usize);
        if let Some(classes) = confusion {
            ws.confusion.reset(classes);
        }
        for start in (0..n).step_by(batch_size) {
            let len = batch_size.min(n - start);
            let (bx, by) = if len == n {
                (x, y)
            } else {
                batch.gather_range(x, y, start, len);
                (&batch.x, batch.targets(y))
            };
            self.infer_prepared(bx, ws)?;
            let output = &ws.output;
            loss_sum += f64::from(self.loss.as_loss().forward(output, by)?) * len as f64;
            let (h, c) = self.accuracy.count(output, by);
            hits += h;
            count += c;
            if confusion.is_some() {
                ws.confusion.add(output, by);
            }
        }
        Ok((loss_sum, hits, count))
    }

    /// Checks inputs and targets together: inputs as [`Model::predict`] needs them, as many
    /// targets as rows, of a kind the loss takes, labels below the output width.
    pub(crate) fn check_data(&self, x: &Matrix, y: Targets<'_>) -> Result<()> {
        self.check_inputs(x)?;
        if y.len() != x.nrows() {
            return Err(Error::InvalidData(format!("{} samples but {} targets", x.nrows(), y.len())));
        }
        match y {
            Targets::Classes(c) => {
                if self.loss != LossKind::CategoricalCrossEntropy {
                    return Err(Error::InvalidData(format!(
                        "{} needs value targets (a matrix), got class indices",
                        self.loss.as_loss().name()
                    )));
                }
                if let Some((row, &label)) = c.iter().enumerate().find(|&(_, &l)| l >= self.output_width) {
                    return Err(Error::InvalidData(format!(
                        "label {label} of sample {row} is out of range for {} classes",
                        self.output_width
                    )));
                }
            }
            Targets::Values(v) => {
                if v.ncols() != self.output_width {
                    return Err(Error::InvalidData(format!(
                        "targets have {} columns, the model outputs {}",
                        v.ncols(),
                        self.output_width
                    )));
                }
                if let Some(k) = v.as_slice().iter().position(|t| !t.is_finite()) {
                    let (row, col) = (k % v.nrows(), k / v.nrows());
                    return Err(Error::InvalidData(format!("target at row {row}, column {col} is {}", v[k])));
                }
            }
        }
        Ok(())
    }
}

impl Parameterized for Model {
    fn visit_params(&self, f: &mut dyn FnMut(&Param)) {
        self.nodes.visit_params(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut Param)) {
        self.nodes.visit_params_mut(f);
    }
}

#[cfg(test)]
impl Model {
    /// The plan's perceptron, if the model trains on `y` in a sweep.
    pub(crate) fn perceptron(&self, y: Targets<'_>) -> Option<crate::plan::sweep::Perceptron> {
        let classes = matches!(y, Targets::Classes(_));
        self.plan.perceptron.filter(|_| classes && self.accuracy == Accuracy::Categorical)
    }

    /// The gradients of a batch through the sweep (penalties included), or `None` for a loss
    /// that is not finite.
    pub(crate) fn gradients_perceptron(
        &mut self,
        x: &Matrix,
        labels: &[usize],
        net: crate::plan::sweep::Perceptron,
    ) -> Option<(f64, usize, usize)> {
        let sums = net.gradients(&mut self.nodes, x, labels, &mut self.workspace.sweep)?;
        crate::plan::add_penalty_gradients(&mut self.nodes);
        Some(sums)
    }

    /// The gradients of a batch through the plan's steps (never the sweep), penalties included:
    /// the mean data loss, the hits and the count.
    pub(crate) fn gradients(
        &mut self,
        x: &Matrix,
        y: Targets<'_>,
        epoch: usize,
        step: usize,
    ) -> Result<(f32, usize, usize)> {
        let plan = Plan { perceptron: None, ..self.plan.clone() };
        let at = crate::plan::At { epoch, step };
        let scoring = crate::plan::Scoring { loss: self.loss, accuracy: self.accuracy, at, weights: None };
        let (loss, hits, count) = plan.gradients(&mut self.nodes, scoring, x, y, &mut self.workspace)?;
        Ok((loss as f32, hits, count))
    }
}

/// The class of each row of `outputs`: argmax, or `p > 0.5` for a single column.
fn classes_of(outputs: &Matrix, classes: &mut Vec<usize>) {
    classes.clear();
    if outputs.ncols() == 1 {
        classes.extend(outputs.iter().map(|&p| usize::from(p > 0.5)));
    } else {
        dendrite_tensor::argmax_rows_into(outputs, classes);
    }
}
