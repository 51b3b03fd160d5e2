//! The fixed time grid shared by resampling and range functions: rows at
//! `start + k * step`, each stamped at the end of the bucket
//! `(row - step, row]` it covers.

use homeostat_core::{Duration, Timestamp};

use crate::error::{Result, invalid};

/// The largest number of rows a [`Grid`] may have, so that a tiny step over
/// a long span is an error instead of an attempt to allocate without bound.
pub const MAX_GRID_LEN: usize = 10_000_000;

/// A regular time grid: `len` rows at `start + k * step`, `k = 0..len`; row
/// `t` stands for the bucket `(t - step, t]`.
///
/// ```
/// use homeostat_core::{Duration, Timestamp};
/// use homeostat_metrics::Grid;
///
/// let t = Timestamp::from_secs;
/// // Rows at multiples of the step, covering both ends.
/// let grid = Grid::covering(t(5), t(61), Duration::from_secs(30))?;
/// assert_eq!(grid.timestamps(), [t(30), t(60), t(90)]);
/// assert_eq!(grid.bucket_of(t(30)), Some(0));
/// assert_eq!(grid.bucket_of(t(31)), Some(1));
/// assert_eq!(grid.bucket_of(t(0)), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grid {
    start: Timestamp,
    step: Duration,
    len: usize,
}

impl Grid {
    /// A grid of `len` rows from `start`. Fails when `step` is not positive,
    /// `len` exceeds [`MAX_GRID_LEN`], or the last row is out of range.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::Grid;
    /// let grid = Grid::new(Timestamp::from_secs(0), Duration::from_secs(10), 3)?;
    /// assert_eq!(grid.end(), Some(Timestamp::from_secs(20)));
    /// assert!(Grid::new(Timestamp::from_secs(0), Duration::ZERO, 3).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(start: Timestamp, step: Duration, len: usize) -> Result<Grid> {
        check_step(step)?;
        if len > MAX_GRID_LEN {
            return Err(invalid(
                "grid length",
                format!("{len} rows exceeds the maximum of {MAX_GRID_LEN}"),
            ));
        }
        let last = i128::from(start.as_millis())
            + i128::from(step.as_millis()) * (len.saturating_sub(1) as i128);
        if i64::try_from(last).is_err() {
            return Err(invalid(
                "grid",
                format!("{len} rows of {step} from {start} end after the last representable time"),
            ));
        }
        Ok(Grid { start, step, len })
    }

    /// The smallest grid of rows at whole multiples of `step` (counted from
    /// the Unix epoch) whose buckets cover `first..=last`: the first row is
    /// `first` rounded up to a multiple of `step`, the last row `last`
    /// rounded up.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::Grid;
    /// let t = Timestamp::from_secs;
    /// let grid = Grid::covering(t(60), t(60), Duration::from_minutes(1))?;
    /// assert_eq!(grid.timestamps(), [t(60)]);
    /// assert!(Grid::covering(t(61), t(60), Duration::from_minutes(1)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn covering(first: Timestamp, last: Timestamp, step: Duration) -> Result<Grid> {
        check_step(step)?;
        if last < first {
            return Err(invalid(
                "grid span",
                format!("last {last} is before first {first}"),
            ));
        }
        let s = i128::from(step.as_millis());
        let up = |t: Timestamp| {
            let ms = i128::from(t.as_millis());
            let down = ms.div_euclid(s) * s;
            if down < ms { down + s } else { down }
        };
        let (start, end) = (up(first), up(last));
        let start = i64::try_from(start).map_err(|_| {
            invalid(
                "grid",
                format!("{first} rounded up to a multiple of {step} is out of range"),
            )
        })?;
        let rows = (end - i128::from(start)) / s + 1;
        let len = usize::try_from(rows).unwrap_or(usize::MAX);
        Grid::new(Timestamp::from_millis(start), step, len)
    }

    /// The grid from `start` to `end`, both included when `end` falls on a
    /// step: `start + k·step <= end`. Fails when `step` is not positive,
    /// `end` is before `start`, or the grid would exceed [`MAX_GRID_LEN`].
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::Grid;
    /// let t = Timestamp::from_secs;
    /// let grid = Grid::spanning(t(0), t(70), Duration::from_secs(30))?;
    /// assert_eq!(grid.timestamps(), [t(0), t(30), t(60)]);
    /// assert!(Grid::spanning(t(70), t(0), Duration::from_secs(30)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spanning(start: Timestamp, end: Timestamp, step: Duration) -> Result<Grid> {
        check_step(step)?;
        if end < start {
            return Err(invalid(
                "end",
                format!("the grid end {end} is before its start {start}"),
            ));
        }
        let span = i128::from(end.as_millis()) - i128::from(start.as_millis());
        let rows = span / i128::from(step.as_millis()) + 1;
        Grid::new(start, step, usize::try_from(rows).unwrap_or(usize::MAX))
    }

    /// The grid of every multiple of `step` (counted from the Unix epoch)
    /// inside `[first, last]`, so grids of different data line up; `None`
    /// when no multiple falls in the span. Unlike [`Grid::covering`], no
    /// row lies after `last`.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::Grid;
    /// let t = Timestamp::from_secs;
    /// let step = Duration::from_secs(30);
    /// let grid = Grid::aligned_within(t(7), t(95), step)?.unwrap();
    /// assert_eq!(grid.timestamps(), [t(30), t(60), t(90)]);
    /// assert!(Grid::aligned_within(t(31), t(59), step)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aligned_within(
        first: Timestamp,
        last: Timestamp,
        step: Duration,
    ) -> Result<Option<Grid>> {
        check_step(step)?;
        let step_ms = i128::from(step.as_millis());
        let first_ms = i128::from(first.as_millis());
        // The smallest multiple of the step at or after `first`.
        let start = -((-first_ms).div_euclid(step_ms)) * step_ms;
        match i64::try_from(start) {
            Ok(start) if start <= last.as_millis() => {
                Grid::spanning(Timestamp::from_millis(start), last, step).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The first row's timestamp.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::EPOCH, Duration::from_secs(1), 0)?;
    /// assert_eq!(g.start(), Timestamp::EPOCH);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// The spacing of the rows.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::EPOCH, Duration::from_secs(1), 0)?;
    /// assert_eq!(g.step(), Duration::from_secs(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn step(&self) -> Duration {
        self.step
    }

    /// The number of rows.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::EPOCH, Duration::from_secs(1), 4)?;
    /// assert_eq!(g.len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the grid has no rows.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::EPOCH, Duration::from_secs(1), 0)?;
    /// assert!(g.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The last row's timestamp, `None` for an empty grid.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::EPOCH, Duration::from_secs(1), 0)?;
    /// assert_eq!(g.end(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn end(&self) -> Option<Timestamp> {
        self.len.checked_sub(1).map(|k| self.row(k))
    }

    /// The row timestamps.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::EPOCH, Duration::from_secs(1), 2)?;
    /// assert_eq!(g.timestamps(), [Timestamp::EPOCH, Timestamp::from_secs(1)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timestamps(&self) -> Vec<Timestamp> {
        (0..self.len).map(|k| self.row(k)).collect()
    }

    /// The row whose bucket `(row - step, row]` contains `t`, if any.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let g = homeostat_metrics::Grid::new(Timestamp::from_secs(10), Duration::from_secs(10), 2)?;
    /// assert_eq!(g.bucket_of(Timestamp::from_secs(1)), Some(0));
    /// assert_eq!(g.bucket_of(Timestamp::from_secs(20)), Some(1));
    /// assert_eq!(g.bucket_of(Timestamp::from_secs(21)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bucket_of(&self, t: Timestamp) -> Option<usize> {
        let step = self.step.as_millis();
        // Ceiling division: the first row at or after t. In i64 when it
        // cannot overflow (a 128-bit division costs several times more,
        // and resampling divides once per bucket), else in i128.
        let k = match t
            .as_millis()
            .checked_sub(self.start.as_millis())
            .and_then(|offset| offset.checked_add(step - 1))
        {
            Some(shifted) => i128::from(shifted.div_euclid(step)),
            None => {
                let s = i128::from(step);
                let offset = i128::from(t.as_millis()) - i128::from(self.start.as_millis());
                (offset + s - 1).div_euclid(s)
            }
        };
        usize::try_from(k).ok().filter(|&k| k < self.len)
    }

    /// A cursor that finds the buckets of time-ordered points mostly
    /// without dividing: consecutive points usually share a bucket.
    pub(crate) fn cursor(&self) -> BucketCursor<'_> {
        BucketCursor {
            grid: self,
            current: None,
        }
    }

    /// Row `k`'s timestamp; in range by construction for `k < len`.
    fn row(&self, k: usize) -> Timestamp {
        let ms = i128::from(self.start.as_millis()) + i128::from(self.step.as_millis()) * k as i128;
        Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
    }
}

/// [`Grid::bucket_of`] remembering the last bucket found: a point in the
/// same bucket as the one before costs two comparisons.
#[derive(Debug)]
pub(crate) struct BucketCursor<'a> {
    grid: &'a Grid,
    /// The last bucket found and its bounds `(lo, hi]` in milliseconds.
    current: Option<(usize, i64, i64)>,
}

impl BucketCursor<'_> {
    /// The same answer as [`Grid::bucket_of`], for points in any order.
    pub(crate) fn bucket_of(&mut self, t: Timestamp) -> Option<usize> {
        let ms = t.as_millis();
        if let Some((k, lo, hi)) = self.current
            && lo < ms
            && ms <= hi
        {
            return Some(k);
        }
        let k = self.grid.bucket_of(t)?;
        let hi = self.grid.row(k).as_millis();
        let lo = hi.saturating_sub(self.grid.step.as_millis());
        self.current = Some((k, lo, hi));
        Some(k)
    }
}

pub(crate) fn check_step(step: Duration) -> Result<()> {
    if step <= Duration::ZERO {
        return Err(invalid("step", format!("{step} is not positive")));
    }
    Ok(())
}
