//! Winsorising: clipping each column to quantiles learnt on training data.

use homeostat_core::{Frame, SeriesKey};
use serde::{Deserialize, Serialize};

use super::columns::map_columns;
use crate::error::{Error, Result, invalid};
use crate::stats::{quantile_sorted, sorted_present};
use crate::transform::Transform;

/// The clipping bounds learnt for one column.
///
/// ```
/// use homeostat_core::SeriesKey;
/// use homeostat_metrics::denoise::ColumnBounds;
/// let b = ColumnBounds { key: SeriesKey::new("cpu")?, lower: Some(0.1), upper: Some(0.9) };
/// assert_eq!(b.clip(2.0), 0.9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnBounds {
    /// The column.
    pub key: SeriesKey,
    /// The lower bound; `None` when the training column had no value.
    pub lower: Option<f64>,
    /// The upper bound; `None` when the training column had no value.
    pub upper: Option<f64>,
}

impl ColumnBounds {
    /// `value` clipped to the bounds; NaN stays NaN.
    ///
    /// ```
    /// use homeostat_core::SeriesKey;
    /// use homeostat_metrics::denoise::ColumnBounds;
    /// let b = ColumnBounds { key: SeriesKey::new("x")?, lower: Some(-1.0), upper: None };
    /// assert_eq!(b.clip(-5.0), -1.0);
    /// assert_eq!(b.clip(5.0), 5.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clip(&self, value: f64) -> f64 {
        let mut v = value;
        if let Some(lower) = self.lower
            && v < lower
        {
            v = lower;
        }
        if let Some(upper) = self.upper
            && v > upper
        {
            v = upper;
        }
        v
    }
}

/// Winsorising: `fit` learns, per column, the `lower` and `upper` quantiles
/// of the training values (linear interpolation between order statistics,
/// like NumPy's default; NaN skipped), and `transform` clips each column
/// to its bounds.
///
/// Missing values stay missing. A column with no value in training gets no
/// bounds and passes through unchanged. Transforming a column not seen in
/// `fit`, or transforming before `fit`, is [`Error::NotFitted`]. The
/// fitted state is serializable.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::Transform;
/// use homeostat_metrics::denoise::Winsorizer;
///
/// let index: Vec<_> = (0..5).map(Timestamp::from_secs).collect();
/// let train = Frame::from_columns(index, [("x", vec![0.0, 1.0, 2.0, 3.0, 100.0])])?;
/// let mut w = Winsorizer::new(0.0, 0.75);
/// let out = w.fit_transform(&train)?;
/// assert_eq!(out.value(4, "x"), Some(3.0));
/// assert_eq!(out.value(0, "x"), Some(0.0));
///
/// let restored: Winsorizer = serde_json::from_str(&serde_json::to_string(&w)?)?;
/// assert_eq!(restored, w);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winsorizer {
    /// The lower quantile, in `[0, 1]` (e.g. 0.01).
    pub lower: f64,
    /// The upper quantile, in `[lower, 1]` (e.g. 0.99).
    pub upper: f64,
    /// The learnt bounds, one per training column; `None` before `fit`.
    pub bounds: Option<Vec<ColumnBounds>>,
}

impl Winsorizer {
    /// An unfitted winsorizer; the quantiles are validated by `fit`.
    ///
    /// ```
    /// use homeostat_metrics::denoise::Winsorizer;
    /// assert!(Winsorizer::new(0.01, 0.99).bounds.is_none());
    /// ```
    pub fn new(lower: f64, upper: f64) -> Self {
        Winsorizer {
            lower,
            upper,
            bounds: None,
        }
    }

    fn check(&self) -> Result<()> {
        let valid = |q: f64| (0.0..=1.0).contains(&q);
        if !valid(self.lower) {
            return Err(invalid(
                "lower",
                format!("the lower quantile must be in [0, 1], got {}", self.lower),
            ));
        }
        if !valid(self.upper) || self.upper < self.lower {
            return Err(invalid(
                "upper",
                format!(
                    "the upper quantile must be in [lower = {}, 1], got {}",
                    self.lower, self.upper
                ),
            ));
        }
        Ok(())
    }
}

/// The `q` quantile of sorted values, by linear interpolation; `None` when
/// there are none (an all-missing column has no bounds).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    (!sorted.is_empty()).then(|| quantile_sorted(sorted, q))
}

impl Transform for Winsorizer {
    fn fit(&mut self, training: &Frame) -> Result<()> {
        self.check()?;
        let values = training.values();
        let bounds = training
            .columns()
            .iter()
            .zip(values.columns())
            .map(|(key, column)| {
                let sorted = sorted_present(column.iter().copied());
                ColumnBounds {
                    key: key.clone(),
                    lower: quantile(&sorted, self.lower),
                    upper: quantile(&sorted, self.upper),
                }
            })
            .collect();
        self.bounds = Some(bounds);
        Ok(())
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        let Some(bounds) = &self.bounds else {
            return Err(Error::NotFitted {
                what: "winsorizer".to_owned(),
            });
        };
        map_columns(frame, |key, values| {
            let b = bounds
                .iter()
                .find(|b| &b.key == key)
                .ok_or_else(|| Error::NotFitted {
                    what: format!("winsorizer for column {key} (not in the training frame)"),
                })?;
            Ok(values.iter().map(|&v| b.clip(v)).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_core::Timestamp;

    fn frame(columns: Vec<(&str, Vec<f64>)>) -> Frame {
        let n = columns.first().map_or(0, |c| c.1.len());
        let index = (0..n as i64).map(Timestamp::from_secs).collect();
        Frame::from_columns(index, columns).unwrap()
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let sorted = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&sorted, 0.5), Some(2.5));
        assert_eq!(quantile(&sorted, 0.0), Some(1.0));
        assert_eq!(quantile(&sorted, 1.0), Some(4.0));
        assert_eq!(quantile(&sorted, 0.1), Some(1.3));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn bounds_come_from_training_only() {
        let mut w = Winsorizer::new(0.25, 0.75);
        w.fit(&frame(vec![
            ("x", vec![0.0, 1.0, 2.0, 3.0, 4.0]),
            ("e", vec![f64::NAN; 5]),
        ]))
        .unwrap();
        let live = frame(vec![("e", vec![-9.0, 9.0]), ("x", vec![-10.0, f64::NAN])]);
        let out = w.transform(&live).unwrap();
        assert_eq!(out.value(0, "x"), Some(1.0));
        assert!(out.value(1, "x").unwrap().is_nan());
        assert_eq!(out.value(0, "e"), Some(-9.0));
        assert_eq!(out.value(1, "e"), Some(9.0));
    }

    #[test]
    fn errors() {
        let f = frame(vec![("x", vec![1.0])]);
        let unfitted = Winsorizer::new(0.1, 0.9).transform(&f).unwrap_err();
        assert!(matches!(unfitted, Error::NotFitted { .. }));
        for (lo, hi) in [(-0.1, 0.9), (0.5, 0.4), (0.1, 1.1), (f64::NAN, 0.5)] {
            let err = Winsorizer::new(lo, hi).fit(&f).unwrap_err();
            assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
        }
        let mut w = Winsorizer::new(0.1, 0.9);
        w.fit(&f).unwrap();
        let other = w.transform(&frame(vec![("y", vec![1.0])])).unwrap_err();
        assert!(other.to_string().contains('y'), "{other}");
        // Empty training frames fit to no bounds.
        w.fit(&frame(vec![("x", Vec::new())])).unwrap();
        assert_eq!(w.transform(&f).unwrap().value(0, "x"), Some(1.0));
    }
}
