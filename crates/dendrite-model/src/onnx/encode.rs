//! A graph as an ONNX `ModelProto`, field by field. The field numbers are those of
//! `onnx/onnx.proto`; each is named in a comment where it is written.

use super::graph::{AttrValue, BATCH, Data, Dim, ElemType, Graph, Initializer, OpNode, ValueInfo};
use super::proto::Message;
use super::{ONNX_IR_VERSION, ONNX_OPSET};

/// `AttributeProto.AttributeType` values.
const ATTRIBUTE_FLOAT: i64 = 1;
const ATTRIBUTE_INT: i64 = 2;

/// The bytes of a `ModelProto` holding `graph`, with `metadata` as its `metadata_props`.
pub(crate) fn model_proto(graph: &Graph, doc: &str, metadata: &[(String, String)]) -> Vec<u8> {
    let mut opset = Message::new();
    // OperatorSetIdProto: domain = 1 (left out: the default domain ""), version = 2.
    opset.int64(2, ONNX_OPSET);
    let mut m = Message::new();
    m.int64(1, ONNX_IR_VERSION) // ir_version
        .string(2, "dendrite") // producer_name
        .string(3, env!("CARGO_PKG_VERSION")) // producer_version
        .string(6, doc) // doc_string
        .message(7, &graph_proto(graph)) // graph
        .message(8, &opset); // opset_import
    for (key, value) in metadata {
        // StringStringEntryProto: key = 1, value = 2.
        let mut entry = Message::new();
        entry.string(1, key).string(2, value);
        m.message(14, &entry); // metadata_props
    }
    m.into_bytes()
}

fn graph_proto(graph: &Graph) -> Message {
    let mut g = Message::new();
    for node in &graph.nodes {
        g.message(1, &node_proto(node)); // node
    }
    g.string(2, "dendrite"); // name
    for init in &graph.initializers {
        g.message(5, &tensor_proto(init)); // initializer
    }
    g.string(10, &graph.doc); // doc_string
    for input in &graph.inputs {
        g.message(11, &value_info_proto(input)); // input
    }
    for output in &graph.outputs {
        g.message(12, &value_info_proto(output)); // output
    }
    g
}

fn node_proto(node: &OpNode) -> Message {
    let mut n = Message::new();
    for input in &node.inputs {
        n.string(1, input); // input
    }
    n.string(2, &node.output) // output
        .string(3, &node.name) // name
        .string(4, node.op_type); // op_type
    for &(name, value) in &node.attributes {
        let mut a = Message::new();
        a.string(1, name); // name
        match value {
            AttrValue::Float(f) => a.float(2, f).int64(20, ATTRIBUTE_FLOAT), // f, type
            AttrValue::Int(i) => a.int64(3, i).int64(20, ATTRIBUTE_INT),     // i, type
        };
        n.message(5, &a); // attribute
    }
    n.string(6, &node.doc); // doc_string
    n
}

fn tensor_proto(init: &Initializer) -> Message {
    let mut t = Message::new();
    for &d in &init.dims {
        t.int64(1, d as i64); // dims
    }
    // raw_data holds the values little-endian, row-major.
    let (data_type, raw): (i64, Vec<u8>) = match &init.data {
        Data::Float(v) => (ElemType::Float as i64, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        Data::Int64(v) => (ElemType::Int64 as i64, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
    };
    t.int64(2, data_type) // data_type
        .string(8, &init.name) // name
        .bytes(9, &raw); // raw_data
    t
}

fn value_info_proto(info: &ValueInfo) -> Message {
    let mut shape = Message::new();
    for dim in &info.dims {
        // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
        let mut d = Message::new();
        match *dim {
            Dim::Batch => d.string(2, BATCH),
            Dim::Fixed(n) => d.int64(1, n as i64),
        };
        shape.message(1, &d); // TensorShapeProto.dim
    }
    // TypeProto.Tensor: elem_type = 1, shape = 2.
    let mut tensor = Message::new();
    tensor.int64(1, info.elem_type as i64).message(2, &shape);
    let mut ty = Message::new();
    ty.message(1, &tensor); // TypeProto.tensor_type
    let mut v = Message::new();
    v.string(1, info.name).message(2, &ty); // ValueInfoProto: name, type
    v
}
