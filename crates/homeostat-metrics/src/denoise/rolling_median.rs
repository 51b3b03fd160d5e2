//! Rolling median.

use serde::{Deserialize, Serialize};

use super::filter::SeriesFilter;
use super::median::{around, check_odd_window, median};
use crate::error::Result;

/// Where a window sits relative to the point it produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// `window / 2` samples on each side (uses future samples).
    Centered,
    /// The point and the `window - 1` samples before it (causal).
    Trailing,
}

/// The median of each point's window of `window` samples (odd).
///
/// Windows are truncated at the ends of the series. Missing values (NaN)
/// inside a window are skipped; a missing point stays missing. A frame is
/// filtered column by column; `fit` learns nothing.
///
/// ```
/// use homeostat_metrics::denoise::{Alignment, RollingMedian, SeriesFilter};
/// let centered = RollingMedian::new(3, Alignment::Centered);
/// assert_eq!(centered.filter_values(&[1.0, 9.0, 2.0, 3.0])?, [5.0, 2.0, 3.0, 2.5]);
/// let trailing = RollingMedian::new(3, Alignment::Trailing);
/// assert_eq!(trailing.filter_values(&[1.0, 9.0, 2.0, 3.0])?, [1.0, 5.0, 2.0, 3.0]);
/// assert!(RollingMedian::new(4, Alignment::Centered).filter_values(&[1.0]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollingMedian {
    /// Samples per window; positive and odd.
    pub window: usize,
    /// Centered or trailing.
    pub alignment: Alignment,
}

impl RollingMedian {
    /// A configuration; validated when it filters.
    ///
    /// ```
    /// use homeostat_metrics::denoise::{Alignment, RollingMedian};
    /// assert_eq!(RollingMedian::new(5, Alignment::Trailing).window, 5);
    /// ```
    pub fn new(window: usize, alignment: Alignment) -> Self {
        RollingMedian { window, alignment }
    }
}

impl SeriesFilter for RollingMedian {
    fn filter_values(&self, values: &[f64]) -> Result<Vec<f64>> {
        check_odd_window(self.window)?;
        let (before, after) = match self.alignment {
            Alignment::Centered => (self.window / 2, self.window / 2),
            Alignment::Trailing => (self.window - 1, 0),
        };
        let mut scratch = Vec::with_capacity(self.window);
        Ok(values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if v.is_nan() {
                    f64::NAN
                } else {
                    let w = around(values, i, before, after);
                    median(w.iter().copied(), &mut scratch)
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::Transform;
    use homeostat_core::Frame;

    #[test]
    fn edge_cases() {
        let m = RollingMedian::new(5, Alignment::Centered);
        assert!(m.filter_values(&[]).unwrap().is_empty());
        assert_eq!(m.filter_values(&[2.0, 4.0]).unwrap(), [3.0, 3.0]);
        let out = m.filter_values(&[f64::NAN, f64::NAN]).unwrap();
        assert!(out.iter().all(|v| v.is_nan()));
        let gap = m.filter_values(&[1.0, f64::NAN, 3.0, 100.0, 5.0]).unwrap();
        assert_eq!(gap[0], 2.0);
        assert!(gap[1].is_nan());
        assert_eq!(gap[2], 4.0);
        for bad in [0, 2, 4] {
            let err = RollingMedian::new(bad, Alignment::Trailing)
                .filter_values(&[1.0])
                .unwrap_err();
            assert!(matches!(err, crate::Error::InvalidParameter { .. }));
            assert!(err.to_string().contains(&bad.to_string()));
        }
    }

    #[test]
    fn frames_are_filtered_column_by_column() {
        use homeostat_core::Timestamp;
        let index = (0..3).map(Timestamp::from_secs).collect();
        let frame = Frame::from_columns(
            index,
            [("a", vec![1.0, 9.0, 2.0]), ("b", vec![0.0, 0.0, 3.0])],
        )
        .unwrap();
        let out = RollingMedian::new(3, Alignment::Trailing)
            .transform(&frame)
            .unwrap();
        assert_eq!(out.index(), frame.index());
        assert_eq!(out.value(2, "a"), Some(2.0));
        assert_eq!(out.value(2, "b"), Some(0.0));
        let bad = RollingMedian::new(2, Alignment::Trailing);
        let empty = Frame::from_columns(Vec::new(), [("a", Vec::new())]).unwrap();
        assert!(bad.transform(&empty).is_err());
    }
}
