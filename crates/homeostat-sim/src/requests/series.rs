//! Per-interval metrics of a run as a homeostat-core `Frame`.

use homeostat_core::{Duration, Frame, Labels, SeriesKey, Timestamp};

use super::policy::{Completion, Outcome};
use super::spec::RequestScenario;
use super::summary::quantile_sorted;
use crate::error::{Result, invalid};

/// See [`RequestRun::series`](super::RequestRun::series).
pub(super) fn build_series(
    scenario: &RequestScenario,
    records: &[Completion],
    start: Timestamp,
) -> Result<Frame> {
    let step_ms = scenario.series_step_ms.max(1) as f64;
    let bin_of = |secs: f64| (secs * 1000.0 / step_ms).floor().max(0.0) as usize;
    let last = records
        .iter()
        .map(Completion::completion_secs)
        .fold(0.0, f64::max);
    let window_bins = (scenario.duration_secs * 1000.0 / step_ms).ceil() as usize;
    let rows = window_bins.max(bin_of(last) + 1);

    let mut counts = vec![vec![0.0; rows]; Outcome::ALL.len()];
    let mut per_backend = vec![vec![0.0; rows]; scenario.backends.len()];
    let mut ok_latencies: Vec<(usize, f64)> = Vec::new();
    for record in records {
        let bin = bin_of(record.completion_secs()).min(rows - 1);
        counts[record.outcome.index()][bin] += 1.0;
        if let Some(column) = record.backend.and_then(|b| per_backend.get_mut(b)) {
            column[bin] += 1.0;
        }
        if record.outcome == Outcome::Ok {
            ok_latencies.push((bin, record.latency_secs));
        }
    }
    ok_latencies.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut p50 = vec![f64::NAN; rows];
    let mut p99 = vec![f64::NAN; rows];
    let mut sorted = Vec::new();
    for group in ok_latencies.chunk_by(|a, b| a.0 == b.0) {
        let bin = group[0].0;
        sorted.clear();
        sorted.extend(group.iter().map(|&(_, latency)| latency));
        p50[bin] = quantile_sorted(&sorted, 0.5);
        p99[bin] = quantile_sorted(&sorted, 0.99);
    }

    let step = Duration::from_millis(scenario.series_step_ms as i64);
    // Each row is stamped at the end of its interval, like a scrape.
    let index = (1..=rows)
        .map(|row| {
            step.checked_mul(row as i64)
                .and_then(|offset| start.checked_add(offset))
                .ok_or_else(|| {
                    invalid(
                        "start",
                        format!("{start}: a grid of {rows} rows overflows the timestamp range"),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut columns: Vec<(SeriesKey, Vec<f64>)> = Vec::new();
    for (outcome, column) in Outcome::ALL.into_iter().zip(counts) {
        let key = SeriesKey::new("requests")?
            .with_labels(Labels::new().with("outcome", outcome.as_str())?);
        columns.push((key, column));
    }
    columns.push((SeriesKey::new("latency_p50_seconds")?, p50));
    columns.push((SeriesKey::new("latency_p99_seconds")?, p99));
    for (backend, column) in scenario.backends.iter().zip(per_backend) {
        let key = SeriesKey::new("backend_requests")?
            .with_labels(Labels::new().with("backend", backend.name.as_str())?);
        columns.push((key, column));
    }
    Ok(Frame::from_columns(index, columns)?)
}
