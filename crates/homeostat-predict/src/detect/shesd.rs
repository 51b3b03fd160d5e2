//! Seasonal hybrid ESD (S-H-ESD), a batch detector: a median-based
//! seasonal decomposition, then the generalized extreme Studentized
//! deviate test (Rosner) on the remainder with the median and MAD in place
//! of the mean and standard deviation, so the anomalies themselves do not
//! mask each other.

use serde::{Deserialize, Serialize};

use super::seasonal::detect_period;
use crate::forecast::two_sided_quantile;
use crate::{Error, Result};

/// 1 / Φ⁻¹(3/4): the normal standard deviation per unit of MAD.
const MAD_TO_SD: f64 = 1.482_602_218_505_602;
/// √(π/2): the normal standard deviation per unit of mean absolute deviation.
const MEAN_AD_TO_SD: f64 = 1.253_314_137_315_500_3;

/// Parameters of the S-H-ESD detector ([`ShEsdParams::detect`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShEsdParams {
    period: Option<usize>,
    max_anoms: f64,
    alpha: f64,
    max_period: usize,
}

/// The S-H-ESD detector's entry point.
#[derive(Debug, Clone, Copy)]
pub struct ShEsd;

impl ShEsd {
    /// Default parameters: period detected, at most 2 % anomalies, α = 0.05.
    pub fn params() -> ShEsdParams {
        ShEsdParams {
            period: None,
            max_anoms: 0.02,
            alpha: 0.05,
            max_period: 300,
        }
    }
}

impl ShEsdParams {
    /// A known period in steps (at least 2); by default the period is
    /// detected (autocorrelation peak ≥ 0.3, at most `max_period` and a
    /// third of the series), 1 meaning no season.
    pub fn period(mut self, period: usize) -> Self {
        self.period = Some(period);
        self
    }

    /// Largest fraction of the series reported (default 0.02, in `(0, 0.5]`).
    pub fn max_anoms(mut self, max_anoms: f64) -> Self {
        self.max_anoms = max_anoms;
        self
    }

    /// Significance level of each ESD step (default 0.05, in `(0, 1)`).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Longest period detection considers (default 300, at least 2).
    pub fn max_period(mut self, max_period: usize) -> Self {
        self.max_period = max_period;
        self
    }

    /// Indices of the anomalies in `y`, in increasing order.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a parameter out of range;
    /// [`Error::InvalidData`] for a value that is NaN or infinite, fewer
    /// than 2 periods of data, or fewer than 8 values.
    ///
    /// ```
    /// use homeostat_predict::detect::ShEsd;
    /// let mut y: Vec<f64> = (0..480).map(|i| [0.0, 5.0, 10.0, 5.0][i % 4] + (i % 3) as f64 * 0.2).collect();
    /// y[100] += 4.0; // ordinary in range, but not at its phase
    /// assert_eq!(ShEsd::params().period(4).detect(&y)?, vec![100]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn detect(&self, y: &[f64]) -> Result<Vec<usize>> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if !(self.max_anoms > 0.0 && self.max_anoms <= 0.5) {
            return bad(
                "max_anoms",
                format!("{} is not in (0, 0.5]", self.max_anoms),
            );
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad("alpha", format!("{} is not in (0, 1)", self.alpha));
        }
        if let Some(p) = self.period
            && p < 2
        {
            return bad("period", format!("{p} is below 2"));
        }
        if self.max_period < 2 {
            return bad("max_period", format!("{} is below 2", self.max_period));
        }
        if let Some(v) = y.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "value {v} (fill or drop gaps first)"
            )));
        }
        let period = match self.period {
            Some(p) => p,
            None => detect_period(y, self.max_period.min(y.len() / 3).max(2), 0.3),
        };
        if y.len() < 8 || y.len() < 2 * period {
            return Err(Error::InvalidData(format!(
                "{} values; at least 8 and two periods ({period}) needed",
                y.len()
            )));
        }
        let residual = remainder(y, period);
        Ok(generalized_esd(&residual, self.max_anoms, self.alpha))
    }
}

fn median(v: &mut [f64]) -> f64 {
    let mid = v.len() / 2;
    *v.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// `y` minus its median and the per-phase medians of what is left.
fn remainder(y: &[f64], period: usize) -> Vec<f64> {
    let centre = median(&mut y.to_vec());
    let mut out: Vec<f64> = y.iter().map(|v| v - centre).collect();
    if period > 1 {
        for phase in 0..period {
            let mut at: Vec<f64> = out.iter().skip(phase).step_by(period).copied().collect();
            let s = median(&mut at);
            for v in out.iter_mut().skip(phase).step_by(period) {
                *v -= s;
            }
        }
    }
    out
}

/// Student-t upper quantile by the Cornish–Fisher expansion around the
/// normal one (error below 1e-3 for 5 or more degrees of freedom, far
/// below the ESD's sensitivity to it).
fn t_quantile(z: f64, nu: f64) -> f64 {
    let (z2, z3) = (z * z, z * z * z);
    let (z5, z7, z9) = (z3 * z2, z3 * z2 * z2, z3 * z3 * z3);
    z + (z3 + z) / (4.0 * nu)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * nu * nu)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * nu.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * nu.powi(4))
}

/// Rosner's generalized ESD with median/MAD: the anomaly count is the
/// largest `i ≤ k` whose statistic `Rᵢ` exceeds its critical value `λᵢ`.
fn generalized_esd(r: &[f64], max_anoms: f64, alpha: f64) -> Vec<usize> {
    let n = r.len();
    let k = ((n as f64 * max_anoms).floor() as usize).min(n.saturating_sub(3));
    let mut alive: Vec<usize> = (0..n).collect();
    let mut removed = Vec::with_capacity(k);
    let mut count = 0;
    let mut scratch = Vec::with_capacity(n);
    for i in 1..=k {
        scratch.clear();
        scratch.extend(alive.iter().map(|&j| r[j]));
        let med = median(&mut scratch);
        for v in scratch.iter_mut() {
            *v = (*v - med).abs();
        }
        let mean_ad = scratch.iter().sum::<f64>() / scratch.len() as f64;
        let mad = median(&mut scratch);
        let sd = if mad > 0.0 {
            mad * MAD_TO_SD
        } else {
            mean_ad * MEAN_AD_TO_SD
        };
        if sd <= 0.0 {
            break; // every remaining value is equal: nothing stands out
        }
        let Some((pos, &worst)) = alive
            .iter()
            .enumerate()
            .max_by(|a, b| (r[*a.1] - med).abs().total_cmp(&(r[*b.1] - med).abs()))
        else {
            break;
        };
        let stat = (r[worst] - med).abs() / sd;
        let m = (n - i + 1) as f64;
        let nu = m - 2.0;
        let t = t_quantile(two_sided_quantile(1.0 - alpha / m), nu);
        let lambda = (m - 1.0) * t / ((nu + t * t) * m).sqrt();
        alive.swap_remove(pos);
        removed.push(worst);
        if stat > lambda {
            count = i;
        }
    }
    let mut out = removed[..count].to_vec();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    fn seasonal(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                100.0
                    + 20.0 * (i as f64 * std::f64::consts::TAU / 24.0).sin()
                    + rng.gen_range(-1.0..1.0)
            })
            .collect()
    }

    #[test]
    fn injected_anomalies_are_found_and_nothing_else() {
        for seed in 0..5 {
            let mut y = seasonal(24 * 40, seed);
            let injected = [50, 333, 334, 700, 901];
            for (k, &i) in injected.iter().enumerate() {
                // Inside the seasonal range, far from the value's phase.
                y[i] += if k % 2 == 0 { 15.0 } else { -15.0 };
            }
            let found = ShEsd::params().detect(&y).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(found, injected.to_vec(), "seed {seed}");
        }
    }

    #[test]
    fn clean_noise_has_few_or_no_anomalies() {
        let y = seasonal(24 * 40, 11);
        let found = ShEsd::params()
            .period(24)
            .detect(&y)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(found.len() <= 1, "{found:?}");
    }

    #[test]
    fn the_t_quantile_matches_tables() {
        // t(0.975; 10) = 2.228, t(0.995; 30) = 2.750.
        assert!((t_quantile(1.959_964, 10.0) - 2.228).abs() < 2e-3);
        assert!((t_quantile(2.575_829, 30.0) - 2.750).abs() < 2e-3);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let y = seasonal(100, 1);
        assert!(ShEsd::params().max_anoms(0.0).detect(&y).is_err());
        assert!(ShEsd::params().alpha(1.0).detect(&y).is_err());
        assert!(ShEsd::params().period(1).detect(&y).is_err());
        assert!(ShEsd::params().period(60).detect(&y).is_err());
        assert!(ShEsd::params().detect(&[]).is_err());
        assert!(ShEsd::params().detect(&[1.0, f64::NAN, 2.0]).is_err());
        // A constant series has no anomalies; one change among constants is one.
        let mut flat = vec![3.0; 200];
        assert_eq!(
            ShEsd::params().detect(&flat).unwrap_or_default(),
            Vec::<usize>::new()
        );
        flat[77] = 9.0;
        assert_eq!(ShEsd::params().detect(&flat).unwrap_or_default(), vec![77]);
    }
}
