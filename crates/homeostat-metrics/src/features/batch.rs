//! Window features of a whole frame.

use homeostat_core::Frame;
use ndarray::Array2;

use super::config::WindowFeatures;
use super::streaming::StreamingWindowFeatures;
use crate::error::Result;
use crate::transform::Transform;

impl WindowFeatures {
    /// The feature frame of `frame`: same index, the columns named by
    /// [`output_keys`](Self::output_keys). Row `r` holds exactly what
    /// [`StreamingWindowFeatures::push`] returns for row `r` (batch runs the
    /// streaming state over the rows, so memory beyond the output is
    /// O(longest window) per column).
    ///
    /// Fails on an invalid configuration, or when a feature overflows to
    /// infinity (values near `f64::MAX`).
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{Feature, WindowFeatures};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(60)], [("rps", vec![100.0, 160.0])])?;
    /// let config = WindowFeatures {
    ///     windows: vec![2],
    ///     features: vec![Feature::RateOfChange],
    ///     ..WindowFeatures::default()
    /// };
    /// let features = config.compute(&frame)?;
    /// assert!(features.value(0, "rps:rate_2").is_some_and(f64::is_nan));
    /// assert_eq!(features.value(1, "rps:rate_2"), Some(1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(&self, frame: &Frame) -> Result<Frame> {
        let mut stream = StreamingWindowFeatures::new(self, frame.columns().to_vec())?;
        let mut out = Array2::from_elem((frame.nrows(), stream.columns().len()), f64::NAN);
        let mut input = vec![f64::NAN; frame.ncols()];
        let mut features = vec![f64::NAN; stream.columns().len()];
        for ((&t, row), mut target) in frame
            .index()
            .iter()
            .zip(frame.values().rows())
            .zip(out.rows_mut())
        {
            for (slot, &x) in input.iter_mut().zip(row) {
                *slot = x;
            }
            stream.push_into(t, &input, &mut features)?;
            for (slot, &x) in target.iter_mut().zip(&features) {
                *slot = x;
            }
        }
        let keys = stream.columns().to_vec();
        Ok(Frame::new(frame.index().to_vec(), keys, out)?)
    }
}

/// Stateless: `fit` only validates the configuration; `transform` is
/// [`WindowFeatures::compute`].
impl Transform for WindowFeatures {
    fn fit(&mut self, _training: &Frame) -> Result<()> {
        self.validate()
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        self.compute(frame)
    }
}
