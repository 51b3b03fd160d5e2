//! Hampel filter: rolling median ± k scaled MADs.

use serde::{Deserialize, Serialize};

use super::filter::SeriesFilter;
use super::median::{around, check_odd_window, median};
use crate::error::{Result, invalid};

/// The scale that turns a median absolute deviation into a standard
/// deviation for normally distributed data.
const MAD_SCALE: f64 = 1.4826;

/// What the Hampel filter puts in place of an outlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierAction {
    /// The window's median.
    Median,
    /// NaN (missing), to be filled later by an imputation step.
    Missing,
}

/// Hampel filter: a point is an outlier when it is more than
/// `k · 1.4826 · MAD` from the median of its centered window of `window`
/// samples (odd), where MAD is the window's median absolute deviation from
/// that median.
///
/// Windows are truncated at the ends of the series. Missing values (NaN) in
/// a window are skipped; a missing point stays missing. When more than half
/// of a window is equal the MAD is 0 and any point that differs from the
/// median is an outlier (a spike on a flat line is removed). A level shift
/// longer than half the window is not an outlier. A frame is filtered
/// column by column; `fit` learns nothing.
///
/// ```
/// use homeostat_metrics::denoise::{Hampel, OutlierAction, SeriesFilter};
/// let hampel = Hampel::new(5, 3.0, OutlierAction::Median);
/// let spike = [1.0, 2.0, 1.0, 50.0, 2.0, 1.0, 2.0];
/// assert_eq!(hampel.filter_values(&spike)?, [1.0, 2.0, 1.0, 2.0, 2.0, 1.0, 2.0]);
/// let missing = Hampel::new(5, 3.0, OutlierAction::Missing).filter_values(&spike)?;
/// assert!(missing[3].is_nan());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hampel {
    /// Samples per centered window; positive and odd (commonly 7).
    pub window: usize,
    /// The threshold in scaled MADs; finite and non-negative (commonly 3).
    pub k: f64,
    /// What replaces an outlier.
    pub action: OutlierAction,
}

impl Hampel {
    /// A configuration; validated when it filters.
    ///
    /// ```
    /// use homeostat_metrics::denoise::{Hampel, OutlierAction};
    /// assert_eq!(Hampel::new(7, 3.0, OutlierAction::Median).window, 7);
    /// ```
    pub fn new(window: usize, k: f64, action: OutlierAction) -> Self {
        Hampel { window, k, action }
    }

    fn check(&self) -> Result<()> {
        check_odd_window(self.window)?;
        if !(self.k.is_finite() && self.k >= 0.0) {
            return Err(invalid(
                "k",
                format!(
                    "the threshold must be finite and non-negative, got {}",
                    self.k
                ),
            ));
        }
        Ok(())
    }
}

impl SeriesFilter for Hampel {
    fn filter_values(&self, values: &[f64]) -> Result<Vec<f64>> {
        self.check()?;
        let half = self.window / 2;
        let mut scratch = Vec::with_capacity(self.window);
        Ok(values
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if x.is_nan() {
                    return x;
                }
                let w = around(values, i, half, half);
                let m = median(w.iter().copied(), &mut scratch);
                let mad = median(w.iter().map(|v| (v - m).abs()), &mut scratch);
                if (x - m).abs() > self.k * MAD_SCALE * mad {
                    match self.action {
                        OutlierAction::Median => m,
                        OutlierAction::Missing => f64::NAN,
                    }
                } else {
                    x
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_spikes_but_keeps_steps() {
        let h = Hampel::new(7, 3.0, OutlierAction::Median);
        let step = [0.0, 0.3, 0.1, 0.4, 0.2, 5.1, 5.4, 5.2, 5.5, 5.3];
        assert_eq!(h.filter_values(&step).unwrap(), step);
        let mut spiky = step;
        spiky[2] = 40.0;
        spiky[7] = -40.0;
        let out = h.filter_values(&spiky).unwrap();
        assert!((0.0..=0.4).contains(&out[2]), "{out:?}");
        assert!((5.1..=5.5).contains(&out[7]), "{out:?}");
        for i in [0, 1, 3, 4, 5, 6, 8, 9] {
            assert_eq!(out[i], spiky[i]);
        }
    }

    #[test]
    fn noise_within_k_mads_is_kept() {
        // Window [1, 3, 2, 4, 3]: median 3, MAD 1, bound 3 · 1.4826 > 2.
        let h = Hampel::new(5, 3.0, OutlierAction::Median);
        let v = [1.0, 3.0, 2.0, 4.0, 3.0];
        assert_eq!(h.filter_values(&v).unwrap(), v);
    }

    #[test]
    fn edge_cases() {
        let h = Hampel::new(5, 3.0, OutlierAction::Median);
        assert!(h.filter_values(&[]).unwrap().is_empty());
        assert_eq!(h.filter_values(&[1.0, 100.0]).unwrap(), [1.0, 100.0]);
        let nan = h.filter_values(&[f64::NAN, f64::NAN]).unwrap();
        assert!(nan.iter().all(|v| v.is_nan()));
        let gap = h.filter_values(&[1.0, f64::NAN, 1.0, 9.0, 1.0]).unwrap();
        assert!(gap[1].is_nan());
        assert_eq!(gap[3], 1.0);
        assert!(
            Hampel::new(4, 3.0, OutlierAction::Median)
                .filter_values(&[1.0])
                .is_err()
        );
        for k in [-1.0, f64::NAN, f64::INFINITY] {
            let err = Hampel::new(5, k, OutlierAction::Median)
                .filter_values(&[1.0])
                .unwrap_err();
            assert!(err.to_string().contains("threshold"), "{err}");
        }
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, r#"{"window":5,"k":3.0,"action":"median"}"#);
    }
}
