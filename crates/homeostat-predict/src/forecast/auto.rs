//! Automatic model choice by AICc: a stepwise seasonal ARIMA search in the
//! manner of Hyndman & Khandakar's `auto.arima`, the best Holt–Winters /
//! ETS variant, and the better of the two.

use std::collections::HashSet;

use super::{
    Arima, ArimaFit, ArimaMethod, Forecast, Forecaster, HoltWinters, HoltWintersFit, Seasonality,
    arima::aicc,
};
use crate::{Error, Result};

/// KPSS level-stationarity statistic with Newey–West long-run variance
/// and `⌊4 (n/100)^¼⌋` lags (urca's "short"). Above 0.463 the 5 % test
/// rejects stationarity. A series without variance returns 0.
///
/// ```
/// use homeostat_predict::forecast::kpss_statistic;
/// let walk: Vec<f64> = (0..200).map(|i| (i as f64).sqrt() * 3.0 + (i % 3) as f64).collect();
/// assert!(kpss_statistic(&walk) > 0.463);
/// ```
pub fn kpss_statistic(y: &[f64]) -> f64 {
    let n = y.len();
    if n < 2 {
        return 0.0;
    }
    let nf = n as f64;
    let mean = y.iter().sum::<f64>() / nf;
    let e: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let lags = (4.0 * (nf / 100.0).powf(0.25)) as usize;
    let gamma = |k: usize| e.iter().zip(&e[k..]).map(|(a, b)| a * b).sum::<f64>() / nf;
    let mut lrv = gamma(0);
    for k in 1..=lags.min(n - 1) {
        lrv += 2.0 * (1.0 - k as f64 / (lags as f64 + 1.0)) * gamma(k);
    }
    let scale = y.iter().fold(0.0_f64, |a, v| a.max(v.abs())).max(1.0);
    if lrv.is_nan() || lrv <= 1e-20 * scale * scale {
        return 0.0;
    }
    let mut s = 0.0;
    let mut sum_s2 = 0.0;
    for v in &e {
        s += v;
        sum_s2 += s * s;
    }
    sum_s2 / (nf * nf * lrv)
}

/// Strength of the period-`m` seasonality, `max(0, 1 − var(R) / var(S + R))`
/// (Wang, Smith & Hyndman) from a classical decomposition: a centred
/// moving-average trend, per-phase means of the detrended values as the
/// season, the rest as remainder. 0 without two full periods.
pub fn seasonal_strength(y: &[f64], m: usize) -> f64 {
    let n = y.len();
    if m < 2 || n < 2 * m + 1 {
        return 0.0;
    }
    // Centred MA of length m (2×m when m is even).
    let half = m / 2;
    let trend_at = |t: usize| -> f64 {
        if m % 2 == 1 {
            y[t - half..=t + half].iter().sum::<f64>() / m as f64
        } else {
            let inner: f64 = y[t - half + 1..t + half].iter().sum();
            (inner + 0.5 * (y[t - half] + y[t + half])) / m as f64
        }
    };
    let range = half..n - half;
    let detrended: Vec<(usize, f64)> = range.map(|t| (t, y[t] - trend_at(t))).collect();
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for (t, v) in &detrended {
        sums[t % m] += v;
        counts[t % m] += 1;
    }
    let mut season: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, c)| s / (*c).max(1) as f64)
        .collect();
    let centre = season.iter().sum::<f64>() / m as f64;
    season.iter_mut().for_each(|s| *s -= centre);
    let var = |v: &[f64]| {
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len().max(1) as f64
    };
    let sr: Vec<f64> = detrended.iter().map(|(_, v)| *v).collect();
    let r: Vec<f64> = detrended.iter().map(|(t, v)| v - season[t % m]).collect();
    let total = var(&sr);
    if total <= 0.0 {
        return 0.0;
    }
    (1.0 - var(&r) / total).max(0.0)
}

fn check_series(y: &[f64], needed: usize) -> Result<()> {
    if let Some(v) = y.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "value {v} (fill or drop gaps before fitting)"
        )));
    }
    if y.len() < needed {
        return Err(Error::InvalidData(format!(
            "{} values, at least {needed} needed",
            y.len()
        )));
    }
    Ok(())
}

fn is_constant(y: &[f64]) -> bool {
    y.windows(2).all(|w| w[0] == w[1])
}

/// Parameters of the stepwise ARIMA search; start with [`auto_arima`].
#[derive(Debug, Clone, PartialEq)]
pub struct AutoArimaParams {
    period: usize,
    max_p: usize,
    max_q: usize,
    max_seasonal_p: usize,
    max_seasonal_q: usize,
    max_order: usize,
    max_d: usize,
    d: Option<usize>,
    seasonal_d: Option<usize>,
    method: ArimaMethod,
    approximation: Option<bool>,
}

/// The stepwise seasonal ARIMA search (Hyndman & Khandakar 2008):
///
/// 1. `D = 1` when the [`seasonal_strength`] exceeds 0.64, `d` by repeated
///    [`kpss_statistic`] tests at 5 % on the (seasonally) differenced data;
/// 2. four starting models — (2,d,2)(1,D,1), (0,d,0)(0,D,0),
///    (1,d,0)(1,D,0), (0,d,1)(0,D,1) — with a constant when `d + D ≤ 1`;
/// 3. moves to the best neighbour by AICc (`p`, `q`, `P`, `Q` ± 1, `p`
///    and `q` together, `P` and `Q` together, constant on or off) until no
///    neighbour improves, at most 94 models.
///
/// For long series (`n > 150` or `m > 12`) the search fits by CSS and the
/// winner is refitted by the chosen method (R's `approximation`).
///
/// ```
/// use homeostat_predict::forecast::{auto_arima, Forecaster};
/// let mut y = vec![0.0_f64; 300];
/// for t in 1..300 {
///     y[t] = 0.7 * y[t - 1] + ((t * 7919) % 13) as f64 / 13.0 - 0.5;
/// }
/// let fit = auto_arima().fit(&y)?;
/// assert!(fit.aicc().is_finite());
/// assert_eq!(fit.forecast(5, 0.9)?.mean.len(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn auto_arima() -> AutoArimaParams {
    AutoArimaParams {
        period: 1,
        max_p: 5,
        max_q: 5,
        max_seasonal_p: 2,
        max_seasonal_q: 2,
        max_order: 5,
        max_d: 2,
        d: None,
        seasonal_d: None,
        method: ArimaMethod::CssMl,
        approximation: None,
    }
}

/// A candidate of the search: `(p, q, P, Q, constant)`.
type Candidate = (usize, usize, usize, usize, bool);

impl AutoArimaParams {
    /// Season length (default 1: no seasonal part).
    pub fn period(mut self, period: usize) -> Self {
        self.period = period;
        self
    }
    /// Largest `p` and `q` (default 5 each, at most 10).
    pub fn max_pq(mut self, max_p: usize, max_q: usize) -> Self {
        self.max_p = max_p;
        self.max_q = max_q;
        self
    }
    /// Largest `p + q + P + Q` (default 5).
    pub fn max_order(mut self, max_order: usize) -> Self {
        self.max_order = max_order;
        self
    }
    /// Fixes the number of differences instead of testing for it.
    pub fn d(mut self, d: usize) -> Self {
        self.d = Some(d);
        self
    }
    /// Fixes the number of seasonal differences instead of testing for it.
    pub fn seasonal_d(mut self, seasonal_d: usize) -> Self {
        self.seasonal_d = Some(seasonal_d);
        self
    }
    /// Estimation method of the final model (default [`ArimaMethod::CssMl`]).
    pub fn method(mut self, method: ArimaMethod) -> Self {
        self.method = method;
        self
    }
    /// Whether the search fits candidates by CSS (default: for `n > 150`
    /// or `m > 12`).
    pub fn approximation(mut self, approximation: bool) -> Self {
        self.approximation = Some(approximation);
        self
    }

    /// Runs the search and returns the chosen model, fitted.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `max_p`/`max_q` above 10, `d` above
    /// 2 or `D` above 1; [`Error::InvalidData`] for a NaN or infinite value
    /// or fewer than 10 values. A constant series gives ARIMA(0,0,0) with
    /// its value as mean, fitted exactly.
    pub fn fit(&self, y: &[f64]) -> Result<ArimaFit> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.max_p > 10 || self.max_q > 10 {
            return bad(
                "max_pq",
                format!("({}, {}) above 10", self.max_p, self.max_q),
            );
        }
        if self.d.is_some_and(|d| d > 2) {
            return bad("d", "above 2".into());
        }
        if self.seasonal_d.is_some_and(|d| d > 1) {
            return bad("seasonal_d", "above 1".into());
        }
        check_series(y, 10)?;
        if is_constant(y) {
            return Arima::params().order(0, 0, 0).mean(true).fit(y);
        }
        let n = y.len();
        let m = self.period;
        let seasonal = m >= 2 && n >= 2 * m + 10;
        let big_d = if !seasonal {
            0
        } else {
            self.seasonal_d
                .unwrap_or(usize::from(seasonal_strength(y, m) > 0.64))
        };
        let mut x: Vec<f64> = if big_d == 1 {
            (m..n).map(|t| y[t] - y[t - m]).collect()
        } else {
            y.to_vec()
        };
        let d = match self.d {
            Some(d) => d,
            None => {
                let mut d = 0;
                while d < self.max_d && x.len() > 12 && kpss_statistic(&x) > 0.463 {
                    x = x.windows(2).map(|w| w[1] - w[0]).collect();
                    d += 1;
                }
                d
            }
        };
        let allow_constant = d + big_d <= 1;
        let approximate = self.approximation.unwrap_or(n > 150 || m > 12);
        let search_method = if approximate {
            ArimaMethod::Css
        } else {
            self.method
        };
        let (max_sp, max_sq) = if seasonal {
            (self.max_seasonal_p, self.max_seasonal_q)
        } else {
            (0, 0)
        };
        let fit_one = |c: Candidate, method: ArimaMethod| -> Option<ArimaFit> {
            let (p, q, sp, sq, constant) = c;
            let params = Arima::params()
                .order(p, d, q)
                .seasonal(sp, big_d, sq, if seasonal { m } else { 1 })
                .mean(constant)
                .method(method);
            if params.min_len() > n {
                return None;
            }
            params.fit(y).ok().filter(|f| f.aicc().is_finite())
        };
        let allowed = |c: &Candidate| {
            let (p, q, sp, sq, constant) = *c;
            p <= self.max_p
                && q <= self.max_q
                && sp <= max_sp
                && sq <= max_sq
                && p + q + sp + sq <= self.max_order
                && (allow_constant || !constant)
        };
        let mut seen: HashSet<Candidate> = HashSet::new();
        let mut best: Option<(Candidate, ArimaFit)> = None;
        let mut consider = |c: Candidate, best: &mut Option<(Candidate, ArimaFit)>| -> bool {
            if !allowed(&c) || !seen.insert(c) || seen.len() > 94 {
                return false;
            }
            let Some(fit) = fit_one(c, search_method) else {
                return false;
            };
            let better = best
                .as_ref()
                .is_none_or(|(_, b)| fit.aicc() < b.aicc() - 1e-9);
            if better {
                *best = Some((c, fit));
            }
            better
        };
        let (s1, s0) = (usize::from(seasonal), 0);
        let starts = [
            (2, 2, s1, s1, allow_constant),
            (0, 0, s0, s0, allow_constant),
            (1, 0, s1, s0, allow_constant),
            (0, 1, s0, s1, allow_constant),
            (0, 0, s0, s0, false),
        ];
        for c in starts {
            consider(c, &mut best);
        }
        while let Some(centre) = best.as_ref().map(|(c, _)| *c) {
            let (p, q, sp, sq, constant) = centre;
            let steps: [(isize, isize, isize, isize); 12] = [
                (1, 0, 0, 0),
                (-1, 0, 0, 0),
                (0, 1, 0, 0),
                (0, -1, 0, 0),
                (1, 1, 0, 0),
                (-1, -1, 0, 0),
                (0, 0, 1, 0),
                (0, 0, -1, 0),
                (0, 0, 0, 1),
                (0, 0, 0, -1),
                (0, 0, 1, 1),
                (0, 0, -1, -1),
            ];
            let shift = |v: usize, s: isize| v.checked_add_signed(s);
            let mut moved = false;
            for (a, b, c, e) in steps {
                if let (Some(p2), Some(q2), Some(sp2), Some(sq2)) =
                    (shift(p, a), shift(q, b), shift(sp, c), shift(sq, e))
                {
                    moved |= consider((p2, q2, sp2, sq2, constant), &mut best);
                }
            }
            moved |= consider((p, q, sp, sq, !constant), &mut best);
            if !moved {
                break;
            }
        }
        let Some((chosen, fit)) = best else {
            return Err(Error::InvalidData(format!(
                "no ARIMA model with d = {d}, D = {big_d} could be fitted to {n} values"
            )));
        };
        if search_method == self.method {
            return Ok(fit);
        }
        Ok(fit_one(chosen, self.method).unwrap_or(fit))
    }
}

/// Parameters of the automatic Holt–Winters / ETS choice; start with
/// [`auto_ets`].
#[derive(Debug, Clone, PartialEq)]
pub struct AutoEtsParams {
    period: usize,
}

/// Fits the Holt–Winters variants — trend none / additive / damped, times
/// seasonality none / additive / multiplicative (multiplicative only on
/// positive data, seasonal ones only with a period ≥ 2 and two full
/// periods) — and keeps the lowest AICc. The likelihood is the Gaussian
/// one of the one-step errors on a window common to all candidates (from
/// index `m` when a seasonal candidate exists), and `k` counts the free
/// weights, the initial states and σ². The initial states of candidates
/// without multiplicative seasonality are estimated with the weights
/// ([`HoltWintersParams::estimate_initial`](super::HoltWintersParams::estimate_initial));
/// multiplicative ones start from the classical decomposition.
///
/// ```
/// use homeostat_predict::forecast::{auto_ets, Forecaster, Seasonality};
/// let y: Vec<f64> = (0..96).map(|i| 10.0 + [3.0, -1.0, 0.5, -2.5][i % 4] + 0.01 * ((i * 37) % 11) as f64).collect();
/// let fit = auto_ets().period(4).fit(&y)?;
/// assert_ne!(fit.form().2, Seasonality::None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn auto_ets() -> AutoEtsParams {
    AutoEtsParams { period: 1 }
}

/// Conditional Gaussian AICc of the one-step `errors` from index `from`.
fn window_aicc(errors: &[f64], k: usize, floor: f64) -> f64 {
    let n = errors.len();
    let sse: f64 = errors.iter().map(|e| e * e).sum();
    let sigma2 = (sse / n.max(1) as f64).max(floor);
    let ll = -0.5 * n as f64 * ((std::f64::consts::TAU * sigma2).ln() + 1.0);
    aicc(ll, k, n)
}

/// The squared size below which a variance counts as zero.
fn variance_floor(y: &[f64]) -> f64 {
    let scale = y.iter().fold(0.0_f64, |a, v| a.max(v.abs())).max(1e-300);
    (1e-12 * scale).powi(2)
}

impl AutoEtsParams {
    /// Season length (default 1: no seasonal candidates).
    pub fn period(mut self, period: usize) -> Self {
        self.period = period;
        self
    }

    /// Fits every candidate and returns the lowest-AICc one with its AICc.
    fn fit_scored(&self, y: &[f64]) -> Result<(HoltWintersFit, f64)> {
        check_series(y, 4)?;
        let m = self.period;
        let seasonal = m >= 2 && y.len() >= 2 * m + 2;
        let positive = y.iter().all(|v| *v > 0.0);
        let mut seasons = vec![Seasonality::None];
        if seasonal {
            seasons.push(Seasonality::Additive);
            if positive {
                seasons.push(Seasonality::Multiplicative);
            }
        }
        let from = if seasonal { m } else { 1 };
        let floor = variance_floor(y);
        let mut best: Option<(HoltWintersFit, f64)> = None;
        for season in seasons {
            for (trend, damped) in [(false, false), (true, false), (true, true)] {
                let params = HoltWinters::params()
                    .trend(trend)
                    .damped(damped)
                    .estimate_initial(true)
                    .seasonality(season)
                    .period(if season == Seasonality::None { 1 } else { m });
                let Ok(fit) = params.fit(y) else { continue };
                let errors = fit.errors_on(y);
                // Errors start at index 1 or m: align them on `from`.
                let start = if season == Seasonality::None { 1 } else { m };
                let window = &errors[(from - start).min(errors.len())..];
                let score = window_aicc(window, fit.n_params(), floor);
                if score.is_finite() && best.as_ref().is_none_or(|(_, b)| score < *b - 1e-9) {
                    best = Some((fit, score));
                }
            }
        }
        best.ok_or_else(|| {
            Error::InvalidData(format!(
                "no Holt-Winters variant could be fitted to {} values",
                y.len()
            ))
        })
    }

    /// Fits the candidates and returns the one with the lowest AICc.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a NaN or infinite value or fewer than 4
    /// values. A constant series gives the simplest model (level only),
    /// forecasting its value with zero width.
    pub fn fit(&self, y: &[f64]) -> Result<HoltWintersFit> {
        self.fit_scored(y).map(|(fit, _)| fit)
    }
}

/// The model [`auto_forecast`] chose.
#[derive(Debug, Clone, PartialEq)]
pub enum AutoFit {
    /// A seasonal ARIMA from [`auto_arima`].
    Arima(Box<ArimaFit>),
    /// A Holt–Winters variant from [`auto_ets`].
    HoltWinters(HoltWintersFit),
}

impl Forecaster for AutoFit {
    fn forecast(&self, horizon: usize, level: f64) -> Result<Forecast> {
        match self {
            AutoFit::Arima(f) => f.forecast(horizon, level),
            AutoFit::HoltWinters(f) => f.forecast(horizon, level),
        }
    }
}

/// One line naming the fitted model and its estimates, for logs and
/// reports: `ARIMA(1,1,1) by CssMl (AICc 12.34, sigma^2 0.0100)` or
/// `Holt-Winters (trend damped, season None; alpha ..., phi ...)`.
///
/// ```
/// use homeostat_predict::forecast::auto_forecast;
/// let y: Vec<f64> = (0..120).map(|t| 10.0 + 0.1 * t as f64 + (t as f64 * 1.3).sin()).collect();
/// let fit = auto_forecast(&y, 1).unwrap();
/// let line = fit.to_string();
/// assert!(line.starts_with("ARIMA(") || line.starts_with("Holt-Winters ("));
/// ```
impl std::fmt::Display for AutoFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AutoFit::Arima(fit) => {
                let ((p, d, q), (sp, sd, sq, m)) = fit.order();
                write!(f, "ARIMA({p},{d},{q})")?;
                if sp + sd + sq > 0 {
                    write!(f, "({sp},{sd},{sq})[{m}]")?;
                }
                write!(
                    f,
                    "{} by {:?} (AICc {:.2}, sigma^2 {:.4})",
                    if fit.has_mean() { " with mean" } else { "" },
                    fit.method(),
                    fit.aicc(),
                    fit.sigma2()
                )
            }
            AutoFit::HoltWinters(fit) => {
                let (a, b, g, phi) = fit.weights();
                let (trend, damped, season, _) = fit.form();
                let trend = match (trend, damped) {
                    (false, _) => "none",
                    (true, false) => "additive",
                    (true, true) => "damped",
                };
                write!(
                    f,
                    "Holt-Winters (trend {trend}, season {season:?}; alpha {a:.3}, beta {b:.3}, gamma {g:.3}, phi {phi:.3})"
                )
            }
        }
    }
}

/// Runs [`auto_arima`] and [`auto_ets`] with the same period and keeps the
/// model with the lower AICc. The two families' own likelihoods are not
/// comparable (ARIMA's is that of the differenced series), so both are
/// scored here on their one-step errors on `y` over a common window (from
/// the later of the two start indices), with their own parameter counts.
///
/// # Errors
/// As [`AutoArimaParams::fit`] and [`AutoEtsParams::fit`]; when only one
/// family fits, that one is returned.
pub fn auto_forecast(y: &[f64], period: usize) -> Result<AutoFit> {
    let arima = auto_arima().period(period).fit(y);
    let ets = auto_ets().period(period).fit(y);
    let (arima, ets) = match (arima, ets) {
        (Ok(a), Ok(e)) => (a, e),
        (Ok(a), Err(_)) => return Ok(AutoFit::Arima(Box::new(a))),
        (Err(_), Ok(e)) => return Ok(AutoFit::HoltWinters(e)),
        (Err(e), Err(_)) => return Err(e),
    };
    let n = y.len();
    let a_err = arima.residuals();
    let a_start = n - a_err.len() + arima_conditioning(&arima);
    let e_err = ets.errors_on(y);
    let e_start = n - e_err.len();
    let from = a_start.max(e_start);
    let floor = variance_floor(y);
    let a_score = window_aicc(&a_err[from - (n - a_err.len())..], arima.n_params(), floor);
    let e_score = window_aicc(&e_err[from - e_start..], ets.n_params(), floor);
    Ok(if e_score < a_score {
        AutoFit::HoltWinters(ets)
    } else {
        AutoFit::Arima(Box::new(arima))
    })
}

/// Leading residuals of a CSS fit that are conditioning zeros.
fn arima_conditioning(fit: &ArimaFit) -> usize {
    if fit.method() != ArimaMethod::Css {
        return 0;
    }
    let ((p, _, _), (sp, _, _, m)) = fit.order();
    p + sp * m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    use crate::forecast::seeded_noise as noise;

    #[test]
    fn kpss_separates_white_noise_from_a_random_walk() {
        let e = noise(400, 3);
        assert!(kpss_statistic(&e) < 0.463, "{}", kpss_statistic(&e));
        let walk: Vec<f64> = e
            .iter()
            .scan(0.0, |s, v| {
                *s += v;
                Some(*s)
            })
            .collect();
        assert!(kpss_statistic(&walk) > 0.463);
        assert_eq!(kpss_statistic(&[2.0; 50]), 0.0);
    }

    #[test]
    fn seasonal_strength_sees_a_season() {
        let e = noise(240, 4);
        let seasonal: Vec<f64> = (0..240)
            .map(|t| 5.0 * (t as f64 * std::f64::consts::TAU / 12.0).sin() + 0.3 * e[t])
            .collect();
        assert!(seasonal_strength(&seasonal, 12) > 0.9);
        assert!(seasonal_strength(&e, 12) < 0.3);
        assert_eq!(seasonal_strength(&e[..20], 12), 0.0);
    }

    #[test]
    fn auto_arima_finds_an_ar2_and_differences_a_walk() {
        let e = noise(600, 5);
        let mut y = vec![0.0; 600];
        for t in 2..600 {
            y[t] = 0.6 * y[t - 1] - 0.3 * y[t - 2] + e[t];
        }
        let fit = ok(auto_arima().fit(&y));
        let ((p, d, q), _) = fit.order();
        assert_eq!(d, 0);
        assert!(p + q >= 1 && p + q <= 3, "({p},{d},{q})");
        // The chosen model beats the wrong simple ones.
        let white = ok(Arima::params().order(0, 0, 0).fit(&y));
        assert!(fit.aicc() < white.aicc());
        let walk: Vec<f64> = e
            .iter()
            .scan(10.0, |s, v| {
                *s += v;
                Some(*s)
            })
            .collect();
        let fit = ok(auto_arima().fit(&walk));
        assert_eq!(fit.order().0.1, 1);
    }

    #[test]
    fn auto_arima_takes_a_seasonal_difference_for_a_strong_season() {
        let e = noise(144, 6);
        let y: Vec<f64> = (0..144)
            .map(|t| 20.0 + 6.0 * (t as f64 * std::f64::consts::TAU / 12.0).sin() + 0.5 * e[t])
            .collect();
        // CSS search (as on long series), keeping the test quick.
        let fit = ok(auto_arima().period(12).approximation(true).fit(&y));
        let (_, (_, big_d, _, m)) = fit.order();
        assert_eq!((big_d, m), (1, 12));
        let f = ok(fit.forecast(12, 0.9));
        for (h, v) in f.mean.iter().enumerate() {
            let truth = 20.0 + 6.0 * ((144 + h) as f64 * std::f64::consts::TAU / 12.0).sin();
            assert!((v - truth).abs() < 2.0, "h={h}: {v} vs {truth}");
        }
    }

    #[test]
    fn auto_ets_prefers_the_seasonal_form_and_auto_picks_a_model() {
        let e = noise(120, 7);
        let y: Vec<f64> = (0..120)
            .map(|t| 50.0 + 0.2 * t as f64 + [4.0, -2.0, 1.0, -3.0][t % 4] + 0.3 * e[t])
            .collect();
        let fit = ok(auto_ets().period(4).fit(&y));
        let (trend, _, season, period) = fit.form();
        assert!(trend && season != Seasonality::None && period == 4);
        let chosen = ok(auto_forecast(&y, 4));
        let f = ok(chosen.forecast(4, 0.9));
        for (h, v) in f.mean.iter().enumerate() {
            let truth = 50.0 + 0.2 * (120 + h) as f64 + [4.0, -2.0, 1.0, -3.0][(120 + h) % 4];
            assert!((v - truth).abs() < 1.5, "h={h}: {v} vs {truth}");
        }
    }

    #[test]
    fn bad_input_is_typed_and_constant_series_are_exact() {
        let mut y = vec![1.0; 40];
        y[7] = f64::NAN;
        assert!(matches!(auto_arima().fit(&y), Err(Error::InvalidData(_))));
        assert!(matches!(auto_ets().fit(&y), Err(Error::InvalidData(_))));
        assert!(auto_forecast(&y, 1).is_err());
        assert!(matches!(
            auto_arima().fit(&[1.0; 5]),
            Err(Error::InvalidData(_))
        ));
        assert!(matches!(
            auto_ets().fit(&[1.0; 3]),
            Err(Error::InvalidData(_))
        ));
        assert!(matches!(
            auto_arima().d(3).fit(&[1.0; 50]),
            Err(Error::InvalidParameter { .. })
        ));
        for model in [
            AutoFit::Arima(Box::new(ok(auto_arima().period(4).fit(&[7.0; 30])))),
            AutoFit::HoltWinters(ok(auto_ets().period(4).fit(&[7.0; 30]))),
            ok(auto_forecast(&[7.0; 30], 4)),
        ] {
            let f = ok(model.forecast(3, 0.9));
            assert!(f.mean.iter().all(|m| (m - 7.0).abs() < 1e-9), "{model:?}");
            assert!(f.sd.iter().all(|s| *s < 1e-6), "{model:?}");
        }
    }
}
