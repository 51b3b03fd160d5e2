//! Z-score scaling: subtract the mean, divide by the standard deviation.

use homeostat_core::Frame;
use serde::{Deserialize, Serialize};

use super::ColumnScaling;
use crate::error::{Error, Result};
use crate::transform::Transform;

/// Scales each column to zero mean and unit population standard deviation,
/// both learnt from the training data's non-missing values.
///
/// Missing values stay missing. A column whose training values are all
/// equal gets scale 1 (it is only centred); an all-missing column gets
/// centre 0 and scale 1 (it passes through unchanged). Transforming a frame
/// whose columns differ from the fitted ones is an
/// [`Error::InvalidParameter`] naming the column.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::{StandardScaler, Transform};
///
/// let t = Timestamp::from_secs;
/// let train = Frame::from_columns(vec![t(0), t(1)], [("cpu", vec![1.0, 3.0])])?;
/// let mut scaler = StandardScaler::new();
/// let scaled = scaler.fit_transform(&train)?;
/// assert_eq!(scaled.column("cpu").map(|c| c.to_vec()), Some(vec![-1.0, 1.0]));
/// let back = scaler.inverse_transform(&scaled)?;
/// assert_eq!(back, train);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    fitted: Option<ColumnScaling>,
}

impl StandardScaler {
    /// An unfitted scaler.
    ///
    /// ```
    /// assert!(homeostat_metrics::StandardScaler::new().fitted().is_none());
    /// ```
    pub fn new() -> Self {
        StandardScaler::default()
    }

    /// The learnt means (`center`) and deviations (`scale`), once fitted.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{StandardScaler, Transform};
    /// let frame = Frame::from_columns(vec![Timestamp::from_secs(0)], [("a", vec![5.0])])?;
    /// let mut scaler = StandardScaler::new();
    /// scaler.fit(&frame)?;
    /// // One value: zero deviation, so scale 1.
    /// assert_eq!(scaler.fitted().map(|f| f.scale().to_vec()), Some(vec![1.0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fitted(&self) -> Option<&ColumnScaling> {
        self.fitted.as_ref()
    }

    /// Undoes [`Transform::transform`]: `y * std + mean` per column.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{StandardScaler, Transform};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(1)], [("a", vec![2.0, 4.0])])?;
    /// let mut scaler = StandardScaler::new();
    /// scaler.fit(&frame)?;
    /// let z = Frame::from_columns(vec![t(9)], [("a", vec![2.0])])?;
    /// assert_eq!(scaler.inverse_transform(&z)?.value(0, "a"), Some(5.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inverse_transform(&self, frame: &Frame) -> Result<Frame> {
        self.state()?.inverse(frame)
    }

    fn state(&self) -> Result<&ColumnScaling> {
        self.fitted.as_ref().ok_or_else(|| Error::NotFitted {
            what: "StandardScaler".into(),
        })
    }
}

impl Transform for StandardScaler {
    fn fit(&mut self, training: &Frame) -> Result<()> {
        self.fitted = Some(ColumnScaling::fit_with(training, false, |present| {
            if present.is_empty() {
                return (0.0, 1.0);
            }
            let n = present.len() as f64;
            let mean = present.iter().sum::<f64>() / n;
            let variance = present.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            (mean, variance.sqrt())
        }));
        Ok(())
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        self.state()?.forward(frame)
    }
}
