//! Event-level evaluation over time: a fault counts as predicted when an
//! alarm fires in `[start - h, start)` (see decision 7 in docs/decisions.md);
//! an alarm is false when no fault starts within `h` after it and none is
//! active at it.

use std::collections::BTreeMap;

use homeostat_core::{Duration, FaultLabels, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Recall and lead time of one fault kind.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct KindReport {
    /// Faults of this kind whose warning window lies in the evaluated period.
    pub faults: usize,
    /// Of these, the ones an alarm warned about.
    pub predicted: usize,
    /// Mean time from the first warning to the start, in seconds (0 when none was predicted).
    pub mean_lead_secs: f64,
}

impl KindReport {
    /// predicted / faults (0 without faults).
    pub fn recall(&self) -> f64 {
        if self.faults == 0 {
            0.0
        } else {
            self.predicted as f64 / self.faults as f64
        }
    }
}

/// What the alarms achieved over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventReport {
    /// All kinds together.
    pub overall: KindReport,
    /// Per fault kind, by name.
    pub per_kind: BTreeMap<String, KindReport>,
    /// Alarms fired.
    pub alarms: usize,
    /// Alarms with no fault starting within the horizon after them.
    pub false_alarms: usize,
    /// Length of the evaluated period in days.
    pub days: f64,
}

impl EventReport {
    /// False alarms per day of the evaluated period.
    pub fn false_alarms_per_day(&self) -> f64 {
        if self.days > 0.0 {
            self.false_alarms as f64 / self.days
        } else {
            0.0
        }
    }
}

/// Scores alarms `fired` at `times` (ascending) against `labels` with
/// horizon `h`. Faults count when their window `[start - h, start)`
/// overlaps `[first time, last time]`.
///
/// # Errors
/// [`Error::InvalidData`] for fewer than two times, mismatched lengths or
/// times not strictly increasing; [`Error::InvalidParameter`] for a
/// horizon that is not positive.
pub fn evaluate_events(
    times: &[Timestamp],
    fired: &[bool],
    labels: &FaultLabels,
    horizon: Duration,
) -> Result<EventReport> {
    if horizon.as_millis() <= 0 {
        return Err(Error::InvalidParameter {
            name: "horizon",
            reason: format!("{horizon} must be positive"),
        });
    }
    if times.len() != fired.len() {
        return Err(Error::InvalidData(format!(
            "{} times but {} alarm flags",
            times.len(),
            fired.len()
        )));
    }
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
        return Err(Error::InvalidData("no times to evaluate".into()));
    };
    if times.len() < 2 || times.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::InvalidData(
            "times must be at least two and strictly increasing".into(),
        ));
    }
    let alarms: Vec<Timestamp> = times
        .iter()
        .zip(fired)
        .filter(|&(_, &f)| f)
        .map(|(&t, _)| t)
        .collect();
    let mut overall = KindReport::default();
    let mut per_kind: BTreeMap<String, KindReport> = BTreeMap::new();
    let mut lead_sum = 0.0;
    let mut kind_lead: BTreeMap<String, f64> = BTreeMap::new();
    for fault in labels.faults() {
        let start = fault.start();
        let window_start = start - horizon;
        if start <= first || window_start > last {
            continue;
        }
        let kind = per_kind.entry(fault.kind().to_string()).or_default();
        kind.faults += 1;
        overall.faults += 1;
        let at = alarms.partition_point(|&a| a < window_start);
        if let Some(&a) = alarms.get(at).filter(|&&a| a < start) {
            let lead = start.since(a).as_secs_f64();
            kind.predicted += 1;
            overall.predicted += 1;
            lead_sum += lead;
            *kind_lead.entry(fault.kind().to_string()).or_default() += lead;
        }
    }
    let mean = |sum: f64, n: usize| if n > 0 { sum / n as f64 } else { 0.0 };
    overall.mean_lead_secs = mean(lead_sum, overall.predicted);
    for (name, report) in per_kind.iter_mut() {
        report.mean_lead_secs = mean(
            kind_lead.get(name).copied().unwrap_or(0.0),
            report.predicted,
        );
    }
    let false_alarms = alarms
        .iter()
        .filter(|&&a| !labels.starts_within(a, horizon) && !labels.is_faulty(a))
        .count();
    Ok(EventReport {
        overall,
        per_kind,
        alarms: alarms.len(),
        false_alarms,
        days: last.since(first).as_secs_f64() / 86_400.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_core::{Fault, FaultKind, Scope};

    #[test]
    fn recall_lead_time_and_false_alarms() {
        let t = |m: i64| Timestamp::from_secs(60 * m);
        let times: Vec<Timestamp> = (0..=1440).map(t).collect(); // one day of minutes
        let labels = FaultLabels::new(vec![
            Fault::new(FaultKind::MemoryLeak, t(100), t(120), Scope::Cluster).unwrap(),
            Fault::new(FaultKind::Crash, t(500), t(510), Scope::Cluster).unwrap(),
        ])
        .unwrap();
        let mut fired = vec![false; times.len()];
        fired[93] = true; // 7 minutes before the leak: predicted
        fired[110] = true; // inside the leak: neither
        fired[300] = true; // false alarm
        fired[500] = true; // at the crash start: too late, and inside it
        let r = evaluate_events(&times, &fired, &labels, Duration::from_minutes(10)).unwrap();
        assert_eq!((r.overall.faults, r.overall.predicted), (2, 1));
        assert_eq!(r.overall.mean_lead_secs, 420.0);
        assert_eq!(r.per_kind["memory_leak"].recall(), 1.0);
        assert_eq!(r.per_kind["crash"].recall(), 0.0);
        assert_eq!((r.alarms, r.false_alarms), (4, 1));
        assert!((r.false_alarms_per_day() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_input_is_refused() {
        let t = Timestamp::from_secs;
        let labels = FaultLabels::new(vec![]).unwrap();
        let h = Duration::from_minutes(1);
        assert!(evaluate_events(&[], &[], &labels, h).is_err());
        assert!(evaluate_events(&[t(0)], &[true], &labels, h).is_err());
        assert!(evaluate_events(&[t(0), t(0)], &[true, true], &labels, h).is_err());
        assert!(evaluate_events(&[t(0), t(1)], &[true], &labels, h).is_err());
        assert!(
            evaluate_events(
                &[t(0), t(1)],
                &[true, true],
                &labels,
                Duration::from_secs(0)
            )
            .is_err()
        );
    }
}
