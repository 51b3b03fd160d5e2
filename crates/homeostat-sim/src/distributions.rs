//! Service-time (request cost) distributions.

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::error::{Result, check_range, invalid};

/// How long one request takes to serve on an idle, healthy worker.
///
/// Written in scenario files as a table with a `dist` tag, times in
/// milliseconds:
///
/// ```toml
/// service_time = { dist = "lognormal", mean_ms = 20.0, cv = 1.5 }
/// ```
///
/// ```
/// use homeostat_sim::ServiceTime;
/// let s = ServiceTime::LogNormal { mean_ms: 20.0, cv: 1.5 };
/// s.validate("service_time")?;
/// assert_eq!(s.mean_secs(), 0.020);
/// assert!((s.scv() - 2.25).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ServiceTime {
    /// Always the same time.
    Constant {
        /// The time in milliseconds.
        ms: f64,
    },
    /// Exponential (memoryless; coefficient of variation 1).
    Exponential {
        /// Mean in milliseconds.
        mean_ms: f64,
    },
    /// Log-normal with the given mean and coefficient of variation: the
    /// usual shape of real request latencies.
    // Spelled as documented above; `log_normal` (the derived name) is
    // accepted too.
    #[serde(rename = "lognormal", alias = "log_normal")]
    LogNormal {
        /// Mean in milliseconds.
        mean_ms: f64,
        /// Standard deviation divided by the mean.
        cv: f64,
    },
    /// Pareto (Lomax-free, classic) with the given mean and tail index
    /// `shape > 2`: heavy-tailed costs with a finite variance.
    Pareto {
        /// Mean in milliseconds.
        mean_ms: f64,
        /// Tail index; smaller is heavier. Must exceed 2.
        shape: f64,
    },
}

impl ServiceTime {
    /// Checks the parameters; `field` names the setting in errors.
    pub fn validate(&self, field: &str) -> Result<()> {
        const MAX_MS: f64 = 3.6e6; // an hour per request is surely a mistake
        match *self {
            ServiceTime::Constant { ms } => check_range(&format!("{field}.ms"), ms, 0.0, MAX_MS),
            ServiceTime::Exponential { mean_ms } => {
                check_range(&format!("{field}.mean_ms"), mean_ms, 1e-6, MAX_MS)
            }
            ServiceTime::LogNormal { mean_ms, cv } => {
                check_range(&format!("{field}.mean_ms"), mean_ms, 1e-6, MAX_MS)?;
                check_range(&format!("{field}.cv"), cv, 0.0, 20.0)
            }
            ServiceTime::Pareto { mean_ms, shape } => {
                check_range(&format!("{field}.mean_ms"), mean_ms, 1e-6, MAX_MS)?;
                if shape.is_finite() && shape > 2.0 && shape <= 100.0 {
                    Ok(())
                } else {
                    Err(invalid(
                        format!("{field}.shape"),
                        format!("{shape} must be in (2, 100] so the variance is finite"),
                    ))
                }
            }
        }
    }

    /// The mean in seconds.
    pub fn mean_secs(&self) -> f64 {
        match *self {
            ServiceTime::Constant { ms } => ms / 1000.0,
            ServiceTime::Exponential { mean_ms }
            | ServiceTime::LogNormal { mean_ms, .. }
            | ServiceTime::Pareto { mean_ms, .. } => mean_ms / 1000.0,
        }
    }

    /// The squared coefficient of variation (variance / mean²), which the
    /// queueing approximations for general service times use.
    ///
    /// ```
    /// use homeostat_sim::ServiceTime;
    /// assert_eq!(ServiceTime::Exponential { mean_ms: 5.0 }.scv(), 1.0);
    /// assert_eq!(ServiceTime::Constant { ms: 5.0 }.scv(), 0.0);
    /// ```
    pub fn scv(&self) -> f64 {
        match *self {
            ServiceTime::Constant { .. } => 0.0,
            ServiceTime::Exponential { .. } => 1.0,
            ServiceTime::LogNormal { cv, .. } => cv * cv,
            ServiceTime::Pareto { shape, .. } => 1.0 / (shape * (shape - 2.0)),
        }
    }

    /// One draw, in seconds.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            ServiceTime::Constant { ms } => ms / 1000.0,
            ServiceTime::Exponential { mean_ms } => {
                let e: f64 = Exp1.sample(rng);
                e * mean_ms / 1000.0
            }
            ServiceTime::LogNormal { mean_ms, cv } => {
                // Parameters of the underlying normal from the mean and cv.
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = (mean_ms / 1000.0).ln() - sigma2 / 2.0;
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma2.sqrt() * z).exp()
            }
            ServiceTime::Pareto { mean_ms, shape } => {
                // Classic Pareto with scale x_m = mean (shape - 1) / shape, by
                // inversion; 1 - u lies in (0, 1] so the power is finite.
                let x_m = mean_ms / 1000.0 * (shape - 1.0) / shape;
                let u: f64 = rng.r#gen();
                x_m / (1.0 - u).powf(1.0 / shape)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn moments(dist: ServiceTime, n: usize) -> (f64, f64) {
        let mut rng = stream(1, 0);
        let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        (mean, var / (mean * mean))
    }

    #[test]
    fn sample_moments_match_the_parameters() {
        for dist in [
            ServiceTime::Exponential { mean_ms: 10.0 },
            ServiceTime::LogNormal {
                mean_ms: 10.0,
                cv: 0.8,
            },
            ServiceTime::Pareto {
                mean_ms: 10.0,
                shape: 4.5,
            },
        ] {
            let (mean, scv) = moments(dist, 400_000);
            assert!(
                (mean / dist.mean_secs() - 1.0).abs() < 0.02,
                "{dist:?}: mean {mean}"
            );
            assert!((scv / dist.scv() - 1.0).abs() < 0.15, "{dist:?}: scv {scv}");
        }
        assert!((moments(ServiceTime::Constant { ms: 3.0 }, 10).0 - 0.003).abs() < 1e-15);
    }

    #[test]
    fn invalid_parameters_name_the_field() {
        let bad = [
            ServiceTime::Exponential { mean_ms: -1.0 },
            ServiceTime::LogNormal {
                mean_ms: 1.0,
                cv: f64::NAN,
            },
            ServiceTime::Pareto {
                mean_ms: 1.0,
                shape: 2.0,
            },
            ServiceTime::Constant { ms: f64::INFINITY },
        ];
        for dist in bad {
            let err = dist.validate("svc.service_time").unwrap_err();
            assert!(
                err.to_string().starts_with("invalid svc.service_time."),
                "{err}"
            );
        }
    }
}
