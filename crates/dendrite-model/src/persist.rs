//! Saving and loading models, checkpoints and weights.

use std::path::Path;

use dendrite_layers::{Dense, Layer, LayerSpec};
use dendrite_optim::{Adam, AdamConfig, OptimizerState};
use dendrite_tensor::{Parameterized, Rng};

use crate::atomic::write_atomic;
use crate::container::{self, FileKind};
use crate::record::{
    CheckpointRecord, ModelRecord, ModelRecordV2, ModelRecordV3, TensorRecord, WeightsRecord,
};
use crate::{Error, FormatError, LayerRegistry, LrPlateau, Model, Node, Result};

/// Every parameter of `layers` in visitor order, named `"<layer index>.<parameter name>"`.
fn param_records(layers: &[Node]) -> Vec<TensorRecord> {
    let mut out = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        layer.visit_params(&mut |p| {
            out.push(TensorRecord::from_matrix(format!("{i}.{}", p.name()), &p.value))
        });
    }
    out
}

/// The generator state a checkpoint records of a layer: its one generator, if it has one.
fn node_rng(node: &Node) -> Result<Option<Rng>> {
    let mut rngs = Vec::new();
    node.visit_rngs(&mut |rng| rngs.push(rng.clone()));
    if rngs.len() > 1 {
        return Err(Error::InvalidSetting(format!(
            "{} has {} generators; a checkpoint records one per layer",
            node.describe(),
            rngs.len()
        )));
    }
    Ok(rngs.pop())
}

fn invalid(message: String) -> Error {
    Error::Format(FormatError::Invalid(message))
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, bytes)
        .map_err(|e| Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))
}

impl Model {
    fn record(&self, checkpoint: bool) -> Result<ModelRecordV3> {
        // A file that could not restore the optimizer would reload with another: refused.
        let spec = self.optimizer.spec().ok_or_else(|| {
            Error::InvalidSetting(format!(
                "the {} optimizer has a custom learning-rate schedule, which a model file cannot store \
                 (the built-in ones of dendrite_optim::Schedule can be); save_weights keeps the weights alone",
                self.optimizer.name()
            ))
        })?;
        let schedule_json = match self.optimizer.schedule() {
            Some(s) => {
                let json = serde_json::to_string(&s).map_err(|e| invalid(format!("schedule: {e}")))?;
                // A schedule that would not load again (nested past the decoder's depth) is
                // refused now, not found out when the file is read.
                serde_json::from_str::<dendrite_optim::Schedule>(&json)
                    .map_err(|e| Error::InvalidSetting(format!("the schedule cannot be stored: {e}")))?;
                Some(json)
            }
            None => None,
        };
        let checkpoint = if checkpoint {
            let state = self.optimizer.state(&self.nodes);
            debug_assert_eq!(state.spec, Some(spec));
            Some(CheckpointRecord {
                epochs: self.epochs as u64,
                rng: self.rng.clone(),
                layer_rngs: self.nodes.iter().map(node_rng).collect::<Result<_>>()?,
                optimizer_iterations: state.iterations,
                optimizer_learning_rate: state.learning_rate,
                optimizer_slots: state
                    .slots
                    .iter()
                    .enumerate()
                    .map(|(k, slots)| {
                        slots.iter().map(|m| TensorRecord::from_matrix(format!("slot.{k}"), m)).collect()
                    })
                    .collect(),
            })
        } else {
            None
        };
        let model = ModelRecord {
            input_width: self.input_width as u64,
            layers: self.nodes.iter().map(Node::spec).collect(),
            loss: self.loss,
            accuracy: self.accuracy,
            preprocessing: self.preprocessing.clone(),
            optimizer: Some(spec),
            params: param_records(&self.nodes),
            checkpoint,
        };
        Ok(ModelRecordV3 {
            v2: ModelRecordV2 { model, class_names: self.class_names.clone() },
            schedule_json,
            plateau: self.plateau.clone(),
        })
    }

    /// The model file's bytes: architecture, weights, loss, metric, preprocessing and the
    /// optimizer's settings (not its state: see [`Model::to_checkpoint_bytes`]).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for an optimizer with a custom schedule, which a file cannot
    /// describe (it would reload with another); [`Error::Format`] if the model cannot be
    /// encoded.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        Ok(container::encode(FileKind::Model, &self.record(false)?)?)
    }

    /// The bytes of a checkpoint: the model file plus the optimizer's state, the generators'
    /// states and the epoch counter, from which training resumes bit-identically.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for an optimizer with a custom schedule, which a file cannot
    /// describe.
    pub fn to_checkpoint_bytes(&self) -> Result<Vec<u8>> {
        Ok(container::encode(FileKind::Model, &self.record(true)?)?)
    }

    /// Saves the model to `path` atomically: an interrupted or failed save leaves any earlier
    /// file at `path` as it was.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written; as [`Model::to_bytes`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes()?)
    }

    /// Saves a checkpoint (see [`Model::to_checkpoint_bytes`]) to `path` atomically.
    ///
    /// # Errors
    /// As [`Model::save`] and [`Model::to_checkpoint_bytes`].
    pub fn save_checkpoint(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_checkpoint_bytes()?)
    }

    /// Loads a model (or a checkpoint, restoring its training state) with built-in layers only.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Format`] when it is not a valid
    /// model file, [`Error::UnregisteredLayer`] for a plug-in layer.
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        Self::load_with(path, &LayerRegistry::new())
    }

    /// Loads a model whose plug-in layers are built by `registry`.
    ///
    /// # Errors
    /// As [`Model::load`].
    pub fn load_with(path: impl AsRef<Path>, registry: &LayerRegistry) -> Result<Model> {
        Self::from_bytes(&read_file(path.as_ref())?, registry)
    }

    /// Decodes a model file from memory. Any byte string gives `Ok` or an error, never a panic,
    /// and nothing larger than the bytes justify is allocated.
    ///
    /// # Errors
    /// As [`Model::load`].
    pub fn from_bytes(bytes: &[u8], registry: &LayerRegistry) -> Result<Model> {
        let (header, payload) = container::payload(FileKind::Model, bytes)?;
        let record: ModelRecordV3 = match header.version {
            1 => ModelRecordV3 {
                v2: ModelRecordV2 { model: container::decode_payload(payload)?, class_names: None },
                schedule_json: None,
                plateau: None,
            },
            2 => {
                ModelRecordV3 { v2: container::decode_payload(payload)?, schedule_json: None, plateau: None }
            }
            _ => container::decode_payload(payload)?,
        };
        let schedule = match &record.schedule_json {
            Some(json) => {
                let schedule = serde_json::from_str::<dendrite_optim::Schedule>(json)
                    .map_err(|e| invalid(format!("schedule: {e}")))?;
                schedule.validate().map_err(|e| invalid(format!("schedule: {e}")))?;
                Some(schedule)
            }
            None => None,
        };
        if let Some(plateau) = &record.plateau {
            LrPlateau::new(plateau.monitor(), *plateau.state().config())
                .map_err(|e| invalid(format!("reduce-on-plateau: {e}")))?;
        }
        let mut model = Self::from_record(record.v2.model, schedule, registry)?;
        model.set_class_names(record.v2.class_names).map_err(|e| invalid(e.to_string()))?;
        model.plateau = record.plateau;
        Ok(model)
    }

    fn from_record(
        record: ModelRecord,
        schedule: Option<dendrite_optim::Schedule>,
        registry: &LayerRegistry,
    ) -> Result<Model> {
        let input_width = usize::try_from(record.input_width)
            .ok()
            .filter(|&w| w > 0)
            .ok_or_else(|| invalid(format!("input width {}", record.input_width)))?;
        if record.layers.is_empty() {
            return Err(invalid("no layers".to_owned()));
        }
        let mut rng = Rng::seed_from_u64(0);
        let mut params = record.params.iter();
        let mut layers: Vec<Node> = Vec::with_capacity(record.layers.len().min(1024));
        let mut width = input_width;
        for (i, spec) in record.layers.iter().enumerate() {
            let layer = match spec {
                LayerSpec::Dense(config) => {
                    // Shapes are checked against the stored tensors before anything is built,
                    // so a spec cannot make the loader allocate more than the file holds.
                    let (w, b) = (params.next(), params.next());
                    let (Some(w), Some(b)) = (w, b) else {
                        return Err(invalid(format!("layer {i} (Dense) has no stored weights")));
                    };
                    let (inputs, neurons) = (config.inputs as u64, config.neurons as u64);
                    if w.name != format!("{i}.weight") || w.shape() != (inputs, neurons) {
                        return Err(invalid(format!(
                            "layer {i}: Dense({inputs} -> {neurons}) but weight tensor '{}' is {}x{}",
                            w.name, w.rows, w.cols
                        )));
                    }
                    if b.name != format!("{i}.bias") || b.shape() != (1, neurons) {
                        return Err(invalid(format!(
                            "layer {i}: Dense({inputs} -> {neurons}) but bias tensor '{}' is {}x{}",
                            b.name, b.rows, b.cols
                        )));
                    }
                    Node::Dense(Dense::from_parts(config, w.to_matrix()?, b.to_matrix()?)?)
                }
                LayerSpec::Plugin { kind, config } => {
                    let mut layer = registry.construct(kind, config)?;
                    fill_params(i, layer.as_mut(), &mut params)?;
                    Node::plugin(layer)
                }
                other => Node::from_spec(other, &mut rng)?
                    .ok_or_else(|| invalid(format!("layer {i}: unknown layer kind")))?,
            };
            width = layer
                .output_width(width)
                .map_err(|e| invalid(format!("layer {i} does not fit its input: {e}")))?;
            layers.push(layer);
        }
        if let Some(extra) = params.next() {
            return Err(invalid(format!("tensor '{}' belongs to no layer", extra.name)));
        }
        record.preprocessing.validate(input_width)?;
        let optimizer = match record.optimizer {
            Some(spec) => spec.build_with_schedule(schedule)?,
            None => Box::new(Adam::new(AdamConfig::default())?),
        };
        let mut model =
            Model::from_parts(input_width, width, layers, record.loss, optimizer, record.accuracy, rng);
        model.preprocessing = record.preprocessing;
        if let Some(checkpoint) = record.checkpoint {
            model.restore(checkpoint, record.optimizer)?;
        }
        Ok(model)
    }

    /// Puts a checkpoint's training state back.
    fn restore(&mut self, c: CheckpointRecord, spec: Option<dendrite_optim::OptimizerSpec>) -> Result<()> {
        if c.layer_rngs.len() != self.nodes.len() {
            return Err(invalid(format!(
                "{} generator states for {} layers",
                c.layer_rngs.len(),
                self.nodes.len()
            )));
        }
        for (i, (node, state)) in self.nodes.iter_mut().zip(c.layer_rngs).enumerate() {
            let mut count = 0;
            node.visit_rngs(&mut |_| count += 1);
            match (count, state) {
                (1, Some(state)) => node.visit_rngs_mut(&mut |rng| *rng = state.clone()),
                (0, None) => {}
                _ => return Err(invalid(format!("layer {i}: generator state does not match the layer"))),
            }
        }
        let slots = c
            .optimizer_slots
            .iter()
            .map(|slots| slots.iter().map(TensorRecord::to_matrix).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()?;
        let state = OptimizerState {
            spec,
            iterations: c.optimizer_iterations,
            learning_rate: c.optimizer_learning_rate,
            slots,
        };
        self.optimizer.set_state(&self.nodes, &state)?;
        self.rng = c.rng;
        self.epochs =
            usize::try_from(c.epochs).map_err(|_| invalid(format!("epoch counter {}", c.epochs)))?;
        Ok(())
    }

    /// Saves only the weights, for [`Model::load_weights`] into a model of the same
    /// architecture; atomically, as [`Model::save`].
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes =
            container::encode(FileKind::Weights, &WeightsRecord { params: param_records(&self.nodes) })?;
        write_file(path.as_ref(), &bytes)
    }

    /// Loads weights saved by [`Model::save_weights`]. Nothing changes unless every tensor's
    /// name and shape match this model's.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] naming the first difference; [`Error::Format`] or
    /// [`Error::Io`] for a bad or unreadable file.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let record: WeightsRecord = container::decode(FileKind::Weights, &read_file(path.as_ref())?)?;
        self.set_weights(&record.params)
    }

    /// Replaces every parameter with the stored tensors after checking all names and shapes.
    pub(crate) fn set_weights(&mut self, records: &[TensorRecord]) -> Result<()> {
        let ours = param_records(&self.nodes);
        if ours.len() != records.len() {
            return Err(Error::WeightsMismatch(format!(
                "{} tensors stored, the model has {}",
                records.len(),
                ours.len()
            )));
        }
        let mut matrices = Vec::with_capacity(records.len());
        for (mine, theirs) in ours.iter().zip(records) {
            if mine.name != theirs.name || mine.shape() != theirs.shape() {
                return Err(Error::WeightsMismatch(format!(
                    "stored '{}' is {}x{}, the model's '{}' is {}x{}",
                    theirs.name, theirs.rows, theirs.cols, mine.name, mine.rows, mine.cols
                )));
            }
            matrices.push(theirs.to_matrix()?);
        }
        let mut k = 0;
        self.nodes.visit_params_mut(&mut |p| {
            p.value.copy_from(&matrices[k]);
            k += 1;
        });
        Ok(())
    }
}

/// Fills a plug-in layer's parameters from the next stored tensors, checking names and shapes.
fn fill_params<'a>(
    index: usize,
    layer: &mut dyn Layer,
    params: &mut impl Iterator<Item = &'a TensorRecord>,
) -> Result<()> {
    let mut failure = None;
    layer.visit_params_mut(&mut |p| {
        if failure.is_some() {
            return;
        }
        let expected = format!("{index}.{}", p.name());
        match params.next() {
            Some(t)
                if t.name == expected && t.shape() == (p.value.nrows() as u64, p.value.ncols() as u64) =>
            {
                match t.to_matrix() {
                    Ok(m) => p.value = m,
                    Err(e) => failure = Some(Error::Format(e)),
                }
            }
            Some(t) => {
                failure = Some(invalid(format!(
                    "layer {index}: expected tensor '{expected}' of {}x{}, found '{}' of {}x{}",
                    p.value.nrows(),
                    p.value.ncols(),
                    t.name,
                    t.rows,
                    t.cols
                )));
            }
            None => failure = Some(invalid(format!("layer {index}: tensor '{expected}' is missing"))),
        }
    });
    failure.map_or(Ok(()), Err)
}
