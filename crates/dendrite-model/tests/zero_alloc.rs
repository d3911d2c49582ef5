//! After the first steps, training allocates nothing: a counting global allocator reads the
//! number of allocations at the end of every epoch, and from the third epoch on the count must
//! not move (full batch, and mini-batches with a short last batch; dropout, Adam, shuffling and
//! validation on), for a two-layer perceptron (which trains in a sweep of its own) and for a
//! deeper network (whose full batch runs in tiles of rows).

use dendrite_data::spiral_data;
use dendrite_losses::Targets;
use dendrite_model::{EpochRecord, FitOptions, Flow, LossKind, Model, Report};
use dendrite_optim::{Adam, AdamConfig};
use dendrite_tensor::Rng;

use dendrite_tensor::kernels::alloc::{Counting, allocations};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocation counts at the end of each epoch of a fit.
fn counts_per_epoch(batch_size: Option<usize>, deep: bool) -> Result<Vec<usize>, Box<dyn std::error::Error>> {
    // The counter sees allocations at all.
    let before = allocations();
    let probe = std::hint::black_box(vec![1u8; 3]);
    assert!(allocations() > before && probe.len() == 3);
    let mut rng = Rng::seed_from_u64(1);
    // 1,200 samples: a deep network's full batch runs in tiles of rows (five of 240).
    let (x, y) = spiral_data(400, 3, &mut rng);
    let (vx, vy) = spiral_data(20, 3, &mut rng);
    let mut builder = Model::builder(2).dense(32).relu().dropout(0.1);
    if deep {
        builder = builder.dense(16).relu();
    }
    let mut model = builder
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.02, decay: 1e-3, ..AdamConfig::default() })?)
        .build()?;
    let mut counts = Vec::with_capacity(16);
    let hook = Box::new(|_: &Model, _: &EpochRecord| {
        counts.push(allocations());
        Ok(Flow::Continue)
    });
    model.fit(
        &x,
        Targets::Classes(&y),
        FitOptions {
            epochs: 8,
            batch_size,
            validation: Some((&vx, Targets::Classes(&vy))),
            on_epoch_end: Some(hook),
            report: Report::Quiet,
            ..FitOptions::default()
        },
    )?;
    Ok(counts)
}

#[test]
fn full_batch_training_allocates_nothing_after_warm_up() -> Result<(), Box<dyn std::error::Error>> {
    for deep in [false, true] {
        let counts = counts_per_epoch(None, deep)?;
        assert_eq!(counts.len(), 8);
        assert!(
            counts[2..].windows(2).all(|w| w[0] == w[1]),
            "deep {deep}: allocations per epoch: {counts:?}"
        );
    }
    Ok(())
}

#[test]
fn mini_batch_training_allocates_nothing_after_warm_up() -> Result<(), Box<dyn std::error::Error>> {
    // 1,200 samples in batches of 64: 18 full batches and a short one of 48 every epoch.
    for deep in [false, true] {
        let counts = counts_per_epoch(Some(64), deep)?;
        assert!(
            counts[2..].windows(2).all(|w| w[0] == w[1]),
            "deep {deep}: allocations per epoch: {counts:?}"
        );
    }
    Ok(())
}
