//! Robust scaling: subtract the median, divide by the interquartile range.

use homeostat_core::Frame;
use serde::{Deserialize, Serialize};

use super::ColumnScaling;
use crate::error::{Error, Result};
use crate::stats::quantile_sorted;
use crate::transform::Transform;

/// Scales each column by its median and interquartile range (p75 − p25,
/// quantiles by linear interpolation), learnt from the training data's
/// non-missing values, so outliers barely move the fit.
///
/// Missing values stay missing. A column with zero IQR gets scale 1 (it is
/// only centred on its median); an all-missing column gets centre 0 and
/// scale 1. Transforming a frame whose columns differ from the fitted ones
/// is an [`Error::InvalidParameter`] naming the column.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::{RobustScaler, Transform};
///
/// let t = Timestamp::from_secs;
/// let train = Frame::from_columns(
///     (0..5).map(t).collect(),
///     [("latency", vec![1.0, 2.0, 3.0, 4.0, 1000.0])],
/// )?;
/// let mut scaler = RobustScaler::new();
/// let scaled = scaler.fit_transform(&train)?;
/// assert_eq!(scaled.value(2, "latency"), Some(0.0)); // the median
/// assert_eq!(scaled.value(3, "latency"), Some(0.5)); // IQR = 4 - 2
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RobustScaler {
    fitted: Option<ColumnScaling>,
}

impl RobustScaler {
    /// An unfitted scaler.
    ///
    /// ```
    /// assert!(homeostat_metrics::RobustScaler::new().fitted().is_none());
    /// ```
    pub fn new() -> Self {
        RobustScaler::default()
    }

    /// The learnt medians (`center`) and IQRs (`scale`), once fitted.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{RobustScaler, Transform};
    /// let frame = Frame::from_columns(vec![Timestamp::from_secs(0)], [("a", vec![f64::NAN])])?;
    /// let mut scaler = RobustScaler::new();
    /// scaler.fit(&frame)?;
    /// // All missing: identity.
    /// assert_eq!(scaler.fitted().map(|f| (f.center()[0], f.scale()[0])), Some((0.0, 1.0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fitted(&self) -> Option<&ColumnScaling> {
        self.fitted.as_ref()
    }

    /// Undoes [`Transform::transform`]: `y * iqr + median` per column.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{RobustScaler, Transform};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(1), t(2)], [("a", vec![0.0, 2.0, 4.0])])?;
    /// let mut scaler = RobustScaler::new();
    /// scaler.fit(&frame)?;
    /// let y = Frame::from_columns(vec![t(9)], [("a", vec![1.0])])?;
    /// assert_eq!(scaler.inverse_transform(&y)?.value(0, "a"), Some(4.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inverse_transform(&self, frame: &Frame) -> Result<Frame> {
        self.state()?.inverse(frame)
    }

    fn state(&self) -> Result<&ColumnScaling> {
        self.fitted.as_ref().ok_or_else(|| Error::NotFitted {
            what: "RobustScaler".into(),
        })
    }
}

impl Transform for RobustScaler {
    fn fit(&mut self, training: &Frame) -> Result<()> {
        self.fitted = Some(ColumnScaling::fit_with(training, true, |sorted| {
            if sorted.is_empty() {
                return (0.0, 1.0);
            }
            let iqr = quantile_sorted(sorted, 0.75) - quantile_sorted(sorted, 0.25);
            (quantile_sorted(sorted, 0.5), iqr)
        }));
        Ok(())
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        self.state()?.forward(frame)
    }
}
