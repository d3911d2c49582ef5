//! A model as an ONNX graph: its operators, initializers, inputs and outputs, built from the
//! layers before `encode` writes them as protobuf.

use super::OnnxOptions;
use crate::{Error, Model, Node, Preprocessing, Result};

/// The graph's input: raw features, `[batch, inputs]`.
pub(crate) const INPUT: &str = "input";
/// The network's output, `[batch, outputs]`.
pub(crate) const OUTPUT: &str = "output";
/// A classifier's class indices, `[batch]`.
pub(crate) const CLASSES: &str = "classes";
/// The symbolic batch dimension.
pub(crate) const BATCH: &str = "batch";

/// An attribute's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AttrValue {
    /// `AttributeProto.i`.
    Int(i64),
    /// `AttributeProto.f`.
    Float(f32),
}

/// An operator of the default domain with one output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpNode {
    pub(crate) op_type: &'static str,
    pub(crate) name: String,
    pub(crate) inputs: Vec<String>,
    pub(crate) output: String,
    pub(crate) attributes: Vec<(&'static str, AttrValue)>,
    /// The layer it comes from, as messages describe it.
    pub(crate) doc: String,
}

/// An element type (`TensorProto.DataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ElemType {
    Float = 1,
    Int64 = 7,
}

/// A constant tensor's values, row-major.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Data {
    Float(Vec<f32>),
    Int64(Vec<i64>),
}

/// A named constant: weights, biases, the preprocessing's parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Initializer {
    pub(crate) name: String,
    pub(crate) dims: Vec<usize>,
    pub(crate) data: Data,
}

/// A dimension of a graph input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    /// The symbolic [`BATCH`] dimension.
    Batch,
    /// A fixed size.
    Fixed(usize),
}

/// A graph input or output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueInfo {
    pub(crate) name: &'static str,
    pub(crate) elem_type: ElemType,
    pub(crate) dims: Vec<Dim>,
}

/// The graph of a model.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Graph {
    pub(crate) nodes: Vec<OpNode>,
    pub(crate) initializers: Vec<Initializer>,
    pub(crate) inputs: Vec<ValueInfo>,
    pub(crate) outputs: Vec<ValueInfo>,
    pub(crate) doc: String,
}

/// A graph being built: the name of the tensor the next operator takes.
struct Builder {
    graph: Graph,
    current: String,
}

impl Builder {
    /// Appends `op_type` on the current tensor (and `extra` inputs), named `{prefix}.{op_type}`;
    /// its output becomes the current tensor.
    fn push(
        &mut self,
        prefix: &str,
        op_type: &'static str,
        extra: &[&str],
        attributes: &[(&'static str, AttrValue)],
        doc: &str,
    ) {
        let name = format!("{prefix}.{op_type}");
        let mut inputs = vec![std::mem::replace(&mut self.current, name.clone())];
        inputs.extend(extra.iter().map(|&s| s.to_owned()));
        self.graph.nodes.push(OpNode {
            op_type,
            name: name.clone(),
            inputs,
            output: name,
            attributes: attributes.to_vec(),
            doc: doc.to_owned(),
        });
    }

    /// Adds a constant and gives its name.
    fn constant(&mut self, name: String, dims: Vec<usize>, data: Data) -> String {
        self.graph.initializers.push(Initializer { name: name.clone(), dims, data });
        name
    }

    /// `(x − shift) · (1 / scale)` as `Sub` and `Mul`, the very arithmetic of
    /// [`Preprocessing::apply`] (the reciprocal rounded to `f32` once), so that the graph's
    /// inputs to the first layer are Dendrite's to the bit.
    fn preprocessing(&mut self, preprocessing: &Preprocessing) {
        let (shift, inv_scale): (Vec<f32>, Vec<f32>) = match preprocessing {
            Preprocessing::Identity => return,
            Preprocessing::Affine { shift, scale } => (vec![*shift], vec![1.0 / scale]),
            Preprocessing::PerFeature { shift, scale } => {
                (shift.clone(), scale.iter().map(|s| 1.0 / s).collect())
            }
        };
        let doc = format!("{preprocessing:?}");
        let dims = vec![shift.len()];
        let shift = self.constant("preprocess.shift".to_owned(), dims.clone(), Data::Float(shift));
        self.push("preprocess", "Sub", &[&shift], &[], &doc);
        let inv = self.constant("preprocess.inv_scale".to_owned(), dims, Data::Float(inv_scale));
        self.push("preprocess", "Mul", &[&inv], &[], &doc);
    }

    /// The operator of layer `index`; nothing for the identities at inference (Linear, and
    /// Dropout).
    fn layer(&mut self, index: usize, node: &Node) -> Result<()> {
        let prefix = index.to_string();
        let doc = node.describe();
        match node {
            Node::Dense(d) => {
                // Dendrite's in × out weights, column-major, are in memory PyTorch's row-major
                // out × in matrix: Gemm takes them with transB = 1.
                let (inputs, outputs) = (d.inputs(), d.neurons());
                let w = Data::Float(d.weights().as_slice().to_vec());
                let b = Data::Float(d.biases().as_slice().to_vec());
                let w = self.constant(format!("{index}.weight"), vec![outputs, inputs], w);
                let b = self.constant(format!("{index}.bias"), vec![outputs], b);
                self.push(&prefix, "Gemm", &[&w, &b], &[("transB", AttrValue::Int(1))], &doc);
            }
            Node::Relu => self.push(&prefix, "Relu", &[], &[], &doc),
            Node::Sigmoid => self.push(&prefix, "Sigmoid", &[], &[], &doc),
            Node::Tanh => self.push(&prefix, "Tanh", &[], &[], &doc),
            Node::LeakyRelu(alpha) => {
                self.push(&prefix, "LeakyRelu", &[], &[("alpha", AttrValue::Float(*alpha))], &doc);
            }
            Node::Softmax => self.push(&prefix, "Softmax", &[], &[("axis", AttrValue::Int(1))], &doc),
            Node::Linear | Node::Dropout(_) => {}
            Node::Plugin(_) => {
                return Err(Error::OnnxUnsupported { index, layer: doc, kind: node.kind().to_owned() });
            }
        }
        Ok(())
    }

    /// Names the last operator's output [`OUTPUT`] (an `Identity` when no layer made one).
    fn name_output(&mut self) {
        if self.graph.nodes.is_empty() {
            self.push("output", "Identity", &[], &[], "every layer is an identity at inference");
        }
        self.rename_last(OUTPUT);
    }

    /// Renames the last operator's output, the current tensor.
    fn rename_last(&mut self, name: &str) {
        if let Some(last) = self.graph.nodes.last_mut() {
            last.output = name.to_owned();
        }
        self.current = name.to_owned();
    }

    /// The class of each row, as [`Model::predict_classes`] decides it: the first largest
    /// output's index, or for a single output column 1 where it exceeds 0.5.
    fn classes(&mut self, output_width: usize) {
        if output_width > 1 {
            let attributes = [("axis", AttrValue::Int(1)), ("keepdims", AttrValue::Int(0))];
            self.push(CLASSES, "ArgMax", &[], &attributes, "the index of the first largest output");
        } else {
            let doc = "1 where the output exceeds 0.5, else 0";
            let half = self.constant("classes.threshold".to_owned(), vec![], Data::Float(vec![0.5]));
            self.push(CLASSES, "Greater", &[&half], &[], doc);
            self.push(CLASSES, "Cast", &[], &[("to", AttrValue::Int(ElemType::Int64 as i64))], doc);
            let axes = self.constant("classes.axes".to_owned(), vec![1], Data::Int64(vec![1]));
            self.push(CLASSES, "Squeeze", &[&axes], &[], doc);
        }
        self.rename_last(CLASSES);
    }
}

impl Graph {
    /// The graph of `model`.
    ///
    /// # Errors
    /// [`Error::OnnxUnsupported`] for a plug-in layer.
    pub(crate) fn of_model(model: &Model, options: &OnnxOptions) -> Result<Self> {
        let mut b = Builder { graph: Graph::default(), current: INPUT.to_owned() };
        b.preprocessing(model.preprocessing());
        for (index, node) in model.layers().iter().enumerate() {
            b.layer(index, node)?;
        }
        b.name_output();
        let (inputs, outputs) = (model.input_width(), model.output_width());
        b.graph.inputs.push(ValueInfo {
            name: INPUT,
            elem_type: ElemType::Float,
            dims: vec![Dim::Batch, Dim::Fixed(inputs)],
        });
        b.graph.outputs.push(ValueInfo {
            name: OUTPUT,
            elem_type: ElemType::Float,
            dims: vec![Dim::Batch, Dim::Fixed(outputs)],
        });
        if options.classes && model.class_count().is_some() {
            b.classes(outputs);
            b.graph.outputs.push(ValueInfo {
                name: CLASSES,
                elem_type: ElemType::Int64,
                dims: vec![Dim::Batch],
            });
        }
        let layers: Vec<String> = model.layers().iter().map(Node::describe).collect();
        b.graph.doc = format!(
            "A Dendrite model: {}. Inputs are raw features, preprocessed as {:?}; Linear and \
             Dropout layers, identities at inference, have no node.",
            layers.join(", "),
            model.preprocessing()
        );
        Ok(b.graph)
    }
}
