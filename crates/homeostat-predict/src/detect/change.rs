//! Change detection: two-sided CUSUM and Page–Hinkley on the standardised
//! residuals of a robust EWMA (see [`RobustEwma`]).
//!
//! Both accumulate `z − drift` and report how far the sum has climbed above
//! its running minimum. Under the no-change model (`z` standard normal) that
//! climb is a random walk with drift `−k` reflected at 0, whose stationary
//! tail is `P(S ≥ s) ≈ exp(−2ks)` (the Brownian approximation); the score is
//! `score_from_tail(min(1, 2·exp(−2k·S)))` for the larger of the two sides,
//! the 2 being the Bonferroni factor for two sides. Once a statistic passes
//! its threshold both sides restart from 0, so a lasting shift alarms
//! again every few steps instead of growing without bound.

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, RobustEwma, score_from_tail};
use crate::{Error, Result};

/// Residuals are clamped here so a change after a flat history (an
/// infinite z-score) keeps the sums finite and still scores 1.
const Z_LIMIT: f64 = 1e6;

/// Parameters of [`Cusum`] and [`PageHinkley`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeParams {
    drift: f64,
    threshold: f64,
    alpha: f64,
}

impl ChangeParams {
    /// Allowed drift `k` per step, in standard deviations (default 0.5:
    /// tuned to detect a shift of one standard deviation).
    pub fn drift(mut self, drift: f64) -> Self {
        self.drift = drift;
        self
    }

    /// Statistic at which both sides restart (default 5 for CUSUM, 8 for
    /// Page–Hinkley), in standard deviations.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Level weight of the robust EWMA that standardises the values
    /// (default 0.05, in `(0, 1]`).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    fn check(&self) -> Result<RobustEwma> {
        for (name, v) in [("drift", self.drift), ("threshold", self.threshold)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::InvalidParameter {
                    name,
                    reason: format!("{v} is not a finite value above 0"),
                });
            }
        }
        RobustEwma::params().alpha(self.alpha).build()
    }

    /// Checks the parameters and builds a CUSUM detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a drift or threshold that is not a
    /// finite value above 0, or an `alpha` outside `(0, 1]`.
    pub fn build_cusum(self) -> Result<Cusum> {
        let front = self.check()?;
        Ok(Cusum {
            params: self,
            front,
            high: 0.0,
            low: 0.0,
        })
    }

    /// Checks the parameters and builds a Page–Hinkley detector.
    ///
    /// # Errors
    /// As [`ChangeParams::build_cusum`].
    pub fn build_page_hinkley(self) -> Result<PageHinkley> {
        let front = self.check()?;
        Ok(PageHinkley {
            params: self,
            front,
            seen: 0,
            mean: 0.0,
            up: 0.0,
            up_min: 0.0,
            down: 0.0,
            down_max: 0.0,
        })
    }

    /// The score of a statistic `s` (the larger side).
    fn score(&self, s: f64) -> f64 {
        score_from_tail((2.0 * (-2.0 * self.drift * s).exp()).min(1.0))
    }
}

/// Two-sided tabular CUSUM: `S⁺ = max(0, S⁺ + z − k)`,
/// `S⁻ = max(0, S⁻ − z − k)`; O(1) per value.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Cusum, Detector};
/// let mut d = Cusum::params().build_cusum()?;
/// let t = Timestamp::from_secs(0);
/// let noise = |i: usize| ((i * 7919) % 13) as f64 / 13.0;
/// let before: f64 = (0..500).map(|i| d.update(t, noise(i))).fold(0.0, f64::max);
/// let after: f64 = (500..520).map(|i| d.update(t, noise(i) + 1.0)).fold(0.0, f64::max);
/// assert!(after > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cusum {
    params: ChangeParams,
    front: RobustEwma,
    high: f64,
    low: f64,
}

impl Cusum {
    /// Default parameters (drift 0.5, threshold 5, EWMA alpha 0.05).
    pub fn params() -> ChangeParams {
        ChangeParams {
            drift: 0.5,
            threshold: 5.0,
            alpha: 0.05,
        }
    }
}

impl Detector for Cusum {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let z = self.front.step(x).clamp(-Z_LIMIT, Z_LIMIT);
        let k = self.params.drift;
        self.high = (self.high + z - k).max(0.0);
        self.low = (self.low - z - k).max(0.0);
        let s = self.high.max(self.low);
        if s > self.params.threshold {
            self.high = 0.0;
            self.low = 0.0;
        }
        self.params.score(s)
    }
}

/// Two-sided Page–Hinkley test on the residuals' deviation from their mean
/// since the last restart: `m⁺ = Σ (z − z̄ − δ)`, statistic `m⁺ − min m⁺`
/// (and the mirror image downwards); O(1) per value.
///
/// Unlike [`Cusum`], which measures against the EWMA level alone, the
/// reference here is the mean residual since the last restart, so a slow
/// bias of the level is absorbed rather than accumulated.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, PageHinkley};
/// let mut d = PageHinkley::params().build_page_hinkley()?;
/// let t = Timestamp::from_secs(0);
/// let noise = |i: usize| ((i * 7919) % 13) as f64 / 13.0;
/// let before: f64 = (0..500).map(|i| d.update(t, noise(i))).fold(0.0, f64::max);
/// let after: f64 = (500..520).map(|i| d.update(t, noise(i) - 1.0)).fold(0.0, f64::max);
/// assert!(after > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageHinkley {
    params: ChangeParams,
    front: RobustEwma,
    seen: u64,
    mean: f64,
    up: f64,
    up_min: f64,
    down: f64,
    down_max: f64,
}

impl PageHinkley {
    /// Default parameters (drift 0.5, threshold 8, EWMA alpha 0.05).
    pub fn params() -> ChangeParams {
        ChangeParams {
            drift: 0.5,
            threshold: 8.0,
            alpha: 0.05,
        }
    }
}

impl Detector for PageHinkley {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let z = self.front.step(x).clamp(-Z_LIMIT, Z_LIMIT);
        let d = self.params.drift;
        self.seen += 1;
        self.mean += (z - self.mean) / self.seen as f64;
        self.up += z - self.mean - d;
        self.up_min = self.up_min.min(self.up);
        self.down += z - self.mean + d;
        self.down_max = self.down_max.max(self.down);
        let s = (self.up - self.up_min).max(self.down_max - self.down);
        if s > self.params.threshold {
            *self = Self {
                params: self.params.clone(),
                front: self.front.clone(),
                seen: 0,
                mean: 0.0,
                up: 0.0,
                up_min: 0.0,
                down: 0.0,
                down_max: 0.0,
            };
        }
        self.params.score(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_score_is_the_exponential_tail_of_the_statistic() {
        let p = Cusum::params();
        assert_eq!(p.score(0.0), 0.0);
        // S = 10, k = 0.5: p = 2 e^-10.
        let expected = -(2.0 * (-10.0f64).exp()).log10() / 30.0;
        assert!((p.score(10.0) - expected).abs() < 1e-12);
    }

    #[test]
    fn the_false_alarm_rate_matches_the_calibration() {
        // Gaussian noise from a fixed-seed generator: the fraction of values
        // whose tail probability is below 1 % should be near 1 % or below
        // (the exponential tail is conservative for a discrete walk).
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let t = Timestamp::from_secs(0);
        let cut = score_from_tail(0.01);
        for mut d in [
            Box::new(ok(Cusum::params().build_cusum())) as Box<dyn Detector>,
            Box::new(ok(PageHinkley::params().build_page_hinkley())),
        ] {
            let mut alarms = 0;
            let n = 20_000;
            for _ in 0..n {
                // Box–Muller.
                let (u, v): (f64, f64) = (rng.r#gen::<f64>().max(1e-12), rng.r#gen());
                let x = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                if d.update(t, x) >= cut {
                    alarms += 1;
                }
            }
            let rate = alarms as f64 / n as f64;
            assert!(rate < 0.03, "rate {rate}");
        }
    }

    #[test]
    fn a_small_lasting_shift_is_found_that_one_value_would_not_show() {
        let t = Timestamp::from_secs(0);
        let noise = |i: usize| ((i * 7919) % 101) as f64 / 101.0 - 0.5;
        let mut d = ok(Cusum::params().build_cusum());
        let before: f64 = (0..1000).map(|i| d.update(t, noise(i))).fold(0.0, f64::max);
        // A shift of about one standard deviation (sd of U(-.5,.5) ≈ 0.29).
        let after: f64 = (1000..1030)
            .map(|i| d.update(t, noise(i) + 0.3))
            .fold(0.0, f64::max);
        assert!(after > before, "{after} vs {before}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Cusum::params().drift(0.0).build_cusum().is_err());
        assert!(Cusum::params().threshold(f64::NAN).build_cusum().is_err());
        assert!(
            PageHinkley::params()
                .alpha(2.0)
                .build_page_hinkley()
                .is_err()
        );
    }
}
