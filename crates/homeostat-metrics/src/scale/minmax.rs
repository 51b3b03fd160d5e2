//! Min-max scaling to `[0, 1]` or a given range.

use homeostat_core::Frame;
use serde::{Deserialize, Serialize};

use super::ColumnScaling;
use crate::error::{Error, Result, invalid};
use crate::transform::Transform;

/// Maps each column's training minimum to `low` and maximum to `high`
/// (`[0, 1]` by default), linearly; new data outside the training range
/// maps outside `[low, high]` (no clipping).
///
/// Missing values stay missing. A column whose training values are all
/// equal (max == min) gets scale 1, so it is shifted to put that value at
/// `low`; an all-missing column is taken to have minimum 0 and scale 1
/// (`y = x + low`). Transforming a frame whose columns differ from the
/// fitted ones is an [`Error::InvalidParameter`] naming the column.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::{MinMaxScaler, Transform};
///
/// let t = Timestamp::from_secs;
/// let train = Frame::from_columns(vec![t(0), t(1), t(2)], [("mem", vec![10.0, 15.0, 20.0])])?;
/// let mut scaler = MinMaxScaler::with_range(-1.0, 1.0)?;
/// let scaled = scaler.fit_transform(&train)?;
/// assert_eq!(scaled.column("mem").map(|c| c.to_vec()), Some(vec![-1.0, 0.0, 1.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    low: f64,
    high: f64,
    fitted: Option<ColumnScaling>,
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        MinMaxScaler {
            low: 0.0,
            high: 1.0,
            fitted: None,
        }
    }
}

impl MinMaxScaler {
    /// An unfitted scaler to `[0, 1]`.
    ///
    /// ```
    /// assert_eq!(homeostat_metrics::MinMaxScaler::new().range(), (0.0, 1.0));
    /// ```
    pub fn new() -> Self {
        MinMaxScaler::default()
    }

    /// An unfitted scaler to `[low, high]`; both finite and `low < high`,
    /// otherwise an [`Error::InvalidParameter`] naming them.
    ///
    /// ```
    /// use homeostat_metrics::MinMaxScaler;
    /// assert_eq!(MinMaxScaler::with_range(-1.0, 1.0)?.range(), (-1.0, 1.0));
    /// assert!(MinMaxScaler::with_range(1.0, 1.0).is_err());
    /// assert!(MinMaxScaler::with_range(0.0, f64::NAN).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_range(low: f64, high: f64) -> Result<Self> {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(invalid(
                "min-max range",
                format!("[{low}, {high}] must be finite with low < high"),
            ));
        }
        Ok(MinMaxScaler {
            low,
            high,
            fitted: None,
        })
    }

    /// The target range `(low, high)`.
    ///
    /// ```
    /// assert_eq!(homeostat_metrics::MinMaxScaler::default().range(), (0.0, 1.0));
    /// ```
    pub fn range(&self) -> (f64, f64) {
        (self.low, self.high)
    }

    /// The learnt affine map, once fitted: `center = min - low * scale`,
    /// `scale = (max - min) / (high - low)`.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{MinMaxScaler, Transform};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(1)], [("a", vec![3.0, 3.0])])?;
    /// let mut scaler = MinMaxScaler::new();
    /// // Constant column: scale 1, shifted so the constant maps to `low`.
    /// assert_eq!(scaler.fit_transform(&frame)?.value(0, "a"), Some(0.0));
    /// assert_eq!(scaler.fitted().map(|f| f.scale()[0]), Some(1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fitted(&self) -> Option<&ColumnScaling> {
        self.fitted.as_ref()
    }

    /// Undoes [`Transform::transform`].
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{MinMaxScaler, Transform};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(1)], [("a", vec![10.0, 20.0])])?;
    /// let mut scaler = MinMaxScaler::new();
    /// scaler.fit(&frame)?;
    /// let y = Frame::from_columns(vec![t(9)], [("a", vec![0.5])])?;
    /// assert_eq!(scaler.inverse_transform(&y)?.value(0, "a"), Some(15.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inverse_transform(&self, frame: &Frame) -> Result<Frame> {
        self.state()?.inverse(frame)
    }

    fn state(&self) -> Result<&ColumnScaling> {
        self.fitted.as_ref().ok_or_else(|| Error::NotFitted {
            what: "MinMaxScaler".into(),
        })
    }
}

impl Transform for MinMaxScaler {
    fn fit(&mut self, training: &Frame) -> Result<()> {
        let (low, high) = (self.low, self.high);
        self.fitted = Some(ColumnScaling::fit_with(training, false, |present| {
            let (min, max) = present
                .iter()
                .fold(None, |acc: Option<(f64, f64)>, &x| match acc {
                    Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
                    None => Some((x, x)),
                })
                .unwrap_or((0.0, 0.0));
            let scale = (max - min) / (high - low);
            let scale = if scale.is_finite() && scale != 0.0 {
                scale
            } else {
                1.0
            };
            (min - low * scale, scale)
        }));
        Ok(())
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        self.state()?.forward(frame)
    }
}
