//! Serving: a model shared by threads, cloned, and asked for classes.

use std::sync::Arc;

use dendrite_data::spiral_data;
use dendrite_layers::DenseConfig;
use dendrite_losses::Targets;
use dendrite_model::{FitOptions, LossKind, Model, Preprocessing, Report, Workspace};
use dendrite_optim::{Adam, AdamConfig};
use dendrite_tensor::{Matrix, Rng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const fn assert_serving<T: Send + Sync + Clone + 'static>() {}
const _: () = assert_serving::<Model>();

fn bits(m: &Matrix) -> Vec<u32> {
    m.iter().map(|v| v.to_bits()).collect()
}

/// Every built-in layer kind, with dropout 0.5, trained a little.
fn every_kind() -> Result<Model, Box<dyn std::error::Error>> {
    let mut model = Model::builder(2)
        .dense_with(DenseConfig { weight_l2: 5e-4, ..DenseConfig::new(2, 48) })
        .relu()
        .dropout(0.5)
        .dense(32)
        .tanh()
        .dropout(0.5)
        .dense(32)
        .leaky_relu(0.1)
        .dense(16)
        .sigmoid()
        .dense(16)
        .linear()
        .dense(3)
        .softmax()
        .loss(LossKind::CategoricalCrossEntropy)
        .optimizer(Adam::new(AdamConfig { learning_rate: 0.01, ..AdamConfig::default() })?)
        .preprocessing(Preprocessing::Affine { shift: 0.1, scale: 1.5 })
        .class_names(["a", "b", "c"])
        .seed(5)
        .build()?;
    let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(1));
    let options =
        FitOptions { epochs: 20, batch_size: Some(64), report: Report::Quiet, ..FitOptions::default() };
    model.fit(&x, Targets::Classes(&y), options)?;
    Ok(model)
}

#[test]
fn eight_threads_sharing_one_model_get_the_bits_of_one_thread() -> TestResult {
    let model = Arc::new(every_kind()?);
    // Batches of several sizes: one row, a few rows, and a batch large enough for row tiles.
    let (x, y) = spiral_data(400, 3, &mut Rng::seed_from_u64(2));
    let batches: Vec<Matrix> = [1, 7, 64, 1200].iter().map(|&n| x.rows(0, n).into_owned()).collect();
    let alone: Vec<Vec<u32>> =
        batches.iter().map(|b| model.predict(b).map(|p| bits(&p))).collect::<Result<_, _>>()?;
    let classes = model.predict_classes(&x)?;
    let evaluation = model.evaluate(&x, Targets::Classes(&y))?;

    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (model, batches, x, y) = (Arc::clone(&model), batches.clone(), x.clone(), y.clone());
            std::thread::spawn(move || -> Result<_, dendrite_model::Error> {
                let (mut workspace, mut out) = (Workspace::new(), Matrix::zeros(0, 0));
                let mut seen = Vec::new();
                for round in 0..20 {
                    // Each thread walks the batches in its own order.
                    let b = &batches[(t + round) % batches.len()];
                    model.predict_into(b, &mut workspace, &mut out)?;
                    seen.push(((t + round) % batches.len(), bits(&out)));
                }
                let classes = model.predict_classes(&x)?;
                let evaluation = model.evaluate_into(&x, Targets::Classes(&y), &mut workspace)?;
                Ok((seen, classes, evaluation))
            })
        })
        .collect();
    for handle in handles {
        let (seen, got_classes, got_evaluation) = handle.join().map_err(|_| "a thread panicked")??;
        for (k, b) in seen {
            assert_eq!(b, alone[k], "batch {k}");
        }
        assert_eq!(got_classes, classes);
        assert_eq!(got_evaluation, evaluation);
    }
    Ok(())
}

#[test]
fn a_clone_predicts_the_same_bits_and_trains_on_as_the_original_would() -> TestResult {
    let mut model = every_kind()?;
    let mut clone = model.clone();
    let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(3));
    assert_eq!(bits(&clone.predict(&x)?), bits(&model.predict(&x)?));
    assert_eq!(clone.class_names(), model.class_names());

    // Training the clone leaves the original as it was ...
    let before = bits(&model.predict(&x)?);
    let options =
        || FitOptions { epochs: 3, batch_size: Some(32), report: Report::Quiet, ..FitOptions::default() };
    clone.fit(&x, Targets::Classes(&y), options())?;
    assert_eq!(bits(&model.predict(&x)?), before);
    assert_ne!(bits(&clone.predict(&x)?), before);
    // ... and the original, trained the same way, ends where the clone did: same weights,
    // optimizer state, generators (dropout masks, shuffles).
    model.fit(&x, Targets::Classes(&y), options())?;
    assert_eq!(bits(&model.predict(&x)?), bits(&clone.predict(&x)?));
    assert_eq!(model.to_checkpoint_bytes()?, clone.to_checkpoint_bytes()?);
    Ok(())
}

#[test]
fn classes_are_the_argmax_or_the_probability_above_one_half() -> TestResult {
    let model = every_kind()?;
    let (x, _) = spiral_data(50, 3, &mut Rng::seed_from_u64(4));
    let p = model.predict(&x)?;
    let classes = model.predict_classes(&x)?;
    for (i, &c) in classes.iter().enumerate() {
        let row = p.row(i);
        assert!(row.iter().all(|&v| v <= row[c]), "row {i}: {row:?} -> {c}");
        assert!(row.iter().take(c).all(|&v| v < row[c]), "the first of equal ones");
    }

    let binary =
        Model::builder(2).dense(8).relu().dense(1).sigmoid().loss(LossKind::BinaryCrossEntropy).build()?;
    let p = binary.predict(&x)?;
    let classes = binary.predict_classes(&x)?;
    assert!(classes.iter().zip(p.iter()).all(|(&c, &p)| c == usize::from(p > 0.5)));

    let regression = Model::builder(2).dense(1).linear().loss(LossKind::MeanSquaredError).build()?;
    let err = regression.predict_classes(&x).unwrap_err();
    assert!(err.to_string().contains("predicts values, not classes"), "{err}");
    Ok(())
}
