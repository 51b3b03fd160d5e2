//! The fitted state every scaler shares: `y = (x - center) / scale` per column.

use homeostat_core::{Frame, SeriesKey};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a scaler learnt: for each fitted column, `y = (x - center) / scale`.
///
/// `scale` is never zero: scalers store 1 for degenerate columns. Missing
/// values (NaN) stay missing in both directions, and a frame's quality mask
/// is carried over unchanged.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::{StandardScaler, Transform};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(vec![t(0), t(1)], [("cpu", vec![1.0, 3.0])])?;
/// let mut scaler = StandardScaler::new();
/// scaler.fit(&frame)?;
/// let fitted = scaler.fitted().ok_or("not fitted")?;
/// assert_eq!(fitted.center(), &[2.0]);
/// assert_eq!(fitted.scale(), &[1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnScaling {
    columns: Vec<SeriesKey>,
    center: Vec<f64>,
    scale: Vec<f64>,
}

impl ColumnScaling {
    /// Fits one `(center, scale)` per column of `frame` from its non-missing
    /// values (empty for an all-missing column), sorted only when `sorted`
    /// is asked for: quantiles need the order, moments and extremes do not,
    /// and sorting is most of the cost of a fit.
    pub(crate) fn fit_with(
        frame: &Frame,
        sorted: bool,
        mut per_column: impl FnMut(&[f64]) -> (f64, f64),
    ) -> Self {
        let values = frame.values();
        let (center, scale) = values
            .columns()
            .into_iter()
            .map(|column| {
                let present = if sorted {
                    crate::stats::sorted_present(column.iter().copied())
                } else {
                    column.iter().copied().filter(|v| !v.is_nan()).collect()
                };
                let (center, scale) = per_column(&present);
                let usable = scale.is_finite() && scale != 0.0;
                (center, if usable { scale } else { 1.0 })
            })
            .unzip();
        ColumnScaling {
            columns: frame.columns().to_vec(),
            center,
            scale,
        }
    }

    /// The fitted columns, in order.
    ///
    /// ```
    /// # use homeostat_core::{Frame, Timestamp};
    /// # use homeostat_metrics::{MinMaxScaler, Transform};
    /// let frame = Frame::from_columns(vec![Timestamp::from_secs(0)], [("a", vec![1.0])])?;
    /// let mut scaler = MinMaxScaler::new();
    /// scaler.fit(&frame)?;
    /// assert_eq!(scaler.fitted().ok_or("not fitted")?.columns()[0].name(), "a");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns(&self) -> &[SeriesKey] {
        &self.columns
    }

    /// The value subtracted from each column.
    ///
    /// ```
    /// # use homeostat_core::{Frame, Timestamp};
    /// # use homeostat_metrics::{RobustScaler, Transform};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(1), t(2)], [("a", vec![1.0, 5.0, 9.0])])?;
    /// let mut scaler = RobustScaler::new();
    /// scaler.fit(&frame)?;
    /// assert_eq!(scaler.fitted().ok_or("not fitted")?.center(), &[5.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// The divisor of each column (never zero).
    ///
    /// ```
    /// # use homeostat_core::{Frame, Timestamp};
    /// # use homeostat_metrics::{RobustScaler, Transform};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(1), t(2)], [("a", vec![1.0, 5.0, 9.0])])?;
    /// let mut scaler = RobustScaler::new();
    /// scaler.fit(&frame)?;
    /// assert_eq!(scaler.fitted().ok_or("not fitted")?.scale(), &[4.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// `(x - center) / scale` on every value of `frame`.
    pub(crate) fn forward(&self, frame: &Frame) -> Result<Frame> {
        self.apply(frame, |x, center, scale| (x - center) / scale)
    }

    /// `y * scale + center` on every value of `frame`.
    pub(crate) fn inverse(&self, frame: &Frame) -> Result<Frame> {
        self.apply(frame, |y, center, scale| y * scale + center)
    }

    fn apply(&self, frame: &Frame, f: impl Fn(f64, f64, f64) -> f64) -> Result<Frame> {
        self.check_columns(frame)?;
        let mut values: Array2<f64> = frame.values().to_owned();
        for ((mut column, &center), &scale) in values
            .columns_mut()
            .into_iter()
            .zip(&self.center)
            .zip(&self.scale)
        {
            column.mapv_inplace(|x| f(x, center, scale));
        }
        let scaled = Frame::new(frame.index().to_vec(), frame.columns().to_vec(), values)?;
        // Scaling keeps every value present or missing as it was, so the
        // quality mask (where each value came from) still holds.
        Ok(match frame.quality() {
            Some(mask) => scaled.with_quality(mask.to_owned())?,
            None => scaled,
        })
    }

    /// The frame must have exactly the fitted columns, in the fitted order.
    fn check_columns(&self, frame: &Frame) -> Result<()> {
        let given = frame.columns();
        for (position, expected) in self.columns.iter().enumerate() {
            match given.get(position) {
                Some(key) if key == expected => {}
                Some(key) => {
                    return Err(Error::InvalidParameter {
                        name: "frame columns".into(),
                        reason: format!(
                            "column {position} is `{key}` but the scaler was fitted on `{expected}` there"
                        ),
                    });
                }
                None => {
                    return Err(Error::InvalidParameter {
                        name: "frame columns".into(),
                        reason: format!("fitted column `{expected}` is missing"),
                    });
                }
            }
        }
        if let Some(extra) = given.get(self.columns.len()) {
            return Err(Error::InvalidParameter {
                name: "frame columns".into(),
                reason: format!("column `{extra}` was not seen when the scaler was fitted"),
            });
        }
        Ok(())
    }
}
