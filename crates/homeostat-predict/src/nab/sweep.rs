//! The per-row rewards of NAB's sweeper and the score at every threshold.
//!
//! A port of `nab/sweeper.py`: a row inside an anomaly window earns the
//! scaled sigmoid of its position in the window (earlier is better; only the
//! best row of a window counts), a row outside every window costs the false
//! positive weight, scaled down when it falls just after a window, and a
//! window with no detection costs the false negative weight. Rows of the
//! probationary period (the first 15% of a file, at most 750 rows) are not
//! scored.

use super::CostMatrix;

/// NAB's fraction of each file that is probationary.
pub const PROBATION_PERCENT: f64 = 0.15;

/// NAB's scaled sigmoid: `2σ(-5x) - 1`, and `-1` past `x > 3`.
///
/// `x = -1` is the first row of a window, `x = 0` just past its end.
///
/// ```
/// use homeostat_predict::nab::scaled_sigmoid;
/// assert!((scaled_sigmoid(0.0)).abs() < 1e-12);
/// assert!(scaled_sigmoid(-1.0) > 0.98);
/// assert_eq!(scaled_sigmoid(3.5), -1.0);
/// ```
pub fn scaled_sigmoid(relative_position: f64) -> f64 {
    if relative_position > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * relative_position).exp()) - 1.0
    }
}

/// NAB's probationary length for a file of `rows` rows:
/// `min(floor(0.15 rows), 0.15 × 5000)`.
pub fn probationary_length(rows: usize) -> usize {
    let by_fraction = (PROBATION_PERCENT * rows as f64).floor();
    by_fraction.min(PROBATION_PERCENT * 5000.0) as usize
}

/// An anomaly window as row indices, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRows {
    /// First row of the window.
    pub start: usize,
    /// Last row of the window (included).
    pub end: usize,
}

/// Where a row stands for the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRole {
    /// In the probationary period: never scored.
    Probationary,
    /// Outside every window: a detection here is a false positive.
    Outside,
    /// Inside the window with this corpus-wide id.
    Window(usize),
}

/// One row ready to score: its anomaly score, its weighted reward if
/// detected (NAB's `S(t)`), and its role.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// The detector's anomaly score.
    pub anomaly_score: f64,
    /// The weighted reward of a detection at this row.
    pub reward: f64,
    /// Where the row stands.
    pub role: RowRole,
}

/// The rewards of every row of one file (NAB's `calcSweepScore`).
///
/// `windows` must be sorted, disjoint and within `0..scores.len()`; window
/// ids are numbered from `first_window_id` so several files can be pooled.
pub fn sweep_file(
    scores: &[f64],
    windows: &[WindowRows],
    costs: &CostMatrix,
    first_window_id: usize,
) -> Vec<SweepPoint> {
    let max_tp = scaled_sigmoid(-1.0);
    let probation = probationary_length(scores.len());
    let mut out = Vec::with_capacity(scores.len());
    let mut next_window = 0usize;
    let mut current: Option<(usize, WindowRows)> = None;
    let mut previous: Option<WindowRows> = None;
    for (i, &anomaly_score) in scores.iter().enumerate() {
        if current.is_none()
            && let Some(w) = windows.get(next_window)
            && w.start == i
        {
            current = Some((first_window_id + next_window, *w));
            next_window += 1;
        }
        let (reward, id) = match current {
            Some((id, w)) => {
                let width = (w.end - w.start + 1) as f64;
                let position = -((w.end as f64) - (i as f64) + 1.0) / width;
                (
                    scaled_sigmoid(position) * costs.tp_weight / max_tp,
                    Some(id),
                )
            }
            None => {
                let unweighted = match previous {
                    None => -1.0,
                    Some(p) => {
                        let past = i.abs_diff(p.end) as f64;
                        // A one-row window divides by zero in NAB too; the
                        // infinite position scores as a plain false positive.
                        let width = (p.end - p.start + 1) as f64;
                        scaled_sigmoid(past / (width - 1.0))
                    }
                };
                (unweighted * costs.fp_weight, None)
            }
        };
        let role = if i < probation {
            RowRole::Probationary
        } else {
            id.map_or(RowRole::Outside, RowRole::Window)
        };
        out.push(SweepPoint {
            anomaly_score,
            reward,
            role,
        });
        if let Some((_, w)) = current
            && w.end == i
        {
            previous = Some(w);
            current = None;
        }
    }
    out
}

/// The raw score and the counts at one threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdScore {
    /// Rows scoring at least this are detections.
    pub threshold: f64,
    /// The raw NAB score (sum of window rewards and false positive costs).
    pub score: f64,
    /// Detections inside windows.
    pub tp: usize,
    /// Scorable rows inside windows not detected.
    pub fn_: usize,
    /// Detections outside windows.
    pub fp: usize,
    /// Scorable rows outside windows not detected.
    pub tn: usize,
}

/// The raw score with detections at `anomaly_score >= threshold`.
///
/// A window with no scorable row (all in the probationary period) counts
/// neither as found nor as missed, as in NAB.
pub fn score_at(points: &[SweepPoint], threshold: f64, costs: &CostMatrix) -> ThresholdScore {
    let mut best: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    let mut fp_sum = 0.0;
    let (mut tp, mut fn_, mut fp, mut tn) = (0, 0, 0, 0);
    for p in points {
        let detected = p.anomaly_score >= threshold;
        match p.role {
            RowRole::Probationary => {}
            RowRole::Outside => {
                if detected {
                    fp += 1;
                    fp_sum += p.reward;
                } else {
                    tn += 1;
                }
            }
            RowRole::Window(id) => {
                let entry = best.entry(id).or_insert(-costs.fn_weight);
                if detected {
                    tp += 1;
                    *entry = entry.max(p.reward);
                } else {
                    fn_ += 1;
                }
            }
        }
    }
    ThresholdScore {
        threshold,
        score: fp_sum + best.values().sum::<f64>(),
        tp,
        fn_,
        fp,
        tn,
    }
}

/// The raw score at every distinct threshold (NAB's `calcScoreByThreshold`),
/// from the highest threshold down; the first entry detects nothing.
///
/// Pool several files' points (with distinct window ids) to sweep a corpus.
/// Anomaly scores that are NaN are never detections.
pub fn scores_by_threshold(points: &[SweepPoint], costs: &CostMatrix) -> Vec<ThresholdScore> {
    let mut scorable: Vec<&SweepPoint> = points
        .iter()
        .filter(|p| p.role != RowRole::Probationary && !p.anomaly_score.is_nan())
        .collect();
    scorable.sort_by(|a, b| b.anomaly_score.total_cmp(&a.anomaly_score));
    let mut window_best: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut fn_ = 0usize;
    let mut tn = 0usize;
    for p in points {
        match p.role {
            RowRole::Window(id) => {
                window_best.insert(id, -costs.fn_weight);
                fn_ += 1;
            }
            RowRole::Outside => tn += 1,
            RowRole::Probationary => {}
        }
    }
    let mut window_sum: f64 = window_best.values().sum();
    let mut fp_sum = 0.0;
    let mut out = Vec::new();
    // NAB starts above every score (1.1 for scores in [0, 1]).
    let mut threshold = scorable
        .first()
        .map_or(1.1, |p| p.anomaly_score.max(1.0) + 0.1);
    for p in scorable {
        if p.anomaly_score != threshold {
            out.push(ThresholdScore {
                threshold,
                score: fp_sum + window_sum,
                tp,
                fn_,
                fp,
                tn,
            });
            threshold = p.anomaly_score;
        }
        match p.role {
            RowRole::Window(id) => {
                tp += 1;
                fn_ = fn_.saturating_sub(1);
                if let Some(best) = window_best.get_mut(&id)
                    && p.reward > *best
                {
                    window_sum += p.reward - *best;
                    *best = p.reward;
                }
            }
            _ => {
                fp += 1;
                tn = tn.saturating_sub(1);
                fp_sum += p.reward;
            }
        }
    }
    out.push(ThresholdScore {
        threshold,
        score: fp_sum + window_sum,
        tp,
        fn_,
        fp,
        tn,
    });
    out
}

/// The threshold with the highest raw score; on ties the highest threshold,
/// as NAB's `max` keeps the first.
pub fn best_threshold(points: &[SweepPoint], costs: &CostMatrix) -> ThresholdScore {
    let all = scores_by_threshold(points, costs);
    let mut best = ThresholdScore {
        threshold: 1.1,
        score: f64::NEG_INFINITY,
        tp: 0,
        fn_: 0,
        fp: 0,
        tn: 0,
    };
    for s in all {
        if s.score > best.score {
            best = s;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nab::Profile;

    fn costs() -> CostMatrix {
        Profile::nab_profiles()[0].costs
    }

    #[test]
    fn probation_is_fifteen_percent_capped_at_750() {
        assert_eq!(probationary_length(0), 0);
        assert_eq!(probationary_length(100), 15);
        assert_eq!(probationary_length(10_000), 750);
    }

    #[test]
    fn earliest_detection_in_a_window_earns_the_full_reward() {
        let w = [WindowRows { start: 50, end: 59 }];
        let p = sweep_file(&[0.0; 100], &w, &costs(), 0);
        assert!((p[50].reward - 1.0).abs() < 1e-12);
        assert!(p[55].reward < p[50].reward && p[55].reward > 0.0);
        // Before any window: the full false-positive cost.
        assert_eq!(p[20].reward, -0.11);
        // Just after the window: a smaller cost, growing to the full one.
        assert!(p[60].reward > -0.11 && p[60].reward < 0.0);
        assert_eq!(p[99].reward, -0.11);
        assert_eq!(p[5].role, RowRole::Probationary);
    }

    #[test]
    fn sweep_agrees_with_direct_scoring_at_every_threshold() {
        let w = [
            WindowRows { start: 30, end: 39 },
            WindowRows { start: 70, end: 74 },
        ];
        let scores: Vec<f64> = (0..100).map(|i| ((i * 37) % 11) as f64 / 10.0).collect();
        let p = sweep_file(&scores, &w, &costs(), 0);
        let all = scores_by_threshold(&p, &costs());
        assert_eq!(all[0].tp + all[0].fp, 0);
        assert!(
            (all[0].score + 2.0).abs() < 1e-12,
            "nothing detected: two misses"
        );
        for s in &all {
            let direct = score_at(&p, s.threshold, &costs());
            assert!((direct.score - s.score).abs() < 1e-9, "{s:?} vs {direct:?}");
            assert_eq!((direct.tp, direct.fp), (s.tp, s.fp));
        }
        let best = best_threshold(&p, &costs());
        assert!(all.iter().all(|s| s.score <= best.score));
    }

    #[test]
    fn nan_scores_are_never_detections() {
        let w = [WindowRows { start: 50, end: 59 }];
        let p = sweep_file(&[f64::NAN; 100], &w, &costs(), 0);
        assert_eq!(score_at(&p, 0.0, &costs()).score, -1.0);
        assert_eq!(scores_by_threshold(&p, &costs()).len(), 1);
    }

    #[test]
    fn a_window_inside_probation_is_not_scored() {
        let w = [WindowRows { start: 2, end: 4 }];
        let p = sweep_file(&[0.0; 100], &w, &costs(), 0);
        assert_eq!(score_at(&p, 1.0, &costs()).score, 0.0);
    }
}
