//! From probabilities to alarms: a threshold θ chosen for a stated goal,
//! optional k-of-n confirmation, and a cooldown between alarms.
//!
//! ```
//! use homeostat_core::{Duration, Timestamp};
//! use homeostat_predict::alarm::AlarmPolicy;
//!
//! // Alarm when 2 of the last 3 probabilities exceed 0.6, then stay quiet 5 minutes.
//! let policy = AlarmPolicy::new(0.6)?.confirm(2, 3)?.cooldown(Duration::from_minutes(5))?;
//! let times: Vec<Timestamp> = (0..8).map(|i| Timestamp::from_secs(60 * i)).collect();
//! let p = [0.1, 0.7, 0.2, 0.8, 0.9, 0.9, 0.9, 0.9];
//! assert_eq!(policy.firings(&times, &p)?, [false, false, false, true, false, false, false, false]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;

use homeostat_core::{Duration, FaultLabels, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::eval::{EventReport, evaluate_events};

/// When an alarm is raised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlarmPolicy {
    threshold: f64,
    k: usize,
    n: usize,
    cooldown: Duration,
}

impl AlarmPolicy {
    /// Alarm whenever `p > threshold`; no confirmation, no cooldown.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a threshold outside `[0, 1]`.
    pub fn new(threshold: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::InvalidParameter {
                name: "threshold",
                reason: format!("{threshold} is not in [0, 1]"),
            });
        }
        Ok(Self {
            threshold,
            k: 1,
            n: 1,
            cooldown: Duration::from_millis(0),
        })
    }

    /// Require `k` of the last `n` observations (this one included) above
    /// the threshold; `1 <= k <= n <= 1000`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] outside that range.
    pub fn confirm(mut self, k: usize, n: usize) -> Result<Self> {
        if !(1 <= k && k <= n && n <= 1000) {
            return Err(Error::InvalidParameter {
                name: "k_of_n",
                reason: format!("{k} of {n} is not 1 <= k <= n <= 1000"),
            });
        }
        self.k = k;
        self.n = n;
        Ok(self)
    }

    /// After an alarm, none for this long (not negative).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a negative duration.
    pub fn cooldown(mut self, cooldown: Duration) -> Result<Self> {
        if cooldown.is_negative() {
            return Err(Error::InvalidParameter {
                name: "cooldown",
                reason: format!("{cooldown} is negative"),
            });
        }
        self.cooldown = cooldown;
        Ok(self)
    }

    /// The threshold θ.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// A streaming alarm with this policy.
    pub fn start(&self) -> Alarm {
        Alarm {
            policy: *self,
            recent: VecDeque::with_capacity(self.n),
            last_fired: None,
        }
    }

    /// For each observation, whether an alarm fires then.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the lengths differ or times go backwards.
    pub fn firings(&self, times: &[Timestamp], p: &[f64]) -> Result<Vec<bool>> {
        if times.len() != p.len() {
            return Err(Error::InvalidData(format!(
                "{} times but {} probabilities",
                times.len(),
                p.len()
            )));
        }
        let mut alarm = self.start();
        times
            .iter()
            .zip(p)
            .map(|(&t, &p)| alarm.update(t, p))
            .collect()
    }
}

/// The state of an [`AlarmPolicy`] over a stream: the last `n` verdicts and
/// the time of the last alarm.
#[derive(Debug, Clone)]
pub struct Alarm {
    policy: AlarmPolicy,
    recent: VecDeque<bool>,
    last_fired: Option<Timestamp>,
}

impl Alarm {
    /// Takes the probability at time `t`; returns whether an alarm fires.
    /// NaN counts as "not above the threshold".
    ///
    /// # Errors
    /// [`Error::InvalidData`] when `t` is before the previous alarm.
    pub fn update(&mut self, t: Timestamp, p: f64) -> Result<bool> {
        if let Some(last) = self.last_fired
            && t < last
        {
            return Err(Error::InvalidData(format!(
                "time {t} is before the last alarm at {last}"
            )));
        }
        if self.recent.len() == self.policy.n {
            self.recent.pop_front();
        }
        self.recent.push_back(p > self.policy.threshold);
        let confirmed = self.recent.iter().filter(|&&a| a).count() >= self.policy.k;
        let cooled = self
            .last_fired
            .is_none_or(|last| t.since(last) >= self.policy.cooldown);
        let fire = confirmed && cooled;
        if fire {
            self.last_fired = Some(t);
        }
        Ok(fire)
    }
}

/// What a threshold is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdGoal {
    /// The largest row-level F1.
    MaxF1,
    /// The largest recall with row-level precision at least this.
    MinPrecision(f64),
}

/// A threshold and the row-level scores it reaches on the data it was chosen on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdChoice {
    /// θ: alarm when `p > θ`.
    pub threshold: f64,
    /// Precision at θ.
    pub precision: f64,
    /// Recall at θ.
    pub recall: f64,
    /// F1 at θ.
    pub f1: f64,
}

/// Chooses θ on validation probabilities `p` and targets `y` for `goal`.
/// Candidates are the distinct probabilities (θ just below each); the
/// highest θ wins ties.
///
/// # Errors
/// [`Error::InvalidData`] for empty or mismatched inputs, NaN
/// probabilities, or no positive target; [`Error::InvalidParameter`] for a
/// precision outside `(0, 1]`; [`Error::InvalidData`] when no threshold
/// reaches the precision.
pub fn choose_threshold(p: &[f64], y: &[bool], goal: ThresholdGoal) -> Result<ThresholdChoice> {
    if let ThresholdGoal::MinPrecision(min) = goal
        && !(min > 0.0 && min <= 1.0)
    {
        return Err(Error::InvalidParameter {
            name: "min_precision",
            reason: format!("{min} is not in (0, 1]"),
        });
    }
    let sweep = crate::eval::sweep(p, y)?;
    let mut best: Option<(f64, ThresholdChoice)> = None;
    for point in sweep {
        let choice = ThresholdChoice {
            threshold: point.threshold,
            precision: point.precision,
            recall: point.recall,
            f1: point.f1(),
        };
        let score = match goal {
            ThresholdGoal::MaxF1 => choice.f1,
            ThresholdGoal::MinPrecision(min) if choice.precision >= min => choice.recall,
            ThresholdGoal::MinPrecision(_) => continue,
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, choice));
        }
    }
    best.map(|(_, c)| c)
        .ok_or_else(|| Error::InvalidData(format!("no threshold reaches the goal {goal:?}")))
}

/// Distinct probabilities at the top of the validation data that are all
/// tried as thresholds.
const DENSE_TOP: usize = 200;
/// Quantiles of the remaining probabilities tried as thresholds.
const QUANTILE_CANDIDATES: usize = 200;

/// Chooses θ for `template` (its k-of-n and cooldown kept) on validation
/// data over time: the largest event-level recall with at most
/// `max_per_day` false alarms per day (fewer false alarms, then the higher
/// θ, break ties). Candidates are the 200 highest distinct values of `p`
/// and up to 200 quantiles of the rest.
///
/// # Errors
/// [`Error::InvalidParameter`] for a negative or NaN `max_per_day`; the
/// errors of [`evaluate_events`];
/// [`Error::InvalidData`] for NaN probabilities.
pub fn choose_threshold_for_false_alarms(
    template: &AlarmPolicy,
    times: &[Timestamp],
    p: &[f64],
    labels: &FaultLabels,
    horizon: Duration,
    max_per_day: f64,
) -> Result<(AlarmPolicy, EventReport)> {
    if max_per_day.is_nan() || max_per_day < 0.0 {
        return Err(Error::InvalidParameter {
            name: "max_false_alarms_per_day",
            reason: format!("{max_per_day} must be >= 0"),
        });
    }
    if p.iter().any(|v| v.is_nan()) {
        return Err(Error::InvalidData("a probability is NaN".into()));
    }
    let mut sorted = p.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted.dedup();
    // A tight false-alarm budget is met only near the top of p, so every
    // one of the highest distinct values is a candidate; below them, a
    // grid of quantiles keeps the search linear in the data.
    let dense = sorted.len().saturating_sub(DENSE_TOP);
    let step = (dense / QUANTILE_CANDIDATES).max(1);
    // θ just below each candidate, and θ = 1 (never alarm) as the fallback.
    let mut candidates: Vec<f64> = sorted[..dense]
        .iter()
        .step_by(step)
        .chain(&sorted[dense..])
        .map(|&v| (v - 1e-12).clamp(0.0, 1.0))
        .collect();
    candidates.push(1.0);
    let mut best: Option<(AlarmPolicy, EventReport)> = None;
    for theta in candidates {
        let policy = AlarmPolicy {
            threshold: theta,
            ..*template
        };
        let report = evaluate_events(times, &policy.firings(times, p)?, labels, horizon)?;
        if report.false_alarms_per_day() > max_per_day {
            continue;
        }
        let better = best.as_ref().is_none_or(|(b, r)| {
            let key =
                |r: &EventReport, t: f64| (r.overall.predicted, usize::MAX - r.false_alarms, t);
            let (a, c) = (key(&report, theta), key(r, b.threshold));
            a.0 > c.0 || (a.0 == c.0 && (a.1 > c.1 || (a.1 == c.1 && a.2 > c.2)))
        });
        if better {
            best = Some((policy, report));
        }
    }
    best.ok_or_else(|| Error::InvalidData("no threshold meets the false-alarm budget".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(n: i64) -> Vec<Timestamp> {
        (0..n).map(|i| Timestamp::from_secs(60 * i)).collect()
    }

    #[test]
    fn cooldown_spaces_alarms() {
        let policy = AlarmPolicy::new(0.5)
            .unwrap()
            .cooldown(Duration::from_minutes(3))
            .unwrap();
        let fired = policy.firings(&minutes(7), &[0.9; 7]).unwrap();
        assert_eq!(fired, [true, false, false, true, false, false, true]);
    }

    #[test]
    fn k_of_n_ignores_isolated_spikes() {
        let policy = AlarmPolicy::new(0.5).unwrap().confirm(3, 4).unwrap();
        let p = [0.9, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1];
        let fired = policy.firings(&minutes(7), &p).unwrap();
        assert_eq!(fired, [false, false, false, false, false, true, false]);
    }

    #[test]
    fn bad_policies_and_inputs_are_refused() {
        assert!(AlarmPolicy::new(1.5).is_err());
        assert!(AlarmPolicy::new(f64::NAN).is_err());
        assert!(AlarmPolicy::new(0.5).unwrap().confirm(3, 2).is_err());
        assert!(AlarmPolicy::new(0.5).unwrap().confirm(0, 2).is_err());
        assert!(
            AlarmPolicy::new(0.5)
                .unwrap()
                .cooldown(Duration::from_secs(-1))
                .is_err()
        );
        assert!(
            AlarmPolicy::new(0.5)
                .unwrap()
                .firings(&minutes(2), &[0.1])
                .is_err()
        );
        let backwards = [Timestamp::from_secs(60), Timestamp::from_secs(0)];
        assert!(
            AlarmPolicy::new(0.5)
                .unwrap()
                .firings(&backwards, &[0.9, 0.9])
                .is_err()
        );
    }

    #[test]
    fn threshold_for_a_false_alarm_budget() {
        use homeostat_core::{Fault, FaultKind, Scope};
        let t = |m: i64| Timestamp::from_secs(60 * m);
        let times: Vec<Timestamp> = (0..1440).map(t).collect();
        let labels = FaultLabels::new(vec![
            Fault::new(FaultKind::Crash, t(600), t(610), Scope::Cluster).unwrap(),
        ])
        .unwrap();
        // Noise peaks at 0.5 at three places; the real warning reaches 0.7.
        let mut p = vec![0.05; times.len()];
        for &i in &[100, 300, 900] {
            p[i] = 0.5;
        }
        p[595..600].fill(0.7);
        let template = AlarmPolicy::new(0.5).unwrap();
        let h = Duration::from_minutes(10);
        let (policy, report) =
            choose_threshold_for_false_alarms(&template, &times, &p, &labels, h, 0.0).unwrap();
        assert_eq!(report.overall.predicted, 1);
        assert_eq!(report.false_alarms, 0);
        assert!(policy.threshold() >= 0.5 && policy.threshold() < 0.7);
        let (_, loose) =
            choose_threshold_for_false_alarms(&template, &times, &p, &labels, h, 5.0).unwrap();
        assert_eq!(loose.overall.predicted, 1);
        assert!(
            choose_threshold_for_false_alarms(&template, &times, &p, &labels, h, -1.0).is_err()
        );
    }

    #[test]
    fn a_tight_budget_finds_the_warning_among_many_distinct_values() {
        use homeostat_core::{Fault, FaultKind, Scope};
        let t = |m: i64| Timestamp::from_secs(60 * m);
        let times: Vec<Timestamp> = (0..4320).map(t).collect(); // three days
        let labels = FaultLabels::new(vec![
            Fault::new(FaultKind::DiskFull, t(3000), t(3030), Scope::Cluster).unwrap(),
        ])
        .unwrap();
        // Every row distinct: background below 0.4, twenty isolated noise
        // peaks in [0.5, 0.6), and the warning above 0.8 just before the fault.
        let mut p: Vec<f64> = (0..4320).map(|i| 0.4 * i as f64 / 4320.0).collect();
        for k in 0..20 {
            p[100 + 130 * k] = 0.5 + 0.005 * k as f64;
        }
        for (k, i) in (2995..3000).enumerate() {
            p[i] = 0.8 + 0.01 * k as f64;
        }
        let template = AlarmPolicy::new(0.5)
            .unwrap()
            .cooldown(Duration::from_minutes(10))
            .unwrap();
        let h = Duration::from_minutes(10);
        let (policy, report) =
            choose_threshold_for_false_alarms(&template, &times, &p, &labels, h, 0.0).unwrap();
        assert_eq!((report.overall.predicted, report.false_alarms), (1, 0));
        assert!(policy.threshold() >= 0.595 && policy.threshold() < 0.84);
    }

    #[test]
    fn thresholds_for_f1_and_precision() {
        let p = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9];
        let y = [false, false, true, false, false, true, true, true];
        let f1 = choose_threshold(&p, &y, ThresholdGoal::MaxF1).unwrap();
        // θ below 0.7 catches 3 of 4 with precision 1: F1 = 6/7 (beats 0.8 at θ < 0.3).
        assert!((f1.f1 - 6.0 / 7.0).abs() < 1e-12, "{f1:?}");
        assert!(f1.threshold < 0.7 && f1.threshold >= 0.6);
        let precise = choose_threshold(&p, &y, ThresholdGoal::MinPrecision(1.0)).unwrap();
        assert_eq!(precise.precision, 1.0);
        assert_eq!(precise.recall, 0.75);
        assert!(choose_threshold(&p, &y, ThresholdGoal::MinPrecision(0.0)).is_err());
        assert!(choose_threshold(&p, &[false; 8], ThresholdGoal::MaxF1).is_err());
    }
}
