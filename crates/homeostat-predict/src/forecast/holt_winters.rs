//! Holt–Winters exponential smoothing (ETS with additive errors): level,
//! optional damped trend, optional additive or multiplicative seasonality.

use serde::{Deserialize, Serialize};

use super::{Forecast, Forecaster, nelder_mead, two_sided_quantile};
use crate::{Error, Result};

/// How the seasonal pattern combines with the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seasonality {
    /// No seasonal component.
    None,
    /// `level + trend + season`.
    Additive,
    /// `(level + trend) × season`; needs strictly positive data.
    Multiplicative,
}

/// Parameters of [`HoltWinters`]; fixed weights are used as given, the
/// others are fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoltWintersParams {
    period: usize,
    seasonality: Seasonality,
    trend: bool,
    damped: bool,
    alpha: Option<f64>,
    beta: Option<f64>,
    gamma: Option<f64>,
    phi: Option<f64>,
    /// Absent from files written before the option existed: classical.
    #[serde(default)]
    estimate_initial: bool,
}

/// Holt–Winters forecaster: `HoltWinters::params()...fit(&y)`.
///
/// ```
/// use homeostat_predict::forecast::{Forecaster, HoltWinters, Seasonality};
/// // Two weeks of a daily pattern on a slow upward trend.
/// let y: Vec<f64> = (0..24 * 14)
///     .map(|i| 50.0 + 0.05 * i as f64 + 10.0 * (i as f64 * std::f64::consts::TAU / 24.0).sin())
///     .collect();
/// let fit = HoltWinters::params().period(24).seasonality(Seasonality::Additive).fit(&y)?;
/// let f = fit.forecast(24, 0.95)?;
/// let truth = 50.0 + 0.05 * (24.0 * 14.0 + 5.0) + 10.0 * (5.0 * std::f64::consts::TAU / 24.0).sin();
/// assert!((f.mean[5] - truth).abs() < 0.5);
/// assert!(f.lower[5] <= f.mean[5] && f.mean[5] <= f.upper[5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HoltWinters;

impl HoltWinters {
    /// Defaults: additive trend, not damped, no seasonality, all weights fitted.
    pub fn params() -> HoltWintersParams {
        HoltWintersParams {
            period: 1,
            seasonality: Seasonality::None,
            trend: true,
            damped: false,
            alpha: None,
            beta: None,
            gamma: None,
            phi: None,
            estimate_initial: false,
        }
    }
}

/// Weights in the order alpha, beta, gamma, phi.
type Weights = [f64; 4];

impl HoltWintersParams {
    /// Season length in steps (default 1; at least 2 with seasonality).
    pub fn period(mut self, period: usize) -> Self {
        self.period = period;
        self
    }
    /// Seasonal form (default [`Seasonality::None`]).
    pub fn seasonality(mut self, seasonality: Seasonality) -> Self {
        self.seasonality = seasonality;
        self
    }
    /// Whether to model a trend (default true).
    pub fn trend(mut self, trend: bool) -> Self {
        self.trend = trend;
        self
    }
    /// Whether the trend is damped (default false; fitted `phi` in [0.8, 0.98]).
    pub fn damped(mut self, damped: bool) -> Self {
        self.damped = damped;
        self
    }
    /// Fixes the level weight (in `(0, 1]`).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }
    /// Fixes the trend weight (in `[0, 1]`).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = Some(beta);
        self
    }
    /// Fixes the seasonal weight (in `[0, 1]`).
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = Some(gamma);
        self
    }
    /// Fixes the damping (in `(0, 1]`; implies a damped trend).
    pub fn phi(mut self, phi: f64) -> Self {
        self.phi = Some(phi);
        self.damped = true;
        self
    }

    /// Whether to estimate the initial level, trend and additive seasonal
    /// factors (default false: the classical start from the first two
    /// seasons). When true, each weight vector the fit tries gets the
    /// initial state that minimises its squared one-step errors: with
    /// additive components the errors are linear in that state, so it is a
    /// least-squares solution (seasonal factors summing to zero), not more
    /// search dimensions. Multiplicative seasonality keeps the classical
    /// start.
    pub fn estimate_initial(mut self, on: bool) -> Self {
        self.estimate_initial = on;
        self
    }

    /// The number of weights the fit chooses.
    fn free_weights(&self) -> usize {
        let seasonal = self.seasonality != Seasonality::None;
        usize::from(self.alpha.is_none())
            + usize::from(self.trend && self.beta.is_none())
            + usize::from(seasonal && self.gamma.is_none())
            + usize::from(self.trend && self.damped && self.phi.is_none())
    }

    fn check(&self, y: &[f64]) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        let in_unit = |v: f64, open_low: bool| {
            v.is_finite() && v <= 1.0 && if open_low { v > 0.0 } else { v >= 0.0 }
        };
        if let Some(a) = self.alpha
            && !in_unit(a, true)
        {
            return bad("alpha", format!("{a} is not in (0, 1]"));
        }
        for (name, v) in [("beta", self.beta), ("gamma", self.gamma)] {
            if let Some(v) = v
                && !in_unit(v, false)
            {
                return bad(name, format!("{v} is not in [0, 1]"));
            }
        }
        if let Some(p) = self.phi
            && !in_unit(p, true)
        {
            return bad("phi", format!("{p} is not in (0, 1]"));
        }
        let seasonal = self.seasonality != Seasonality::None;
        if seasonal && self.period < 2 {
            return bad(
                "period",
                format!("{} is below 2 with seasonality", self.period),
            );
        }
        if let Some(bad_value) = y.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "value {bad_value} (fill or drop gaps before fitting)"
            )));
        }
        let needed = if seasonal { 2 * self.period } else { 3 };
        if y.len() < needed {
            return Err(Error::InvalidData(format!(
                "{} values, at least {needed} needed",
                y.len()
            )));
        }
        if self.seasonality == Seasonality::Multiplicative
            && let Some(v) = y.iter().find(|v| **v <= 0.0)
        {
            return Err(Error::InvalidData(format!(
                "value {v} with multiplicative seasonality (needs positive data)"
            )));
        }
        Ok(())
    }

    /// Fits the free weights by minimising the sum of squared one-step
    /// errors, from the classical initial state (first season's mean, the
    /// change of mean between the first two seasons, first season's
    /// deviations) or, with [`Self::estimate_initial`], from the best
    /// initial state for each weight vector tried.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a weight out of range or a period
    /// below 2 with seasonality; [`Error::InvalidData`] for fewer than two
    /// seasons (three values without seasonality), a value that is NaN or
    /// infinite, or a value ≤ 0 with multiplicative seasonality.
    pub fn fit(self, y: &[f64]) -> Result<HoltWintersFit> {
        self.check(y)?;
        // Free weights live on the real line through a logistic map.
        let squash = |u: f64, lo: f64, hi: f64| lo + (hi - lo) / (1.0 + (-u).exp());
        let seasonal = self.seasonality != Seasonality::None;
        let damped = self.trend && self.damped;
        let weights_of = |u: &[f64]| -> Weights {
            let mut it = u.iter();
            let mut next = |fixed: Option<f64>, used: bool, lo: f64, hi: f64, off: f64| {
                if !used {
                    off
                } else if let Some(v) = fixed {
                    v
                } else {
                    squash(*it.next().unwrap_or(&0.0), lo, hi)
                }
            };
            let alpha = next(self.alpha, true, 1e-4, 0.9999, 1.0);
            let beta = next(self.beta, self.trend, 1e-4, 0.9999, 0.0) * alpha;
            let gamma = next(self.gamma, seasonal, 1e-4, 0.9999, 0.0) * (1.0 - alpha);
            let phi = next(self.phi, damped, 0.8, 0.98, 1.0);
            [alpha, beta, gamma, phi]
        };
        let free = self.free_weights();
        let scale = y.iter().map(|v| v * v).sum::<f64>() / y.len() as f64;
        let classical = classical_start(&self, y);
        let start_for = |w: &Weights| {
            if self.estimate_initial {
                estimated_start(&self, y, w).unwrap_or_else(|| classical.clone())
            } else {
                classical.clone()
            }
        };
        let objective = |u: &[f64]| {
            let w = weights_of(u);
            run(&self, y, &w, &start_for(&w)).sse / (1.0 + scale)
        };
        // Start from moderate weights (logit(0.3) ≈ -0.85).
        let first_guess = vec![-0.85; free];
        let (best, _) = nelder_mead(objective, &first_guess, 1.0, 1e-10, 400 * (free + 1));
        let weights = weights_of(&best);
        let start = start_for(&weights);
        let state = run(&self, y, &weights, &start);
        Ok(HoltWintersFit {
            params: self,
            weights,
            state,
            n: y.len(),
            start: Some(start),
        })
    }
}

/// The smoothing state after the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct State {
    level: f64,
    trend: f64,
    /// Seasonal factors, `season[i]` for the step `i` after the last one
    /// modulo the period.
    season: Vec<f64>,
    sse: f64,
}

/// One step of the recursion with `obs`: updates the level, the trend and
/// the seasonal factor `s` of this step; returns the one-step error.
fn advance(
    p: &HoltWintersParams,
    w: &Weights,
    level: &mut f64,
    trend: &mut f64,
    s: &mut f64,
    obs: f64,
) -> f64 {
    let [alpha, beta, gamma, phi] = *w;
    let seasonal = p.seasonality != Seasonality::None;
    let mult = p.seasonality == Seasonality::Multiplicative;
    let base = *level + phi * *trend;
    let predicted = if mult { base * *s } else { base + *s };
    let err = obs - predicted;
    let new_level = if mult {
        alpha * (obs / *s) + (1.0 - alpha) * base
    } else {
        alpha * (obs - *s) + (1.0 - alpha) * base
    };
    if p.trend {
        let b = if alpha > 0.0 { beta / alpha } else { 0.0 };
        *trend = b * (new_level - *level) + (1.0 - b) * phi * *trend;
    }
    if seasonal {
        let g = if alpha < 1.0 {
            gamma / (1.0 - alpha)
        } else {
            0.0
        };
        *s = if mult {
            g * (obs / base) + (1.0 - g) * *s
        } else {
            g * (obs - base) + (1.0 - g) * *s
        };
    }
    *level = new_level;
    err
}

/// The state the recursion starts from, entering index [`first_index`]:
/// seasonal factors indexed by step modulo the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Start {
    level: f64,
    trend: f64,
    season: Vec<f64>,
}

/// The first index the recursion sees: the first season initialises the
/// classical start, and the fit's errors are counted from here either way.
fn first_index(p: &HoltWintersParams) -> usize {
    if p.seasonality == Seasonality::None {
        1
    } else {
        p.period
    }
}

/// The classical start: the first season's mean (moved to the season's
/// end by the trend), the change of mean between the first two seasons,
/// and the first season's deviations; without seasonality the first value
/// and the first difference.
fn classical_start(p: &HoltWintersParams, y: &[f64]) -> Start {
    let seasonal = p.seasonality != Seasonality::None;
    let m = if seasonal { p.period } else { 1 };
    let mult = p.seasonality == Seasonality::Multiplicative;
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len().max(1) as f64;
    let first = &y[..m.min(y.len())];
    let level = mean(first);
    let trend = if !p.trend {
        0.0
    } else if seasonal {
        (mean(&y[m..2 * m]) - level) / m as f64
    } else {
        y[1] - y[0]
    };
    let season: Vec<f64> = if !seasonal {
        vec![0.0]
    } else if mult {
        first.iter().map(|v| v / level).collect()
    } else {
        first.iter().map(|v| v - level).collect()
    };
    let level = if seasonal {
        // Start the recursion after the first season, the state centred on it.
        level + trend * (m as f64 - 1.0) / 2.0
    } else {
        y[0]
    };
    Start {
        level,
        trend,
        season,
    }
}

/// The start minimising the squared one-step errors for weights `w`, for
/// additive components (`None` with multiplicative seasonality or a
/// singular system). The errors are affine in the start, `e = e₀ + A·x`,
/// with `e₀` the errors from a zero start and column `k` of `A` the errors
/// of a zero series from the `k`-th unit start; the seasonal unknowns are
/// the first `m − 1` factors, the last one minus their sum (a constant
/// added to the level and taken from every factor predicts the same).
fn estimated_start(p: &HoltWintersParams, y: &[f64], w: &Weights) -> Option<Start> {
    if p.seasonality == Seasonality::Multiplicative {
        return None;
    }
    let seasonal = p.seasonality == Seasonality::Additive;
    let m = if seasonal { p.period } else { 1 };
    let unknowns = 1 + usize::from(p.trend) + if seasonal { m - 1 } else { 0 };
    let unit = |k: usize| {
        let mut start = Start {
            level: 0.0,
            trend: 0.0,
            season: vec![0.0; m],
        };
        if k == 0 {
            start.level = 1.0;
        } else if p.trend && k == 1 {
            start.trend = 1.0;
        } else {
            let s = k - 1 - usize::from(p.trend);
            start.season[s] = 1.0;
            start.season[m - 1] = -1.0;
        }
        start
    };
    let errors = |series: &[f64], start: &Start| {
        let mut out = Vec::with_capacity(series.len());
        run_recording(p, series, w, start, Some(&mut out));
        out
    };
    let base = errors(y, &unit_zero(m));
    let zeros = vec![0.0; y.len()];
    let columns: Vec<Vec<f64>> = (0..unknowns).map(|k| errors(&zeros, &unit(k))).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut gram = ndarray::Array2::<f64>::zeros((unknowns, unknowns));
    let mut rhs = vec![0.0; unknowns];
    for i in 0..unknowns {
        for j in 0..=i {
            let g = dot(&columns[i], &columns[j]);
            gram[[i, j]] = g;
            gram[[j, i]] = g;
        }
        rhs[i] = -dot(&columns[i], &base);
    }
    let x = crate::ridge::solve_spd(gram, rhs).ok()?;
    if x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut start = unit_zero(m);
    for (k, &v) in x.iter().enumerate() {
        let u = unit(k);
        start.level += v * u.level;
        start.trend += v * u.trend;
        for (s, du) in start.season.iter_mut().zip(&u.season) {
            *s += v * du;
        }
    }
    Some(start)
}

fn unit_zero(m: usize) -> Start {
    Start {
        level: 0.0,
        trend: 0.0,
        season: vec![0.0; m],
    }
}

fn run(p: &HoltWintersParams, y: &[f64], w: &Weights, start: &Start) -> State {
    run_recording(p, y, w, start, None)
}

/// [`run`], also pushing the one-step error of every value the recursion
/// sees (from [`first_index`] on) to `errors`.
fn run_recording(
    p: &HoltWintersParams,
    y: &[f64],
    w: &Weights,
    from: &Start,
    mut errors: Option<&mut Vec<f64>>,
) -> State {
    let seasonal = p.seasonality != Seasonality::None;
    let m = if seasonal { p.period } else { 1 };
    let mut level = from.level;
    let mut trend = from.trend;
    let mut season = from.season.clone();
    let mut sse = 0.0;
    let start = first_index(p);
    for (t, &obs) in y.iter().enumerate().skip(start) {
        let k = t % m;
        let mut slot = if seasonal { season[k] } else { 0.0 };
        let err = advance(p, w, &mut level, &mut trend, &mut slot, obs);
        sse += err * err;
        if let Some(out) = errors.as_deref_mut() {
            out.push(err);
        }
        if seasonal {
            season[k] = slot;
        }
    }
    // Re-index the seasonal factors from the step after the last value.
    let n = y.len();
    let season = (0..m).map(|i| season[(n + i) % m]).collect();
    State {
        level,
        trend,
        season,
        sse: if sse.is_finite() { sse } else { f64::INFINITY },
    }
}

/// A fitted Holt–Winters model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoltWintersFit {
    params: HoltWintersParams,
    weights: Weights,
    state: State,
    n: usize,
    /// The start the fit used; absent from files written before starts
    /// could be estimated (then the classical one).
    #[serde(default)]
    start: Option<Start>,
}

impl HoltWintersFit {
    /// The fitted weights `(alpha, beta, gamma, phi)` in the error-correction
    /// form (`beta` and `gamma` as in Hyndman's ETS: `beta ≤ alpha`,
    /// `gamma ≤ 1 − alpha`); 0 for absent components, `phi = 1` undamped.
    pub fn weights(&self) -> (f64, f64, f64, f64) {
        let [a, b, g, p] = self.weights;
        (a, b, g, p)
    }

    /// Residual variance of the one-step errors.
    pub fn sigma2(&self) -> f64 {
        let start = first_index(&self.params);
        self.state.sse / (self.n.saturating_sub(start)).max(1) as f64
    }

    /// Fitted sum of squared one-step errors.
    pub fn sse(&self) -> f64 {
        self.state.sse
    }

    /// The one-step errors of the fit on `y` (the data it was fitted on),
    /// from index 1 (`m` with seasonality) on.
    pub(crate) fn errors_on(&self, y: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(y.len());
        let start = match &self.start {
            Some(start) => start.clone(),
            None => classical_start(&self.params, y),
        };
        run_recording(&self.params, y, &self.weights, &start, Some(&mut out));
        out
    }

    /// Estimated parameters for an information criterion: the free
    /// weights, the initial states (level, trend, `m − 1` seasonal) and σ².
    pub(crate) fn n_params(&self) -> usize {
        let p = &self.params;
        let seasonal = p.seasonality != Seasonality::None;
        let weights = p.free_weights();
        let states = 1 + usize::from(p.trend) + if seasonal { p.period - 1 } else { 0 };
        weights + states + 1
    }

    /// The model's form: `(trend, damped, seasonality, period)`.
    pub fn form(&self) -> (bool, bool, Seasonality, usize) {
        let p = &self.params;
        (p.trend, p.trend && p.damped, p.seasonality, p.period)
    }

    /// Feeds the observation after the data (or after the last one fed):
    /// returns its one-step forecast error, then updates the state by the
    /// fit's recursion with the fitted weights, so forecasts start after
    /// it. The weights, [`Self::sse`] and [`Self::sigma2`] stay those of the
    /// fit. A value that is not finite returns NaN and changes nothing.
    pub fn observe(&mut self, obs: f64) -> f64 {
        if !obs.is_finite() {
            return f64::NAN;
        }
        let mut slot = self.state.season.first().copied().unwrap_or(0.0);
        let err = advance(
            &self.params,
            &self.weights,
            &mut self.state.level,
            &mut self.state.trend,
            &mut slot,
            obs,
        );
        if let Some(first) = self.state.season.first_mut() {
            *first = slot;
        }
        self.state.season.rotate_left(1);
        err
    }
}

impl Forecaster for HoltWintersFit {
    /// Point forecasts from the final state; interval widths from the
    /// additive-error ETS variance `σ²(1 + Σ c_j²)`,
    /// `c_j = α + αβ' Σφ^i + γ·[j ≡ 0 mod m]` (Hyndman et al., class 1),
    /// used as an approximation for multiplicative seasonality too (scaled
    /// by the seasonal factor).
    fn forecast(&self, horizon: usize, level: f64) -> Result<Forecast> {
        super::check_request(horizon, level)?;
        let [alpha, beta, gamma, phi] = self.weights;
        let m = self.state.season.len();
        let seasonal = self.params.seasonality != Seasonality::None;
        let mult = self.params.seasonality == Seasonality::Multiplicative;
        let z = two_sided_quantile(level);
        let sigma2 = self.sigma2();
        let (mut mean, mut lower, mut upper, mut sds) = (vec![], vec![], vec![], vec![]);
        let mut damp_sum = 0.0; // φ + φ² + … + φ^h
        let mut var_sum = 0.0; // Σ_{j<h} c_j²
        let mut phi_pow = 1.0;
        for h in 1..=horizon {
            phi_pow *= phi;
            damp_sum += phi_pow;
            let s = self.state.season.get((h - 1) % m).copied().unwrap_or(0.0);
            let base = self.state.level + damp_sum * self.state.trend;
            let point = if mult {
                base * s
            } else if seasonal {
                base + s
            } else {
                base
            };
            let sd = (sigma2 * (1.0 + var_sum)).sqrt() * if mult { s.abs() } else { 1.0 };
            mean.push(point);
            lower.push(point - z * sd);
            upper.push(point + z * sd);
            sds.push(sd);
            // c_h for the next step's variance.
            let trend_part = beta * damp_sum;
            let season_part = if seasonal && h % m == 0 { gamma } else { 0.0 };
            let c = alpha + if self.params.trend { trend_part } else { 0.0 } + season_part;
            var_sum += c * c;
        }
        Ok(Forecast {
            mean,
            lower,
            upper,
            sd: sds,
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

    #[test]
    fn observing_the_last_values_equals_fitting_them() {
        let y: Vec<f64> = (0..60)
            .map(|i| 20.0 + 0.3 * i as f64 + [3.0, -1.0, 0.5, -2.5][i % 4] + (i % 7) as f64 * 0.1)
            .collect();
        let params = || {
            HoltWinters::params()
                .period(4)
                .seasonality(Seasonality::Additive)
                .alpha(0.3)
                .beta(0.1)
                .gamma(0.2)
        };
        let whole = ok(params().fit(&y));
        let mut part = ok(params().fit(&y[..52]));
        for &v in &y[52..] {
            assert!(part.observe(v).is_finite());
        }
        assert!(part.observe(f64::NAN).is_nan());
        let (a, b) = (ok(whole.forecast(6, 0.9)), ok(part.forecast(6, 0.9)));
        for (x, z) in a.mean.iter().zip(&b.mean) {
            assert!((x - z).abs() < 1e-9, "{x} vs {z}");
        }
    }

    #[test]
    fn simple_smoothing_matches_hand_computed_values() {
        let y = [10.0, 12.0, 11.0, 13.0];
        let fit = ok(HoltWinters::params().trend(false).alpha(0.5).fit(&y));
        // Levels 10, 11, 11, 12; one-step errors 2, 0, 2.
        assert!((fit.sse() - 8.0).abs() < 1e-12);
        let f = ok(fit.forecast(2, 0.95));
        assert_eq!(f.mean, vec![12.0, 12.0]);
        let s2: f64 = 8.0 / 3.0;
        assert!((f.sd[0] - s2.sqrt()).abs() < 1e-12);
        assert!((f.sd[1] - (s2 * 1.25).sqrt()).abs() < 1e-12);
        assert!((f.upper[0] - 12.0 - 1.959_964 * s2.sqrt()).abs() < 1e-5);
    }

    #[test]
    fn holt_with_alpha_one_and_beta_zero_extends_the_first_slope() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        let fit = ok(HoltWinters::params().alpha(1.0).beta(0.0).fit(&y));
        let f = ok(fit.forecast(2, 0.8));
        assert!((f.mean[0] - 6.0).abs() < 1e-12 && (f.mean[1] - 7.0).abs() < 1e-12);
    }

    #[test]
    fn multiplicative_seasonality_is_recovered() {
        let pattern = [0.5, 1.0, 1.5, 1.0];
        let y: Vec<f64> = (0..40)
            .map(|i| (100.0 + i as f64) * pattern[i % 4])
            .collect();
        let fit = ok(HoltWinters::params()
            .period(4)
            .seasonality(Seasonality::Multiplicative)
            .fit(&y));
        let f = ok(fit.forecast(4, 0.9));
        for (h, m) in f.mean.iter().enumerate() {
            let truth = (140.0 + h as f64) * pattern[(40 + h) % 4];
            assert!((m - truth).abs() / truth < 0.03, "h={h}: {m} vs {truth}");
        }
    }

    #[test]
    fn damped_trend_flattens() {
        let y: Vec<f64> = (0..50)
            .map(|i| i as f64 + ((i * 31) % 7) as f64 * 0.1)
            .collect();
        let fit = ok(HoltWinters::params().damped(true).fit(&y));
        let (_, _, _, phi) = fit.weights();
        assert!((0.8..=0.98).contains(&phi));
        let f = ok(fit.forecast(200, 0.95));
        let slope_end = f.mean[199] - f.mean[198];
        // φ^199 ≤ 0.98^199 < 0.02 of the first step's slope.
        assert!(slope_end.abs() <= 0.02 * (f.mean[1] - f.mean[0]).abs() + 1e-9);
        assert!(f.sd.windows(2).all(|w| w[1] >= w[0]), "intervals widen");
    }

    #[test]
    fn bad_input_is_refused() {
        let p = HoltWinters::params;
        assert!(matches!(p().fit(&[1.0, 2.0]), Err(Error::InvalidData(_))));
        assert!(p().fit(&[1.0, f64::NAN, 2.0, 3.0]).is_err());
        assert!(
            p().period(4)
                .seasonality(Seasonality::Additive)
                .fit(&[1.0; 7])
                .is_err()
        );
        assert!(
            p().period(1)
                .seasonality(Seasonality::Additive)
                .fit(&[1.0; 7])
                .is_err()
        );
        let with_zero = [1.0, 0.0, 1.0, 2.0];
        assert!(
            p().period(2)
                .seasonality(Seasonality::Multiplicative)
                .fit(&with_zero)
                .is_err()
        );
        assert!(p().alpha(0.0).fit(&[1.0; 5]).is_err());
        assert!(p().phi(1.5).fit(&[1.0; 5]).is_err());
        let fit = ok(p().fit(&[3.0; 10]));
        assert!(fit.forecast(0, 0.9).is_err());
        assert!(fit.forecast(3, 1.0).is_err());
        // A constant series forecasts itself with zero width.
        let f = ok(fit.forecast(3, 0.9));
        assert!(f.mean.iter().all(|m| (m - 3.0).abs() < 1e-9));
        assert!(f.sd.iter().all(|s| *s < 1e-9));
    }

    /// A series the additive recursion produces exactly from `start` with
    /// fixed weights (no noise: every one-step error is zero).
    fn generated(p: &HoltWintersParams, w: &Weights, start: &Start, n: usize) -> Vec<f64> {
        let m = start.season.len();
        let first = first_index(p);
        let (mut level, mut trend, mut season) = (start.level, start.trend, start.season.clone());
        let mut y = vec![0.0; n];
        // Values before the first index only feed the classical start.
        for (t, v) in y.iter_mut().enumerate().take(first) {
            *v = 100.0 + t as f64;
        }
        for (t, value) in y.iter_mut().enumerate().skip(first) {
            let k = t % m;
            let [_, _, _, phi] = *w;
            let obs = level + phi * trend + season[k];
            *value = obs;
            let mut slot = season[k];
            advance(p, w, &mut level, &mut trend, &mut slot, obs);
            season[k] = slot;
        }
        y
    }

    #[test]
    fn the_estimated_start_recovers_a_known_start_and_never_loses_to_the_classical_one() {
        let p = HoltWinters::params()
            .period(4)
            .seasonality(Seasonality::Additive)
            .damped(true)
            .estimate_initial(true);
        let w: Weights = [0.3, 0.05, 0.1, 0.9];
        let truth = Start {
            level: 50.0,
            trend: 0.7,
            season: vec![3.0, -1.0, 0.5, -2.5],
        };
        let y = generated(&p, &w, &truth, 80);
        let start = estimated_start(&p, &y, &w).expect("additive: estimable");
        assert!((start.level - truth.level).abs() < 1e-6, "{start:?}");
        assert!((start.trend - truth.trend).abs() < 1e-6, "{start:?}");
        for (s, t) in start.season.iter().zip(&truth.season) {
            assert!((s - t).abs() < 1e-6, "{start:?}");
        }
        assert!(run(&p, &y, &w, &start).sse < 1e-12);
        // On noisy data too the least-squares start beats the classical one.
        let noisy: Vec<f64> = y
            .iter()
            .enumerate()
            .map(|(i, v)| v + ((i * 37 % 11) as f64 - 5.0) * 0.3)
            .collect();
        let estimated = run(&p, &noisy, &w, &ok_some(estimated_start(&p, &noisy, &w))).sse;
        let classical = run(&p, &noisy, &w, &classical_start(&p, &noisy)).sse;
        assert!(estimated <= classical, "{estimated} > {classical}");
        // Without seasonality or trend as well.
        for p in [
            HoltWinters::params().estimate_initial(true),
            HoltWinters::params().trend(false).estimate_initial(true),
        ] {
            let estimated = run(&p, &noisy, &w, &ok_some(estimated_start(&p, &noisy, &w))).sse;
            let classical = run(&p, &noisy, &w, &classical_start(&p, &noisy)).sse;
            assert!(
                estimated <= classical * (1.0 + 1e-12),
                "{estimated} > {classical}"
            );
        }
    }

    fn ok_some<T>(v: Option<T>) -> T {
        v.expect("estimable")
    }

    #[test]
    fn fits_with_estimated_starts_are_no_worse_and_reload_from_older_files() {
        let y: Vec<f64> = (0..24 * 6)
            .map(|i| {
                20.0 + 0.02 * i as f64
                    + 4.0 * (i as f64 * std::f64::consts::TAU / 24.0).sin()
                    + ((i * 53 % 17) as f64 - 8.0) * 0.2
            })
            .collect();
        let base = HoltWinters::params()
            .period(24)
            .seasonality(Seasonality::Additive)
            .damped(true);
        let classical = ok(base.clone().fit(&y));
        let estimated = ok(base.clone().estimate_initial(true).fit(&y));
        assert!(
            estimated.sse() < classical.sse(),
            "{} vs {}",
            estimated.sse(),
            classical.sse()
        );
        // The recorded errors are those of the fit's own start.
        let sse: f64 = estimated.errors_on(&y).iter().map(|e| e * e).sum();
        assert!((sse - estimated.sse()).abs() <= 1e-9 * sse.max(1.0));
        // Multiplicative seasonality keeps the classical start.
        let mult = base.clone().seasonality(Seasonality::Multiplicative);
        assert_eq!(
            ok(mult.clone().fit(&y)).sse(),
            ok(mult.estimate_initial(true).fit(&y)).sse()
        );
        // A fit saved before starts were stored loads with the classical one.
        let mut json = serde_json::to_value(&classical).expect("serialisable");
        let object = json.as_object_mut().expect("an object");
        object.remove("start");
        object["params"]
            .as_object_mut()
            .expect("an object")
            .remove("estimate_initial");
        let old: HoltWintersFit = serde_json::from_value(json).expect("older files load");
        assert_eq!(old.errors_on(&y), classical.errors_on(&y));
    }
}
