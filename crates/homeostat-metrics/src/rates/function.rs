//! The choice of range function and its evaluation over a series.

use homeostat_core::{Duration, Series, SeriesKey, Timestamp};
use serde::{Deserialize, Serialize};

use super::window::{Point, extrapolated, instant, slope};
use crate::error::{Result, invalid};
use crate::grid::Grid;

/// A PromQL function over a range vector.
///
/// Every function needs at least two samples in the window `(t - range, t]`
/// and is NaN (missing) otherwise; NaN samples are dropped first.
///
/// ```
/// use homeostat_core::{Duration, Series, Timestamp};
/// use homeostat_metrics::rates::{Grid, RangeFunction};
///
/// // A counter scraped every 15 s that grows by 1 per second.
/// let ts: Vec<_> = (0..=8).map(|i| Timestamp::from_secs(15 * i)).collect();
/// let vs: Vec<_> = (0..=8).map(|i| 15.0 * i as f64).collect();
/// let counter = Series::new("requests_total", ts, vs)?;
///
/// let grid = Grid::spanning(Timestamp::from_secs(60), Timestamp::from_secs(120), Duration::from_secs(30))?;
/// let rate = RangeFunction::Rate.evaluate(&counter, Duration::from_minutes(1), &grid)?;
/// assert_eq!(rate.name(), "rate(requests_total[1m])");
/// assert_eq!(rate.len(), 3);
/// assert!(rate.values().iter().all(|r| (r - 1.0).abs() < 1e-12));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RangeFunction {
    /// Per-second increase of a counter, with counter-reset handling and
    /// extrapolation to the window edges: `increase / range_secs`.
    Rate,
    /// Increase of a counter over the window, with counter-reset handling
    /// and extrapolation to the window edges.
    Increase,
    /// Difference between the last and first value of a gauge,
    /// extrapolated to the window edges; no reset handling.
    Delta,
    /// Per-second increase between the last two samples of a counter (a
    /// drop counts as a restart from zero).
    Irate,
    /// Difference between the last two samples of a gauge.
    Idelta,
    /// Least-squares slope per second of a gauge; no extrapolation.
    Deriv,
}

impl RangeFunction {
    /// The PromQL name (`rate`, `increase`, ...).
    ///
    /// ```
    /// assert_eq!(homeostat_metrics::rates::RangeFunction::Idelta.name(), "idelta");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            RangeFunction::Rate => "rate",
            RangeFunction::Increase => "increase",
            RangeFunction::Delta => "delta",
            RangeFunction::Irate => "irate",
            RangeFunction::Idelta => "idelta",
            RangeFunction::Deriv => "deriv",
        }
    }

    /// The key of the result: the name becomes `function(name[range])` and
    /// the labels are kept (a key's name cannot hold the braces of
    /// `rate(x{a="b"}[5m])`), so it prints as `rate(x[5m]){a="b"}`.
    ///
    /// ```
    /// use homeostat_core::{Duration, Labels, SeriesKey};
    /// use homeostat_metrics::rates::RangeFunction;
    /// let key = SeriesKey::new("http_requests_total")?.with_labels(Labels::from_pairs([("code", "200")])?);
    /// let out = RangeFunction::Rate.output_key(&key, Duration::from_minutes(5))?;
    /// assert_eq!(out.to_string(), r#"rate(http_requests_total[5m]){code="200"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn output_key(self, key: &SeriesKey, range: Duration) -> Result<SeriesKey> {
        let name = format!("{}({}[{}])", self.name(), key.name(), range);
        Ok(SeriesKey::new(name)?.with_labels(key.labels().clone()))
    }

    /// Evaluates the function on `series` at every point `t` of `grid` over
    /// the window `(t - range, t]`.
    ///
    /// NaN samples are ignored as if not scraped; a window with fewer than
    /// two samples, or a result that overflows, gives NaN. Fails when
    /// `range` is not positive.
    ///
    /// ```
    /// use homeostat_core::{Duration, Series, Timestamp};
    /// use homeostat_metrics::rates::{Grid, RangeFunction};
    /// let gauge = Series::new("temp", vec![Timestamp::from_secs(0), Timestamp::from_secs(10)], vec![1.0, 3.0])?;
    /// let grid = Grid::spanning(Timestamp::from_secs(10), Timestamp::from_secs(10), Duration::from_secs(1))?;
    /// let d = RangeFunction::Deriv.evaluate(&gauge, Duration::from_secs(20), &grid)?;
    /// assert_eq!(d.values(), &[0.2]);
    /// assert!(RangeFunction::Deriv.evaluate(&gauge, Duration::ZERO, &grid).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(self, series: &Series, range: Duration, grid: &Grid) -> Result<Series> {
        check_range(range)?;
        let points: Vec<Point> = series
            .iter()
            .filter(|(_, v)| !v.is_nan())
            .map(|(t, v)| (t.as_millis(), v))
            .collect();
        let range_ms = range.as_millis();
        let range_secs = range.as_secs_f64();
        let index: Vec<Timestamp> = grid.timestamps();
        let values = index
            .iter()
            .map(|t| {
                let end = t.as_millis();
                let start = end.saturating_sub(range_ms);
                let lo = points.partition_point(|p| p.0 <= start);
                let hi = points.partition_point(|p| p.0 <= end);
                let window = points.get(lo..hi).unwrap_or(&[]);
                let value = self.over_window(window, start, end, range_secs);
                if value.is_finite() { value } else { f64::NAN }
            })
            .collect();
        Ok(Series::new(
            self.output_key(series.key(), range)?,
            index,
            values,
        )?)
    }

    fn over_window(self, window: &[Point], start: i64, end: i64, range_secs: f64) -> f64 {
        match self {
            RangeFunction::Rate => extrapolated(window, start, end, range_secs, true, true),
            RangeFunction::Increase => extrapolated(window, start, end, range_secs, true, false),
            RangeFunction::Delta => extrapolated(window, start, end, range_secs, false, false),
            RangeFunction::Irate => instant(window, true),
            RangeFunction::Idelta => instant(window, false),
            RangeFunction::Deriv => slope(window),
        }
    }
}

/// Rejects a lookback range that is not positive.
pub(crate) fn check_range(range: Duration) -> Result<()> {
    if range.as_millis() <= 0 {
        return Err(invalid(
            "range",
            format!("the lookback range must be positive, got {range}"),
        ));
    }
    Ok(())
}
