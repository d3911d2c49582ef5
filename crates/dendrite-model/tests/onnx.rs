//! ONNX export read back without Python: a protobuf decoder of the messages an exported file
//! holds, the graphs' structure (IR version, opset, operators in order, their attributes,
//! initializer names and shapes, inputs and outputs with the symbolic batch, metadata), the
//! initializers against the model's weights, and the decoded graph run by a small interpreter
//! against `Model::predict`. `scripts/onnx/check.sh` runs the same files in ONNX Runtime.

use std::collections::HashSet;

use dendrite_layers::Mode;
use dendrite_model::{
    Error, FORMAT_VERSION, FitOptions, Layer, LossKind, Matrix, Model, Node, ONNX_IR_VERSION, ONNX_OPSET,
    OnnxOptions, Param, Parameterized, Preprocessing, Report, Rng,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Decoded<T> = Result<T, Box<dyn std::error::Error>>;

// ---- the wire format ----

/// A field's value on the wire.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Varint(u64),
    Fixed32(u32),
    /// A 64-bit field (no exported message has one), skipped.
    Fixed64,
    Bytes(&'a [u8]),
}

fn varint(bytes: &[u8], pos: &mut usize) -> Decoded<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let &b = bytes.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err("varint longer than ten bytes".into())
}

/// The next `n` bytes.
fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Decoded<&'a [u8]> {
    let s = bytes.get(*pos..*pos + n).ok_or("truncated field")?;
    *pos += n;
    Ok(s)
}

/// The fields of a message, in order.
fn fields(bytes: &[u8]) -> Decoded<Vec<(u32, Value<'_>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let key = varint(bytes, &mut pos)?;
        let field = u32::try_from(key >> 3)?;
        let value = match key & 7 {
            0 => Value::Varint(varint(bytes, &mut pos)?),
            1 => {
                take(bytes, &mut pos, 8)?;
                Value::Fixed64
            }
            2 => {
                let len = usize::try_from(varint(bytes, &mut pos)?)?;
                Value::Bytes(take(bytes, &mut pos, len)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(take(bytes, &mut pos, 4)?.try_into()?)),
            w => return Err(format!("wire type {w} of field {field}").into()),
        };
        out.push((field, value));
    }
    Ok(out)
}

fn int(v: Value<'_>) -> Decoded<i64> {
    match v {
        Value::Varint(x) => Ok(x as i64),
        other => Err(format!("expected a varint, got {other:?}").into()),
    }
}

fn bytes(v: Value<'_>) -> Decoded<&[u8]> {
    match v {
        Value::Bytes(b) => Ok(b),
        other => Err(format!("expected bytes, got {other:?}").into()),
    }
}

fn string(v: Value<'_>) -> Decoded<String> {
    Ok(String::from_utf8(bytes(v)?.to_vec())?)
}

/// A repeated int64 field's entries, packed or not.
fn ints(v: Value<'_>, out: &mut Vec<i64>) -> Decoded<()> {
    match v {
        Value::Bytes(b) => {
            let mut pos = 0;
            while pos < b.len() {
                out.push(varint(b, &mut pos)? as i64);
            }
        }
        other => out.push(int(other)?),
    }
    Ok(())
}

// ---- the ONNX messages (field numbers of onnx/onnx.proto) ----

#[derive(Debug, Default)]
struct ModelProto {
    ir_version: i64,
    opsets: Vec<(String, i64)>,
    producer: String,
    metadata: Vec<(String, String)>,
    graph: GraphProto,
}

#[derive(Debug, Default)]
struct GraphProto {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<ValueInfo>,
    outputs: Vec<ValueInfo>,
}

#[derive(Debug, Default)]
struct NodeProto {
    op_type: String,
    name: String,
    domain: String,
    inputs: Vec<String>,
    outputs: Vec<String>,
    attributes: Vec<Attribute>,
}

#[derive(Debug, Default, PartialEq)]
struct Attribute {
    name: String,
    /// `AttributeType`: FLOAT = 1, INT = 2.
    kind: i64,
    f: Option<f32>,
    i: Option<i64>,
}

#[derive(Debug, Default)]
struct TensorProto {
    name: String,
    dims: Vec<i64>,
    /// FLOAT = 1, INT64 = 7.
    data_type: i64,
    raw: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Dim {
    Value(i64),
    Param(String),
}

#[derive(Debug, Default)]
struct ValueInfo {
    name: String,
    elem_type: i64,
    dims: Vec<Dim>,
}

fn decode_model(b: &[u8]) -> Decoded<ModelProto> {
    let mut m = ModelProto::default();
    for (field, v) in fields(b)? {
        match field {
            1 => m.ir_version = int(v)?,
            2 => m.producer = string(v)?,
            7 => m.graph = decode_graph(bytes(v)?)?,
            8 => {
                let (mut domain, mut version) = (String::new(), 0);
                for (f, v) in fields(bytes(v)?)? {
                    match f {
                        1 => domain = string(v)?,
                        2 => version = int(v)?,
                        _ => {}
                    }
                }
                m.opsets.push((domain, version));
            }
            14 => {
                let (mut key, mut value) = (String::new(), String::new());
                for (f, v) in fields(bytes(v)?)? {
                    match f {
                        1 => key = string(v)?,
                        2 => value = string(v)?,
                        _ => {}
                    }
                }
                m.metadata.push((key, value));
            }
            _ => {}
        }
    }
    Ok(m)
}

fn decode_graph(b: &[u8]) -> Decoded<GraphProto> {
    let mut g = GraphProto::default();
    for (field, v) in fields(b)? {
        match field {
            1 => g.nodes.push(decode_node(bytes(v)?)?),
            5 => g.initializers.push(decode_tensor(bytes(v)?)?),
            11 => g.inputs.push(decode_value_info(bytes(v)?)?),
            12 => g.outputs.push(decode_value_info(bytes(v)?)?),
            _ => {}
        }
    }
    Ok(g)
}

fn decode_node(b: &[u8]) -> Decoded<NodeProto> {
    let mut n = NodeProto::default();
    for (field, v) in fields(b)? {
        match field {
            1 => n.inputs.push(string(v)?),
            2 => n.outputs.push(string(v)?),
            3 => n.name = string(v)?,
            4 => n.op_type = string(v)?,
            7 => n.domain = string(v)?,
            5 => {
                let mut a = Attribute::default();
                for (f, v) in fields(bytes(v)?)? {
                    match (f, v) {
                        (1, v) => a.name = string(v)?,
                        (2, Value::Fixed32(x)) => a.f = Some(f32::from_bits(x)),
                        (3, v) => a.i = Some(int(v)?),
                        (20, v) => a.kind = int(v)?,
                        _ => {}
                    }
                }
                n.attributes.push(a);
            }
            _ => {}
        }
    }
    Ok(n)
}

fn decode_tensor(b: &[u8]) -> Decoded<TensorProto> {
    let mut t = TensorProto::default();
    for (field, v) in fields(b)? {
        match field {
            1 => ints(v, &mut t.dims)?,
            2 => t.data_type = int(v)?,
            8 => t.name = string(v)?,
            9 => t.raw = bytes(v)?.to_vec(),
            _ => {}
        }
    }
    Ok(t)
}

fn decode_value_info(b: &[u8]) -> Decoded<ValueInfo> {
    let mut info = ValueInfo::default();
    for (field, v) in fields(b)? {
        match field {
            1 => info.name = string(v)?,
            // TypeProto.tensor_type = 1: elem_type = 1, shape = 2 (dim = 1: dim_value = 1,
            // dim_param = 2).
            2 => {
                for (f, v) in fields(bytes(v)?)? {
                    if f != 1 {
                        continue;
                    }
                    for (f, v) in fields(bytes(v)?)? {
                        match f {
                            1 => info.elem_type = int(v)?,
                            2 => {
                                for (_, dim) in fields(bytes(v)?)? {
                                    for (f, v) in fields(bytes(dim)?)? {
                                        info.dims.push(match f {
                                            1 => Dim::Value(int(v)?),
                                            _ => Dim::Param(string(v)?),
                                        });
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

impl TensorProto {
    fn floats(&self) -> Decoded<Vec<f32>> {
        if self.data_type != 1 {
            return Err(format!("{} is of type {}, not FLOAT", self.name, self.data_type).into());
        }
        Ok(self.raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    fn int64s(&self) -> Decoded<Vec<i64>> {
        if self.data_type != 7 {
            return Err(format!("{} is of type {}, not INT64", self.name, self.data_type).into());
        }
        Ok(self.raw.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect())
    }
}

impl ModelProto {
    fn op_types(&self) -> Vec<&str> {
        self.graph.nodes.iter().map(|n| n.op_type.as_str()).collect()
    }

    fn initializer(&self, name: &str) -> Decoded<&TensorProto> {
        self.graph
            .initializers
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| format!("no initializer {name}").into())
    }

    fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Checks what every exported file has: the versions, a DAG whose every input exists
    /// before it is used, unique names, a float `input` of `[batch, inputs]`.
    fn check_common(&self, model: &Model) {
        assert_eq!(self.ir_version, 8);
        assert_eq!(self.ir_version, ONNX_IR_VERSION);
        assert_eq!(self.opsets, vec![(String::new(), 17)]);
        assert_eq!(ONNX_OPSET, 17);
        assert_eq!(self.producer, "dendrite");
        let mut known: HashSet<&str> = self.graph.initializers.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(known.len(), self.graph.initializers.len(), "initializer names are unique");
        known.insert("input");
        let mut names = HashSet::new();
        for node in &self.graph.nodes {
            assert!(names.insert(node.name.as_str()), "node name {} is unique", node.name);
            assert_eq!(node.domain, "", "{} is of the default domain", node.name);
            for input in &node.inputs {
                assert!(known.contains(input.as_str()), "{} takes {input}, made before it", node.name);
            }
            assert_eq!(node.outputs.len(), 1);
            assert!(known.insert(node.outputs[0].as_str()), "{} is made once", node.outputs[0]);
        }
        for output in &self.graph.outputs {
            assert!(known.contains(output.name.as_str()), "a node makes {}", output.name);
        }
        let input = &self.graph.inputs[..];
        assert_eq!(input.len(), 1);
        assert_eq!(input[0].name, "input");
        assert_eq!(input[0].elem_type, 1);
        assert_eq!(input[0].dims, [Dim::Param("batch".into()), Dim::Value(model.input_width() as i64)]);
        let output = &self.graph.outputs[0];
        assert_eq!(output.name, "output");
        assert_eq!(output.elem_type, 1);
        assert_eq!(output.dims, [Dim::Param("batch".into()), Dim::Value(model.output_width() as i64)]);
    }
}

fn attribute<'a>(node: &'a NodeProto, name: &str) -> Decoded<&'a Attribute> {
    node.attributes
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| format!("{} has no {name}", node.name).into())
}

fn int_attr(name: &str, i: i64) -> Attribute {
    Attribute { name: name.into(), kind: 2, f: None, i: Some(i) }
}

fn float_attr(name: &str, f: f32) -> Attribute {
    Attribute { name: name.into(), kind: 1, f: Some(f), i: None }
}

// ---- an interpreter of the decoded graph ----

/// A row-major tensor of rank 1 or 2 (class indices and booleans as floats).
#[derive(Debug, Clone)]
struct Tensor {
    shape: Vec<usize>,
    values: Vec<f32>,
}

impl Tensor {
    fn cols(&self) -> usize {
        self.shape.get(1).copied().unwrap_or(1)
    }

    fn map(&self, f: impl Fn(f32) -> f32) -> Tensor {
        Tensor { shape: self.shape.clone(), values: self.values.iter().map(|&v| f(v)).collect() }
    }

    /// `self op other` with `other` a scalar, `[1]` or one value per column.
    fn broadcast(&self, other: &Tensor, op: impl Fn(f32, f32) -> f32) -> Tensor {
        let (cols, n) = (self.cols(), other.values.len());
        assert!(n == 1 || n == cols, "broadcast of {n} values over {cols} columns");
        let values =
            self.values.iter().enumerate().map(|(k, &v)| op(v, other.values[(k % cols) % n])).collect();
        Tensor { shape: self.shape.clone(), values }
    }
}

/// The graph's outputs for the rows of `x`.
fn run(m: &ModelProto, x: &Matrix) -> Decoded<std::collections::HashMap<String, Tensor>> {
    let mut env = std::collections::HashMap::new();
    for t in &m.graph.initializers {
        let values = match t.data_type {
            7 => t.int64s()?.iter().map(|&v| v as f32).collect(),
            _ => t.floats()?,
        };
        env.insert(t.name.clone(), Tensor { shape: t.dims.iter().map(|&d| d as usize).collect(), values });
    }
    let rows: Vec<f32> = (0..x.nrows()).flat_map(|i| x.row(i).iter().copied().collect::<Vec<_>>()).collect();
    env.insert("input".to_owned(), Tensor { shape: vec![x.nrows(), x.ncols()], values: rows });
    for node in &m.graph.nodes {
        let arg =
            |k: usize| -> Decoded<&Tensor> { env.get(&node.inputs[k]).ok_or_else(|| "missing input".into()) };
        let x = arg(0)?;
        let out = match node.op_type.as_str() {
            "Sub" => x.broadcast(arg(1)?, |a, b| a - b),
            "Mul" => x.broadcast(arg(1)?, |a, b| a * b),
            "Greater" => x.broadcast(arg(1)?, |a, b| f32::from(u8::from(a > b))),
            "Relu" => x.map(|v| v.max(0.0)),
            "Sigmoid" => x.map(|v| 1.0 / (1.0 + (-v).exp())),
            "Tanh" => x.map(f32::tanh),
            "LeakyRelu" => {
                let alpha = attribute(node, "alpha")?.f.ok_or("alpha is a float")?;
                x.map(|v| if v > 0.0 { v } else { alpha * v })
            }
            "Cast" | "Identity" => x.clone(),
            "Squeeze" => {
                assert_eq!(arg(1)?.values, [1.0]);
                assert_eq!(x.cols(), 1);
                Tensor { shape: vec![x.shape[0]], values: x.values.clone() }
            }
            "Gemm" => {
                assert_eq!(attribute(node, "transB")?.i, Some(1));
                let (w, b) = (arg(1)?, arg(2)?);
                let (n, k, out) = (x.shape[0], x.shape[1], w.shape[0]);
                assert_eq!(w.shape, [out, k]);
                assert_eq!(b.shape, [out]);
                let mut values = Vec::with_capacity(n * out);
                for i in 0..n {
                    for o in 0..out {
                        let dot: f32 = (0..k).map(|j| x.values[i * k + j] * w.values[o * k + j]).sum();
                        values.push(dot + b.values[o]);
                    }
                }
                Tensor { shape: vec![n, out], values }
            }
            "Softmax" => {
                assert_eq!(attribute(node, "axis")?.i, Some(1));
                let mut values = Vec::with_capacity(x.values.len());
                for row in x.values.chunks(x.cols()) {
                    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let e: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
                    let sum: f32 = e.iter().sum();
                    values.extend(e.iter().map(|v| v / sum));
                }
                Tensor { shape: x.shape.clone(), values }
            }
            "ArgMax" => {
                assert_eq!(attribute(node, "axis")?.i, Some(1));
                assert_eq!(attribute(node, "keepdims")?.i, Some(0));
                let values = x
                    .values
                    .chunks(x.cols())
                    .map(|row| {
                        (0..row.len()).fold(0, |best, j| if row[j] > row[best] { j } else { best }) as f32
                    })
                    .collect();
                Tensor { shape: vec![x.shape[0]], values }
            }
            other => return Err(format!("no interpreter for {other}").into()),
        };
        env.insert(node.outputs[0].clone(), out);
    }
    Ok(env)
}

// ---- the models ----

fn quiet(epochs: usize) -> FitOptions<'static> {
    FitOptions { epochs, report: Report::Quiet, ..FitOptions::default() }
}

/// Uniform inputs in [−2, 2).
fn inputs(rows: usize, cols: usize, seed: u64) -> Matrix {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(rows, cols, |_, _| rng.uniform_f32() * 4.0 - 2.0)
}

/// Every built-in layer between Dense layers, a per-feature preprocessing and class names,
/// trained a little so that no bias is zero.
fn every_activation() -> Decoded<Model> {
    let mut model = Model::builder(3)
        .dense(8)
        .relu()
        .dense(8)
        .sigmoid()
        .dense(8)
        .tanh()
        .dense(8)
        .leaky_relu(0.1)
        .dense(8)
        .linear()
        .dropout(0.2)
        .dense(4)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .preprocessing(Preprocessing::PerFeature { shift: vec![0.5, -1.0, 2.0], scale: vec![2.0, 0.25, 3.0] })
        .class_names(["north", "east", "south", "west"])
        .seed(3)
        .build()?;
    let x = inputs(64, 3, 1);
    let y: Vec<usize> = (0..64).map(|i| i % 4).collect();
    model.fit(&x, (&y).into(), quiet(5))?;
    Ok(model)
}

/// The graph's outputs against `Model::predict` (to 1e-5) and `Model::predict_classes`.
fn check_numbers(m: &ModelProto, model: &Model, x: &Matrix) -> TestResult {
    let env = run(m, x)?;
    let want = model.predict(x)?;
    let got = &env["output"];
    assert_eq!(got.shape, [want.nrows(), want.ncols()]);
    let mut worst = 0f32;
    for i in 0..want.nrows() {
        for j in 0..want.ncols() {
            worst = worst.max((got.values[i * want.ncols() + j] - want[(i, j)]).abs());
        }
    }
    assert!(worst <= 1e-5, "the graph's outputs differ from predict's by up to {worst}");
    if let Some(classes) = env.get("classes") {
        let want: Vec<f32> = model.predict_classes(x)?.iter().map(|&c| c as f32).collect();
        assert_eq!(classes.values, want);
    }
    Ok(())
}

#[test]
fn every_activation_exports_its_structure() -> TestResult {
    let model = every_activation()?;
    let m = decode_model(&model.to_onnx(&OnnxOptions::default())?)?;
    m.check_common(&model);
    let ops = [
        "Sub",
        "Mul",
        "Gemm",
        "Relu",
        "Gemm",
        "Sigmoid",
        "Gemm",
        "Tanh",
        "Gemm",
        "LeakyRelu",
        "Gemm",
        "Gemm",
        "Softmax",
        "ArgMax",
    ];
    assert_eq!(m.op_types(), ops);
    let names: Vec<&str> = m.graph.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names[..4], ["preprocess.Sub", "preprocess.Mul", "0.Gemm", "1.Relu"]);

    // PyTorch's names and layout: `i.weight` [out, in], `i.bias` [out].
    let mut expected =
        vec![("preprocess.shift".to_owned(), vec![3]), ("preprocess.inv_scale".to_owned(), vec![3])];
    for (i, layer) in model.layers().iter().enumerate() {
        if let Node::Dense(d) = layer {
            expected.push((format!("{i}.weight"), vec![d.neurons() as i64, d.inputs() as i64]));
            expected.push((format!("{i}.bias"), vec![d.neurons() as i64]));
        }
    }
    let mut got: Vec<(String, Vec<i64>)> =
        m.graph.initializers.iter().map(|t| (t.name.clone(), t.dims.clone())).collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(m.initializer("0.weight")?.dims, [8, 3]);
    assert_eq!(m.initializer("11.bias")?.dims, [4]);

    let node = |op: &str| m.graph.nodes.iter().find(|n| n.op_type == op).unwrap();
    assert_eq!(node("Gemm").attributes, [int_attr("transB", 1)]);
    assert_eq!(node("Gemm").inputs, ["preprocess.Mul", "0.weight", "0.bias"]);
    assert_eq!(node("LeakyRelu").attributes, [float_attr("alpha", 0.1)]);
    assert_eq!(node("Softmax").attributes, [int_attr("axis", 1)]);
    assert_eq!(node("Softmax").outputs, ["output"]);
    assert_eq!(node("ArgMax").attributes, [int_attr("axis", 1), int_attr("keepdims", 0)]);
    assert_eq!(node("ArgMax").inputs, ["output"]);

    let classes = &m.graph.outputs[1..];
    assert_eq!(classes.len(), 1);
    assert_eq!((classes[0].name.as_str(), classes[0].elem_type), ("classes", 7));
    assert_eq!(classes[0].dims, [Dim::Param("batch".into())]);

    let keys: Vec<&str> = m.metadata.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["format_version", "loss", "accuracy", "preprocessing", "class_names"]);
    assert_eq!(m.metadata("format_version"), Some(FORMAT_VERSION.to_string().as_str()));
    assert_eq!(m.metadata("loss"), Some("CategoricalCrossEntropy"));
    assert_eq!(m.metadata("accuracy"), Some("Categorical"));
    assert_eq!(
        m.metadata("preprocessing"),
        Some(r#"{"PerFeature":{"shift":[0.5,-1.0,2.0],"scale":[2.0,0.25,3.0]}}"#)
    );
    assert_eq!(m.metadata("class_names"), Some(r#"["north","east","south","west"]"#));
    Ok(())
}

#[test]
fn initializers_are_the_weights_transposed_and_the_preprocessing_reciprocals() -> TestResult {
    let model = every_activation()?;
    let m = decode_model(&model.to_onnx(&OnnxOptions::default())?)?;
    for (i, layer) in model.layers().iter().enumerate() {
        let Node::Dense(d) = layer else { continue };
        let (w, b) = (
            m.initializer(&format!("{i}.weight"))?.floats()?,
            m.initializer(&format!("{i}.bias"))?.floats()?,
        );
        let (inputs, outputs) = (d.inputs(), d.neurons());
        for o in 0..outputs {
            for j in 0..inputs {
                assert_eq!(
                    w[o * inputs + j].to_bits(),
                    d.weights()[(j, o)].to_bits(),
                    "{i}.weight[{o}, {j}]"
                );
            }
            assert_eq!(b[o].to_bits(), d.biases()[(0, o)].to_bits(), "{i}.bias[{o}]");
        }
        assert!(b.iter().all(|&v| v != 0.0), "trained biases are not zero");
    }
    assert_eq!(m.initializer("preprocess.shift")?.floats()?, [0.5, -1.0, 2.0]);
    assert_eq!(m.initializer("preprocess.inv_scale")?.floats()?, [0.5, 4.0, 1.0 / 3.0]);
    Ok(())
}

#[test]
fn the_decoded_graph_computes_what_predict_does() -> TestResult {
    let model = every_activation()?;
    let m = decode_model(&model.to_onnx(&OnnxOptions::default())?)?;
    check_numbers(&m, &model, &inputs(200, 3, 2))
}

#[test]
fn a_single_sigmoid_output_gives_classes_above_one_half() -> TestResult {
    let mut model = Model::builder(2)
        .dense(6)
        .relu()
        .dense(1)
        .sigmoid()
        .loss(LossKind::BinaryCrossEntropy)
        .accuracy(dendrite_model::Accuracy::Binary)
        .preprocessing(Preprocessing::book_pixels())
        .build()?;
    let x = inputs(40, 2, 4).map(|v| (v + 2.0) * 60.0);
    let y = Matrix::from_fn(40, 1, |i, _| (i % 2) as f32);
    model.fit(&x, dendrite_model::Targets::Values(&y), quiet(20))?;
    let m = decode_model(&model.to_onnx(&OnnxOptions::default())?)?;
    m.check_common(&model);
    assert_eq!(m.op_types(), ["Sub", "Mul", "Gemm", "Relu", "Gemm", "Sigmoid", "Greater", "Cast", "Squeeze"]);
    // The book's pixel scaling: one shift and one reciprocal for every feature.
    assert_eq!(m.initializer("preprocess.shift")?.dims, [1]);
    assert_eq!(m.initializer("preprocess.shift")?.floats()?, [127.5]);
    assert_eq!(m.initializer("preprocess.inv_scale")?.floats()?, [1.0 / 127.5]);
    let threshold = m.initializer("classes.threshold")?;
    assert!(threshold.dims.is_empty());
    assert_eq!(threshold.floats()?, [0.5]);
    assert_eq!(m.initializer("classes.axes")?.int64s()?, [1]);
    let cast = m.graph.nodes.iter().find(|n| n.op_type == "Cast").unwrap();
    assert_eq!(cast.attributes, [int_attr("to", 7)]);
    let classes = &m.graph.outputs[1];
    assert_eq!((classes.name.as_str(), classes.elem_type), ("classes", 7));
    assert_eq!(classes.dims, [Dim::Param("batch".into())]);
    assert_eq!(m.metadata("loss"), Some("BinaryCrossEntropy"));
    assert_eq!(m.metadata("class_names"), None);
    check_numbers(&m, &model, &x)
}

#[test]
fn regression_has_no_classes_and_the_option_leaves_them_out() -> TestResult {
    let model =
        Model::builder(1).dense(16).tanh().dense(1).linear().loss(LossKind::MeanSquaredError).build()?;
    let m = decode_model(&model.to_onnx(&OnnxOptions::default())?)?;
    m.check_common(&model);
    assert_eq!(m.op_types(), ["Gemm", "Tanh", "Gemm"]);
    assert_eq!(m.graph.outputs.len(), 1);
    check_numbers(&m, &model, &inputs(50, 1, 5))?;

    let classifier = Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
    let m = decode_model(&classifier.to_onnx(&OnnxOptions { classes: false })?)?;
    m.check_common(&classifier);
    assert_eq!(m.op_types(), ["Gemm", "Softmax"]);
    assert_eq!(m.graph.outputs.len(), 1);
    Ok(())
}

#[test]
fn a_network_of_identities_is_one_identity_node() -> TestResult {
    let model = Model::builder(2).linear().dropout(0.5).loss(LossKind::MeanSquaredError).build()?;
    let m = decode_model(&model.to_onnx(&OnnxOptions::default())?)?;
    m.check_common(&model);
    assert_eq!(m.op_types(), ["Identity"]);
    assert_eq!(m.graph.nodes[0].inputs, ["input"]);
    assert_eq!(m.graph.nodes[0].outputs, ["output"]);
    check_numbers(&m, &model, &inputs(10, 2, 6))
}

/// A plug-in layer: `y = 2x`.
#[derive(Debug, Clone, Default)]
struct Double {
    output: Matrix,
    dinputs: Matrix,
}

impl Parameterized for Double {
    fn visit_params(&self, _f: &mut dyn FnMut(&Param)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut Param)) {}
}

impl Layer for Double {
    fn kind(&self) -> &'static str {
        "Double"
    }
    fn output_width(&self, input_width: usize) -> dendrite_model::layers::Result<usize> {
        Ok(input_width)
    }
    fn forward(&mut self, input: &Matrix, _mode: Mode) -> dendrite_model::layers::Result<&Matrix> {
        self.output = input * 2.0;
        Ok(&self.output)
    }
    fn backward(&mut self, dvalues: &Matrix) -> dendrite_model::layers::Result<&Matrix> {
        self.dinputs = dvalues * 2.0;
        Ok(&self.dinputs)
    }
}

#[test]
fn a_plugin_layer_is_an_error_naming_it_and_writes_no_file() -> TestResult {
    let model = Model::builder(2)
        .dense(4)
        .layer(Box::new(Double::default()))
        .dense(2)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    let err = model.to_onnx(&OnnxOptions::default()).unwrap_err();
    assert!(matches!(&err, Error::OnnxUnsupported { index: 1, kind, .. } if kind == "Double"), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("layer 1 (Double)") && message.contains("ONNX"), "{message}");

    let path = std::env::temp_dir().join(format!("dendrite-onnx-plugin-{}.onnx", std::process::id()));
    assert!(matches!(model.export_onnx(&path), Err(Error::OnnxUnsupported { .. })));
    assert!(!path.exists());
    Ok(())
}

#[test]
fn export_onnx_writes_the_bytes_of_to_onnx() -> TestResult {
    let model = every_activation()?;
    let path = std::env::temp_dir().join(format!("dendrite-onnx-export-{}.onnx", std::process::id()));
    model.export_onnx(&path)?;
    assert_eq!(std::fs::read(&path)?, model.to_onnx(&OnnxOptions::default())?);
    std::fs::remove_file(&path)?;

    let missing = std::env::temp_dir().join("dendrite-no-such-folder/m.onnx");
    let err = model.export_onnx(&missing).unwrap_err();
    assert!(err.to_string().contains("m.onnx"), "{err}");
    Ok(())
}
