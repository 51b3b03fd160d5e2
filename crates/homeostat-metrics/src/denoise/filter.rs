//! The `SeriesFilter` trait: a stateless filter over one series' values.

use homeostat_core::{Frame, Series};

use super::columns::map_columns;
use super::{Ewma, Hampel, RollingMedian, SavitzkyGolay};
use crate::error::Result;
use crate::transform::Transform;

/// A filter from a series' values to as many filtered values, position by
/// position; the time index is kept.
///
/// ```
/// use homeostat_core::{Series, Timestamp};
/// use homeostat_metrics::denoise::{Ewma, SeriesFilter};
/// let s = Series::new("x", vec![Timestamp::from_secs(0), Timestamp::from_secs(1)], vec![0.0, 10.0])?;
/// let smooth = Ewma::with_alpha(0.5)?.filter_series(&s)?;
/// assert_eq!(smooth.values(), &[0.0, 5.0]);
/// assert_eq!(smooth.timestamps(), s.timestamps());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SeriesFilter: std::fmt::Debug {
    /// Filters equally spaced values (NaN = missing); the result has the
    /// same length. Fails on invalid parameters.
    fn filter_values(&self, values: &[f64]) -> Result<Vec<f64>>;

    /// Filters a series' values, keeping its key and timestamps.
    fn filter_series(&self, series: &Series) -> Result<Series> {
        let values = self.filter_values(series.values())?;
        Ok(Series::new(
            series.key().clone(),
            series.timestamps().to_vec(),
            values,
        )?)
    }

    /// Filters every column of a frame, keeping its index and keys. The
    /// parameters are checked first, so a frame without columns still
    /// reports invalid ones.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::denoise::{Ewma, SeriesFilter};
    /// let t = Timestamp::from_secs;
    /// let f = Frame::from_columns(vec![t(0), t(1)], [("x", vec![0.0, 10.0])])?;
    /// assert_eq!(Ewma::with_alpha(0.5)?.filter_frame(&f)?.value(1, "x"), Some(5.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn filter_frame(&self, frame: &Frame) -> Result<Frame> {
        self.filter_values(&[])?;
        map_columns(frame, |_, values| self.filter_values(values))
    }
}

/// The stateless filters are transforms: nothing to learn, and
/// `transform` is [`SeriesFilter::filter_frame`].
macro_rules! stateless_transform {
    ($($filter:ty),*) => {$(
        impl Transform for $filter {
            fn fit(&mut self, _training: &Frame) -> Result<()> {
                Ok(())
            }

            fn transform(&self, frame: &Frame) -> Result<Frame> {
                self.filter_frame(frame)
            }
        }
    )*};
}

stateless_transform!(Ewma, Hampel, RollingMedian, SavitzkyGolay);
