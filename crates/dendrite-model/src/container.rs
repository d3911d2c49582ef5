//! The container around every Dendrite file: magic bytes, version, kind, payload length and a
//! CRC-32, with a payload decoded by bincode 1.3 under a size limit. The layout is documented
//! byte by byte in `docs/FORMAT.md`.

use bincode::Options;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The eight bytes every Dendrite file starts with: a non-ASCII byte (so that the file is not
/// taken for text), the name, then CR LF, SUB and LF, which text-mode transfers mangle.
pub const MAGIC: [u8; 8] = [0x89, b'D', b'N', b'D', b'\r', b'\n', 0x1a, b'\n'];

/// The format version this build writes, and the newest it reads. Version 2 added the class
/// names to model files, version 3 the optimizer's schedule and reduce-on-plateau; every
/// version from 1 on is read.
pub const FORMAT_VERSION: u32 = 3;

/// Size of the header: magic (8), version (4), kind (4), payload length (8), CRC-32 (4).
pub const HEADER_LEN: usize = 28;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum FileKind {
    /// A whole model: architecture, weights, preprocessing, optionally a training checkpoint.
    Model = 1,
    /// Weights only, for a model of the same architecture.
    Weights = 2,
}

impl FileKind {
    fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(FileKind::Model),
            2 => Some(FileKind::Weights),
            _ => None,
        }
    }
}

/// Why bytes are not a valid Dendrite file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Fewer bytes than a header.
    #[error("file too short: {len} bytes, a header alone is {HEADER_LEN}")]
    TooShort {
        /// The file's length.
        len: usize,
    },
    /// The file does not start with Dendrite's magic bytes.
    #[error("not a Dendrite file (wrong magic bytes)")]
    BadMagic,
    /// A version this build cannot read.
    #[error("format version {found} is newer than this build reads (up to {supported})")]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// An unknown kind, or another kind than the reader expects.
    #[error("file holds kind {found}, expected {expected}")]
    WrongKind {
        /// The kind in the file.
        found: u32,
        /// The kind expected.
        expected: u32,
    },
    /// The payload length in the header disagrees with the file's length.
    #[error(
        "payload length {declared} in the header, but {actual} bytes follow it (truncated or extended file)"
    )]
    LengthMismatch {
        /// The length the header declares.
        declared: u64,
        /// The bytes actually there.
        actual: u64,
    },
    /// The checksum does not match the contents.
    #[error("checksum mismatch: stored {stored:08x}, computed {computed:08x} (the file is corrupt)")]
    ChecksumMismatch {
        /// The CRC-32 in the header.
        stored: u32,
        /// The CRC-32 of the contents.
        computed: u32,
    },
    /// The payload does not decode.
    #[error("payload does not decode: {0}")]
    Decode(String),
    /// The payload decodes, but its contents are inconsistent.
    #[error("inconsistent contents: {0}")]
    Invalid(String),
}

/// The header fields of a file whose header and checksum were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The format version.
    pub version: u32,
    /// The kind of contents (1 = model, 2 = weights).
    pub kind: u32,
    /// The payload's length in bytes.
    pub payload_len: u64,
    /// The stored CRC-32.
    pub checksum: u32,
}

/// bincode 1.3 with every option spelled out (fixed-width little-endian integers, no trailing
/// bytes), so the encoding cannot change with the crate's defaults, and a limit on how much a
/// payload may claim.
fn codec(limit: u64) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(limit)
}

fn checksum(header: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(header);
    h.update(payload);
    h.finalize()
}

/// Encodes `value` in a container of `kind`.
///
/// # Errors
/// [`FormatError::Decode`] if the value cannot be encoded (a map with non-string keys, say).
pub fn encode<T: Serialize>(kind: FileKind, value: &T) -> Result<Vec<u8>, FormatError> {
    let payload = codec(u64::MAX).serialize(value).map_err(|e| FormatError::Decode(e.to_string()))?;
    Ok(frame(kind, &payload))
}

/// Wraps raw payload bytes in a valid header (magic, current version, `kind`, length and the
/// CRC-32). Model files are written through it; tests and fuzzers use it to reach the payload decoder with
/// bytes of their own.
///
/// # Example
/// ```
/// use dendrite_model::{FileKind, frame, read_header};
/// let bytes = frame(FileKind::Weights, b"anything");
/// assert_eq!(read_header(&bytes).map(|h| h.payload_len), Ok(8));
/// ```
#[must_use]
pub fn frame(kind: FileKind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(kind as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let crc = checksum(&out, payload);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Reads and checks the header: magic, version, kind, length against the bytes present, and
/// the checksum over header and payload.
///
/// # Errors
/// The first check that fails, as a [`FormatError`].
pub fn read_header(bytes: &[u8]) -> Result<Header, FormatError> {
    if bytes.len() < HEADER_LEN {
        if !bytes.is_empty() && !MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) {
            return Err(FormatError::BadMagic);
        }
        return Err(FormatError::TooShort { len: bytes.len() });
    }
    if bytes[..8] != MAGIC {
        return Err(FormatError::BadMagic);
    }
    let u32_at = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let version = u32_at(8);
    let kind = u32_at(12);
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[16..24]);
    let payload_len = u64::from_le_bytes(len);
    let stored = u32_at(24);
    if version == 0 || version > FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
    }
    let actual = (bytes.len() - HEADER_LEN) as u64;
    if payload_len != actual {
        return Err(FormatError::LengthMismatch { declared: payload_len, actual });
    }
    let computed = checksum(&bytes[..24], &bytes[HEADER_LEN..]);
    if computed != stored {
        return Err(FormatError::ChecksumMismatch { stored, computed });
    }
    Ok(Header { version, kind, payload_len, checksum: stored })
}

/// Checks the container and decodes its payload as `T`. No allocation can exceed what the
/// payload's own bytes justify: bincode reads under a limit of the payload's length.
///
/// # Errors
/// A [`FormatError`] for any failed check or undecodable payload.
pub fn decode<T: DeserializeOwned>(expected: FileKind, bytes: &[u8]) -> Result<T, FormatError> {
    let (_, payload) = payload(expected, bytes)?;
    decode_payload(payload)
}

/// Checks the container (as [`read_header`], and that it holds `expected`) and returns its
/// header and payload, for payloads whose layout depends on the version.
pub(crate) fn payload(expected: FileKind, bytes: &[u8]) -> Result<(Header, &[u8]), FormatError> {
    let header = read_header(bytes)?;
    match FileKind::from_u32(header.kind) {
        Some(kind) if kind == expected => Ok((header, &bytes[HEADER_LEN..])),
        _ => Err(FormatError::WrongKind { found: header.kind, expected: expected as u32 }),
    }
}

/// Decodes a payload under a limit of its own length.
pub(crate) fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, FormatError> {
    codec(payload.len() as u64).deserialize(payload).map_err(|e| FormatError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_header_check() {
        let bytes = encode(FileKind::Weights, &vec![1.5f32, -2.0]).unwrap();
        assert_eq!(&bytes[..8], &MAGIC);
        assert_eq!(bytes.len(), HEADER_LEN + 8 + 8);
        assert_eq!(decode::<Vec<f32>>(FileKind::Weights, &bytes).unwrap(), vec![1.5, -2.0]);
        assert!(matches!(
            decode::<Vec<f32>>(FileKind::Model, &bytes),
            Err(FormatError::WrongKind { found: 2, .. })
        ));

        let mut bad = bytes.clone();
        bad[0] = b'P';
        assert_eq!(read_header(&bad), Err(FormatError::BadMagic));
        let mut future = bytes.clone();
        let next = FORMAT_VERSION + 1;
        future[8..12].copy_from_slice(&next.to_le_bytes());
        assert_eq!(
            read_header(&future),
            Err(FormatError::UnsupportedVersion { found: next, supported: FORMAT_VERSION })
        );
        assert!(matches!(read_header(&bytes[..bytes.len() - 1]), Err(FormatError::LengthMismatch { .. })));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(read_header(&flipped), Err(FormatError::ChecksumMismatch { .. })));
        assert_eq!(read_header(&bytes[..5]), Err(FormatError::TooShort { len: 5 }));
    }

    #[test]
    fn a_claimed_huge_vector_is_a_decode_error_not_an_allocation() {
        // A payload that claims 2^40 f32 values and holds none.
        let bytes = frame(FileKind::Weights, &(1u64 << 40).to_le_bytes());
        assert!(matches!(decode::<Vec<f32>>(FileKind::Weights, &bytes), Err(FormatError::Decode(_))));
    }
}
