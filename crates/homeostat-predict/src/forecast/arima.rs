//! Seasonal ARIMA (p, d, q)(P, D, Q)ₘ fitted by conditional sum of squares
//! (CSS), exact maximum likelihood (Kalman filter) or CSS then ML.

use serde::{Deserialize, Serialize};

use super::{Forecast, Forecaster, kalman, nelder_mead, two_sided_quantile};
use crate::{Error, Result};

/// A non-seasonal order `(p, d, q)`.
pub type Order = (usize, usize, usize);

/// A seasonal order `(P, D, Q, m)`.
pub type SeasonalOrder = (usize, usize, usize, usize);

/// How [`ArimaParams::fit`] estimates the coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArimaMethod {
    /// Conditional sum of squares: errors before the first `p + P·m`
    /// differenced values taken as 0. Fast; allows non-stationary AR.
    Css,
    /// Exact Gaussian maximum likelihood of the differenced series by a
    /// Kalman filter started from the stationary covariance; the AR part
    /// is kept stationary.
    Ml,
    /// CSS for the starting values, then exact ML (as R's `arima` and
    /// statsmodels do by default).
    CssMl,
}

/// Parameters of [`Arima`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArimaParams {
    p: usize,
    d: usize,
    q: usize,
    seasonal_p: usize,
    seasonal_d: usize,
    seasonal_q: usize,
    period: usize,
    mean: Option<bool>,
    method: ArimaMethod,
}

/// Seasonal ARIMA forecaster: `Arima::params().order(p, d, q).fit(&y)`.
///
/// The model is `Φ(Bᵐ) φ(B) (1 − B)ᵈ (1 − Bᵐ)ᴰ (y_t − …) = Θ(Bᵐ) θ(B) ε_t`
/// with a mean (or, after one difference, a drift) `μ` of the differenced
/// series. Coefficients are found by Nelder–Mead on the CSS or on the
/// exact concentrated likelihood; invertibility of the MA part is not
/// enforced. Point forecasts come from the Kalman state (ML) or the CSS
/// residuals; intervals from the ψ-weights of the full model including its
/// differencing: `sd_h = σ √(Σ_{j<h} ψ_j²)`.
///
/// A series whose differenced values are all equal to the mean (for
/// example a constant series) is fitted exactly: zero coefficients, zero
/// variance, forecasts without width.
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
    /// Defaults: order (1, 0, 0), no seasonal part, with a mean when
    /// `d + D = 0`, method [`ArimaMethod::CssMl`].
    pub fn params() -> ArimaParams {
        ArimaParams {
            p: 1,
            d: 0,
            q: 0,
            seasonal_p: 0,
            seasonal_d: 0,
            seasonal_q: 0,
            period: 1,
            mean: None,
            method: ArimaMethod::CssMl,
        }
    }
}

/// `(1 + c₁B + …)(1 + s₁Bᵐ + …)` as the coefficients after the leading 1.
fn poly_times_seasonal(c: &[f64], s: &[f64], m: usize) -> Vec<f64> {
    let len = c.len().max(s.len() * m + c.len());
    let mut out = vec![0.0; len];
    let mut full_c = vec![1.0];
    full_c.extend_from_slice(c);
    let mut full_s = vec![0.0; s.len() * m + 1];
    full_s[0] = 1.0;
    for (j, v) in s.iter().enumerate() {
        full_s[(j + 1) * m] = *v;
    }
    for (i, a) in full_c.iter().enumerate() {
        for (j, b) in full_s.iter().enumerate() {
            if i + j > 0 {
                out[i + j - 1] += a * b;
            }
        }
    }
    out
}

/// Full AR coefficients `a` with `1 − Σ a_i Bⁱ = φ(B) Φ(Bᵐ)`.
fn full_ar(phi: &[f64], sphi: &[f64], m: usize) -> Vec<f64> {
    let neg = |v: &[f64]| v.iter().map(|x| -x).collect::<Vec<_>>();
    neg(&poly_times_seasonal(&neg(phi), &neg(sphi), m))
}

/// Coefficients after the leading 1 of `(1 − B)ᵈ (1 − Bᵐ)ᴰ`.
fn difference_poly(d: usize, big_d: usize, m: usize) -> Vec<f64> {
    let mut poly = vec![1.0];
    let mut times = |lag: usize| {
        let mut next = vec![0.0; poly.len() + lag];
        for (i, v) in poly.iter().enumerate() {
            next[i] += v;
            next[i + lag] -= v;
        }
        poly = next;
    };
    for _ in 0..d {
        times(1);
    }
    for _ in 0..big_d {
        times(m);
    }
    poly.split_off(1)
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

    /// The seasonal order `(P, D, Q)` with period `m` (`P`, `Q` at most 2,
    /// `D` at most 1, `m ≥ 2` when any of them is non-zero).
    pub fn seasonal(mut self, p: usize, d: usize, q: usize, period: usize) -> Self {
        self.seasonal_p = p;
        self.seasonal_d = d;
        self.seasonal_q = q;
        self.period = period;
        self
    }

    /// Whether the differenced series has a non-zero mean (default: only
    /// when `d + D = 0`). After one difference the mean is a drift.
    pub fn mean(mut self, mean: bool) -> Self {
        self.mean = Some(mean);
        self
    }

    /// The estimation method (default [`ArimaMethod::CssMl`]).
    pub fn method(mut self, method: ArimaMethod) -> Self {
        self.method = method;
        self
    }

    fn seasonal_part(&self) -> bool {
        self.seasonal_p + self.seasonal_d + self.seasonal_q > 0
    }

    /// Values the model needs at least: the differencing, the conditioning
    /// and ten more.
    pub(crate) fn min_len(&self) -> usize {
        let m = if self.seasonal_part() { self.period } else { 0 };
        self.d
            + self.seasonal_d * m
            + self.p
            + self.seasonal_p * m
            + self.q
            + self.seasonal_q * m
            + 10
    }

    fn check(&self, y: &[f64]) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        for (name, v, max) in [
            ("p", self.p, 10),
            ("q", self.q, 10),
            ("d", self.d, 2),
            ("P", self.seasonal_p, 2),
            ("Q", self.seasonal_q, 2),
            ("D", self.seasonal_d, 1),
        ] {
            if v > max {
                return bad(name, format!("{v} is above {max}"));
            }
        }
        if self.seasonal_part() && self.period < 2 {
            return bad(
                "period",
                format!("{} is below 2 with a seasonal order", self.period),
            );
        }
        if let Some(v) = y.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "value {v} (fill or drop gaps before fitting)"
            )));
        }
        let needed = self.min_len();
        if y.len() < needed {
            return Err(Error::InvalidData(format!(
                "{} values, at least {needed} needed",
                y.len()
            )));
        }
        Ok(())
    }

    /// Fits the model.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an order above its maximum or a
    /// seasonal order with a period below 2; [`Error::InvalidData`] for a
    /// NaN or infinite value, or fewer values than the differencing and the
    /// orders need plus ten (`d + D·m + p + P·m + q + Q·m + 10`).
    pub fn fit(self, y: &[f64]) -> Result<ArimaFit> {
        self.check(y)?;
        let m = if self.seasonal_part() { self.period } else { 1 };
        let delta = difference_poly(self.d, self.seasonal_d, m);
        // w_t = y_t + Σ δ_k y_{t−k}, from the first index with a full lag.
        let w: Vec<f64> = (delta.len()..y.len())
            .map(|t| {
                y[t] + delta
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c * y[t - 1 - k])
                    .sum::<f64>()
            })
            .collect();
        let history = y[y.len() - delta.len()..].to_vec();
        let with_mean = self.mean.unwrap_or(self.d + self.seasonal_d == 0);
        let n = w.len() as f64;
        let w_mean = w.iter().sum::<f64>() / n;
        let centre = if with_mean { w_mean } else { 0.0 };
        let spread = (w.iter().map(|v| (v - centre).powi(2)).sum::<f64>() / n).sqrt();
        let scale_of_w = w.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let counts = [self.p, self.q, self.seasonal_p, self.seasonal_q];
        let dims = usize::from(with_mean) + counts.iter().sum::<usize>();
        let coef = Coefficients {
            with_mean,
            w_mean,
            w_sd: spread.max(1e-12),
            counts,
            period: m,
        };
        if spread <= 1e-12 * scale_of_w.max(1.0) {
            // Nothing left to explain: an exact fit.
            let x = vec![0.0; dims];
            let parts = coef.unpack(&x);
            let (_, residuals) = css(&w, parts.mu, &[], &[]);
            return Ok(ArimaFit {
                method: self.method,
                parts,
                sigma2: 0.0,
                log_likelihood: f64::INFINITY,
                n_used: w.len(),
                k: dims + 1,
                w,
                residuals,
                history,
                delta,
                state: None,
                params: self,
            });
        }
        let css_objective = |x: &[f64]| {
            let c = coef.unpack(x);
            css(&w, c.mu, &c.expanded_ar, &c.expanded_ma).0
        };
        let floor = (spread * 1e-10).powi(2).ln() * 0.5;
        let ml_objective = |x: &[f64]| {
            let c = coef.unpack(x);
            kalman::filter(&w, c.mu, &c.expanded_ar, &c.expanded_ma)
                .map_or(f64::INFINITY, |run| run.objective().max(floor))
        };
        let minimise = |f: &dyn Fn(&[f64]) -> f64, start: &[f64]| {
            let budget = 400 * (dims + 1);
            let (x, _) = nelder_mead(f, start, 0.1, 1e-12, budget);
            // One restart around the optimum guards against a collapsed simplex.
            nelder_mead(f, &x, 0.05, 1e-12, budget).0
        };
        let zeros = vec![0.0; dims];
        let x = match self.method {
            ArimaMethod::Css => minimise(&css_objective, &zeros),
            ArimaMethod::Ml => minimise(&ml_objective, &zeros),
            ArimaMethod::CssMl => {
                let start = minimise(&css_objective, &zeros);
                let c = coef.unpack(&start);
                let start = if kalman::ar_is_stationary(&c.expanded_ar) {
                    start
                } else {
                    zeros.clone()
                };
                minimise(&ml_objective, &start)
            }
        };
        let parts = coef.unpack(&x);
        let k = dims + 1;
        let fit = if self.method == ArimaMethod::Css {
            let (sse, residuals) = css(&w, parts.mu, &parts.expanded_ar, &parts.expanded_ma);
            // As R: σ² over the non-conditioned residuals, the likelihood
            // over the whole differenced series, so that models with
            // different conditioning compare on the same data.
            let n_used = w.len();
            let sigma2 = sse / (n_used - parts.expanded_ar.len()).max(1) as f64;
            ArimaFit {
                method: self.method,
                log_likelihood: -0.5
                    * n_used as f64
                    * ((std::f64::consts::TAU * sigma2).ln() + 1.0),
                sigma2,
                n_used,
                k,
                residuals,
                state: None,
                parts,
                w,
                history,
                delta,
                params: self,
            }
        } else {
            let run = kalman::filter(&w, parts.mu, &parts.expanded_ar, &parts.expanded_ma)
                .ok_or_else(|| {
                    Error::InvalidData("no stationary AR part reaches a finite likelihood".into())
                })?;
            ArimaFit {
                method: self.method,
                log_likelihood: run.log_likelihood(),
                sigma2: run.sigma2(),
                n_used: run.n,
                k,
                residuals: run.innovations.clone(),
                state: Some(run.state),
                parts,
                w,
                history,
                delta,
                params: self,
            }
        };
        Ok(fit)
    }
}

/// Maps the optimiser's vector to the model's coefficients.
struct Coefficients {
    with_mean: bool,
    w_mean: f64,
    w_sd: f64,
    /// `p, q, P, Q`.
    counts: [usize; 4],
    period: usize,
}

/// The coefficients of a fitted (or candidate) model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Parts {
    mu: f64,
    phi: Vec<f64>,
    theta: Vec<f64>,
    sphi: Vec<f64>,
    stheta: Vec<f64>,
    /// Expanded AR coefficients of `φ(B)Φ(Bᵐ)`.
    expanded_ar: Vec<f64>,
    /// Expanded MA coefficients of `θ(B)Θ(Bᵐ)`.
    expanded_ma: Vec<f64>,
}

impl Coefficients {
    fn unpack(&self, x: &[f64]) -> Parts {
        let mut it = x.iter().copied();
        let mu = if self.with_mean {
            self.w_mean + it.next().unwrap_or(0.0) * self.w_sd
        } else {
            0.0
        };
        let [p, q, sp, sq] = self.counts;
        let mut take = |k: usize| (0..k).map(|_| it.next().unwrap_or(0.0)).collect::<Vec<_>>();
        let (phi, theta, sphi, stheta) = (take(p), take(q), take(sp), take(sq));
        Parts {
            mu,
            expanded_ar: full_ar(&phi, &sphi, self.period),
            expanded_ma: poly_times_seasonal(&theta, &stheta, self.period),
            phi,
            theta,
            sphi,
            stheta,
        }
    }
}

/// Conditional sum of squares and residuals of the mean-centred ARMA with
/// expanded coefficients.
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

/// A fitted seasonal ARIMA model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArimaFit {
    params: ArimaParams,
    method: ArimaMethod,
    parts: Parts,
    sigma2: f64,
    log_likelihood: f64,
    n_used: usize,
    /// Estimated parameters including σ².
    k: usize,
    w: Vec<f64>,
    residuals: Vec<f64>,
    /// The last `d + D·m` values, to undo the differencing.
    history: Vec<f64>,
    /// Coefficients after the leading 1 of the differencing polynomial.
    delta: Vec<f64>,
    /// Kalman predicted state after the data (ML fits).
    state: Option<Vec<f64>>,
}

impl ArimaFit {
    /// The autoregressive coefficients φ₁…φₚ.
    pub fn ar(&self) -> &[f64] {
        &self.parts.phi
    }
    /// The moving-average coefficients θ₁…θ_q.
    pub fn ma(&self) -> &[f64] {
        &self.parts.theta
    }
    /// The seasonal autoregressive coefficients Φ₁…Φ_P.
    pub fn seasonal_ar(&self) -> &[f64] {
        &self.parts.sphi
    }
    /// The seasonal moving-average coefficients Θ₁…Θ_Q.
    pub fn seasonal_ma(&self) -> &[f64] {
        &self.parts.stheta
    }
    /// The mean of the differenced series (0 without a mean).
    pub fn mean(&self) -> f64 {
        self.parts.mu
    }
    /// The innovation variance: `SSE / n` of the CSS residuals after the
    /// conditioning values, or the
    /// concentrated maximum-likelihood estimate.
    pub fn sigma2(&self) -> f64 {
        self.sigma2
    }
    /// The method the fit used.
    pub fn method(&self) -> ArimaMethod {
        self.method
    }
    /// `((p, d, q), (P, D, Q, m))`.
    pub fn order(&self) -> (Order, SeasonalOrder) {
        let p = &self.params;
        (
            (p.p, p.d, p.q),
            (p.seasonal_p, p.seasonal_d, p.seasonal_q, p.period),
        )
    }
    /// Whether the model has a mean (or drift) term.
    pub fn has_mean(&self) -> bool {
        self.params
            .mean
            .unwrap_or(self.params.d + self.params.seasonal_d == 0)
    }
    /// Gaussian log-likelihood: exact for ML fits, the conditional one
    /// (`−n/2 (ln 2πσ² + 1)`) for CSS fits; +∞ for an exact fit.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Number of estimated parameters (coefficients, mean, σ²).
    pub fn n_params(&self) -> usize {
        self.k
    }
    /// Number of values the likelihood covers (the differenced series).
    pub fn n_used(&self) -> usize {
        self.n_used
    }
    /// Akaike's criterion `−2 ln L + 2k`.
    pub fn aic(&self) -> f64 {
        -2.0 * self.log_likelihood + 2.0 * self.k as f64
    }
    /// AIC with the small-sample correction `2k(k+1)/(n − k − 1)`
    /// (+∞ when `n ≤ k + 1`).
    pub fn aicc(&self) -> f64 {
        aicc(self.log_likelihood, self.k, self.n_used)
    }
    /// One-step errors aligned with the data from index `d + D·m` on
    /// (CSS: 0 for the conditioning values; ML: Kalman innovations).
    pub fn residuals(&self) -> &[f64] {
        &self.residuals
    }
}

/// `−2 ln L + 2k + 2k(k+1)/(n − k − 1)`, +∞ without enough data.
pub(crate) fn aicc(log_likelihood: f64, k: usize, n: usize) -> f64 {
    if n <= k + 1 {
        return f64::INFINITY;
    }
    let k = k as f64;
    -2.0 * log_likelihood + 2.0 * k + 2.0 * k * (k + 1.0) / (n as f64 - k - 1.0)
}

impl Forecaster for ArimaFit {
    fn forecast(&self, horizon: usize, level: f64) -> Result<Forecast> {
        super::check_request(horizon, level)?;
        let Parts {
            mu,
            expanded_ar: ar,
            expanded_ma: ma,
            ..
        } = &self.parts;
        let w_future = match &self.state {
            Some(state) => {
                let run = kalman::KalmanRun {
                    ssq: 0.0,
                    sum_log_f: 0.0,
                    n: 0,
                    state: state.clone(),
                    innovations: Vec::new(),
                };
                kalman::forecast_mean(&run, *mu, ar, horizon)
            }
            None => {
                // Point forecasts of the differenced series, future errors zero.
                let mut w = self.w.clone();
                let mut e = self.residuals.clone();
                for _ in 0..horizon {
                    let t = w.len();
                    let mut pred = *mu;
                    for (i, a) in ar.iter().enumerate() {
                        pred += a * (w.get(t.wrapping_sub(1 + i)).copied().unwrap_or(*mu) - mu);
                    }
                    for (j, b) in ma.iter().enumerate() {
                        pred += b * e.get(t.wrapping_sub(1 + j)).copied().unwrap_or(0.0);
                    }
                    w.push(pred);
                    e.push(0.0);
                }
                w.split_off(self.w.len())
            }
        };
        // Undo the differencing: y_t = w_t − Σ δ_k y_{t−k}.
        let mut ext = self.history.clone();
        for wf in &w_future {
            let t = ext.len();
            let v = wf
                - self
                    .delta
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c * ext[t - 1 - k])
                    .sum::<f64>();
            ext.push(v);
        }
        let mean: Vec<f64> = ext.split_off(self.history.len());
        // ψ-weights of AR(B)·Δ(B) against MA(B); AR(B)Δ(B) = 1 − Σ a*_i Bⁱ.
        let mut ar_poly = vec![1.0];
        ar_poly.extend(ar.iter().map(|a| -a));
        let mut diff_poly = vec![1.0];
        diff_poly.extend_from_slice(&self.delta);
        let mut star = vec![0.0; ar_poly.len() + diff_poly.len() - 1];
        for (i, a) in ar_poly.iter().enumerate() {
            for (j, b) in diff_poly.iter().enumerate() {
                star[i + j] += a * b;
            }
        }
        let mut psi = vec![1.0];
        for j in 1..horizon {
            let mut v = ma.get(j - 1).copied().unwrap_or(0.0);
            for i in 1..=j.min(star.len() - 1) {
                v -= star[i] * psi[j - i];
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

    use crate::forecast::seeded_noise as noise;

    #[test]
    fn ar1_css_equals_least_squares_with_intercept() {
        let e = noise(500, 1);
        let mut y = vec![0.0; 500];
        for t in 1..500 {
            y[t] = 2.0 + 0.7 * (y[t - 1] - 2.0) + e[t];
        }
        let fit = ok(Arima::params()
            .order(1, 0, 0)
            .method(ArimaMethod::Css)
            .fit(&y));
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
    fn polynomials_expand_and_difference() {
        // (1 − 0.5B)(1 − 0.4B²) = 1 − 0.5B − 0.4B² + 0.2B³.
        let a = full_ar(&[0.5], &[0.4], 2);
        assert!(
            a.iter()
                .zip([0.5, 0.4, -0.2])
                .all(|(x, y)| (x - y).abs() < 1e-12),
            "{a:?}"
        );
        // (1 + 0.3B)(1 + 0.5B³) = 1 + 0.3B + 0.5B³ + 0.15B⁴.
        let b = poly_times_seasonal(&[0.3], &[0.5], 3);
        assert_eq!(b, vec![0.3, 0.0, 0.5, 0.15]);
        // (1 − B)(1 − B⁴) = 1 − B − B⁴ + B⁵.
        assert_eq!(difference_poly(1, 1, 4), vec![-1.0, 0.0, 0.0, -1.0, 1.0]);
    }

    #[test]
    fn seasonal_difference_repeats_the_last_season() {
        let y: Vec<f64> = (0..40)
            .map(|t| [1.0, 5.0, 2.0, 8.0][t % 4] + (t / 4) as f64)
            .collect();
        let fit = ok(Arima::params()
            .order(0, 0, 0)
            .seasonal(0, 1, 0, 4)
            .mean(true)
            .fit(&y));
        let f = ok(fit.forecast(8, 0.9));
        for (h, m) in f.mean.iter().enumerate() {
            let truth = [1.0, 5.0, 2.0, 8.0][(40 + h) % 4] + ((40 + h) / 4) as f64;
            assert!((m - truth).abs() < 1e-9, "h={h}: {m} vs {truth}");
        }
    }

    #[test]
    fn exact_ml_recovers_a_seasonal_ar_and_beats_css_likelihood() {
        let e = noise(1200, 9);
        let mut y = vec![0.0; 1200];
        for t in 0..1200 {
            let lag1 = if t >= 1 { y[t - 1] } else { 0.0 };
            let lag4 = if t >= 4 { y[t - 4] } else { 0.0 };
            let lag5 = if t >= 5 { y[t - 5] } else { 0.0 };
            // (1 − 0.5B)(1 − 0.6B⁴) y = e
            y[t] = 0.5 * lag1 + 0.6 * lag4 - 0.3 * lag5 + e[t];
        }
        let params = || Arima::params().order(1, 0, 0).seasonal(1, 0, 0, 4);
        let ml = ok(params().method(ArimaMethod::Ml).fit(&y));
        let css_ml = ok(params().fit(&y));
        let css = ok(params().method(ArimaMethod::Css).fit(&y));
        for fit in [&ml, &css_ml, &css] {
            assert!((fit.ar()[0] - 0.5).abs() < 0.07, "{:?}", fit.ar());
            assert!(
                (fit.seasonal_ar()[0] - 0.6).abs() < 0.07,
                "{:?}",
                fit.seasonal_ar()
            );
            assert!((fit.sigma2() - 1.0).abs() < 0.12);
        }
        // ML maximises the exact likelihood: at least that of the CSS estimate.
        let at_css = kalman::filter(
            &ml.w,
            css.parts.mu,
            &css.parts.expanded_ar,
            &css.parts.expanded_ma,
        )
        .unwrap_or_else(|| panic!("stationary"));
        assert!(ml.log_likelihood() >= at_css.log_likelihood() - 1e-6);
        assert!((ml.log_likelihood() - css_ml.log_likelihood()).abs() < 0.05);
        assert!(ml.aicc().is_finite() && ml.aicc() > ml.aic());
        assert_eq!(ml.n_params(), 4);
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
        assert!(matches!(
            Arima::params().fit(&y),
            Err(Error::InvalidData(_))
        ));
        assert!(matches!(
            Arima::params().seasonal(1, 0, 0, 1).fit(&[0.0; 50]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            Arima::params().seasonal(3, 0, 0, 4).fit(&[0.0; 50]),
            Err(Error::InvalidParameter { .. })
        ));
        // A seasonal model needs its seasons: 1 + 12 + 10 values here.
        assert!(matches!(
            Arima::params().seasonal(1, 0, 0, 12).fit(&[0.5; 22]),
            Err(Error::InvalidData(_))
        ));
        let fit = ok(Arima::params().fit(&[3.0; 30]));
        assert!(fit.forecast(0, 0.9).is_err());
        assert!(fit.forecast(2, 0.0).is_err());
        let f = ok(fit.forecast(2, 0.9));
        assert!(f.mean.iter().all(|m| (m - 3.0).abs() < 1e-9));
    }
}
