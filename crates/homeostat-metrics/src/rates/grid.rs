//! The output grid of a range query: `start`, `start + step`, ... up to `end`.

use homeostat_core::{Duration, Timestamp};

use crate::error::{Result, invalid};

/// The most points a [`Grid`] may hold (ten million), so a tiny step over a
/// long span is an error rather than an allocation failure. Prometheus caps
/// a range query at 11 000 points; a library evaluating training history
/// needs more.
pub const MAX_GRID_POINTS: u64 = 10_000_000;

/// The evaluation times of a range query: `start + k·step` for every
/// `k ≥ 0` with `start + k·step ≤ end`.
///
/// ```
/// use homeostat_core::{Duration, Timestamp};
/// use homeostat_metrics::rates::Grid;
/// let grid = Grid::new(Timestamp::from_secs(0), Timestamp::from_secs(70), Duration::from_secs(30))?;
/// let secs: Vec<i64> = grid.timestamps().map(|t| t.as_millis() / 1000).collect();
/// assert_eq!(secs, [0, 30, 60]);
/// assert_eq!(grid.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    start: Timestamp,
    step: Duration,
    len: u64,
}

impl Grid {
    /// A grid from `start` to `end` (inclusive when it falls on a step).
    ///
    /// Fails when `step` is not positive, `end` is before `start`, or the
    /// grid would hold more than [`MAX_GRID_POINTS`] points.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::rates::Grid;
    /// let (t0, t1) = (Timestamp::from_secs(0), Timestamp::from_secs(60));
    /// assert!(Grid::new(t0, t1, Duration::ZERO).is_err());
    /// assert!(Grid::new(t1, t0, Duration::from_secs(1)).is_err());
    /// assert_eq!(Grid::new(t0, t0, Duration::from_secs(1))?.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(start: Timestamp, end: Timestamp, step: Duration) -> Result<Self> {
        if step.as_millis() <= 0 {
            return Err(invalid(
                "step",
                format!("the grid step must be positive, got {step}"),
            ));
        }
        if end < start {
            return Err(invalid(
                "end",
                format!("the grid end {end} is before its start {start}"),
            ));
        }
        let span = i128::from(end.as_millis()) - i128::from(start.as_millis());
        let len = span / i128::from(step.as_millis()) + 1;
        let len = u64::try_from(len)
            .ok()
            .filter(|&n| n <= MAX_GRID_POINTS)
            .ok_or_else(|| {
                invalid(
                    "step",
                    format!(
                        "a step of {step} from {start} to {end} gives {len} points, more than {MAX_GRID_POINTS}"
                    ),
                )
            })?;
        Ok(Grid { start, step, len })
    }

    /// The grid of every multiple of `step` (counted from the Unix epoch)
    /// in `[first, last]`, so grids of different data line up. `None` when
    /// no multiple falls in the span.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// use homeostat_metrics::rates::Grid;
    /// let step = Duration::from_secs(30);
    /// let grid = Grid::aligned(Timestamp::from_secs(7), Timestamp::from_secs(95), step)?.unwrap();
    /// assert_eq!(grid.start(), Timestamp::from_secs(30));
    /// assert_eq!(grid.len(), 3);
    /// assert!(Grid::aligned(Timestamp::from_secs(31), Timestamp::from_secs(59), step)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aligned(first: Timestamp, last: Timestamp, step: Duration) -> Result<Option<Self>> {
        let step_ms = i128::from(step.as_millis());
        if step_ms <= 0 {
            return Err(invalid(
                "step",
                format!("the grid step must be positive, got {step}"),
            ));
        }
        let first_ms = i128::from(first.as_millis());
        // The smallest multiple of the step at or after `first`.
        let start = -((-first_ms).div_euclid(step_ms)) * step_ms;
        match i64::try_from(start) {
            Ok(start) if start <= last.as_millis() => {
                Grid::new(Timestamp::from_millis(start), last, step).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The first point.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let grid = homeostat_metrics::rates::Grid::new(Timestamp::EPOCH, Timestamp::EPOCH, Duration::from_secs(1))?;
    /// assert_eq!(grid.start(), Timestamp::EPOCH);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// The distance between points.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let grid = homeostat_metrics::rates::Grid::new(Timestamp::EPOCH, Timestamp::EPOCH, Duration::from_secs(1))?;
    /// assert_eq!(grid.step(), Duration::from_secs(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn step(&self) -> Duration {
        self.step
    }

    /// The number of points (at least one).
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let grid = homeostat_metrics::rates::Grid::new(Timestamp::EPOCH, Timestamp::from_secs(2), Duration::from_secs(1))?;
    /// assert_eq!(grid.len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::len_without_is_empty, reason = "a grid is never empty")]
    pub fn len(&self) -> usize {
        usize::try_from(self.len).unwrap_or(usize::MAX)
    }

    /// The points in increasing order.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let grid = homeostat_metrics::rates::Grid::new(Timestamp::EPOCH, Timestamp::from_secs(1), Duration::from_secs(1))?;
    /// assert_eq!(grid.timestamps().last(), Some(Timestamp::from_secs(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timestamps(&self) -> impl ExactSizeIterator<Item = Timestamp> + '_ {
        let step = self.step;
        (0..self.len()).map(move |k| self.start + step * k as i64)
    }
}
