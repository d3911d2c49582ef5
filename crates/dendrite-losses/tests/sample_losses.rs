//! Per-sample losses: their mean is each built-in loss's `forward`, sample by sample the loss of
//! that row alone.

use dendrite_losses::{BinaryCrossEntropy, CategoricalCrossEntropy, Loss, Mae, Mse, Targets};
use dendrite_tensor::Matrix;

fn probabilities(rows: usize, cols: usize) -> Matrix {
    let mut m = Matrix::from_fn(rows, cols, |i, j| 0.05 + ((i * 7 + j * 3) % 11) as f32 / 11.0);
    for i in 0..rows {
        let sum: f32 = m.row(i).iter().sum();
        for j in 0..cols {
            m[(i, j)] /= sum;
        }
    }
    m
}

fn check(
    loss: &dyn Loss,
    y_pred: &Matrix,
    y_true: Targets<'_>,
    row: impl Fn(usize) -> (Matrix, Vec<usize>, Option<Matrix>),
) {
    let mut per = Vec::new();
    loss.sample_losses(y_pred, y_true, &mut per).expect("per-sample losses");
    assert_eq!(per.len(), y_pred.nrows());
    let mean = per.iter().sum::<f64>() / per.len() as f64;
    let forward = f64::from(loss.forward(y_pred, y_true).expect("forward"));
    assert!((mean - forward).abs() < 1e-6 * forward.abs().max(1.0), "{}: {mean} vs {forward}", loss.name());
    for (i, &l) in per.iter().enumerate() {
        let (p, classes, values) = row(i);
        let alone = match &values {
            Some(v) => loss.forward(&p, Targets::Values(v)),
            None => loss.forward(&p, Targets::Classes(&classes)),
        };
        let alone = f64::from(alone.expect("one row"));
        assert!((l - alone).abs() < 1e-6 * alone.abs().max(1.0), "{} row {i}: {l} vs {alone}", loss.name());
    }
}

#[test]
fn the_mean_of_the_sample_losses_is_the_loss() {
    // 150 rows: more than one chunk of the vectorized logarithm.
    let (n, k) = (150, 4);
    let p = probabilities(n, k);
    let labels: Vec<usize> = (0..n).map(|i| (i * 5) % k).collect();
    let row = |m: &Matrix, i: usize| {
        Matrix::from_row_slice(1, m.ncols(), &m.row(i).iter().copied().collect::<Vec<_>>())
    };
    check(&CategoricalCrossEntropy, &p, Targets::Classes(&labels), |i| (row(&p, i), vec![labels[i]], None));
    let one_hot = Matrix::from_fn(n, k, |i, j| f32::from(u8::from(labels[i] == j)));
    check(&CategoricalCrossEntropy, &p, Targets::Values(&one_hot), |i| {
        (row(&p, i), vec![], Some(row(&one_hot, i)))
    });
    let targets = Matrix::from_fn(n, k, |i, j| ((i + j) % 2) as f32);
    for loss in [&BinaryCrossEntropy as &dyn Loss, &Mse, &Mae] {
        check(loss, &p, Targets::Values(&targets), |i| (row(&p, i), vec![], Some(row(&targets, i))));
    }
}
