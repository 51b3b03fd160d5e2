//! The demand multiplier over time: daily cycle, weekly pattern, bursts.

use homeostat_core::{Duration, Timestamp};
use rand::Rng;
use rand_distr::{Distribution, Exp1};

use super::spec::WorkloadSpec;
use crate::rng::SimRng;

const DAY_MS: f64 = 86_400_000.0;
/// 1970-01-01 was a Thursday: day 3 of a Monday-based week.
const EPOCH_WEEKDAY: i64 = 3;

/// Demand multiplier as a function of time, with bursts drawn once up front.
#[derive(Debug, Clone)]
pub(crate) struct DemandShape {
    spec: WorkloadSpec,
    /// Burst intervals `[start, end)` in ms, sorted by start.
    bursts: Vec<(i64, i64)>,
    burst_multiplier: f64,
}

impl DemandShape {
    /// Draws the bursts of `[start, start + duration)` from `rng`.
    pub(crate) fn new(
        spec: &WorkloadSpec,
        start: Timestamp,
        duration: Duration,
        rng: &mut SimRng,
    ) -> Self {
        let mut bursts = Vec::new();
        let mut burst_multiplier = 1.0;
        if let Some(b) = &spec.bursts
            && b.per_day > 0.0
        {
            burst_multiplier = b.multiplier;
            let mean_gap_ms = DAY_MS / b.per_day;
            let end = start.as_millis().saturating_add(duration.as_millis());
            let mut t = start.as_millis() as f64;
            loop {
                let gap: f64 = Exp1.sample(rng);
                t += gap * mean_gap_ms;
                if t >= end as f64 {
                    break;
                }
                let s = t as i64;
                bursts.push((s, s.saturating_add(b.duration.as_millis())));
            }
        }
        DemandShape {
            spec: spec.clone(),
            bursts,
            burst_multiplier,
        }
    }

    /// The multiplier at `t_ms`.
    pub(crate) fn factor(&self, t_ms: i64) -> f64 {
        let spec = &self.spec;
        let hour = t_ms.rem_euclid(86_400_000) as f64 / 3_600_000.0;
        let diurnal = 1.0
            + spec.diurnal_amplitude
                * (2.0 * std::f64::consts::PI * (hour - spec.peak_hour) / 24.0).cos();
        let weekday = (t_ms.div_euclid(86_400_000) + EPOCH_WEEKDAY).rem_euclid(7);
        let weekly = if weekday >= 5 {
            spec.weekend_factor
        } else {
            1.0
        };
        let in_burst = self.bursts.iter().any(|&(s, e)| s <= t_ms && t_ms < e);
        let burst = if in_burst { self.burst_multiplier } else { 1.0 };
        diurnal * weekly * burst
    }

    /// Number of bursts drawn.
    pub(crate) fn burst_count(&self) -> usize {
        self.bursts.len()
    }
}

/// Week length, exposed for tests of the weekly pattern.
#[cfg(test)]
pub(crate) const WEEK: i64 = 7 * 86_400_000;

/// Uniform draw in `[lo, hi)`, or `lo` when the range is empty.
pub(crate) fn uniform(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    if hi > lo { rng.gen_range(lo..hi) } else { lo }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::spec::BurstSpec;
    use crate::rng::stream;

    #[test]
    fn diurnal_peak_and_trough() {
        let spec = WorkloadSpec {
            diurnal_amplitude: 0.5,
            peak_hour: 14.0,
            ..WorkloadSpec::default()
        };
        let shape = DemandShape::new(
            &spec,
            Timestamp::EPOCH,
            Duration::from_days(1),
            &mut stream(1, 0),
        );
        let at = |h: f64| shape.factor((h * 3_600_000.0) as i64);
        assert!((at(14.0) - 1.5).abs() < 1e-9);
        assert!((at(2.0) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn weekends_are_scaled() {
        let spec = WorkloadSpec {
            weekend_factor: 0.5,
            ..WorkloadSpec::default()
        };
        let shape = DemandShape::new(
            &spec,
            Timestamp::EPOCH,
            Duration::from_days(7),
            &mut stream(1, 0),
        );
        // 1970-01-03 was a Saturday, 1970-01-05 a Monday.
        assert_eq!(shape.factor(2 * 86_400_000 + 1), 0.5);
        assert_eq!(shape.factor(4 * 86_400_000 + 1), 1.0);
        assert_eq!(shape.factor(2 * 86_400_000 + WEEK), 0.5);
    }

    #[test]
    fn bursts_follow_their_rate() {
        let spec = WorkloadSpec {
            bursts: Some(BurstSpec {
                per_day: 10.0,
                multiplier: 3.0,
                duration: Duration::from_minutes(5),
            }),
            ..WorkloadSpec::default()
        };
        let shape = DemandShape::new(
            &spec,
            Timestamp::EPOCH,
            Duration::from_days(100),
            &mut stream(2, 0),
        );
        let n = shape.burst_count() as f64;
        assert!((n - 1000.0).abs() < 150.0, "{n} bursts");
        let (s, _) = shape.bursts[0];
        assert_eq!(shape.factor(s), 3.0);
    }
}
