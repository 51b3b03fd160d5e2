//! Row-level scores: ROC-AUC, PR-AUC (average precision) and the confusion
//! matrix at a threshold.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Counts of a threshold's verdicts against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Confusion {
    /// Faults alarmed.
    pub true_positives: usize,
    /// Alarms without a fault.
    pub false_positives: usize,
    /// Healthy rows without alarm.
    pub true_negatives: usize,
    /// Faults missed.
    pub false_negatives: usize,
}

impl Confusion {
    /// The verdicts `p > threshold` against `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the lengths differ.
    pub fn at(p: &[f64], y: &[bool], threshold: f64) -> Result<Self> {
        same_length(p, y)?;
        let mut c = Confusion::default();
        for (&p, &y) in p.iter().zip(y) {
            match (p > threshold, y) {
                (true, true) => c.true_positives += 1,
                (true, false) => c.false_positives += 1,
                (false, false) => c.true_negatives += 1,
                (false, true) => c.false_negatives += 1,
            }
        }
        Ok(c)
    }

    /// TP / (TP + FP); 0 without alarms.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// TP / (TP + FN); 0 without faults.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub fn f1(&self) -> f64 {
        f1(self.precision(), self.recall())
    }

    /// Share of right verdicts.
    pub fn accuracy(&self) -> f64 {
        ratio(
            self.true_positives + self.true_negatives,
            self.true_positives + self.false_positives + self.true_negatives + self.false_negatives,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// One threshold of a precision-recall sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// θ: `p > θ` selects exactly the rows with `p >=` the distinct value swept.
    pub threshold: f64,
    /// Precision at θ.
    pub precision: f64,
    /// Recall at θ.
    pub recall: f64,
    /// False-positive rate at θ.
    pub false_positive_rate: f64,
}

impl SweepPoint {
    /// F1 at θ.
    pub fn f1(&self) -> f64 {
        f1(self.precision, self.recall)
    }
}

fn same_length(p: &[f64], y: &[bool]) -> Result<()> {
    if p.len() != y.len() {
        return Err(Error::InvalidData(format!(
            "{} probabilities but {} targets",
            p.len(),
            y.len()
        )));
    }
    Ok(())
}

/// Every distinct probability as a threshold, from the highest down.
///
/// # Errors
/// [`Error::InvalidData`] for empty or mismatched inputs, a NaN
/// probability, or targets without a positive.
pub fn sweep(p: &[f64], y: &[bool]) -> Result<Vec<SweepPoint>> {
    same_length(p, y)?;
    if p.is_empty() {
        return Err(Error::InvalidData("no probabilities to evaluate".into()));
    }
    if let Some(row) = p.iter().position(|v| v.is_nan()) {
        return Err(Error::InvalidData(format!(
            "probability at row {row} is NaN"
        )));
    }
    let positives = y.iter().filter(|&&t| t).count();
    let negatives = y.len() - positives;
    if positives == 0 {
        return Err(Error::InvalidData(
            "no positive target: recall is undefined".into(),
        ));
    }
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_unstable_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut points = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut k = 0;
    while k < order.len() {
        let v = p[order[k]];
        while k < order.len() && p[order[k]] == v {
            if y[order[k]] {
                tp += 1
            } else {
                fp += 1
            }
            k += 1;
        }
        let next = order.get(k).map(|&i| p[i]);
        let threshold = match next {
            Some(lower) => lower + (v - lower) / 2.0,
            None => v / 2.0,
        };
        points.push(SweepPoint {
            threshold,
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, positives),
            false_positive_rate: ratio(fp, negatives),
        });
    }
    Ok(points)
}

/// Area under the ROC curve (the probability that a random fault row gets a
/// higher p than a random healthy row, ties counting one half).
///
/// # Errors
/// As [`sweep`], and [`Error::InvalidData`] without a negative target.
pub fn roc_auc(p: &[f64], y: &[bool]) -> Result<f64> {
    let points = sweep(p, y)?;
    if y.iter().all(|&t| t) {
        return Err(Error::InvalidData(
            "no negative target: ROC-AUC is undefined".into(),
        ));
    }
    // Trapezoids between consecutive (FPR, TPR) points give the tie rule.
    let (mut area, mut x0, mut y0) = (0.0, 0.0, 0.0);
    for point in points {
        area += (point.false_positive_rate - x0) * (point.recall + y0) / 2.0;
        x0 = point.false_positive_rate;
        y0 = point.recall;
    }
    Ok(area)
}

/// Area under the precision-recall curve as average precision
/// (scikit-learn's `average_precision_score`: precision weighted by each
/// step of recall).
///
/// # Errors
/// As [`sweep`].
pub fn pr_auc(p: &[f64], y: &[bool]) -> Result<f64> {
    let mut area = 0.0;
    let mut last_recall = 0.0;
    for point in sweep(p, y)? {
        area += (point.recall - last_recall) * point.precision;
        last_recall = point.recall;
    }
    Ok(area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_inverted_rankings() {
        let y = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &y).unwrap(), 1.0);
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &y).unwrap(), 0.0);
        assert_eq!(roc_auc(&[0.5; 4], &y).unwrap(), 0.5);
        // scikit-learn: roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
        assert!((roc_auc(&[0.1, 0.4, 0.35, 0.8], &y).unwrap() - 0.75).abs() < 1e-12);
        // average_precision_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.8333...
        assert!((pr_auc(&[0.1, 0.4, 0.35, 0.8], &y).unwrap() - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn confusion_scores() {
        let c = Confusion::at(&[0.9, 0.8, 0.2, 0.1], &[true, false, true, false], 0.5).unwrap();
        assert_eq!(
            (c.true_positives, c.false_positives, c.false_negatives),
            (1, 1, 1)
        );
        assert_eq!(c.precision(), 0.5);
        assert_eq!(c.recall(), 0.5);
        assert_eq!(c.f1(), 0.5);
        assert_eq!(c.accuracy(), 0.5);
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(roc_auc(&[], &[]).is_err());
        assert!(roc_auc(&[0.1], &[true, false]).is_err());
        assert!(roc_auc(&[f64::NAN, 0.1], &[true, false]).is_err());
        assert!(roc_auc(&[0.2, 0.1], &[true, true]).is_err());
        assert!(pr_auc(&[0.2, 0.1], &[false, false]).is_err());
    }
}
