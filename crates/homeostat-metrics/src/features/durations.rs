//! Window lengths given as durations, converted to rows with the step of a
//! regular grid (windows are counted in rows; see [`WindowFeatures`]).

use homeostat_core::{Duration, Frame};

use super::config::WindowFeatures;
use crate::error::{Error, Result, invalid};

impl WindowFeatures {
    /// Window lengths in rows for `durations` on a grid of `step`: each
    /// duration must be a positive whole multiple of `step` (a `5m` window on
    /// a `10s` grid is 30 rows). Fails with [`Error::InvalidParameter`] on a
    /// step that is not positive, or a duration that is not positive, not a
    /// multiple of the step, or longer than [`MAX_HISTORY`] rows.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// use homeostat_metrics::WindowFeatures;
    /// let windows = ["5m", "15m", "1h"].map(|w| w.parse::<Duration>()).into_iter().collect::<Result<Vec<_>, _>>()?;
    /// let rows = WindowFeatures::window_rows(&windows, Duration::from_secs(10))?;
    /// assert_eq!(rows, [30, 90, 360]);
    /// assert!(WindowFeatures::window_rows(&[Duration::from_secs(25)], Duration::from_secs(10)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`MAX_HISTORY`]: super::MAX_HISTORY
    pub fn window_rows(durations: &[Duration], step: Duration) -> Result<Vec<usize>> {
        let step_ms = step.as_millis();
        if step_ms <= 0 {
            return Err(invalid("step", format!("{step} is not positive")));
        }
        durations
            .iter()
            .map(|&window| {
                let ms = window.as_millis();
                if ms <= 0 {
                    return Err(invalid("window", format!("{window} is not positive")));
                }
                if ms % step_ms != 0 {
                    return Err(invalid(
                        "window",
                        format!("{window} is not a whole number of {step} steps"),
                    ));
                }
                let rows = ms / step_ms;
                usize::try_from(rows)
                    .ok()
                    .filter(|&r| r <= super::MAX_HISTORY)
                    .ok_or_else(|| {
                        invalid(
                            "window",
                            format!(
                                "{window} is {rows} steps of {step}, more than {} rows",
                                super::MAX_HISTORY
                            ),
                        )
                    })
            })
            .collect()
    }

    /// Window lengths in rows for `durations` on the index of `frame`, which
    /// must be regular: [`Error::IrregularIndex`] names the first gap that
    /// differs from the first one, and a frame of fewer than two rows (no
    /// step to speak of) is [`Error::InsufficientData`]. Otherwise as
    /// [`window_rows`](Self::window_rows).
    ///
    /// ```
    /// use homeostat_core::{Duration, Frame, Timestamp};
    /// use homeostat_metrics::{Error, WindowFeatures};
    /// let t = Timestamp::from_secs;
    /// let minutes = Frame::from_columns(vec![t(0), t(60), t(120)], [("cpu", vec![1.0, 2.0, 3.0])])?;
    /// assert_eq!(WindowFeatures::frame_window_rows(&minutes, &[Duration::from_minutes(5)])?, [5]);
    /// let irregular = Frame::from_columns(vec![t(0), t(60), t(90)], [("cpu", vec![1.0, 2.0, 3.0])])?;
    /// let err = WindowFeatures::frame_window_rows(&irregular, &[Duration::from_minutes(5)]);
    /// assert!(matches!(err, Err(Error::IrregularIndex { row: 2, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frame_window_rows(frame: &Frame, durations: &[Duration]) -> Result<Vec<usize>> {
        let index = frame.index();
        let (Some(&first), Some(&second)) = (index.first(), index.get(1)) else {
            return Err(Error::InsufficientData {
                reason: format!(
                    "windows given as durations need a frame of at least two rows \
                     to know its step, and it has {}",
                    index.len()
                ),
            });
        };
        let step = second.since(first);
        let gaps = index.windows(2).map(|w| w[1].since(w[0]));
        if let Some((before, found)) = gaps.enumerate().find(|&(_, gap)| gap != step) {
            return Err(Error::IrregularIndex {
                row: before + 1,
                step,
                found,
            });
        }
        Self::window_rows(durations, step)
    }
}
