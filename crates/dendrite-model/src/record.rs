//! What the payload of a model file holds (the serde structures bincode encodes).
//!
//! Field order and variant order are part of the file format: a change is a new format
//! version, and every released version keeps a fixture under `tests/` that must keep loading.

use dendrite_layers::LayerSpec;
use dendrite_optim::OptimizerSpec;
use dendrite_tensor::bounded::{bounded_option_vec, bounded_vec, bounded_vec_of_vecs};
use dendrite_tensor::{Matrix, Rng};
use serde::{Deserialize, Serialize};

use crate::{Accuracy, FormatError, LossKind, LrPlateau, Preprocessing};

/// A named matrix: rows, columns and the values in column-major order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TensorRecord {
    pub(crate) name: String,
    pub(crate) rows: u64,
    pub(crate) cols: u64,
    #[serde(deserialize_with = "bounded_vec")]
    pub(crate) data: Vec<f32>,
}

impl TensorRecord {
    pub(crate) fn from_matrix(name: String, m: &Matrix) -> Self {
        Self { name, rows: m.nrows() as u64, cols: m.ncols() as u64, data: m.as_slice().to_vec() }
    }

    /// The matrix, if the shape agrees with the number of values.
    pub(crate) fn to_matrix(&self) -> Result<Matrix, FormatError> {
        let fits = self.rows.checked_mul(self.cols).is_some_and(|n| n == self.data.len() as u64);
        if !fits {
            return Err(FormatError::Invalid(format!(
                "tensor '{}' claims {}x{} but holds {} values",
                self.name,
                self.rows,
                self.cols,
                self.data.len()
            )));
        }
        Ok(Matrix::from_column_slice(self.rows as usize, self.cols as usize, &self.data))
    }

    pub(crate) fn shape(&self) -> (u64, u64) {
        (self.rows, self.cols)
    }
}

/// A whole model (file kind 1), as format version 3 writes it: version 2's fields, then the
/// optimizer's schedule (when one replaced the inverse-time decay of its settings) and the
/// model's reduce-on-plateau.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ModelRecordV3 {
    pub(crate) v2: ModelRecordV2,
    /// The schedule as JSON text (the layout of `Schedule`'s serde derive): a sequence nests
    /// schedules, and JSON's decoder bounds the depth of a hostile file's nesting.
    pub(crate) schedule_json: Option<String>,
    pub(crate) plateau: Option<LrPlateau>,
}

/// A whole model (file kind 1), as format version 2 writes it: version 1's fields, then the
/// class names. (bincode lays out a nested struct's fields in place, so the payload is version
/// 1's followed by the new field.)
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ModelRecordV2 {
    pub(crate) model: ModelRecord,
    #[serde(deserialize_with = "bounded_option_vec")]
    pub(crate) class_names: Option<Vec<String>>,
}

/// Version 1's payload for a whole model (file kind 1), and the first part of later versions'.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ModelRecord {
    pub(crate) input_width: u64,
    #[serde(deserialize_with = "bounded_vec")]
    pub(crate) layers: Vec<LayerSpec>,
    pub(crate) loss: LossKind,
    pub(crate) accuracy: Accuracy,
    pub(crate) preprocessing: Preprocessing,
    pub(crate) optimizer: Option<OptimizerSpec>,
    /// Every parameter in visitor order, named `"<layer index>.<parameter name>"`.
    #[serde(deserialize_with = "bounded_vec")]
    pub(crate) params: Vec<TensorRecord>,
    pub(crate) checkpoint: Option<CheckpointRecord>,
}

/// What resuming training needs beyond the weights.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CheckpointRecord {
    pub(crate) epochs: u64,
    pub(crate) rng: Rng,
    /// Per layer, its own generator's state (dropout), if it has one.
    #[serde(deserialize_with = "bounded_vec")]
    pub(crate) layer_rngs: Vec<Option<Rng>>,
    pub(crate) optimizer_iterations: u64,
    pub(crate) optimizer_learning_rate: f64,
    /// Per parameter in visitor order, the optimizer's state matrices.
    #[serde(deserialize_with = "bounded_vec_of_vecs")]
    pub(crate) optimizer_slots: Vec<Vec<TensorRecord>>,
}

/// Weights only (file kind 2).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WeightsRecord {
    #[serde(deserialize_with = "bounded_vec")]
    pub(crate) params: Vec<TensorRecord>,
}
