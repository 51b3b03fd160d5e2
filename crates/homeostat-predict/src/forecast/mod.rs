//! Forecasts with prediction intervals.
//!
//! [`HoltWinters`] is exponential smoothing with level, (optionally damped)
//! trend and additive or multiplicative seasonality, its smoothing weights
//! fitted by minimising the one-step squared error (Nelder–Mead);
//! [`Arima`] is seasonal ARIMA (p, d, q)(P, D, Q)ₘ by conditional sum of
//! squares or exact maximum likelihood (Kalman filter);
//! [`auto_arima`] and [`auto_ets`] choose the order or the variant by
//! AICc, [`auto_forecast`] the better of the two; [`LinearTrendFit`] is a
//! least-squares line over a short window, cheap enough to refit each step.
//! [`prob_exceeds`] turns a forecast into the probability that a limit is
//! crossed within the horizon.

mod arima;
mod auto;
mod holt_winters;
mod kalman;
mod linear;
mod optim;

pub use arima::{Arima, ArimaFit, ArimaMethod, ArimaParams, Order, SeasonalOrder};
pub use auto::{
    AutoArimaParams, AutoEtsParams, AutoFit, auto_arima, auto_ets, auto_forecast, kpss_statistic,
    seasonal_strength,
};
pub use holt_winters::{HoltWinters, HoltWintersFit, HoltWintersParams, Seasonality};
pub use linear::LinearTrendFit;
pub use optim::nelder_mead;

use serde::Serialize;

use crate::error::{Error, Result};

/// A forecast of `h` steps with a central prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// Point forecasts, one per step ahead.
    pub mean: Vec<f64>,
    /// Lower ends of the interval.
    pub lower: Vec<f64>,
    /// Upper ends of the interval.
    pub upper: Vec<f64>,
    /// Standard deviation of the forecast error at each step.
    pub sd: Vec<f64>,
    /// Coverage of the interval (for example 0.95).
    pub level: f64,
}

/// A fitted model that forecasts.
pub trait Forecaster {
    /// Forecasts `horizon` steps past the data with a central interval of
    /// coverage `level` in `(0, 1)`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for a zero horizon or a level
    /// outside `(0, 1)`.
    fn forecast(&self, horizon: usize, level: f64) -> crate::Result<Forecast>;
}

/// The probability that the series reaches `limit` (from below) at some
/// step within the forecast, under independent normal step errors
/// (`1 − Π (1 − P(step i ≥ limit))`, an upper bound on the first-passage
/// probability since the steps are positively correlated).
///
/// ```
/// use homeostat_predict::forecast::{prob_exceeds, Forecast};
/// let f = Forecast { mean: vec![90.0, 95.0], lower: vec![], upper: vec![], sd: vec![2.0, 3.0], level: 0.95 };
/// let p = prob_exceeds(&f, 100.0);
/// assert!(p > 0.04 && p < 0.06);
/// ```
pub fn prob_exceeds(forecast: &Forecast, limit: f64) -> f64 {
    let mut stay_below = 1.0;
    for (m, sd) in forecast.mean.iter().zip(&forecast.sd) {
        let p = if *sd > 0.0 {
            upper_tail((limit - m) / sd)
        } else if *m >= limit {
            1.0
        } else {
            0.0
        };
        stay_below *= 1.0 - p;
    }
    (1.0 - stay_below).clamp(0.0, 1.0)
}

/// `P(Z ≥ z)` for a standard normal.
fn upper_tail(z: f64) -> f64 {
    let two_sided = crate::detect::normal_tail_two_sided(z);
    if z >= 0.0 {
        0.5 * two_sided
    } else {
        1.0 - 0.5 * two_sided
    }
}

/// The standard normal quantile `z` with `P(|Z| ≤ z) = level`, by bisection
/// on the tail function (accurate to 1e-10).
pub(crate) fn two_sided_quantile(level: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 40.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if crate::detect::normal_tail_two_sided(mid) > 1.0 - level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Refuses a forecast of no steps or an interval level outside `(0, 1)`.
fn check_request(horizon: usize, level: f64) -> Result<()> {
    if horizon == 0 {
        return Err(Error::InvalidParameter {
            name: "horizon",
            reason: "0 steps".into(),
        });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::InvalidParameter {
            name: "level",
            reason: format!("{level} is not in (0, 1)"),
        });
    }
    Ok(())
}

/// Fixed-seed standard normal noise (splitmix64 + Box–Muller), so the
/// forecast tests need no random-number crate.
#[cfg(test)]
pub(crate) fn seeded_noise(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (uniform().max(1e-300), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_inverts_the_tail() {
        assert!((two_sided_quantile(0.95) - 1.959_964).abs() < 1e-5);
        assert!((two_sided_quantile(0.6827) - 1.0).abs() < 1e-3);
    }

    #[test]
    fn exceedance_probability_grows_with_the_mean() {
        let f = |m: f64| Forecast {
            mean: vec![m; 3],
            lower: vec![],
            upper: vec![],
            sd: vec![1.0; 3],
            level: 0.9,
        };
        assert!(prob_exceeds(&f(0.0), 5.0) < 1e-5);
        assert!(prob_exceeds(&f(5.0), 5.0) > 0.8);
        assert_eq!(prob_exceeds(&f(10.0), 5.0), 1.0);
        let sure = Forecast {
            sd: vec![0.0; 3],
            ..f(6.0)
        };
        assert_eq!(prob_exceeds(&sure, 5.0), 1.0);
    }
}
