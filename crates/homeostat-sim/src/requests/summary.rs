//! Aggregate statistics of a run.

use serde::Serialize;

use super::policy::{Completion, Outcome};
use super::spec::RequestScenario;

/// Counts per outcome, latency of the successful requests, and picks per
/// backend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Requests counted.
    pub requests: u64,
    /// Served successfully.
    pub ok: u64,
    /// Failed by the backend, or not routed.
    pub error: u64,
    /// Timed out at the client.
    pub timeout: u64,
    /// Rejected by the limiter.
    pub rejected: u64,
    /// Latency of the `Ok` requests; `None` when there were none.
    pub latency: Option<LatencySummary>,
    /// Requests sent to each backend, in scenario order.
    pub backends: Vec<BackendPicks>,
}

/// Mean and quantiles (nearest rank) of a set of latencies, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Mean.
    pub mean_secs: f64,
    /// Median.
    pub p50_secs: f64,
    /// 90th percentile.
    pub p90_secs: f64,
    /// 99th percentile.
    pub p99_secs: f64,
    /// 99.9th percentile.
    pub p999_secs: f64,
    /// Largest.
    pub max_secs: f64,
}

impl LatencySummary {
    /// The summary of `latencies` (reordered in place), or `None` if empty.
    ///
    /// ```
    /// use homeostat_sim::requests::LatencySummary;
    /// let mut xs: Vec<f64> = (1..=100).map(f64::from).collect();
    /// let s = LatencySummary::from_latencies(&mut xs).expect("not empty");
    /// assert_eq!((s.p50_secs, s.p99_secs, s.max_secs), (50.0, 99.0, 100.0));
    /// ```
    pub fn from_latencies(latencies: &mut [f64]) -> Option<Self> {
        if latencies.is_empty() {
            return None;
        }
        latencies.sort_unstable_by(f64::total_cmp);
        let mean_secs = latencies.iter().sum::<f64>() / latencies.len() as f64;
        Some(LatencySummary {
            mean_secs,
            p50_secs: quantile_sorted(latencies, 0.5),
            p90_secs: quantile_sorted(latencies, 0.9),
            p99_secs: quantile_sorted(latencies, 0.99),
            p999_secs: quantile_sorted(latencies, 0.999),
            max_secs: quantile_sorted(latencies, 1.0),
        })
    }
}

/// Nearest-rank quantile of sorted values: the smallest value with at least
/// a fraction `q` of the values at or below it. NaN for an empty slice.
pub(super) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len()) - 1)
        .copied()
        .unwrap_or(f64::NAN)
}

/// How many requests one backend received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendPicks {
    /// The backend's name.
    pub name: String,
    /// Requests sent to it.
    pub picks: u64,
}

impl RunSummary {
    pub(super) fn of<'a>(
        scenario: &RequestScenario,
        records: impl Iterator<Item = &'a Completion>,
    ) -> Self {
        let mut counts = [0u64; 4];
        let mut picks = vec![0u64; scenario.backends.len()];
        let mut latencies = Vec::new();
        for record in records {
            counts[record.outcome.index()] += 1;
            if let Some(slot) = record.backend.and_then(|b| picks.get_mut(b)) {
                *slot += 1;
            }
            if record.outcome == Outcome::Ok {
                latencies.push(record.latency_secs);
            }
        }
        RunSummary {
            requests: counts.iter().sum(),
            ok: counts[Outcome::Ok.index()],
            error: counts[Outcome::Error.index()],
            timeout: counts[Outcome::Timeout.index()],
            rejected: counts[Outcome::Rejected.index()],
            latency: LatencySummary::from_latencies(&mut latencies),
            backends: scenario
                .backends
                .iter()
                .zip(picks)
                .map(|(b, picks)| BackendPicks {
                    name: b.name.clone(),
                    picks,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&xs, 0.5), 2.0);
        assert_eq!(quantile_sorted(&xs, 0.51), 3.0);
        assert_eq!(quantile_sorted(&xs, 0.0), 1.0);
        assert_eq!(quantile_sorted(&xs, 1.0), 4.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert!(LatencySummary::from_latencies(&mut []).is_none());
    }
}
