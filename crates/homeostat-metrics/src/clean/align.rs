//! Many raw series onto one grid, each as a model should see it: gauges
//! averaged per step, counters turned into per-second rates, gaps filled.

use homeostat_core::{Duration, Frame, Series};

use super::fill::{FillMethod, fill_frame};
use super::resample::{Aggregation, resample};
use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::rates::RangeFunction;

/// Whether a metric is a counter by Prometheus naming (`_total`, and the
/// `_count`, `_sum` and `_bucket` parts of histograms and summaries): the
/// only metrics whose useful form is a rate.
///
/// ```
/// use homeostat_metrics::clean::is_counter;
/// assert!(is_counter("http_requests_total") && is_counter("latency_seconds_bucket"));
/// assert!(!is_counter("node_memory_used_bytes"));
/// ```
pub fn is_counter(name: &str) -> bool {
    ["_total", "_count", "_sum", "_bucket"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Puts every series on the grid of multiples of `step` covering them all:
/// counters (by [`is_counter`]) become `rate(name[rate_range])` per second,
/// other series are averaged per step; then gaps up to `max_gap` are filled
/// by linear interpolation, recorded in the frame's quality mask.
///
/// ```
/// use homeostat_core::{Duration, Series, Timestamp};
/// use homeostat_metrics::clean::align_series;
///
/// let t = Timestamp::from_secs;
/// let requests = Series::new("requests_total", (0..5).map(|i| t(i * 15)).collect(),
///                            vec![0.0, 30.0, 60.0, 90.0, 120.0])?;
/// let cpu = Series::new("cpu", vec![t(0), t(30), t(60)], vec![0.2, 0.4, 0.6])?;
/// let frame = align_series(&[requests, cpu], Duration::from_secs(30),
///                          Duration::from_minutes(1), Duration::from_secs(30))?;
/// assert_eq!(frame.index(), &[t(0), t(30), t(60)]);
/// assert_eq!(frame.value(2, "rate(requests_total[30s])"), Some(2.0));
/// assert_eq!(frame.value(1, "cpu"), Some(0.4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn align_series(
    series: &[Series],
    step: Duration,
    max_gap: Duration,
    rate_range: Duration,
) -> Result<Frame> {
    let first = series.iter().filter_map(|s| s.timestamps().first()).min();
    let last = series.iter().filter_map(|s| s.timestamps().last()).max();
    let (Some(&first), Some(&last)) = (first, last) else {
        return Err(Error::InsufficientData {
            reason: "no samples to align".into(),
        });
    };
    let grid = Grid::covering(first, last, step)?;
    let mut columns = Vec::with_capacity(series.len());
    for s in series {
        if is_counter(s.name()) {
            let (_, timestamps, values) = RangeFunction::Rate
                .evaluate(s, rate_range, &grid)?
                .into_parts();
            let key = RangeFunction::Rate.output_key(s.key(), rate_range)?;
            columns.push(Series::new(key, timestamps, values)?);
        } else {
            columns.push(resample(s, &grid, Aggregation::Mean)?);
        }
    }
    let frame = Frame::from_aligned_series(columns)?;
    fill_frame(&frame, FillMethod::Linear, max_gap)
}
