//! Resampling onto a fixed grid `start + k * step`, aggregating the points
//! of each bucket.
//!
//! The row stamped `t` summarises the points in the bucket `(t - step, t]`:
//! rows are stamped at the end of the interval they cover, as Prometheus
//! range queries stamp theirs, so a row never contains data from after its
//! timestamp. Missing (NaN) points are ignored.

use homeostat_core::{Duration, Frame, Series, SeriesKey, Timestamp};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::grid::check_step;
pub use crate::grid::{Grid, MAX_GRID_LEN};
use crate::transform::Transform;

/// How the points of one bucket become one value.
///
/// Every aggregation but `Count` gives NaN (missing) for a bucket without
/// points; `Count` gives 0, since the count is known.
///
/// ```
/// use homeostat_metrics::clean::Aggregation;
/// let a: Aggregation = serde_json::from_str("\"mean\"")?;
/// assert_eq!(a, Aggregation::Mean);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Arithmetic mean.
    #[default]
    Mean,
    /// The latest point (what a gauge scraped at the row time reads).
    Last,
    /// The largest point.
    Max,
    /// The smallest point.
    Min,
    /// The sum of the points.
    Sum,
    /// How many points there are.
    Count,
}

/// Aggregates time-ordered points into the grid's buckets, in one pass.
fn aggregate(
    grid: &Grid,
    points: impl Iterator<Item = (Timestamp, f64)>,
    aggregation: Aggregation,
) -> Vec<f64> {
    let mut buckets = Buckets::new(grid.len(), 1, aggregation);
    let mut cursor = grid.cursor();
    for (t, v) in points {
        if let Some(k) = cursor.bucket_of(t) {
            buckets.add(k, 0, v);
        }
    }
    buckets.finish()
}

/// The running aggregates of `rows × columns` buckets, row-major.
struct Buckets {
    aggregation: Aggregation,
    columns: usize,
    values: Vec<f64>,
    counts: Vec<u64>,
}

impl Buckets {
    fn new(rows: usize, columns: usize, aggregation: Aggregation) -> Self {
        let empty = if aggregation == Aggregation::Count {
            0.0
        } else {
            f64::NAN
        };
        Buckets {
            aggregation,
            columns,
            values: vec![empty; rows * columns],
            counts: vec![0; rows * columns],
        }
    }

    /// Adds point `v` (ignored when missing) to bucket `row` of `column`.
    fn add(&mut self, row: usize, column: usize, v: f64) {
        if v.is_nan() {
            return;
        }
        let i = row * self.columns + column;
        let (Some(o), Some(n)) = (self.values.get_mut(i), self.counts.get_mut(i)) else {
            return;
        };
        let first = *n == 0;
        *n += 1;
        *o = match self.aggregation {
            Aggregation::Mean | Aggregation::Sum if first => v,
            Aggregation::Mean | Aggregation::Sum => *o + v,
            Aggregation::Last => v,
            Aggregation::Max if first => v,
            Aggregation::Max => o.max(v),
            Aggregation::Min if first => v,
            Aggregation::Min => o.min(v),
            Aggregation::Count => *o + 1.0,
        };
    }

    /// The aggregates, row-major.
    fn finish(mut self) -> Vec<f64> {
        if self.aggregation == Aggregation::Mean {
            for (o, &n) in self.values.iter_mut().zip(&self.counts) {
                if n > 0 {
                    *o /= n as f64;
                }
            }
        }
        // A sum of large finite values can overflow; report it as missing
        // rather than store an infinity.
        for o in &mut self.values {
            if o.is_infinite() {
                *o = f64::NAN;
            }
        }
        self.values
    }
}

/// Resamples `series` onto `grid`: row `t` aggregates the points in
/// `(t - step, t]`; points outside every bucket are dropped. O(points + rows).
///
/// A sum (or mean) that overflows `f64` is stored as missing (NaN).
///
/// ```
/// use homeostat_core::{Duration, Series, Timestamp};
/// use homeostat_metrics::clean::{resample, Aggregation, Grid};
///
/// let t = Timestamp::from_secs;
/// let s = Series::new("rps", vec![t(1), t(10), t(11), t(35)], vec![1.0, 3.0, 5.0, 7.0])?;
/// let grid = Grid::new(t(10), Duration::from_secs(10), 3)?; // rows 10, 20, 30
/// let mean = resample(&s, &grid, Aggregation::Mean)?;
/// assert_eq!(mean.values()[..2], [2.0, 5.0]);  // (0,10] holds 1 and 3; (10,20] holds 5
/// assert!(mean.values()[2].is_nan());           // (20,30] is empty; 35 is past the grid
/// assert_eq!(resample(&s, &grid, Aggregation::Count)?.values(), &[2.0, 1.0, 0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resample(series: &Series, grid: &Grid, aggregation: Aggregation) -> Result<Series> {
    let values = aggregate(grid, series.iter(), aggregation);
    Ok(Series::builder(series.key().clone())?.build(grid.timestamps(), values)?)
}

/// Resamples several series onto one grid, as the columns of a [`Frame`]
/// (in the given order). Fails when two series have the same key.
///
/// ```
/// use homeostat_core::{Duration, Series, Timestamp};
/// use homeostat_metrics::clean::{resample_to_frame, Aggregation, Grid};
///
/// let t = Timestamp::from_secs;
/// let a = Series::new("a", vec![t(3), t(7)], vec![1.0, 2.0])?;
/// let b = Series::new("b", vec![t(12)], vec![5.0])?;
/// let grid = Grid::covering(t(3), t(12), Duration::from_secs(10))?;
/// let frame = resample_to_frame(&[a, b], &grid, Aggregation::Last)?;
/// assert_eq!(frame.index(), &[t(10), t(20)]);
/// assert_eq!(frame.value(0, "a"), Some(2.0));
/// assert_eq!(frame.value(1, "b"), Some(5.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resample_to_frame(
    series: &[Series],
    grid: &Grid,
    aggregation: Aggregation,
) -> Result<Frame> {
    let columns: Vec<(SeriesKey, Vec<f64>)> = series
        .iter()
        .map(|s| (s.key().clone(), aggregate(grid, s.iter(), aggregation)))
        .collect();
    Ok(Frame::from_columns(grid.timestamps(), columns)?)
}

/// Resamples every column of `frame` onto `grid`. The result carries no
/// quality mask: every value is a fresh aggregate.
///
/// ```
/// use homeostat_core::{Duration, Frame, Timestamp};
/// use homeostat_metrics::clean::{resample_frame, Aggregation, Grid};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(vec![t(1), t(2), t(11)], [("x", vec![1.0, 4.0, 2.0])])?;
/// let grid = Grid::new(t(10), Duration::from_secs(10), 2)?;
/// let max = resample_frame(&frame, &grid, Aggregation::Max)?;
/// assert_eq!(max.column("x").map(|c| c.to_vec()), Some(vec![4.0, 2.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resample_frame(frame: &Frame, grid: &Grid, aggregation: Aggregation) -> Result<Frame> {
    // Row by row: the frame is row-major, and each row's bucket is found
    // once for all its columns.
    let mut buckets = Buckets::new(grid.len(), frame.ncols(), aggregation);
    let mut cursor = grid.cursor();
    for (&t, row) in frame.index().iter().zip(frame.values().rows()) {
        if let Some(k) = cursor.bucket_of(t) {
            for (column, &v) in row.iter().enumerate() {
                buckets.add(k, column, v);
            }
        }
    }
    let out = Array2::from_shape_vec((grid.len(), frame.ncols()), buckets.finish())
        .map_err(|e| crate::error::invalid("resampled frame", e.to_string()))?;
    Ok(Frame::new(
        grid.timestamps(),
        frame.columns().to_vec(),
        out,
    )?)
}

/// Resampling as a [`Transform`]: every column onto the grid of
/// [`Grid::covering`] the frame's first and last timestamps with `step`.
/// It learns nothing; `fit` only checks the step.
///
/// ```
/// use homeostat_core::{Duration, Frame, Timestamp};
/// use homeostat_metrics::Transform;
/// use homeostat_metrics::clean::{Aggregation, Resample};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(vec![t(1), t(29), t(31)], [("x", vec![1.0, 3.0, 8.0])])?;
/// let mut resample: Resample = serde_json::from_str(r#"{"step": "30s", "aggregation": "mean"}"#)?;
/// let out = resample.fit_transform(&frame)?;
/// assert_eq!(out.index(), &[t(30), t(60)]);
/// assert_eq!(out.column("x").map(|c| c.to_vec()), Some(vec![2.0, 8.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resample {
    /// The grid spacing (milliseconds in serde, as core's `Duration`).
    pub step: Duration,
    /// How each bucket is summarised.
    #[serde(default)]
    pub aggregation: Aggregation,
}

impl Resample {
    /// A resampler with the given step and aggregation.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// use homeostat_metrics::clean::{Aggregation, Resample};
    /// let r = Resample::new(Duration::from_minutes(1), Aggregation::Last);
    /// assert_eq!(r.aggregation, Aggregation::Last);
    /// ```
    pub fn new(step: Duration, aggregation: Aggregation) -> Self {
        Resample { step, aggregation }
    }
}

impl Transform for Resample {
    fn fit(&mut self, _training: &Frame) -> Result<()> {
        check_step(self.step)
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        check_step(self.step)?;
        let (Some(&first), Some(&last)) = (frame.index().first(), frame.index().last()) else {
            return Ok(Frame::with_columns(frame.columns().to_vec())?);
        };
        let grid = Grid::covering(first, last, self.step)?;
        resample_frame(frame, &grid, self.aggregation)
    }
}

#[cfg(test)]
mod tests;
