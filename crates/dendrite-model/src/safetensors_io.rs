//! safetensors export and import in PyTorch's naming and layout.

use std::path::Path;

use dendrite_tensor::{Matrix, Parameterized};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::atomic::write_atomic;
use crate::{Error, Model, Node, Result};

fn to_le_bytes(values: impl Iterator<Item = f32>) -> Vec<u8> {
    values.flat_map(f32::to_le_bytes).collect()
}

/// The tensors of a model in PyTorch's `nn.Sequential` naming: for the layer at position `i`,
/// a Dense layer gives `"i.weight"` (out × in, the transpose of Dendrite's in × out) and
/// `"i.bias"` (out); a plug-in's parameters keep their own names (`"i.<name>"`) and shapes.
fn named_tensors(layers: &[Node]) -> Vec<(String, Vec<usize>, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let dense = matches!(layer, Node::Dense(_));
        layer.visit_params(&mut |p| {
            let m = &p.value;
            let (name, shape, bytes) = match (dense, p.name()) {
                // Dendrite stores W column-major as in × out: its memory is already the
                // row-major out × in matrix PyTorch wants.
                (true, "weight") => {
                    (format!("{i}.weight"), vec![m.ncols(), m.nrows()], to_le_bytes(m.iter().copied()))
                }
                (true, "bias") => (format!("{i}.bias"), vec![m.ncols()], to_le_bytes(m.iter().copied())),
                (_, name) => {
                    let row_major = m.transpose();
                    (
                        format!("{i}.{name}"),
                        vec![m.nrows(), m.ncols()],
                        to_le_bytes(row_major.iter().copied()),
                    )
                }
            };
            out.push((name, shape, bytes));
        });
    }
    out
}

fn st_error(e: safetensors::SafeTensorError) -> Error {
    Error::WeightsMismatch(format!("safetensors: {e}"))
}

impl Model {
    /// The weights as a safetensors file's bytes, in PyTorch's naming and layout, so that an
    /// `nn.Sequential` of the same layers loads them with
    /// `model.load_state_dict(safetensors.torch.load_file(path))`.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] if the tensors cannot be encoded.
    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        let tensors = named_tensors(&self.nodes);
        let views = tensors
            .iter()
            .map(|(name, shape, bytes)| {
                Ok((name.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes).map_err(st_error)?))
            })
            .collect::<Result<Vec<_>>>()?;
        safetensors::serialize(views, None).map_err(st_error)
    }

    /// Writes [`Model::to_safetensors`] to `path` atomically.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn export_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomic(path, &self.to_safetensors()?)
            .map_err(|e| Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))
    }

    /// Replaces the weights with those of a safetensors file in PyTorch's naming and layout.
    /// Nothing changes unless every tensor is present, float32, and of the right shape.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] naming a missing, mistyped or misshapen tensor, or a file
    /// that is not safetensors.
    pub fn from_safetensors_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let file = SafeTensors::deserialize(bytes).map_err(st_error)?;
        let expected = named_tensors(&self.nodes);
        let mut matrices = Vec::with_capacity(expected.len());
        for (name, shape, _) in &expected {
            let view = file
                .tensor(name)
                .map_err(|_| Error::WeightsMismatch(format!("tensor '{name}' is missing")))?;
            if view.dtype() != Dtype::F32 {
                return Err(Error::WeightsMismatch(format!(
                    "tensor '{name}' is {:?}, expected F32",
                    view.dtype()
                )));
            }
            if view.shape() != shape.as_slice() {
                return Err(Error::WeightsMismatch(format!(
                    "tensor '{name}' has shape {:?}, expected {shape:?}",
                    view.shape()
                )));
            }
            let values: Vec<f32> =
                view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            matrices.push(values);
        }
        // Every tensor checked: now write them into the parameters.
        let mut index = 0;
        for layer in &mut self.nodes {
            let dense = matches!(layer, Node::Dense(_));
            layer.visit_params_mut(&mut |p| {
                let values = &matrices[index];
                index += 1;
                let (rows, cols) = p.value.shape();
                p.value = if dense {
                    // Row-major out × in is column-major in × out: the same memory.
                    Matrix::from_column_slice(rows, cols, values)
                } else {
                    Matrix::from_row_slice(rows, cols, values)
                };
            });
        }
        Ok(())
    }

    /// Reads a safetensors file into the weights (see [`Model::from_safetensors_bytes`]).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; otherwise as
    /// [`Model::from_safetensors_bytes`].
    pub fn import_safetensors(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))?;
        self.from_safetensors_bytes(&bytes)
    }
}
