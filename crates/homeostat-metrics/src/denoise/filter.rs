//! The `SeriesFilter` trait: a stateless filter over one series' values.

use homeostat_core::Series;

use crate::error::Result;

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
}
