//! The loader behind a valid header: the fuzzer's bytes become the payload of a file whose
//! magic, version, length and CRC-32 are right, so every input reaches the bincode decoder and
//! the consistency checks (random mutations of whole files mostly stop at the checksum).
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo fuzz run load_payload -- -max_len=65536 -malloc_limit_mb=256 -max_total_time=600
//! ```
#![no_main]

use dendrite_model::{FORMAT_VERSION, FileKind, LayerRegistry, MAGIC, Model};
use dendrite_tensor::Matrix;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let mut bytes = Vec::with_capacity(28 + payload.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(FileKind::Model as u32).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes);
    h.update(payload);
    bytes.extend_from_slice(&h.finalize().to_le_bytes());
    bytes.extend_from_slice(payload);
    if let Ok(mut model) = Model::from_bytes(&bytes, &LayerRegistry::new()) {
        if model.input_width() <= 4096 {
            let _ = model.predict(&Matrix::zeros(1, model.input_width()));
        }
        let _ = model.to_bytes();
    }
});
