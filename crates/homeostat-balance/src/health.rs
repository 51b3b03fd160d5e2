//! Health: passive outlier detection and slow start, as parameters; the
//! balancer applies them (see `balancer/eject.rs`).

use std::time::Duration;

use crate::error::{Error, Result};

/// Passive outlier detection (Envoy's model): backends whose completions
/// fail are ejected for a while, for longer each time, but never more than
/// `max_ejection_percent` of the set at once.
///
/// Three detectors, each optional:
///
/// - **consecutive failures**: ejected as soon as a backend has this many
///   failures in a row;
/// - **success rate**: at each `interval`, among the backends with at least
///   `request_volume` completions in it (and only if there are at least
///   `minimum_hosts` of them), eject those whose success rate is below
///   `mean − stdev_factor × standard deviation`;
/// - **failure percentage**: at each `interval`, eject the backends with at
///   least `request_volume` completions whose failure percentage is at
///   least `threshold_percent`.
///
/// The n-th ejection of a backend lasts `min(n × base_ejection,
/// max(base_ejection, max_ejection))`; each interval in which a
/// non-ejected backend had no failures lowers n by one. The interval
/// checks run from the completions themselves (at most once per interval,
/// by whichever thread gets there) or from
/// [`Balancer::evaluate_outliers`](crate::Balancer::evaluate_outliers).
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierDetection {
    /// Failures in a row that eject a backend; `None` disables. Default 5.
    pub consecutive_failures: Option<u32>,
    /// The success-rate detector; `None` (the default) disables.
    pub success_rate: Option<SuccessRateDetector>,
    /// The failure-percentage detector; `None` (the default) disables.
    pub failure_percentage: Option<FailurePercentageDetector>,
    /// How often the interval detectors run. Default 10 s, must be > 0.
    pub interval: Duration,
    /// The first ejection's length. Default 30 s, must be > 0.
    pub base_ejection: Duration,
    /// The longest ejection. Default 300 s.
    pub max_ejection: Duration,
    /// At most this percentage of the backends is ejected at once, in
    /// `[0, 100]`; default 10. Enforced exactly: with 10 % of 5 backends,
    /// none is ever ejected.
    pub max_ejection_percent: f64,
}

impl Default for OutlierDetection {
    fn default() -> Self {
        OutlierDetection {
            consecutive_failures: Some(5),
            success_rate: None,
            failure_percentage: None,
            interval: Duration::from_secs(10),
            base_ejection: Duration::from_secs(30),
            max_ejection: Duration::from_secs(300),
            max_ejection_percent: 10.0,
        }
    }
}

/// Ejects backends whose success rate is far below the others'.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessRateDetector {
    /// Standard deviations below the mean that eject. Default 1.9, > 0.
    pub stdev_factor: f64,
    /// Backends with enough volume needed to judge at all. Default 5.
    pub minimum_hosts: usize,
    /// Completions in the interval for a backend to count. Default 100.
    pub request_volume: u64,
}

impl Default for SuccessRateDetector {
    fn default() -> Self {
        SuccessRateDetector {
            stdev_factor: 1.9,
            minimum_hosts: 5,
            request_volume: 100,
        }
    }
}

/// Ejects backends whose failure percentage is above a threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct FailurePercentageDetector {
    /// Failure percentage that ejects, in `[0, 100]`. Default 85.
    pub threshold_percent: f64,
    /// Backends with enough volume needed to judge at all. Default 5.
    pub minimum_hosts: usize,
    /// Completions in the interval for a backend to count. Default 50.
    pub request_volume: u64,
}

impl Default for FailurePercentageDetector {
    fn default() -> Self {
        FailurePercentageDetector {
            threshold_percent: 85.0,
            minimum_hosts: 5,
            request_volume: 50,
        }
    }
}

/// Slow start: a backend added to a running balancer takes traffic in
/// proportion to `max(min_weight_fraction, (t / window)^(1 / aggression))`
/// of its weight until `window` has passed (Envoy's formula). Applies to
/// the weighted random and power-of-choices strategies, which draw by
/// weight; the round-robin and hashing strategies do not ramp.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowStart {
    /// The ramp's length, > 0. Default 30 s.
    pub window: Duration,
    /// Shape of the ramp, > 0: 1 is linear, larger is faster early.
    /// Default 1.
    pub aggression: f64,
    /// The smallest fraction of weight during the ramp, in (0, 1].
    /// Default 0.1.
    pub min_weight_fraction: f64,
}

impl Default for SlowStart {
    fn default() -> Self {
        SlowStart {
            window: Duration::from_secs(30),
            aggression: 1.0,
            min_weight_fraction: 0.1,
        }
    }
}

impl SlowStart {
    /// The fraction of its weight a backend added at `added_at` gets at
    /// `now` (nanoseconds).
    pub(crate) fn factor(&self, added_at: u64, now: u64) -> f64 {
        let window = self.window.as_nanos() as f64;
        let elapsed = now.saturating_sub(added_at) as f64;
        if elapsed >= window {
            return 1.0;
        }
        (elapsed / window)
            .powf(1.0 / self.aggression)
            .max(self.min_weight_fraction)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.window.is_zero() {
            return Err(Error::param("slow_start.window", "must be positive"));
        }
        if !(self.aggression.is_finite() && self.aggression > 0.0) {
            return Err(Error::param(
                "slow_start.aggression",
                format!("{} is not finite and positive", self.aggression),
            ));
        }
        if !(self.min_weight_fraction > 0.0 && self.min_weight_fraction <= 1.0) {
            return Err(Error::param(
                "slow_start.min_weight_fraction",
                format!("{} is not in (0, 1]", self.min_weight_fraction),
            ));
        }
        Ok(())
    }
}

impl OutlierDetection {
    /// The length in nanoseconds of a backend's `nth` ejection (from 1).
    pub(crate) fn ejection_nanos(&self, nth: u32) -> u64 {
        let base = self.base_ejection.as_nanos();
        let cap = self.max_ejection.as_nanos().max(base);
        u64::try_from((base * u128::from(nth.max(1))).min(cap)).unwrap_or(u64::MAX)
    }

    /// Whether one more ejection keeps the ejected share within
    /// `max_ejection_percent` of `backends`.
    pub(crate) fn may_eject(&self, ejected: usize, backends: usize) -> bool {
        // (ejected + 1) / backends <= percent / 100, with a tolerance far
        // below one backend so that 100 / 3 % of 3 backends allows one.
        (ejected as f64 + 1.0) * 100.0 <= self.max_ejection_percent * backends as f64 + 1e-6
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.consecutive_failures == Some(0) {
            return Err(Error::param(
                "outlier.consecutive_failures",
                "0 would eject before any failure; use None to disable",
            ));
        }
        if self.interval.is_zero() {
            return Err(Error::param("outlier.interval", "must be positive"));
        }
        if self.base_ejection.is_zero() {
            return Err(Error::param("outlier.base_ejection", "must be positive"));
        }
        if !(0.0..=100.0).contains(&self.max_ejection_percent) {
            return Err(Error::param(
                "outlier.max_ejection_percent",
                format!("{} is not in [0, 100]", self.max_ejection_percent),
            ));
        }
        if let Some(sr) = &self.success_rate
            && !(sr.stdev_factor.is_finite() && sr.stdev_factor > 0.0)
        {
            return Err(Error::param(
                "outlier.success_rate.stdev_factor",
                format!("{} is not finite and positive", sr.stdev_factor),
            ));
        }
        if let Some(fp) = &self.failure_percentage
            && !(0.0..=100.0).contains(&fp.threshold_percent)
        {
            return Err(Error::param(
                "outlier.failure_percentage.threshold_percent",
                format!("{} is not in [0, 100]", fp.threshold_percent),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ejection_time_grows_and_is_capped() {
        let o = OutlierDetection::default();
        assert_eq!(o.ejection_nanos(1), 30_000_000_000);
        assert_eq!(o.ejection_nanos(2), 60_000_000_000);
        assert_eq!(o.ejection_nanos(100), 300_000_000_000);
    }

    #[test]
    fn max_ejection_percent_is_exact() {
        let mut o = OutlierDetection {
            max_ejection_percent: 10.0,
            ..OutlierDetection::default()
        };
        assert!(!o.may_eject(0, 5), "10 % of 5 is 0.5 backends: none");
        assert!(o.may_eject(0, 10) && !o.may_eject(1, 10));
        o.max_ejection_percent = 100.0 / 3.0;
        assert!(o.may_eject(0, 3) && !o.may_eject(1, 3));
        o.max_ejection_percent = 100.0;
        assert!(o.may_eject(2, 3) && !o.may_eject(3, 3));
    }

    #[test]
    fn slow_start_ramps() {
        let s = SlowStart::default();
        assert_eq!(s.factor(0, 0), 0.1);
        assert!((s.factor(0, 15_000_000_000) - 0.5).abs() < 1e-9);
        assert_eq!(s.factor(0, 31_000_000_000), 1.0);
        assert!(
            SlowStart {
                aggression: f64::NAN,
                ..s
            }
            .check()
            .is_err()
        );
    }
}
