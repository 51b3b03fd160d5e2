//! Exponentially weighted moving average.

use serde::{Deserialize, Serialize};

use super::filter::SeriesFilter;
use crate::error::{Result, invalid};

/// Exponentially weighted moving average: `s = s + alpha·(x - s)`, started
/// at the first present value.
///
/// A missing value (NaN) gives a missing output and leaves the state as it
/// was, so the average carries over gaps; leading missing values stay
/// missing. A frame is filtered column by column; `fit` learns nothing.
///
/// ```
/// use homeostat_metrics::denoise::{Ewma, SeriesFilter};
/// let ewma = Ewma::with_alpha(0.5)?;
/// let out = ewma.filter_values(&[f64::NAN, 0.0, 8.0, f64::NAN, 0.0])?;
/// assert!(out[0].is_nan() && out[3].is_nan());
/// assert_eq!(&out[1..3], &[0.0, 4.0]);
/// assert_eq!(out[4], 2.0);
/// // A half-life of 1 sample halves the weight of the past at every step.
/// assert_eq!(Ewma::with_half_life(1.0)?.alpha, 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ewma {
    /// The weight of the newest value, in `(0, 1]`.
    pub alpha: f64,
}

impl Ewma {
    /// An EWMA with smoothing factor `alpha` in `(0, 1]` (1 = no smoothing).
    ///
    /// ```
    /// use homeostat_metrics::denoise::Ewma;
    /// assert!(Ewma::with_alpha(0.0).is_err());
    /// assert!(Ewma::with_alpha(1.0).is_ok());
    /// ```
    pub fn with_alpha(alpha: f64) -> Result<Self> {
        let ewma = Ewma { alpha };
        ewma.check()?;
        Ok(ewma)
    }

    /// An EWMA whose weights halve every `half_life` samples (positive,
    /// finite): `alpha = 1 - 2^(-1 / half_life)`.
    ///
    /// ```
    /// use homeostat_metrics::denoise::Ewma;
    /// assert!((Ewma::with_half_life(10.0)?.alpha - 0.066967).abs() < 1e-6);
    /// assert!(Ewma::with_half_life(-1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_half_life(half_life: f64) -> Result<Self> {
        if !(half_life.is_finite() && half_life > 0.0) {
            return Err(invalid(
                "half_life",
                format!("the half-life must be a positive number of samples, got {half_life}"),
            ));
        }
        Ewma::with_alpha(1.0 - (-1.0 / half_life).exp2())
    }

    fn check(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha <= 1.0) {
            return Err(invalid(
                "alpha",
                format!("alpha must be in (0, 1], got {}", self.alpha),
            ));
        }
        Ok(())
    }
}

impl SeriesFilter for Ewma {
    fn filter_values(&self, values: &[f64]) -> Result<Vec<f64>> {
        self.check()?;
        let mut state: Option<f64> = None;
        Ok(values
            .iter()
            .map(|&x| {
                if x.is_nan() {
                    return f64::NAN;
                }
                let s = match state {
                    None => x,
                    Some(s) => s + self.alpha * (x - s),
                };
                state = Some(s);
                s
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edge_cases() {
        let e = Ewma::with_alpha(0.3).unwrap();
        assert!(e.filter_values(&[]).unwrap().is_empty());
        assert!(
            e.filter_values(&[f64::NAN; 3])
                .unwrap()
                .iter()
                .all(|v| v.is_nan())
        );
        for bad in [f64::NAN, -0.1, 1.5, f64::INFINITY] {
            let err = Ewma { alpha: bad }.filter_values(&[1.0]).unwrap_err();
            assert!(err.to_string().contains("alpha"), "{err}");
        }
        assert!(Ewma::with_half_life(f64::NAN).is_err());
        assert!(Ewma::with_half_life(0.0).is_err());
        let back: Ewma = serde_json::from_str(r#"{"alpha":0.25}"#).unwrap();
        assert_eq!(back, Ewma::with_alpha(0.25).unwrap());
    }

    proptest! {
        #[test]
        fn ewma_of_a_constant_is_that_constant(c in -1e12..1e12f64, alpha in 1e-6..=1.0f64, n in 0usize..50) {
            let out = Ewma::with_alpha(alpha).unwrap().filter_values(&vec![c; n]).unwrap();
            prop_assert!(out.iter().all(|&v| v == c));
        }
    }
}
