//! Filling short gaps in a series, recording which values were filled.
//!
//! A gap is a run of missing (NaN) values. [`FillMethod::Linear`] fills a
//! gap when the observations on both sides of it are at most `max_gap`
//! apart, on the straight line between them; gaps at the start or the end
//! (with an observation on one side only) stay missing.
//! [`FillMethod::Forward`] repeats the last observation into each missing
//! value that is at most `max_gap` after it, so the start of a long gap is
//! filled and the rest stays missing; a leading gap stays missing.
//! "At most" is inclusive: a gap of exactly `max_gap` is filled.

use homeostat_core::{Duration, Frame, Quality, Series, Timestamp};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};
use crate::transform::Transform;

/// How missing values are reconstructed.
///
/// ```
/// use homeostat_metrics::clean::FillMethod;
/// assert_eq!(serde_json::from_str::<FillMethod>("\"forward\"")?, FillMethod::Forward);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillMethod {
    /// Interpolate linearly in time between the observations around the
    /// gap; values become [`Quality::Interpolated`].
    #[default]
    Linear,
    /// Carry the last observation forward; values become [`Quality::Filled`].
    Forward,
}

/// Fills the gaps of `values` (NaN = missing) observed at `timestamps`,
/// returning the new values and one [`Quality`] per value: `Observed` for
/// values that were there, `Interpolated` or `Filled` for reconstructed
/// ones, `Missing` for those left NaN. O(n).
///
/// Fails when the lengths differ, the timestamps are not strictly
/// increasing, or `max_gap` is negative.
///
/// ```
/// use homeostat_core::{Duration, Quality, Timestamp};
/// use homeostat_metrics::clean::{fill_gaps, FillMethod};
///
/// let ts: Vec<_> = (0..5).map(|m| Timestamp::from_secs(60 * m)).collect();
/// let nan = f64::NAN;
/// let (values, quality) =
///     fill_gaps(&ts, &[nan, 1.0, nan, 3.0, nan], FillMethod::Linear, Duration::from_minutes(2))?;
/// assert_eq!(values[1..4], [1.0, 2.0, 3.0]);
/// assert!(values[0].is_nan() && values[4].is_nan()); // no observation on one side
/// assert_eq!(quality[2], Quality::Interpolated);
/// assert_eq!(quality[4], Quality::Missing);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fill_gaps(
    timestamps: &[Timestamp],
    values: &[f64],
    method: FillMethod,
    max_gap: Duration,
) -> Result<(Vec<f64>, Vec<Quality>)> {
    if timestamps.len() != values.len() {
        return Err(invalid(
            "values",
            format!(
                "{} values for {} timestamps",
                values.len(),
                timestamps.len()
            ),
        ));
    }
    if let Some(i) = timestamps.windows(2).position(|w| w[0] >= w[1]) {
        return Err(invalid(
            "timestamps",
            format!("not strictly increasing at position {}", i + 1),
        ));
    }
    check_max_gap(max_gap)?;
    let mut filled = values.to_vec();
    let mut quality: Vec<Quality> = values.iter().map(|&v| Quality::of(v)).collect();
    fill_in_place(timestamps, &mut filled, &mut quality, method, max_gap);
    Ok((filled, quality))
}

/// [`fill_gaps`] on a series: the filled series (same key) and one
/// [`Quality`] per point.
///
/// ```
/// use homeostat_core::{Duration, Quality, Series, Timestamp};
/// use homeostat_metrics::clean::{fill_series, FillMethod};
///
/// let t = Timestamp::from_secs;
/// let s = Series::new("temp", vec![t(0), t(10), t(20), t(30)], vec![5.0, f64::NAN, f64::NAN, 6.0])?;
/// let (filled, quality) = fill_series(&s, FillMethod::Forward, Duration::from_secs(10))?;
/// assert_eq!(filled.values()[1], 5.0);      // 10 s after the observation: filled
/// assert!(filled.values()[2].is_nan());     // 20 s after: beyond max_gap
/// assert_eq!(quality, [Quality::Observed, Quality::Filled, Quality::Missing, Quality::Observed]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fill_series(
    series: &Series,
    method: FillMethod,
    max_gap: Duration,
) -> Result<(Series, Vec<Quality>)> {
    let (values, quality) = fill_gaps(series.timestamps(), series.values(), method, max_gap)?;
    let filled =
        Series::builder(series.key().clone())?.build(series.timestamps().to_vec(), values)?;
    Ok((filled, quality))
}

/// Fills the gaps of every column of `frame` and sets its quality mask.
/// Values already present keep the quality the frame's mask gives them
/// (`Observed` without a mask), so filling twice does not forget what was
/// reconstructed.
///
/// ```
/// use homeostat_core::{Duration, Frame, Quality, Timestamp};
/// use homeostat_metrics::clean::{fill_frame, FillMethod};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(vec![t(0), t(1), t(2)], [("x", vec![0.0, f64::NAN, 4.0])])?;
/// let filled = fill_frame(&frame, FillMethod::Linear, Duration::from_secs(2))?;
/// assert_eq!(filled.value(1, "x"), Some(2.0));
/// assert_eq!(filled.quality_at(1, 0), Some(Quality::Interpolated));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fill_frame(frame: &Frame, method: FillMethod, max_gap: Duration) -> Result<Frame> {
    check_max_gap(max_gap)?;
    let (nrows, ncols) = frame.shape();
    let mut values = frame.values().to_owned();
    let mut mask = Array2::from_shape_fn((nrows, ncols), |(r, c)| {
        frame.quality_at(r, c).unwrap_or(Quality::Missing)
    });
    let mut column = Vec::with_capacity(nrows);
    let mut quality = Vec::with_capacity(nrows);
    for (mut value_col, mut quality_col) in values.columns_mut().into_iter().zip(mask.columns_mut())
    {
        column.clear();
        column.extend(value_col.iter().copied());
        quality.clear();
        quality.extend(quality_col.iter().copied());
        fill_in_place(frame.index(), &mut column, &mut quality, method, max_gap);
        for (cell, &v) in value_col.iter_mut().zip(&column) {
            *cell = v;
        }
        for (cell, &q) in quality_col.iter_mut().zip(&quality) {
            *cell = q;
        }
    }
    let (index, columns, _) = frame.clone().without_quality().into_parts();
    Ok(Frame::new(index, columns, values)?.with_quality(mask)?)
}

/// Gap filling as a [`Transform`] over whole frames; it learns nothing.
///
/// ```
/// use homeostat_core::{Duration, Frame, Quality, Timestamp};
/// use homeostat_metrics::Transform;
/// use homeostat_metrics::clean::{FillGaps, FillMethod};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(vec![t(0), t(60)], [("x", vec![1.0, f64::NAN])])?;
/// let mut fill: FillGaps = serde_json::from_str(r#"{"method": "forward", "max_gap": "5m"}"#)?;
/// let out = fill.fit_transform(&frame)?;
/// assert_eq!(out.value(1, "x"), Some(1.0));
/// assert_eq!(out.quality_at(1, 0), Some(Quality::Filled));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FillGaps {
    /// How to fill.
    #[serde(default)]
    pub method: FillMethod,
    /// The longest gap that is filled (milliseconds in serde, as core's
    /// `Duration`); see the module documentation for how each method
    /// measures it.
    pub max_gap: Duration,
}

impl FillGaps {
    /// A gap filler with the given method and maximum gap.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// use homeostat_metrics::clean::{FillGaps, FillMethod};
    /// let f = FillGaps::new(FillMethod::Linear, Duration::from_minutes(5));
    /// assert_eq!(f.max_gap, Duration::from_minutes(5));
    /// ```
    pub fn new(method: FillMethod, max_gap: Duration) -> Self {
        FillGaps { method, max_gap }
    }
}

impl Transform for FillGaps {
    fn fit(&mut self, _training: &Frame) -> Result<()> {
        check_max_gap(self.max_gap)
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        fill_frame(frame, self.method, self.max_gap)
    }
}

fn check_max_gap(max_gap: Duration) -> Result<()> {
    if max_gap < Duration::ZERO {
        return Err(invalid("max_gap", format!("{max_gap} is negative")));
    }
    Ok(())
}

/// Fills NaN values in place and marks their quality; `timestamps` strictly
/// increase and all three slices have the same length.
fn fill_in_place(
    timestamps: &[Timestamp],
    values: &mut [f64],
    quality: &mut [Quality],
    method: FillMethod,
    max_gap: Duration,
) {
    let mut previous: Option<(Timestamp, f64, usize)> = None;
    for i in 0..values.len() {
        let (Some(&t), Some(&v)) = (timestamps.get(i), values.get(i)) else {
            return;
        };
        if !v.is_nan() {
            if method == FillMethod::Linear
                && let Some((t0, v0, i0)) = previous
                && i > i0 + 1
                && t.since(t0) <= max_gap
            {
                interpolate(timestamps, values, quality, (i0, t0, v0), (i, t, v));
            }
            previous = Some((t, v, i));
        } else if method == FillMethod::Forward
            && let Some((t0, v0, _)) = previous
            && t.since(t0) <= max_gap
            && let (Some(cell), Some(q)) = (values.get_mut(i), quality.get_mut(i))
        {
            *cell = v0;
            *q = Quality::Filled;
        }
    }
}

/// Fills positions strictly between `left` and `right` on the line through
/// them, clamped to the neighbours so rounding never overshoots.
fn interpolate(
    timestamps: &[Timestamp],
    values: &mut [f64],
    quality: &mut [Quality],
    (i0, t0, v0): (usize, Timestamp, f64),
    (i1, t1, v1): (usize, Timestamp, f64),
) {
    let span = t1.since(t0).as_millis() as f64;
    let (lo, hi) = (v0.min(v1), v0.max(v1));
    for j in i0 + 1..i1 {
        let (Some(&t), Some(cell), Some(q)) =
            (timestamps.get(j), values.get_mut(j), quality.get_mut(j))
        else {
            return;
        };
        let f = t.since(t0).as_millis() as f64 / span;
        *cell = (v0 * (1.0 - f) + v1 * f).clamp(lo, hi);
        *q = Quality::Interpolated;
    }
}

#[cfg(test)]
mod tests;
