//! Classification metrics beyond accuracy: the confusion matrix, precision, recall and F1 per
//! class and averaged (macro, micro, weighted), and top-k accuracy. Conventions are
//! scikit-learn's (`zero_division = 0`, averages over every class).

use dendrite_losses::Targets;
use dendrite_tensor::Matrix;

use crate::metric::argmax_row;
use crate::{Error, Result};

/// Precision, recall and F1 together (one class's, or an average).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Scores {
    /// `tp / (tp + fp)`, 0 when nothing was predicted as the class.
    pub precision: f64,
    /// `tp / (tp + fn)`, 0 when the class never occurs.
    pub recall: f64,
    /// `2 tp / (2 tp + fp + fn)`, 0 when both are 0.
    pub f1: f64,
}

/// Counts of true class against predicted class: `count(i, j)` samples of class `i` were
/// predicted as `j`.
///
/// # Example
/// ```
/// use dendrite_model::ConfusionMatrix;
/// # fn main() -> dendrite_model::Result<()> {
/// let m = ConfusionMatrix::new(3, &[0, 0, 1, 2, 2, 2], &[0, 1, 1, 2, 2, 0])?;
/// assert_eq!(m.count(2, 0), 1);
/// assert_eq!(m.support(2), 3);
/// assert_eq!(m.accuracy(), 4.0 / 6.0);
/// assert_eq!(m.class_scores(1).precision, 0.5);
/// assert_eq!(m.micro().f1, m.accuracy());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfusionMatrix {
    classes: usize,
    /// Row-major: true class, then predicted class.
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// Counts the pairs of `y_true` and `y_pred` for `classes` classes.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for lists of different lengths, no classes, or a class index
    /// of `classes` or more.
    pub fn new(classes: usize, y_true: &[usize], y_pred: &[usize]) -> Result<Self> {
        if classes == 0 {
            return Err(Error::InvalidData("a confusion matrix needs at least one class".to_owned()));
        }
        if y_true.len() != y_pred.len() {
            return Err(Error::InvalidData(format!(
                "{} true classes but {} predicted",
                y_true.len(),
                y_pred.len()
            )));
        }
        let mut counts = vec![0u64; classes * classes];
        for (row, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
            if t >= classes || p >= classes {
                return Err(Error::InvalidData(format!(
                    "sample {row}: class {} is out of range for {classes} classes",
                    t.max(p)
                )));
            }
            counts[t * classes + p] += 1;
        }
        Ok(Self { classes, counts })
    }

    /// Zero counts for `classes` classes, reusing the buffer when the size stays.
    pub(crate) fn reset(&mut self, classes: usize) {
        self.classes = classes;
        self.counts.clear();
        self.counts.resize(classes * classes, 0);
    }

    /// Adds a batch of a classifier's outputs against its targets: the argmax of each row (or
    /// `p > 0.5` for one column) against the class index, the one-hot row's argmax, or the 0
    /// or 1 of a single target column. Targets that are not classes (several binary columns,
    /// regression values) count nothing.
    pub(crate) fn add(&mut self, output: &Matrix, y: Targets<'_>) {
        let n = output.nrows();
        let k = self.classes;
        let predicted = |i: usize| -> usize {
            if output.ncols() == 1 { usize::from(output[(i, 0)] > 0.5) } else { argmax_row(output, i) }
        };
        match y {
            Targets::Classes(c) => {
                for (i, &t) in c.iter().enumerate() {
                    let p = predicted(i);
                    if t < k && p < k {
                        self.counts[t * k + p] += 1;
                    }
                }
            }
            Targets::Values(v) if v.ncols() == 1 && output.ncols() == 1 => {
                for i in 0..n {
                    let t = usize::from(v[(i, 0)] > 0.5);
                    self.counts[t * k + predicted(i)] += 1;
                }
            }
            Targets::Values(v) if v.ncols() == output.ncols() && v.ncols() == k && k > 1 => {
                for i in 0..n {
                    self.counts[argmax_row(v, i) * k + predicted(i)] += 1;
                }
            }
            Targets::Values(_) => {}
        }
    }

    /// The number of classes.
    #[must_use]
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Samples of class `true_class` predicted as `predicted` (0 out of range).
    #[must_use]
    pub fn count(&self, true_class: usize, predicted: usize) -> u64 {
        if true_class < self.classes && predicted < self.classes {
            self.counts[true_class * self.classes + predicted]
        } else {
            0
        }
    }

    /// The rows, true class by true class.
    #[must_use]
    pub fn rows(&self) -> Vec<Vec<u64>> {
        self.counts.chunks(self.classes).map(<[u64]>::to_vec).collect()
    }

    /// Samples of class `c`.
    #[must_use]
    pub fn support(&self, c: usize) -> u64 {
        (0..self.classes).map(|p| self.count(c, p)).sum()
    }

    /// All samples.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The fraction predicted right (0 for no samples).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        let right: u64 = (0..self.classes).map(|c| self.count(c, c)).sum();
        ratio(right, self.total())
    }

    /// `(tp, fp, fn)` of class `c`.
    fn outcomes(&self, c: usize) -> (u64, u64, u64) {
        let tp = self.count(c, c);
        let predicted: u64 = (0..self.classes).map(|t| self.count(t, c)).sum();
        (tp, predicted - tp, self.support(c) - tp)
    }

    /// Precision, recall and F1 of class `c`.
    #[must_use]
    pub fn class_scores(&self, c: usize) -> Scores {
        let (tp, fp, fn_) = self.outcomes(c);
        scores(tp, fp, fn_)
    }

    /// The unweighted mean over the classes of each score (macro F1 is the mean of the F1s).
    #[must_use]
    pub fn macro_avg(&self) -> Scores {
        self.average(|_| 1.0, self.classes as f64)
    }

    /// The mean over the classes weighted by their support.
    #[must_use]
    pub fn weighted(&self) -> Scores {
        self.average(|c| self.support(c) as f64, self.total() as f64)
    }

    /// The scores of the summed outcomes (for single-label classes all equal the accuracy).
    #[must_use]
    pub fn micro(&self) -> Scores {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for c in 0..self.classes {
            let (t, p, n) = self.outcomes(c);
            (tp, fp, fn_) = (tp + t, fp + p, fn_ + n);
        }
        scores(tp, fp, fn_)
    }

    fn average(&self, weight: impl Fn(usize) -> f64, total: f64) -> Scores {
        if total == 0.0 {
            return Scores::default();
        }
        let mut sum = Scores::default();
        for c in 0..self.classes {
            let (s, w) = (self.class_scores(c), weight(c));
            sum.precision += w * s.precision;
            sum.recall += w * s.recall;
            sum.f1 += w * s.f1;
        }
        Scores { precision: sum.precision / total, recall: sum.recall / total, f1: sum.f1 / total }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn scores(tp: u64, fp: u64, fn_: u64) -> Scores {
    Scores {
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
    }
}

/// The fraction of rows of `scores` whose true class is among their `k` largest scores (ties
/// broken toward the lower index, as a stable sort would).
///
/// # Errors
/// [`Error::InvalidData`] for a length or class out of range, or `k` of 0.
///
/// # Example
/// ```
/// use dendrite_model::{Matrix, top_k_accuracy};
/// # fn main() -> dendrite_model::Result<()> {
/// let scores = Matrix::from_row_slice(2, 3, &[0.1, 0.7, 0.2, 0.5, 0.3, 0.2]);
/// assert_eq!(top_k_accuracy(&scores, &[2, 1], 1)?, 0.0);
/// assert_eq!(top_k_accuracy(&scores, &[2, 1], 2)?, 1.0);
/// # Ok(())
/// # }
/// ```
pub fn top_k_accuracy(scores: &Matrix, y_true: &[usize], k: usize) -> Result<f64> {
    if k == 0 {
        return Err(Error::InvalidData("top-k accuracy needs k of at least 1".to_owned()));
    }
    if y_true.len() != scores.nrows() {
        return Err(Error::InvalidData(format!(
            "{} rows of scores but {} classes",
            scores.nrows(),
            y_true.len()
        )));
    }
    let mut hits = 0u64;
    for (i, &t) in y_true.iter().enumerate() {
        if t >= scores.ncols() {
            return Err(Error::InvalidData(format!(
                "sample {i}: class {t} is out of range for {}",
                scores.ncols()
            )));
        }
        let row = scores.row(i);
        let target = row[t];
        // The rank of the target: scores above it, and equal ones before it.
        let above = row.iter().enumerate().filter(|&(j, &v)| v > target || (v == target && j < t)).count();
        hits += u64::from(above < k);
    }
    Ok(ratio(hits, y_true.len() as u64))
}
