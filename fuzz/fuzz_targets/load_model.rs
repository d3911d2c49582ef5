//! Any byte string given to the model loader must give `Ok` or a typed error: never a panic,
//! an abort, or an allocation beyond what the bytes justify (run with `-malloc_limit_mb`).
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo fuzz run load_model -- -max_len=65536 -malloc_limit_mb=256 -max_total_time=600
//! ```
#![no_main]

use dendrite_model::{LayerRegistry, Model, read_header};
use dendrite_tensor::Matrix;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_header(data);
    if let Ok(mut model) = Model::from_bytes(data, &LayerRegistry::new()) {
        // A file that loads must also run and save. (A layer-free width is the caller's input
        // size, not an allocation of the loader's: keep the probe row small.)
        if model.input_width() <= 4096 {
            let _ = model.predict(&Matrix::zeros(1, model.input_width()));
        }
        let _ = model.to_bytes();
    }
});
