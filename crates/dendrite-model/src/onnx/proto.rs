//! The protobuf wire format, as much of it as an ONNX file needs: varints, 32-bit floats and
//! length-delimited fields (strings, bytes, nested messages). Repeated fields are written one
//! entry per key (unpacked), which every protobuf parser reads for proto2 and proto3 alike.

/// Wire type of varints (`int32`, `int64`, enums).
const VARINT: u32 = 0;
/// Wire type of length-delimited fields (strings, bytes, messages, packed arrays).
const LEN: u32 = 2;
/// Wire type of 32-bit fields (`float`).
const FIXED32: u32 = 5;

/// One message's bytes, field after field, in the order they are written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Message(Vec<u8>);

impl Message {
    /// An empty message.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The encoded message.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The bytes written so far.
    #[cfg(test)]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(&mut self, field: u32, wire_type: u32) {
        self.varint(u64::from(field << 3 | wire_type));
    }

    /// An `int64` (or `int32`, or enum) field; a negative value takes ten bytes, as protobuf
    /// writes it (two's complement, not zigzag).
    pub(crate) fn int64(&mut self, field: u32, v: i64) -> &mut Self {
        self.key(field, VARINT);
        self.varint(v as u64);
        self
    }

    /// A `float` field: four little-endian bytes.
    pub(crate) fn float(&mut self, field: u32, v: f32) -> &mut Self {
        self.key(field, FIXED32);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `bytes` field.
    pub(crate) fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Self {
        self.key(field, LEN);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    /// A `string` field (UTF-8).
    pub(crate) fn string(&mut self, field: u32, s: &str) -> &mut Self {
        self.bytes(field, s.as_bytes())
    }

    /// A nested message.
    pub(crate) fn message(&mut self, field: u32, m: &Message) -> &mut Self {
        self.bytes(field, &m.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The examples of the protobuf encoding guide
    // (https://protobuf.dev/programming-guides/encoding/).
    #[test]
    fn encodes_the_guides_examples() {
        assert_eq!(Message::new().int64(1, 150).as_bytes(), [0x08, 0x96, 0x01]);
        assert_eq!(
            Message::new().string(2, "testing").as_bytes(),
            [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]
        );
        let mut inner = Message::new();
        inner.int64(1, 150);
        assert_eq!(Message::new().message(3, &inner).as_bytes(), [0x1a, 0x03, 0x08, 0x96, 0x01]);
    }

    #[test]
    fn encodes_negative_ints_in_ten_bytes_and_floats_in_four() {
        let bytes = Message::new().int64(1, -1).as_bytes().to_vec();
        assert_eq!(bytes.len(), 11);
        assert_eq!(bytes[10], 0x01);
        assert!(bytes[1..10].iter().all(|&b| b == 0xff));
        assert_eq!(Message::new().float(2, 1.0).as_bytes(), [0x15, 0x00, 0x00, 0x80, 0x3f]);
    }

    #[test]
    fn keys_of_large_field_numbers_take_two_bytes() {
        // AttributeProto.type is field 20: key (20 << 3) | 0 = 160.
        assert_eq!(Message::new().int64(20, 2).as_bytes(), [0xa0, 0x01, 0x02]);
    }
}
