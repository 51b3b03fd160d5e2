//! Robust z-score: the value against the median and the median absolute
//! deviation (MAD) of the last `window` values, so outliers inside the
//! window move neither the centre nor the scale much.

use std::collections::VecDeque;

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, normal_tail_two_sided, score_from_tail};
use crate::{Error, Result};

/// 1 / Φ⁻¹(3/4): the normal standard deviation per unit of MAD.
const MAD_TO_SD: f64 = 1.482_602_218_505_602;
/// √(π/2): the normal standard deviation per unit of mean absolute deviation.
const MEAN_AD_TO_SD: f64 = 1.253_314_137_315_500_3;

/// Parameters of [`RobustZ`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustZParams {
    window: usize,
    warmup: usize,
}

impl RobustZParams {
    /// Values in the reference window (default 500, at least 3).
    pub fn window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Values scored 0 before the window is trusted (default 30, at least 3).
    pub fn warmup(mut self, warmup: usize) -> Self {
        self.warmup = warmup;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `window` or `warmup` is below 3.
    pub fn build(self) -> Result<RobustZ> {
        for (name, v) in [("window", self.window), ("warmup", self.warmup)] {
            if v < 3 {
                return Err(Error::InvalidParameter {
                    name,
                    reason: format!("{v} is below 3"),
                });
            }
        }
        Ok(RobustZ {
            params: self,
            values: VecDeque::new(),
            scratch: Vec::new(),
        })
    }
}

/// Robust z-score detector: O(window) time (selection, not sorting) and
/// memory per value.
///
/// When more than half the window is one value the MAD is 0; the scale then
/// falls back to the mean absolute deviation from the median, and only a
/// window of one repeated value counts as a flat history (any change scores 1).
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, RobustZ};
/// let mut d = RobustZ::params().window(100).build()?;
/// let t = Timestamp::from_secs(0);
/// for i in 0..200 { d.update(t, (i % 5) as f64); }
/// assert!(d.update(t, 40.0) > 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobustZ {
    params: RobustZParams,
    values: VecDeque<f64>,
    #[serde(skip)]
    scratch: Vec<f64>,
}

impl RobustZ {
    /// Default parameters.
    pub fn params() -> RobustZParams {
        RobustZParams {
            window: 500,
            warmup: 30,
        }
    }

    /// The window's median and robust standard deviation.
    fn centre_and_scale(&mut self) -> (f64, f64) {
        let s = &mut self.scratch;
        s.clear();
        s.extend(self.values.iter().copied());
        let mid = s.len() / 2;
        let median = *s.select_nth_unstable_by(mid, f64::total_cmp).1;
        for v in s.iter_mut() {
            *v = (*v - median).abs();
        }
        let mean_ad = s.iter().sum::<f64>() / s.len() as f64;
        let mad = *s.select_nth_unstable_by(mid, f64::total_cmp).1;
        let sd = if mad > 0.0 {
            mad * MAD_TO_SD
        } else {
            mean_ad * MEAN_AD_TO_SD
        };
        (median, sd)
    }
}

impl Detector for RobustZ {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let score = if self.values.len() >= self.params.warmup {
            let (median, sd) = self.centre_and_scale();
            let r = x - median;
            let tiny = 1e-12 * (1.0 + median.abs());
            if sd > tiny {
                score_from_tail(normal_tail_two_sided(r / sd))
            } else if r.abs() > tiny {
                1.0
            } else {
                0.0
            }
        } else {
            0.0
        };
        self.values.push_back(x);
        if self.values.len() > self.params.window {
            self.values.pop_front();
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outliers_in_the_window_do_not_mask_the_next_one() {
        let mut d = RobustZ::params()
            .window(100)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let t = Timestamp::from_secs(0);
        for i in 0..200 {
            // Ten large outliers in the window: a mean/sd detector's scale
            // would grow with them, the MAD does not.
            let x = if i % 20 == 0 { 1000.0 } else { (i % 3) as f64 };
            d.update(t, x);
        }
        // Median 1, MAD 1 → z ≈ 20/1.48.
        let s = d.update(t, 21.0);
        let expected = score_from_tail(normal_tail_two_sided(20.0 / MAD_TO_SD));
        assert!((s - expected).abs() < 1e-12, "{s} vs {expected}");
    }

    #[test]
    fn a_mostly_repeated_value_uses_the_mean_deviation() {
        let mut d = RobustZ::params()
            .window(10)
            .warmup(10)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let t = Timestamp::from_secs(0);
        for x in [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 5.0] {
            assert_eq!(d.update(t, x), 0.0);
        }
        // MAD 0, mean |dev| 1 → sd 1.2533; 0 itself is unremarkable.
        assert_eq!(d.update(t, 0.0), 0.0);
        let s = d.update(t, 5.0);
        let expected = score_from_tail(normal_tail_two_sided(5.0 / MEAN_AD_TO_SD));
        assert!((s - expected).abs() < 1e-12, "{s} vs {expected}");
    }
}
