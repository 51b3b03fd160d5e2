//! ARIMA(p, d, q) fitted by conditional sum of squares (CSS).

use serde::{Deserialize, Serialize};

use super::{Forecast, Forecaster, nelder_mead, two_sided_quantile};
use crate::{Error, Result};

/// Parameters of [`Arima`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArimaParams {
    p: usize,
    d: usize,
    q: usize,
    mean: Option<bool>,
}

/// ARIMA forecaster: `Arima::params().order(p, d, q).fit(&y)`.
///
/// The coefficients minimise the conditional sum of squares of the one-step
/// errors of the differenced series (errors before the first `p` values
/// taken as 0), by Nelder–Mead. Stationarity and invertibility are not
/// enforced. Intervals come from the ψ-weights of the model including its
/// differencing: `sd_h = σ √(Σ_{j<h} ψ_j²)`.
///
/// ```
/// use homeostat_predict::forecast::{Arima, Forecaster};
/// // A random walk forecasts its last value with widening intervals.
/// let y = [1.0, 2.0, 1.5, 2.5, 3.0, 2.0, 2.5, 3.5, 3.0, 2.0, 2.5];
/// let fit = Arima::params().order(0, 1, 0).fit(&y)?;
/// let f = fit.forecast(4, 0.95)?;
/// assert!(f.mean.iter().all(|m| (m - 2.5).abs() < 1e-12));
/// assert!((f.sd[3] / f.sd[0] - 2.0).abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Arima;

impl Arima {
    /// Defaults: order (1, 0, 0), with a mean when `d = 0`.
    pub fn params() -> ArimaParams {
        ArimaParams {
            p: 1,
            d: 0,
            q: 0,
            mean: None,
        }
    }
}

impl ArimaParams {
    /// The order: `p` autoregressive terms, `d` differences, `q` moving
    /// average terms (each at most 10, `d` at most 2).
    pub fn order(mut self, p: usize, d: usize, q: usize) -> Self {
        self.p = p;
        self.d = d;
        self.q = q;
        self
    }

    /// Whether the differenced series has a non-zero mean (default: only
    /// when `d = 0`).
    pub fn mean(mut self, mean: bool) -> Self {
        self.mean = Some(mean);
        self
    }

    /// Fits the model.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `p` or `q` above 10 or `d` above 2;
    /// [`Error::InvalidData`] for a NaN or infinite value, or fewer than
    /// `d + p + q + 10` values.
    pub fn fit(self, y: &[f64]) -> Result<ArimaFit> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.p > 10 {
            return bad("p", format!("{} is above 10", self.p));
        }
        if self.q > 10 {
            return bad("q", format!("{} is above 10", self.q));
        }
        if self.d > 2 {
            return bad("d", format!("{} is above 2", self.d));
        }
        if let Some(v) = y.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "value {v} (fill or drop gaps before fitting)"
            )));
        }
        let needed = self.d + self.p + self.q + 10;
        if y.len() < needed {
            return Err(Error::InvalidData(format!(
                "{} values, at least {needed} needed",
                y.len()
            )));
        }
        // Difference d times, keeping each level's last value to undo it.
        let mut w = y.to_vec();
        let mut lasts = Vec::with_capacity(self.d);
        for _ in 0..self.d {
            lasts.push(w.last().copied().unwrap_or(0.0));
            w = w.windows(2).map(|p| p[1] - p[0]).collect();
        }
        let with_mean = self.mean.unwrap_or(self.d == 0);
        let n = w.len() as f64;
        let w_mean = w.iter().sum::<f64>() / n;
        let w_sd = (w.iter().map(|v| (v - w_mean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1e-12);
        let (p, q) = (self.p, self.q);
        let unpack = |x: &[f64]| -> (f64, Vec<f64>, Vec<f64>) {
            let mu = if with_mean {
                w_mean + x.first().copied().unwrap_or(0.0) * w_sd
            } else {
                0.0
            };
            let off = usize::from(with_mean);
            let phi = x.iter().skip(off).take(p).copied().collect();
            let theta = x.iter().skip(off + p).take(q).copied().collect();
            (mu, phi, theta)
        };
        let objective = |x: &[f64]| {
            let (mu, phi, theta) = unpack(x);
            css(&w, mu, &phi, &theta).0
        };
        let dims = usize::from(with_mean) + p + q;
        let (best, _) = nelder_mead(objective, &vec![0.0; dims], 0.1, 1e-12, 2000 * (dims + 1));
        let (mu, phi, theta) = unpack(&best);
        let (sse, residuals) = css(&w, mu, &phi, &theta);
        let used = w.len().saturating_sub(p);
        let sigma2 = sse / used.saturating_sub(dims).max(1) as f64;
        Ok(ArimaFit {
            params: self,
            mu,
            phi,
            theta,
            sigma2,
            w,
            residuals,
            lasts,
        })
    }
}

/// Conditional sum of squares and residuals of the mean-centred ARMA.
fn css(w: &[f64], mu: f64, phi: &[f64], theta: &[f64]) -> (f64, Vec<f64>) {
    let mut e = vec![0.0; w.len()];
    let mut sse = 0.0;
    for t in phi.len()..w.len() {
        let mut pred = mu;
        for (i, a) in phi.iter().enumerate() {
            pred += a * (w[t - 1 - i] - mu);
        }
        for (j, b) in theta.iter().enumerate() {
            if t > j {
                pred += b * e[t - 1 - j];
            }
        }
        e[t] = w[t] - pred;
        sse += e[t] * e[t];
    }
    (if sse.is_finite() { sse } else { f64::INFINITY }, e)
}

/// A fitted ARIMA model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArimaFit {
    params: ArimaParams,
    mu: f64,
    phi: Vec<f64>,
    theta: Vec<f64>,
    sigma2: f64,
    w: Vec<f64>,
    residuals: Vec<f64>,
    lasts: Vec<f64>,
}

impl ArimaFit {
    /// The autoregressive coefficients φ₁…φₚ.
    pub fn ar(&self) -> &[f64] {
        &self.phi
    }
    /// The moving-average coefficients θ₁…θ_q.
    pub fn ma(&self) -> &[f64] {
        &self.theta
    }
    /// The mean of the differenced series (0 without a mean).
    pub fn mean(&self) -> f64 {
        self.mu
    }
    /// The innovation variance (SSE over the residual degrees of freedom).
    pub fn sigma2(&self) -> f64 {
        self.sigma2
    }
}

impl Forecaster for ArimaFit {
    fn forecast(&self, horizon: usize, level: f64) -> Result<Forecast> {
        super::check_request(horizon, level)?;
        // Point forecasts of the differenced series, future errors zero.
        let mut w = self.w.clone();
        let mut e = self.residuals.clone();
        for _ in 0..horizon {
            let t = w.len();
            let mut pred = self.mu;
            for (i, a) in self.phi.iter().enumerate() {
                pred += a * (w.get(t.wrapping_sub(1 + i)).copied().unwrap_or(self.mu) - self.mu);
            }
            for (j, b) in self.theta.iter().enumerate() {
                pred += b * e.get(t.wrapping_sub(1 + j)).copied().unwrap_or(0.0);
            }
            w.push(pred);
            e.push(0.0);
        }
        let mut mean: Vec<f64> = w.split_off(self.w.len());
        // Undo the differences, innermost first.
        for last in self.lasts.iter().rev() {
            let mut level_value = *last;
            for m in &mut mean {
                level_value += *m;
                *m = level_value;
            }
        }
        // ψ-weights of AR(B)(1 − B)^d against MA(B).
        let mut ar = self.phi.clone();
        for _ in 0..self.params.d {
            let mut next = vec![0.0; ar.len() + 1];
            for (i, slot) in next.iter_mut().enumerate() {
                let a_i = if i < ar.len() { ar[i] } else { 0.0 };
                let a_prev = if i == 0 { -1.0 } else { ar[i - 1] };
                // (1 − Σ a_i B^i)(1 − B) = 1 − Σ (a_i − a_{i−1}) B^i with a_0 = −1.
                *slot = a_i - a_prev;
            }
            ar = next;
        }
        let mut psi = vec![1.0];
        for j in 1..horizon {
            let mut v = self.theta.get(j - 1).copied().unwrap_or(0.0);
            for (i, a) in ar.iter().enumerate().take(j) {
                v += a * psi[j - 1 - i];
            }
            psi.push(v);
        }
        let z = two_sided_quantile(level);
        let mut acc = 0.0;
        let sd: Vec<f64> = psi
            .iter()
            .map(|p| {
                acc += p * p;
                (self.sigma2 * acc).sqrt()
            })
            .collect();
        let lower = mean.iter().zip(&sd).map(|(m, s)| m - z * s).collect();
        let upper = mean.iter().zip(&sd).map(|(m, s)| m + z * s).collect();
        Ok(Forecast {
            mean,
            lower,
            upper,
            sd,
            level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Fixed-seed standard normal noise (splitmix64 + Box–Muller), so the
    /// tests need no random-number crate.
    fn noise(n: usize, seed: u64) -> Vec<f64> {
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

    #[test]
    fn ar1_css_equals_least_squares_with_intercept() {
        let e = noise(500, 1);
        let mut y = vec![0.0; 500];
        for t in 1..500 {
            y[t] = 2.0 + 0.7 * (y[t - 1] - 2.0) + e[t];
        }
        let fit = ok(Arima::params().order(1, 0, 0).fit(&y));
        // OLS of y_t on (1, y_{t-1}).
        let (x, z) = (&y[..499], &y[1..]);
        let (mx, mz) = (x.iter().sum::<f64>() / 499.0, z.iter().sum::<f64>() / 499.0);
        let sxz: f64 = x.iter().zip(z).map(|(a, b)| (a - mx) * (b - mz)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let slope = sxz / sxx;
        let intercept = mz - slope * mx;
        assert!(
            (fit.ar()[0] - slope).abs() < 1e-4,
            "{} vs {slope}",
            fit.ar()[0]
        );
        assert!((fit.mean() * (1.0 - fit.ar()[0]) - intercept).abs() < 1e-3);
        assert!((fit.ar()[0] - 0.7).abs() < 0.08);
        // Forecasts decay to the mean; the 1-step sd is sigma.
        let f = ok(fit.forecast(200, 0.9));
        assert!((f.mean[199] - fit.mean()).abs() < 1e-6);
        assert!((f.sd[0] - fit.sigma2().sqrt()).abs() < 1e-12);
    }

    #[test]
    fn ma1_is_recovered() {
        let e = noise(3000, 2);
        let y: Vec<f64> = (0..3000)
            .map(|t| e[t] + if t > 0 { 0.5 * e[t - 1] } else { 0.0 })
            .collect();
        let fit = ok(Arima::params().order(0, 0, 1).fit(&y));
        assert!((fit.ma()[0] - 0.5).abs() < 0.06, "{}", fit.ma()[0]);
        let f = ok(fit.forecast(3, 0.95));
        // Beyond q steps an MA(1) forecasts its mean.
        assert!((f.mean[2] - fit.mean()).abs() < 1e-9);
    }

    #[test]
    fn second_differences_extend_a_quadratic() {
        let y: Vec<f64> = (0..30).map(|t| (t * t) as f64).collect();
        let fit = ok(Arima::params().order(0, 2, 0).mean(true).fit(&y));
        let f = ok(fit.forecast(2, 0.95));
        assert!(
            (f.mean[0] - 900.0).abs() < 1e-6 && (f.mean[1] - 961.0).abs() < 1e-6,
            "{:?}",
            f.mean
        );
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(Arima::params().order(11, 0, 0).fit(&[0.0; 50]).is_err());
        assert!(Arima::params().order(0, 3, 0).fit(&[0.0; 50]).is_err());
        assert!(matches!(
            Arima::params().fit(&[1.0; 5]),
            Err(Error::InvalidData(_))
        ));
        let mut y = vec![1.0; 30];
        y[3] = f64::NAN;
        assert!(Arima::params().fit(&y).is_err());
        let fit = ok(Arima::params().fit(&[3.0; 30]));
        assert!(fit.forecast(0, 0.9).is_err());
        assert!(fit.forecast(2, 0.0).is_err());
        let f = ok(fit.forecast(2, 0.9));
        assert!(f.mean.iter().all(|m| (m - 3.0).abs() < 1e-9));
    }
}
