//! `Rate`: a range function applied to every column of a frame.

use homeostat_core::{Duration, Frame, SeriesKey};
use serde::{Deserialize, Serialize};

use super::function::{RangeFunction, check_range};
use crate::error::Result;
use crate::grid::Grid;
use crate::transform::Transform;

/// Applies a [`RangeFunction`] with lookback `range` to every column of a
/// frame, on the grid of the multiples of `step` (from the Unix epoch) that
/// fall within the frame's first and last timestamps ([`Grid::aligned_within`]).
///
/// Columns are renamed by [`RangeFunction::output_key`], e.g.
/// `rate(http_requests_total[5m]){code="200"}`. NaN values are missing
/// samples. A frame without rows, or whose span holds no multiple of
/// `step`, gives a frame without rows. `fit` learns nothing.
///
/// ```
/// use homeostat_core::{Duration, Frame, Timestamp};
/// use homeostat_metrics::Transform;
/// use homeostat_metrics::rates::{RangeFunction, Rate};
///
/// let index: Vec<_> = (0..=8).map(|i| Timestamp::from_secs(15 * i)).collect();
/// let counter: Vec<_> = (0..=8).map(|i| 30.0 * i as f64).collect();
/// let frame = Frame::from_columns(index, [("requests_total", counter)])?;
///
/// let rate = Rate::new(RangeFunction::Rate, Duration::from_minutes(1), Duration::from_secs(60));
/// let out = rate.transform(&frame)?;
/// assert_eq!(out.index(), &[Timestamp::from_secs(0), Timestamp::from_secs(60), Timestamp::from_secs(120)]);
/// let r = out.value(1, "rate(requests_total[1m])").unwrap();
/// assert!((r - 2.0).abs() < 1e-12);
/// assert!(out.value(0, "rate(requests_total[1m])").is_some_and(f64::is_nan));
///
/// let json = serde_json::to_string(&rate)?;
/// assert_eq!(json, r#"{"function":"rate","range":"1m","step":"1m"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// The range function.
    pub function: RangeFunction,
    /// The lookback window; must be positive.
    pub range: Duration,
    /// The output grid's step; must be positive.
    pub step: Duration,
}

impl Rate {
    /// A configuration; validated when it transforms.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// use homeostat_metrics::rates::{RangeFunction, Rate};
    /// let r = Rate::new(RangeFunction::Increase, Duration::from_minutes(5), Duration::from_secs(30));
    /// assert_eq!(r.function, RangeFunction::Increase);
    /// ```
    pub fn new(function: RangeFunction, range: Duration, step: Duration) -> Self {
        Rate {
            function,
            range,
            step,
        }
    }
}

impl Transform for Rate {
    fn fit(&mut self, _training: &Frame) -> Result<()> {
        Ok(())
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        check_range(self.range)?;
        let keys = frame
            .columns()
            .iter()
            .map(|key| self.function.output_key(key, self.range))
            .collect::<Result<Vec<SeriesKey>>>()?;
        let grid = match (frame.index().first(), frame.index().last()) {
            (Some(&first), Some(&last)) => Grid::aligned_within(first, last, self.step)?,
            _ => {
                // Still reject a bad step on an empty frame.
                Grid::aligned_within(
                    homeostat_core::Timestamp::EPOCH,
                    homeostat_core::Timestamp::EPOCH,
                    self.step,
                )?;
                None
            }
        };
        let Some(grid) = grid else {
            let empty = keys.into_iter().map(|k| (k, Vec::new()));
            return Ok(Frame::from_columns(Vec::new(), empty)?);
        };
        let mut columns = Vec::with_capacity(keys.len());
        for (series, key) in frame.to_series().iter().zip(keys) {
            let out = self.function.evaluate(series, self.range, &grid)?;
            columns.push((key, out.into_parts().2));
        }
        Ok(Frame::from_columns(grid.timestamps(), columns)?)
    }
}
