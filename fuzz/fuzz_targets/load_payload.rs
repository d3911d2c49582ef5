//! The loader behind a valid header: the fuzzer's bytes become the payload of a file whose
//! magic, version, length and CRC-32 are right, so every input reaches the bincode decoder and
//! the consistency checks (random mutations of whole files mostly stop at the checksum).
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo fuzz run load_payload -- -max_len=65536 -malloc_limit_mb=256 -max_total_time=600
//! ```
#![no_main]

use dendrite_model::{FileKind, LayerRegistry, Model, frame};
use dendrite_tensor::Matrix;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let bytes = frame(FileKind::Model, payload);
    if let Ok(mut model) = Model::from_bytes(&bytes, &LayerRegistry::new()) {
        if model.input_width() <= 4096 {
            let _ = model.predict(&Matrix::zeros(1, model.input_width()));
        }
        let _ = model.to_bytes();
    }
});
