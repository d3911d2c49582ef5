//! Hostile model files must not make the loader allocate more than a few times their size:
//! a counting global allocator measures the peak of live heap bytes while each one loads.

use dendrite_model::{FileKind, LayerRegistry, LossKind, Model, frame};
use dendrite_tensor::Rng;

use dendrite_tensor::kernels::alloc::{Counting, peak_during};

#[global_allocator]
static GLOBAL: Counting = Counting;

fn framed(payload: &[u8]) -> Vec<u8> {
    frame(FileKind::Model, payload)
}

/// The budget: eight times the file, plus a fixed allowance for the model's own small
/// structures (an empty model with its optimizer and buffers).
fn budget(len: usize) -> usize {
    8 * len + 64 * 1024
}

#[test]
fn hostile_files_stay_within_a_few_times_their_size() -> Result<(), Box<dyn std::error::Error>> {
    let model = Model::builder(2)
        .dense(16)
        .relu()
        .dropout(0.1)
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .build()?;
    let good = model.to_checkpoint_bytes()?;
    let registry = LayerRegistry::new();
    let mut cases: Vec<Vec<u8>> = Vec::new();
    for len in (0..good.len()).step_by(7) {
        cases.push(good[..len].to_vec());
    }
    // Payloads behind a valid header: length fields rewritten to 2^40, and random bytes.
    let payload = &good[28..];
    for at in (0..payload.len().saturating_sub(8)).step_by(8) {
        let mut p = payload.to_vec();
        p[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        cases.push(framed(&p));
    }
    let mut rng = Rng::seed_from_u64(5);
    for _ in 0..200 {
        let mut p = payload.to_vec();
        for _ in 0..4 {
            let i = rng.below(p.len() as u64) as usize;
            p[i] = rng.next_u32() as u8;
        }
        cases.push(framed(&p));
    }
    for bytes in &cases {
        let peak = peak_during(|| {
            let _ = Model::from_bytes(bytes, &registry);
        });
        assert!(peak <= budget(bytes.len()), "{} bytes of file made a peak of {peak} bytes", bytes.len());
    }
    Ok(())
}
