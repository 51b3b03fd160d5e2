//! The `Transform` trait: a fitted, frame-to-frame step of a feature pipeline.

use homeostat_core::Frame;

use crate::error::Result;

/// A step that turns one [`Frame`] into another, possibly after learning
/// parameters from training data (a scaler learns means and deviations; a
/// resampler learns nothing).
///
/// `fit` sees training data only; `transform` applies what was learnt to
/// any data, so the same fitted transform serves training, validation and
/// live traffic without leakage. Stateless transforms implement `fit` as a
/// no-op.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::{Result, Transform};
///
/// /// Multiplies every value by a constant.
/// #[derive(Debug)]
/// struct Scale(f64);
///
/// impl Transform for Scale {
///     fn fit(&mut self, _training: &Frame) -> Result<()> {
///         Ok(())
///     }
///     fn transform(&self, frame: &Frame) -> Result<Frame> {
///         let (index, columns, values) = frame.clone().into_parts();
///         Ok(Frame::new(index, columns, values * self.0)?)
///     }
/// }
///
/// let frame = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![2.0])])?;
/// let doubled = Scale(2.0).fit_transform(&frame)?;
/// assert_eq!(doubled.value(0, "x"), Some(4.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Transform: std::fmt::Debug {
    /// Learns parameters from training data.
    fn fit(&mut self, training: &Frame) -> Result<()>;

    /// Applies the learnt parameters to `frame`.
    fn transform(&self, frame: &Frame) -> Result<Frame>;

    /// `fit` on `frame`, then `transform` it.
    fn fit_transform(&mut self, frame: &Frame) -> Result<Frame> {
        self.fit(frame)?;
        self.transform(frame)
    }
}
