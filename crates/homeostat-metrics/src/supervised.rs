//! From features and fault labels to a supervised data set, and a
//! time-ordered train/test split that leaks nothing across the split.

use homeostat_core::{Duration, FaultLabels, Frame, Timestamp};
use ndarray::Axis;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};

/// What to do with rows whose time lies inside a labelled fault.
///
/// While a fault is active, "a fault starts within h" is a different
/// question (the system is already broken), so by default those rows are
/// left out of training and evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InsideFaults {
    /// Leave the rows out.
    #[default]
    Exclude,
    /// Keep them, with the usual target (does another fault start within h).
    Keep,
}

/// Features with one boolean target per row: does a fault start within the
/// horizon after the row's time?
#[derive(Debug, Clone, PartialEq)]
pub struct Supervised {
    /// The kept rows of the feature frame.
    pub features: Frame,
    /// One target per kept row.
    pub targets: Vec<bool>,
    /// Position of each kept row in the frame it came from.
    pub rows: Vec<usize>,
}

impl Supervised {
    /// Builds targets for every row of `features`: `y(t) = 1` when some
    /// fault of `labels` starts in `(t, t + horizon]`. Rows inside a fault
    /// are handled as `inside` says. Restrict `labels` first (for example
    /// with [`FaultLabels::filter`]) to predict one scope or kind.
    ///
    /// ```
    /// use homeostat_core::{Duration, Fault, FaultKind, FaultLabels, Frame, Scope, Timestamp};
    /// use homeostat_metrics::{InsideFaults, Supervised};
    ///
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns((0..6).map(|i| t(i * 10)).collect(),
    ///     [("mem", vec![1.0, 2.0, 3.0, 4.0, 0.5, 0.6])])?;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::MemoryLeak, t(35), t(45),
    ///     Scope::Cluster)?])?;
    /// let data = Supervised::align(&frame, &labels, Duration::from_secs(20), InsideFaults::Exclude)?;
    /// assert_eq!(data.rows, [0, 1, 2, 3, 5]);          // t = 40 s is inside the fault
    /// assert_eq!(data.targets, [false, false, true, true, false]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn align(
        features: &Frame,
        labels: &FaultLabels,
        horizon: Duration,
        inside: InsideFaults,
    ) -> Result<Supervised> {
        if horizon.as_millis() <= 0 {
            return Err(invalid("horizon", format!("{horizon} must be positive")));
        }
        let mut rows = Vec::with_capacity(features.nrows());
        let mut targets = Vec::with_capacity(features.nrows());
        for (row, &t) in features.index().iter().enumerate() {
            if inside == InsideFaults::Exclude && labels.is_faulty(t) {
                continue;
            }
            rows.push(row);
            targets.push(labels.starts_within(t, horizon));
        }
        Ok(Supervised {
            features: select_rows(features, &rows)?,
            targets,
            rows,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Number of positive targets.
    pub fn positives(&self) -> usize {
        self.targets.iter().filter(|&&y| y).count()
    }
}

/// How to split a supervised set in time without leakage.
///
/// Rows before `at` train, rows from `at` on test. Two windows cross the
/// split and are removed:
///
/// - a training row at `t` whose target looks past the split
///   (`t + horizon >= at`) would learn from the test period's faults, so it
///   is purged;
/// - a test row at `t` whose features look back before the split
///   (`t - feature_window < at`) would reuse training-period data, so it is
///   embargoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSplit {
    /// First instant of the test period.
    pub at: Timestamp,
    /// The target horizon used to build the set.
    pub horizon: Duration,
    /// The longest look-back of any feature.
    pub feature_window: Duration,
}

impl TimeSplit {
    /// A split at the first row at or after `fraction` of the set's time
    /// span (0.7 trains on the first 70 % of the time).
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::TimeSplit;
    /// let index: Vec<Timestamp> = (0..100).map(|i| Timestamp::from_secs(i * 10)).collect();
    /// let split = TimeSplit::at_fraction(&index, 0.7, Duration::from_secs(60), Duration::from_secs(30))?;
    /// assert_eq!(split.at, Timestamp::from_secs(693));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn at_fraction(
        index: &[Timestamp],
        fraction: f64,
        horizon: Duration,
        feature_window: Duration,
    ) -> Result<TimeSplit> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(invalid("fraction", format!("{fraction} must be in (0, 1)")));
        }
        let (Some(&first), Some(&last)) = (index.first(), index.last()) else {
            return Err(Error::InsufficientData {
                reason: "cannot split an empty index".into(),
            });
        };
        let span = last.since(first).as_millis() as f64;
        let at = first + Duration::from_millis((span * fraction).round() as i64);
        Ok(TimeSplit {
            at,
            horizon,
            feature_window,
        })
    }

    /// Splits `data` into (train, test) as described on [`TimeSplit`].
    ///
    /// ```
    /// use homeostat_core::{Duration, FaultLabels, Frame, Timestamp};
    /// use homeostat_metrics::{InsideFaults, Supervised, TimeSplit};
    ///
    /// let index: Vec<Timestamp> = (0..10).map(|i| Timestamp::from_secs(i * 10)).collect();
    /// let frame = Frame::from_columns(index, [("x", (0..10).map(f64::from).collect())])?;
    /// let data = Supervised::align(&frame, &FaultLabels::default(), Duration::from_secs(20), InsideFaults::Keep)?;
    /// let split = TimeSplit { at: Timestamp::from_secs(50), horizon: Duration::from_secs(20),
    ///                         feature_window: Duration::from_secs(10) };
    /// let (train, test) = split.apply(&data)?;
    /// assert_eq!(train.features.index().last(), Some(&Timestamp::from_secs(20))); // 30 + 20 reaches 50
    /// assert_eq!(test.features.index().first(), Some(&Timestamp::from_secs(60))); // 60 - 10 reaches 50
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, data: &Supervised) -> Result<(Supervised, Supervised)> {
        if self.horizon.is_negative() || self.feature_window.is_negative() {
            return Err(invalid(
                "split",
                format!(
                    "horizon {} and feature window {} must not be negative",
                    self.horizon, self.feature_window
                ),
            ));
        }
        let mut train = Vec::new();
        let mut test = Vec::new();
        for (i, &t) in data.features.index().iter().enumerate() {
            if t < self.at {
                if t + self.horizon < self.at {
                    train.push(i);
                }
            } else if t - self.feature_window >= self.at {
                test.push(i);
            }
        }
        Ok((subset(data, &train)?, subset(data, &test)?))
    }
}

fn subset(data: &Supervised, keep: &[usize]) -> Result<Supervised> {
    Ok(Supervised {
        features: select_rows(&data.features, keep)?,
        targets: keep.iter().map(|&i| data.targets[i]).collect(),
        rows: keep.iter().map(|&i| data.rows[i]).collect(),
    })
}

/// The rows at positions `rows` (increasing) of `frame`, with their quality.
fn select_rows(frame: &Frame, rows: &[usize]) -> Result<Frame> {
    let index = rows.iter().map(|&r| frame.index()[r]).collect();
    let values = frame.values().select(Axis(0), rows);
    let selected = Frame::new(index, frame.columns().to_vec(), values)?;
    match frame.quality() {
        Some(mask) => Ok(selected.with_quality(mask.select(Axis(0), rows))?),
        None => Ok(selected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_core::{Fault, FaultKind, Scope};
    use proptest::prelude::*;

    fn frame(n: i64) -> Frame {
        let index = (0..n).map(|i| Timestamp::from_secs(i * 10)).collect();
        Frame::from_columns(index, [("x", (0..n).map(|i| i as f64).collect())]).unwrap()
    }

    #[test]
    fn bad_parameters_are_errors() {
        let f = frame(3);
        assert!(
            Supervised::align(
                &f,
                &FaultLabels::default(),
                Duration::ZERO,
                InsideFaults::Keep
            )
            .is_err()
        );
        let index = f.index();
        assert!(TimeSplit::at_fraction(index, 1.0, Duration::ZERO, Duration::ZERO).is_err());
        assert!(TimeSplit::at_fraction(index, f64::NAN, Duration::ZERO, Duration::ZERO).is_err());
        assert!(TimeSplit::at_fraction(&[], 0.5, Duration::ZERO, Duration::ZERO).is_err());
    }

    #[test]
    fn empty_frames_give_empty_sets() {
        let empty = Frame::with_columns(vec![]).unwrap();
        let data = Supervised::align(
            &empty,
            &FaultLabels::default(),
            Duration::from_secs(1),
            InsideFaults::Keep,
        )
        .unwrap();
        assert!(data.is_empty());
    }

    proptest! {
        #[test]
        fn no_window_crosses_the_split(
            n in 1i64..300,
            faults in prop::collection::vec((0i64..3000, 1i64..200), 0..10),
            horizon in 0i64..500,
            window in 0i64..500,
            fraction in 0.05f64..0.95,
        ) {
            let f = frame(n);
            let labels = FaultLabels::new(faults.iter().map(|&(s, len)| {
                Fault::new(FaultKind::Crash, Timestamp::from_secs(s), Timestamp::from_secs(s + len), Scope::Cluster).unwrap()
            }).collect()).unwrap();
            let horizon = Duration::from_secs(horizon.max(1));
            let window = Duration::from_secs(window);
            let data = Supervised::align(&f, &labels, horizon, InsideFaults::Exclude).unwrap();
            prop_assert!(data.features.index().iter().all(|&t| !labels.is_faulty(t)));
            let split = TimeSplit::at_fraction(f.index(), fraction, horizon, window).unwrap();
            let (train, test) = split.apply(&data).unwrap();
            for &t in train.features.index() {
                prop_assert!(t + horizon < split.at, "train row {} sees past the split", t);
            }
            for &t in test.features.index() {
                prop_assert!(t - window >= split.at, "test row {} looks back before the split", t);
            }
            // Targets travel with their rows.
            for (i, &row) in train.rows.iter().chain(test.rows.iter()).enumerate() {
                let t = f.index()[row];
                let y = if i < train.len() { train.targets[i] } else { test.targets[i - train.len()] };
                prop_assert_eq!(y, labels.starts_within(t, horizon));
            }
        }
    }
}
