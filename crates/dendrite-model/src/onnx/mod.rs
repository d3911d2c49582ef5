//! ONNX export: a model as an ONNX file that ONNX Runtime (or any ONNX runtime) runs on raw
//! inputs, written by a small protobuf encoder of this crate's own.

mod encode;
mod graph;
mod proto;

use std::path::Path;

use crate::atomic::write_atomic;
use crate::{Error, FORMAT_VERSION, Model, Result};

/// The ONNX operator set the exported graphs use (of the default domain).
pub const ONNX_OPSET: i64 = 17;

/// The ONNX IR version of the exported files (that of opset 17).
pub const ONNX_IR_VERSION: i64 = 8;

/// What [`Model::to_onnx`] writes.
///
/// # Example
/// ```
/// use dendrite_model::{LossKind, Model, OnnxOptions};
/// # fn main() -> dendrite_model::Result<()> {
/// let model = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
/// let with_classes = model.to_onnx(&OnnxOptions::default())?;
/// let probabilities_only = model.to_onnx(&OnnxOptions { classes: false, ..OnnxOptions::default() })?;
/// assert!(probabilities_only.len() < with_classes.len());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnnxOptions {
    /// Whether a classifier's graph has a second output, `classes`: int64 `[batch]`, the class
    /// of each row as [`Model::predict_classes`] gives it (`ArgMax` over the outputs, or for a
    /// single output column `Cast(Greater(output, 0.5))`). Default `true`; a regression model
    /// (mean squared or absolute error) never has it.
    pub classes: bool,
}

impl Default for OnnxOptions {
    fn default() -> Self {
        Self { classes: true }
    }
}

impl Model {
    /// The model as the bytes of an ONNX file: opset [`ONNX_OPSET`], IR version
    /// [`ONNX_IR_VERSION`], a float32 input `input` of shape `[batch, inputs]` (`batch`
    /// symbolic) taking raw features, and a float32 output `output` of shape
    /// `[batch, outputs]`, what [`Model::predict`] returns; a classifier also has `classes`
    /// (see [`OnnxOptions::classes`]).
    ///
    /// | Dendrite | ONNX |
    /// | --- | --- |
    /// | preprocessing `(x − shift) / scale` | `Sub` of `preprocess.shift`, then `Mul` by `preprocess.inv_scale` (`[1]`, or `[inputs]` per feature) |
    /// | Dense at position `i` | `Gemm` with `transB = 1` of `i.weight` (`[out, in]`) and `i.bias` (`[out]`), PyTorch's layout and names |
    /// | ReLU, Sigmoid, Tanh | `Relu`, `Sigmoid`, `Tanh` |
    /// | LeakyReLU | `LeakyRelu` with `alpha` |
    /// | Softmax | `Softmax` with `axis = 1` |
    /// | Linear, Dropout | nothing (identities at inference) |
    ///
    /// The preprocessing stays two nodes rather than being folded into the first `Gemm`'s
    /// weights: they do Dendrite's very arithmetic (the reciprocal of the scale rounded once,
    /// as [`crate::Preprocessing::apply`] does), so the first layer sees the same inputs to the
    /// bit. Node `i.Gemm` holds layer `i`, its doc string the layer's description.
    ///
    /// The file's `metadata_props`: `format_version` (Dendrite's model-file format,
    /// [`FORMAT_VERSION`]), `loss` and `accuracy` (as `dendrite inspect` prints them),
    /// `preprocessing` (JSON), and, for a model with class names, `class_names` (a JSON
    /// array, one name per class index).
    ///
    /// # Example
    /// ```
    /// use dendrite_model::{LossKind, Model, OnnxOptions};
    /// # fn main() -> dendrite_model::Result<()> {
    /// let model = Model::builder(2).dense(8).relu().dropout(0.1).dense(3).softmax()
    ///     .loss(LossKind::CategoricalCrossEntropy)
    ///     .build()?;
    /// let bytes = model.to_onnx(&OnnxOptions::default())?;
    /// assert_eq!(bytes[..2], [0x08, 8]); // field 1, ir_version: 8
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::OnnxUnsupported`] naming a plug-in layer (they have no ONNX mapping);
    /// [`Error::Json`] if the metadata cannot be written as JSON.
    pub fn to_onnx(&self, options: &OnnxOptions) -> Result<Vec<u8>> {
        let graph = graph::Graph::of_model(self, options)?;
        let doc = format!("Exported by Dendrite {}", env!("CARGO_PKG_VERSION"));
        Ok(encode::model_proto(&graph, &doc, &self.onnx_metadata()?))
    }

    /// Writes [`Model::to_onnx`] with the default options (the outputs and, for a
    /// classifier, the classes) to `path` atomically.
    ///
    /// # Example
    /// ```
    /// use dendrite_model::{LossKind, Model};
    /// # fn main() -> dendrite_model::Result<()> {
    /// let model = Model::builder(1).dense(16).tanh().dense(1).loss(LossKind::MeanSquaredError).build()?;
    /// model.export_onnx(std::env::temp_dir().join("dendrite-doc-sine.onnx"))?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`Model::to_onnx`]; [`Error::Io`] naming the path when the file cannot be written.
    pub fn export_onnx(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomic(path, &self.to_onnx(&OnnxOptions::default())?)
            .map_err(|e| Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))
    }

    /// The `metadata_props` of an exported file.
    fn onnx_metadata(&self) -> Result<Vec<(String, String)>> {
        let mut props = vec![
            ("format_version".to_owned(), FORMAT_VERSION.to_string()),
            ("loss".to_owned(), format!("{:?}", self.loss())),
            ("accuracy".to_owned(), format!("{:?}", self.accuracy())),
            ("preprocessing".to_owned(), serde_json::to_string(self.preprocessing())?),
        ];
        if let Some(names) = self.class_names() {
            props.push(("class_names".to_owned(), serde_json::to_string(names)?));
        }
        Ok(props)
    }
}
