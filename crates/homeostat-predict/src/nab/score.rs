//! Corpus scores: raw NAB score per profile at a fixed or optimised
//! threshold, normalised between the null and the perfect detector.

use serde::Serialize;

use super::{
    CostMatrix, Profile, SweepPoint, ThresholdScore, WindowRows, best_threshold, score_at,
    sweep_file,
};
use crate::{Error, Result};

/// How the threshold of a profile is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Detections are rows scoring at least this.
    Fixed(f64),
    /// The threshold that maximises the raw score over the whole corpus
    /// (NAB's optimiser: one threshold for every file).
    Optimise,
}

/// One profile's result on a corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileScore {
    /// The profile's name.
    pub profile: String,
    /// The threshold used.
    pub threshold: f64,
    /// The raw score (sum over files).
    pub raw: f64,
    /// The null detector's raw score (nothing detected).
    pub null: f64,
    /// The perfect detector's raw score (`tp_weight` × windows).
    pub perfect: f64,
    /// `100 (raw − null) / (perfect − null)`: NAB's reported score.
    pub normalised: f64,
    /// Detections inside windows.
    pub tp: usize,
    /// Detections outside windows.
    pub fp: usize,
    /// Windows with at least one detection.
    pub windows_found: usize,
    /// Windows with a scorable row.
    pub windows_scored: usize,
}

/// Scores one detector's output on a corpus with one profile.
///
/// `files` pairs each file's windows with its anomaly scores (one per row);
/// `label_windows` is the number of windows in the labels (NAB's perfect
/// score counts every window, even one inside a probationary period).
///
/// # Errors
/// [`Error::InvalidData`] when no file is given or a score is infinite;
/// [`Error::InvalidParameter`] for a NaN fixed threshold or profile weights
/// that are negative or not finite.
///
/// ```
/// use homeostat_predict::nab::{score_corpus, Profile, Threshold, WindowRows};
/// // 100 rows, one window at rows 60..=69; a detector that fires at row 60.
/// let mut scores = vec![0.0; 100];
/// scores[60] = 1.0;
/// let files = [(vec![WindowRows { start: 60, end: 69 }], scores)];
/// let s = score_corpus(&files, 1, &Profile::nab_profiles()[0], homeostat_predict::nab::Threshold::Fixed(0.5))?;
/// assert!((s.normalised - 100.0).abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score_corpus(
    files: &[(Vec<WindowRows>, Vec<f64>)],
    label_windows: usize,
    profile: &Profile,
    threshold: Threshold,
) -> Result<ProfileScore> {
    check_costs(&profile.costs)?;
    if files.is_empty() {
        return Err(Error::InvalidData("no files to score".into()));
    }
    if let Threshold::Fixed(t) = threshold
        && t.is_nan()
    {
        return Err(Error::InvalidParameter {
            name: "threshold",
            reason: "NaN".into(),
        });
    }
    let mut points: Vec<SweepPoint> = Vec::new();
    let mut next_id = 0;
    for (windows, scores) in files {
        if let Some(bad) = scores.iter().find(|s| s.is_infinite()) {
            return Err(Error::InvalidData(format!(
                "anomaly score {bad} is infinite"
            )));
        }
        if windows.last().is_some_and(|w| w.end >= scores.len()) {
            return Err(Error::InvalidData(format!(
                "a window ends past the last of {} rows",
                scores.len()
            )));
        }
        points.extend(sweep_file(scores, windows, &profile.costs, next_id));
        next_id += windows.len();
    }
    let chosen: ThresholdScore = match threshold {
        Threshold::Fixed(t) => score_at(&points, t, &profile.costs),
        Threshold::Optimise => best_threshold(&points, &profile.costs),
    };
    let nothing = score_at(&points, f64::INFINITY, &profile.costs);
    let found = found_windows(&points, chosen.threshold);
    let perfect = label_windows as f64 * profile.costs.tp_weight;
    let null = nothing.score;
    let normalised = if perfect > null {
        100.0 * (chosen.score - null) / (perfect - null)
    } else {
        0.0
    };
    Ok(ProfileScore {
        profile: profile.name.clone(),
        threshold: chosen.threshold,
        raw: chosen.score,
        null,
        perfect,
        normalised,
        tp: chosen.tp,
        fp: chosen.fp,
        windows_found: found.0,
        windows_scored: found.1,
    })
}

fn found_windows(points: &[SweepPoint], threshold: f64) -> (usize, usize) {
    let mut seen = std::collections::BTreeMap::new();
    for p in points {
        if let super::RowRole::Window(id) = p.role {
            let hit = seen.entry(id).or_insert(false);
            *hit |= p.anomaly_score >= threshold;
        }
    }
    (seen.values().filter(|h| **h).count(), seen.len())
}

fn check_costs(c: &CostMatrix) -> Result<()> {
    for (name, v) in [
        ("tp_weight", c.tp_weight),
        ("fp_weight", c.fp_weight),
        ("fn_weight", c.fn_weight),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(Error::InvalidParameter {
                name,
                reason: format!("{v} is not a finite non-negative weight"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_a_typed_error() {
        let p = Profile::nab_profiles()[0].clone();
        assert!(matches!(
            score_corpus(&[], 1, &p, Threshold::Optimise),
            Err(Error::InvalidData(_))
        ));
        let files = [(vec![], vec![0.0, f64::INFINITY])];
        assert!(score_corpus(&files, 0, &p, Threshold::Optimise).is_err());
        let files = [(vec![WindowRows { start: 5, end: 9 }], vec![0.0; 3])];
        assert!(score_corpus(&files, 1, &p, Threshold::Optimise).is_err());
        let files = [(vec![], vec![0.0; 3])];
        assert!(score_corpus(&files, 0, &p, Threshold::Fixed(f64::NAN)).is_err());
        let bad = Profile::new("bad", 1.0, -0.1, 1.0);
        assert!(score_corpus(&files, 0, &bad, Threshold::Optimise).is_err());
    }

    #[test]
    fn optimised_threshold_beats_every_fixed_one() {
        let p = Profile::nab_profiles()[0].clone();
        let scores: Vec<f64> = (0..200).map(|i| ((i * 13) % 17) as f64 / 17.0).collect();
        let files = [(
            vec![WindowRows {
                start: 100,
                end: 119,
            }],
            scores,
        )];
        let best =
            score_corpus(&files, 1, &p, Threshold::Optimise).unwrap_or_else(|e| panic!("{e}"));
        for t in [0.0, 0.3, 0.5, 0.9, 1.0] {
            let s =
                score_corpus(&files, 1, &p, Threshold::Fixed(t)).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.raw <= best.raw + 1e-12);
        }
        // Nothing found scores zero; the null score is minus one window.
        let none =
            score_corpus(&files, 1, &p, Threshold::Fixed(2.0)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none.null, -1.0);
        assert_eq!(none.normalised, 0.0);
    }
}
