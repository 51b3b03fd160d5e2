//! A straight line fitted by least squares to a short trailing window, the
//! cheapest trend forecast: cheap enough to refit at every step of every
//! series, as the limit-crossing features do.

use super::{Forecast, Forecaster, check_request, two_sided_quantile};
use crate::error::{Error, Result};

/// A least-squares line `y = a + b·i` over the positions `i = 0..n` of a
/// window (NaN values skipped, their positions kept).
///
/// ```
/// use homeostat_predict::forecast::{Forecaster, LinearTrendFit, prob_exceeds};
/// // Memory climbing 10 MiB a minute towards a 100 MiB limit.
/// let y = [50.0, 60.5, 69.5, 80.0, 90.2];
/// let fit = LinearTrendFit::fit(&y)?;
/// assert!((fit.slope() - 10.0).abs() < 0.3);
/// let f = fit.forecast(3, 0.9)?;
/// assert!(prob_exceeds(&f, 100.0) > 0.9);
/// # Ok::<(), homeostat_predict::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearTrendFit {
    intercept: f64,
    slope: f64,
    /// Residual standard deviation, `sqrt(SSE / (n − 2))`.
    sigma: f64,
    n: usize,
    mean_position: f64,
    /// `Σ (i − ī)²` over the present positions.
    spread: f64,
    /// Position of the window's last element (the forecast origin).
    last: f64,
}

impl LinearTrendFit {
    /// Fits the line to `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] with fewer than three finite values (a line
    /// needs two, its error one more), or with an infinite value.
    pub fn fit(y: &[f64]) -> Result<Self> {
        if y.iter().any(|v| v.is_infinite()) {
            return Err(Error::InvalidData("an infinite value in the window".into()));
        }
        let present = || {
            y.iter()
                .enumerate()
                .filter(|(_, v)| !v.is_nan())
                .map(|(i, &v)| (i as f64, v))
        };
        let n = present().count();
        if n < 3 {
            return Err(Error::InvalidData(format!(
                "{n} finite values: a trend needs at least 3"
            )));
        }
        let (si, sy) = present().fold((0.0, 0.0), |(a, b), (i, v)| (a + i, b + v));
        let (mi, my) = (si / n as f64, sy / n as f64);
        let (sii, siy) = present().fold((0.0, 0.0), |(a, b), (i, v)| {
            (a + (i - mi) * (i - mi), b + (i - mi) * (v - my))
        });
        // n >= 3 distinct positions, so the spread is positive.
        let slope = siy / sii;
        let intercept = my - slope * mi;
        let sse: f64 = present()
            .map(|(i, v)| (v - intercept - slope * i).powi(2))
            .sum();
        Ok(Self {
            intercept,
            slope,
            sigma: (sse / (n - 2) as f64).sqrt(),
            n,
            mean_position: mi,
            spread: sii,
            last: (y.len() - 1) as f64,
        })
    }

    /// Change per step.
    pub fn slope(&self) -> f64 {
        self.slope
    }

    /// Residual standard deviation around the line.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl Forecaster for LinearTrendFit {
    /// The line extended past the window; the error of step `h` is the
    /// least-squares prediction error
    /// `σ·sqrt(1 + 1/n + (i − ī)² / Σ(i − ī)²)` at position `i = last + h`.
    fn forecast(&self, horizon: usize, level: f64) -> Result<Forecast> {
        check_request(horizon, level)?;
        let z = two_sided_quantile(level);
        let mut f = Forecast {
            mean: Vec::with_capacity(horizon),
            lower: Vec::with_capacity(horizon),
            upper: Vec::with_capacity(horizon),
            sd: Vec::with_capacity(horizon),
            level,
        };
        for h in 1..=horizon {
            let i = self.last + h as f64;
            let mean = self.intercept + self.slope * i;
            let d = i - self.mean_position;
            let sd = self.sigma * (1.0 + 1.0 / self.n as f64 + d * d / self.spread).sqrt();
            f.mean.push(mean);
            f.lower.push(mean - z * sd);
            f.upper.push(mean + z * sd);
            f.sd.push(sd);
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::prob_exceeds;

    #[test]
    fn exact_line_is_recovered_and_extended() {
        let y = [1.0, 3.0, 5.0, 7.0];
        let fit = LinearTrendFit::fit(&y).unwrap();
        assert!((fit.slope() - 2.0).abs() < 1e-12);
        assert!(fit.sigma() < 1e-12);
        let f = fit.forecast(2, 0.95).unwrap();
        assert!((f.mean[0] - 9.0).abs() < 1e-12 && (f.mean[1] - 11.0).abs() < 1e-12);
        // No error: the crossing is certain or impossible.
        assert_eq!(prob_exceeds(&f, 10.0), 1.0);
        assert_eq!(prob_exceeds(&f, 12.0), 0.0);
    }

    #[test]
    fn gaps_keep_their_positions_and_errors_widen_with_distance() {
        let y = [0.0, f64::NAN, 2.1, 2.9, 4.05, 5.0];
        let fit = LinearTrendFit::fit(&y).unwrap();
        assert!((fit.slope() - 1.0).abs() < 0.05);
        let f = fit.forecast(5, 0.9).unwrap();
        assert!(f.sd.windows(2).all(|w| w[1] > w[0]));
        assert!((f.mean[0] - 6.0).abs() < 0.2);
        assert!(f.lower[0] < f.mean[0] && f.mean[0] < f.upper[0]);
    }

    #[test]
    fn flat_noisy_series_rarely_crosses_a_far_limit() {
        let y = [10.0, 10.2, 9.9, 10.1, 9.8, 10.0];
        let f = LinearTrendFit::fit(&y).unwrap().forecast(10, 0.9).unwrap();
        assert!(prob_exceeds(&f, 20.0) < 1e-6);
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(LinearTrendFit::fit(&[]).is_err());
        assert!(LinearTrendFit::fit(&[1.0, 2.0]).is_err());
        assert!(LinearTrendFit::fit(&[1.0, f64::NAN, 2.0, f64::NAN]).is_err());
        assert!(LinearTrendFit::fit(&[1.0, f64::INFINITY, 2.0, 3.0]).is_err());
        let fit = LinearTrendFit::fit(&[1.0, 2.0, 3.0]).unwrap();
        assert!(fit.forecast(0, 0.9).is_err());
        assert!(fit.forecast(3, 1.0).is_err());
    }
}
