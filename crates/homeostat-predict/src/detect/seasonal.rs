//! Seasonal residual detector: removes a per-phase seasonal profile, then
//! scores the remainder with a robust EWMA (see [`RobustEwma`]).
//!
//! The period is given, or detected once from the first values as the lag
//! with the highest autocorrelation (a local peak above `min_acf`); without
//! one the detector is the robust EWMA alone.

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, RobustEwma, normal_tail_two_sided, score_from_tail};
use crate::{Error, Result};

/// Parameters of [`SeasonalResidual`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalResidualParams {
    period: Option<usize>,
    max_period: usize,
    detect_len: usize,
    min_acf: f64,
    gamma: f64,
    alpha: f64,
}

impl SeasonalResidualParams {
    /// A known period, in steps (at least 2); skips detection.
    pub fn period(mut self, period: usize) -> Self {
        self.period = Some(period);
        self
    }

    /// Longest period detection considers (default 300, at least 2).
    pub fn max_period(mut self, max_period: usize) -> Self {
        self.max_period = max_period;
        self
    }

    /// Values buffered (and scored 0) before the period is detected
    /// (default 900, at least `3 × max_period` so three cycles are seen).
    pub fn detect_len(mut self, detect_len: usize) -> Self {
        self.detect_len = detect_len;
        self
    }

    /// Autocorrelation a lag needs to count as the period (default 0.3,
    /// in `(0, 1)`).
    pub fn min_acf(mut self, min_acf: f64) -> Self {
        self.min_acf = min_acf;
        self
    }

    /// Weight of a new value in its phase's seasonal offset (default 0.1,
    /// in `(0, 1]`).
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
    }

    /// Level weight of the robust EWMA on the remainder (default 0.05, in
    /// `(0, 1]`).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<SeasonalResidual> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if let Some(p) = self.period
            && p < 2
        {
            return bad("period", format!("{p} is below 2"));
        }
        if self.max_period < 2 {
            return bad("max_period", format!("{} is below 2", self.max_period));
        }
        if self.period.is_none() && self.detect_len < 3 * self.max_period {
            return bad(
                "detect_len",
                format!("{} is below 3 × max_period", self.detect_len),
            );
        }
        if !(self.min_acf > 0.0 && self.min_acf < 1.0) {
            return bad("min_acf", format!("{} is not in (0, 1)", self.min_acf));
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return bad("gamma", format!("{} is not in (0, 1]", self.gamma));
        }
        let front = RobustEwma::params().alpha(self.alpha).build()?;
        Ok(SeasonalResidual {
            params: self,
            front,
            buffer: Vec::new(),
            profile: Vec::new(),
            step: 0,
        })
    }
}

/// Seasonal residual detector: O(1) per value after an O(`detect_len` ×
/// `max_period`) detection once; O(`detect_len`) memory until then, O(period)
/// after.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, SeasonalResidual};
/// let mut d = SeasonalResidual::params().max_period(50).detect_len(200).build()?;
/// let t = Timestamp::from_secs(0);
/// let wave = |i: usize| [0.0, 10.0, 20.0, 10.0][i % 4] + (i % 3) as f64 * 0.1;
/// for i in 0..1000 { d.update(t, wave(i)); }
/// assert_eq!(d.period(), Some(4));
/// // 20 is an ordinary value at phase 2 but a large one at phase 0.
/// assert!(d.update(t, 20.0) > 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeasonalResidual {
    params: SeasonalResidualParams,
    front: RobustEwma,
    buffer: Vec<f64>,
    /// Seasonal offsets by phase; empty until the period is known, one zero
    /// offset when no season was found.
    profile: Vec<f64>,
    step: usize,
}

impl SeasonalResidual {
    /// Default parameters (period detected).
    pub fn params() -> SeasonalResidualParams {
        SeasonalResidualParams {
            period: None,
            max_period: 300,
            detect_len: 900,
            min_acf: 0.3,
            gamma: 0.1,
            alpha: 0.05,
        }
    }

    /// The period in use: `None` while buffering, `Some(1)` when no season
    /// was found.
    pub fn period(&self) -> Option<usize> {
        (!self.profile.is_empty()).then_some(self.profile.len())
    }

    fn buffer_len(&self) -> usize {
        match self.params.period {
            Some(p) => (2 * p).max(30),
            None => self.params.detect_len,
        }
    }

    /// Fixes the period, initialises the profile from the buffer's
    /// per-phase means and replays the buffer through the state.
    fn start(&mut self) {
        let buffer = std::mem::take(&mut self.buffer);
        let period = self
            .params
            .period
            .unwrap_or_else(|| detect_period(&buffer, self.params.max_period, self.params.min_acf));
        let mean = buffer.iter().sum::<f64>() / buffer.len() as f64;
        let mut sums = vec![0.0; period];
        let mut counts = vec![0usize; period];
        for (i, v) in buffer.iter().enumerate() {
            sums[i % period] += v - mean;
            counts[i % period] += 1;
        }
        self.profile = if period == 1 {
            vec![0.0]
        } else {
            sums.iter()
                .zip(&counts)
                .map(|(s, c)| s / (*c).max(1) as f64)
                .collect()
        };
        self.step = 0;
        for v in buffer {
            self.advance(v);
        }
    }

    /// Scores-to-be z of `x`, then the state update.
    fn advance(&mut self, x: f64) -> f64 {
        let m = self.profile.len();
        let phase = self.step % m;
        self.step = (self.step + 1) % m;
        let offset = self.profile[phase];
        let z = self.front.step(x - offset);
        if m > 1 {
            let (level, _) = self.front.level_and_scale();
            self.profile[phase] += self.params.gamma * (x - level - offset);
        }
        z
    }
}

/// The lag in `2..=max_period` with the highest autocorrelation, if that is
/// a local peak above `min_acf`; 1 (no season) otherwise or for a flat input.
pub(crate) fn detect_period(y: &[f64], max_period: usize, min_acf: f64) -> usize {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n.max(1) as f64;
    let var: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    if var <= 0.0 || var.is_nan() || n < 3 {
        return 1;
    }
    let acf = |lag: usize| -> f64 {
        (lag..n)
            .map(|i| (y[i] - mean) * (y[i - lag] - mean))
            .sum::<f64>()
            / var
    };
    let last = max_period.min(n / 2);
    let values: Vec<f64> = (0..=last + 1)
        .map(|l| if l < n { acf(l) } else { 0.0 })
        .collect();
    let mut best = (1, min_acf);
    for lag in 2..=last {
        let a = values[lag];
        if a > best.1 && a >= values[lag - 1] && a >= values[lag + 1] {
            best = (lag, a);
        }
    }
    best.0
}

impl Detector for SeasonalResidual {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        if self.profile.is_empty() {
            self.buffer.push(x);
            if self.buffer.len() >= self.buffer_len() {
                self.start();
            }
            return 0.0;
        }
        score_from_tail(normal_tail_two_sided(self.advance(x)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_of_a_noisy_wave_is_found() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let y: Vec<f64> = (0..900)
            .map(|i| (i as f64 * std::f64::consts::TAU / 48.0).sin() + rng.gen_range(-0.5..0.5))
            .collect();
        assert_eq!(detect_period(&y, 300, 0.3), 48);
        assert_eq!(detect_period(&[3.0; 100], 30, 0.3), 1);
        let noise: Vec<f64> = (0..900).map(|_| rng.gen_range(0.0..1.0)).collect();
        assert_eq!(detect_period(&noise, 300, 0.3), 1);
    }

    #[test]
    fn an_off_phase_value_scores_above_the_seasonal_swing() {
        let mut d = SeasonalResidual::params()
            .period(24)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let t = Timestamp::from_secs(0);
        let wave = |i: usize| {
            10.0 * (i as f64 * std::f64::consts::TAU / 24.0).sin() + ((i * 7919) % 13) as f64 * 0.05
        };
        let before: f64 = (0..2400).map(|i| d.update(t, wave(i))).fold(0.0, f64::max);
        // The wave's peak value at phase 0, where the wave is near 0.
        let s = d.update(t, 10.0);
        assert!(s > before && s > 0.5, "{s} vs {before}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(SeasonalResidual::params().period(1).build().is_err());
        assert!(SeasonalResidual::params().max_period(400).build().is_err());
        assert!(SeasonalResidual::params().min_acf(1.0).build().is_err());
        assert!(SeasonalResidual::params().gamma(0.0).build().is_err());
    }
}
