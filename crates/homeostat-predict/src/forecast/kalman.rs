//! Exact Gaussian likelihood of a stationary ARMA by a Kalman filter on
//! Harvey's state-space form, with the stationary initial covariance.
//!
//! State `x_t` of size `r = max(p, q + 1)`: `x_{t+1} = T x_t + R ε_t`,
//! `w_t − μ = x_t[0]`, `T` with the AR coefficients in its first column and
//! ones above the diagonal, `R = (1, θ₁, …, θ_{r−1})`. The filter runs with
//! `σ² = 1`; the likelihood is concentrated over `σ²`.

/// Whether `1 − Σ a_i Bⁱ` has all its roots outside the unit circle, by the
/// step-down (inverse Levinson) recursion: stationary iff every partial
/// autocorrelation it yields is inside (−1, 1).
pub(crate) fn ar_is_stationary(a: &[f64]) -> bool {
    let mut phi: Vec<f64> = a.to_vec();
    while phi.last().is_some_and(|v| *v == 0.0) {
        phi.pop();
    }
    while let Some(&kappa) = phi.last() {
        if !kappa.is_finite() || kappa.abs() >= 1.0 - 1e-9 {
            return false;
        }
        let k = phi.len();
        let denom = 1.0 - kappa * kappa;
        let prev: Vec<f64> = (0..k - 1)
            .map(|j| (phi[j] + kappa * phi[k - 2 - j]) / denom)
            .collect();
        phi = prev;
    }
    true
}

/// The filter's output over a series.
#[derive(Debug, Clone)]
pub(crate) struct KalmanRun {
    /// `Σ v_t² / F_t` (innovations scaled to unit variance).
    pub(crate) ssq: f64,
    /// `Σ ln F_t`.
    pub(crate) sum_log_f: f64,
    /// Number of innovations.
    pub(crate) n: usize,
    /// Predicted state for the step after the data.
    pub(crate) state: Vec<f64>,
    /// Innovations `v_t` (not scaled).
    pub(crate) innovations: Vec<f64>,
}

impl KalmanRun {
    /// The concentrated innovation variance `σ̂² = ssq / n`.
    pub(crate) fn sigma2(&self) -> f64 {
        self.ssq / self.n.max(1) as f64
    }

    /// The exact Gaussian log-likelihood at `σ̂²`.
    pub(crate) fn log_likelihood(&self) -> f64 {
        let n = self.n as f64;
        -0.5 * (n * ((std::f64::consts::TAU * self.sigma2()).ln() + 1.0) + self.sum_log_f)
    }

    /// The objective minimised by maximum likelihood:
    /// `½ ln σ̂² + ½ mean(ln F_t)` (−ln L / n up to constants).
    pub(crate) fn objective(&self) -> f64 {
        let n = self.n.max(1) as f64;
        let v = 0.5 * (self.sigma2().ln() + self.sum_log_f / n);
        if v.is_finite() { v } else { f64::INFINITY }
    }
}

/// The ARMA's matrices in Harvey's form: `a` (first column of `T`) and `R`,
/// both of length `r`.
fn harvey(ar: &[f64], ma: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let r = ar.len().max(ma.len() + 1).max(1);
    let mut a = vec![0.0; r];
    a[..ar.len()].copy_from_slice(ar);
    let mut rr = vec![0.0; r];
    rr[0] = 1.0;
    rr[1..=ma.len()].copy_from_slice(ma);
    (a, rr)
}

/// `T P Tᵀ` in O(r²), using the shape of `T`.
fn t_p_tt(a: &[f64], p: &[f64], r: usize) -> Vec<f64> {
    let mut tp = vec![0.0; r * r];
    for i in 0..r {
        for j in 0..r {
            let below = if i + 1 < r { p[(i + 1) * r + j] } else { 0.0 };
            tp[i * r + j] = a[i] * p[j] + below;
        }
    }
    let mut out = vec![0.0; r * r];
    for i in 0..r {
        for j in 0..r {
            let right = if j + 1 < r { tp[i * r + j + 1] } else { 0.0 };
            out[i * r + j] = tp[i * r] * a[j] + right;
        }
    }
    out
}

/// Dense `x · y` of two `r × r` row-major matrices.
fn mat_mul(x: &[f64], y: &[f64], r: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * r];
    for i in 0..r {
        for k in 0..r {
            let xik = x[i * r + k];
            if xik == 0.0 {
                continue;
            }
            for j in 0..r {
                out[i * r + j] += xik * y[k * r + j];
            }
        }
    }
    out
}

/// The stationary state covariance `P = T P Tᵀ + R Rᵀ`, by doubling
/// (`P ← P + A P Aᵀ`, `A ← A²`), which needs O(log) steps even close to a
/// unit root. `None` when it does not settle (not stationary).
fn stationary_covariance(a: &[f64], rr: &[f64]) -> Option<Vec<f64>> {
    let r = a.len();
    let mut p: Vec<f64> = (0..r * r).map(|k| rr[k / r] * rr[k % r]).collect();
    let mut t = vec![0.0; r * r];
    for i in 0..r {
        t[i * r] = a[i];
        if i + 1 < r {
            t[i * r + i + 1] = 1.0;
        }
    }
    for _ in 0..64 {
        let tp = mat_mul(&t, &p, r);
        let mut tt = vec![0.0; r * r];
        for i in 0..r {
            for j in 0..r {
                tt[j * r + i] = t[i * r + j];
            }
        }
        let add = mat_mul(&tp, &tt, r);
        let size = add.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for (pv, av) in p.iter_mut().zip(&add) {
            *pv += av;
        }
        if !size.is_finite() {
            return None;
        }
        let scale = p.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if size <= 1e-15 * scale {
            return Some(p);
        }
        t = mat_mul(&t, &t, r);
    }
    None
}

/// Runs the filter over `w − mu` for the ARMA with full (expanded)
/// coefficients `ar` and `ma`. `None` when the AR part is not stationary.
pub(crate) fn filter(w: &[f64], mu: f64, ar: &[f64], ma: &[f64]) -> Option<KalmanRun> {
    if !ar_is_stationary(ar) {
        return None;
    }
    let (a, rr) = harvey(ar, ma);
    let r = a.len();
    let mut p = stationary_covariance(&a, &rr)?;
    let mut x = vec![0.0; r];
    let (mut ssq, mut sum_log_f) = (0.0, 0.0);
    let mut innovations = Vec::with_capacity(w.len());
    // Once P has settled the gain is constant: skip the covariance update.
    let mut steady: Option<Vec<f64>> = None;
    let mut last_f = f64::NAN;
    for &obs in w {
        let v = obs - mu - x[0];
        let (f, gain) = match &steady {
            Some(k) => (last_f, k.clone()),
            None => {
                let f = p[0];
                if !(f > 0.0 && f.is_finite()) {
                    return None;
                }
                let k: Vec<f64> = (0..r).map(|i| p[i * r] / f).collect();
                (f, k)
            }
        };
        ssq += v * v / f;
        sum_log_f += f.ln();
        innovations.push(v);
        // Update then predict the state.
        let upd: Vec<f64> = (0..r).map(|i| x[i] + gain[i] * v).collect();
        for i in 0..r {
            x[i] = a[i] * upd[0] + if i + 1 < r { upd[i + 1] } else { 0.0 };
        }
        if steady.is_none() {
            let mut pu = p.clone();
            for i in 0..r {
                for j in 0..r {
                    pu[i * r + j] -= p[i * r] * p[j] / f;
                }
            }
            let mut next = t_p_tt(&a, &pu, r);
            for i in 0..r {
                for j in 0..r {
                    next[i * r + j] += rr[i] * rr[j];
                }
            }
            let change = next
                .iter()
                .zip(&p)
                .fold(0.0_f64, |m, (u, v)| m.max((u - v).abs()));
            p = next;
            if change < 1e-12 * p[0].abs().max(1.0) {
                last_f = p[0];
                steady = Some((0..r).map(|i| p[i * r] / p[0]).collect());
            }
        }
    }
    Some(KalmanRun {
        ssq,
        sum_log_f,
        n: w.len(),
        state: x,
        innovations,
    })
}

/// Point forecasts of `w` for `horizon` steps from the predicted state.
pub(crate) fn forecast_mean(run: &KalmanRun, mu: f64, ar: &[f64], horizon: usize) -> Vec<f64> {
    let r = run.state.len();
    let mut a = vec![0.0; r];
    a[..ar.len().min(r)].copy_from_slice(&ar[..ar.len().min(r)]);
    let mut x = run.state.clone();
    let mut out = Vec::with_capacity(horizon);
    for _ in 0..horizon {
        out.push(mu + x[0]);
        let first = x[0];
        for i in 0..r {
            x[i] = a[i] * first + if i + 1 < r { x[i + 1] } else { 0.0 };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stationarity_by_step_down() {
        assert!(ar_is_stationary(&[]));
        assert!(ar_is_stationary(&[0.5]));
        assert!(!ar_is_stationary(&[1.0]));
        assert!(!ar_is_stationary(&[-1.2]));
        // 1 − 1.5B + 0.56B² = (1 − 0.7B)(1 − 0.8B): stationary.
        assert!(ar_is_stationary(&[1.5, -0.56]));
        // (1 − 0.5B)(1 − 1.25B): a root inside the circle.
        assert!(!ar_is_stationary(&[1.75, -0.625]));
    }

    #[test]
    fn ar1_stationary_variance_and_likelihood() {
        // For an AR(1) the first innovation has variance 1 / (1 − φ²), the
        // rest 1: the exact likelihood in closed form.
        let phi = 0.6;
        let w = [0.3, -0.2, 0.5, 1.1, 0.4, -0.7, 0.2];
        let run = filter(&w, 0.0, &[phi], &[]).unwrap_or_else(|| panic!("stationary"));
        let f0 = 1.0 / (1.0 - phi * phi);
        let mut ssq = w[0] * w[0] / f0;
        for t in 1..w.len() {
            ssq += (w[t] - phi * w[t - 1]).powi(2);
        }
        assert!((run.ssq - ssq).abs() < 1e-12, "{} vs {ssq}", run.ssq);
        assert!((run.sum_log_f - f0.ln()).abs() < 1e-12);
        let f = forecast_mean(&run, 0.0, &[phi], 2);
        assert!((f[0] - phi * w[6]).abs() < 1e-12 && (f[1] - phi * phi * w[6]).abs() < 1e-12);
    }

    #[test]
    fn ma1_first_variance_is_one_plus_theta_squared() {
        let run = filter(&[1.0], 0.0, &[], &[0.5]).unwrap_or_else(|| panic!("stationary"));
        assert!((run.sum_log_f - 1.25_f64.ln()).abs() < 1e-12);
        assert!(filter(&[1.0, 2.0], 0.0, &[1.0], &[]).is_none());
    }
}
