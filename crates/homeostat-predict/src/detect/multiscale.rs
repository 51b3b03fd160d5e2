//! The default detector: robust EWMA residuals at several time scales,
//! turned into a surprise, compared with the series' own recent history of
//! surprise (like an anomaly likelihood), with repeated alarms damped.
//!
//! Why each layer: one time scale misses either spikes (slow level) or
//! drifts (fast level); comparing surprise with its own history makes one
//! threshold fit both a noisy and a quiet series; and a benchmark like NAB
//! (or an on-call engineer) rewards the first alarm of an episode, not its
//! hundredth.

use std::collections::VecDeque;

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, RobustEwma, normal_tail_two_sided};
use crate::{Error, Result};

/// Parameters of [`Multiscale`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiscaleParams {
    alphas: Vec<f64>,
    short: usize,
    long_alpha: f64,
    decay: f64,
    damping: f64,
    full_scale: f64,
}

impl MultiscaleParams {
    /// Level weights of the robust EWMA at each scale (default
    /// `[0.5, 0.1, 0.02, 0.004]`; each in `(0, 1]`, at least one).
    pub fn alphas(mut self, alphas: Vec<f64>) -> Self {
        self.alphas = alphas;
        self
    }

    /// Values averaged into the short-term surprise (default 3, at least 1).
    pub fn short(mut self, short: usize) -> Self {
        self.short = short;
        self
    }

    /// Weight of a new value in the long-term surprise statistics (default
    /// 0.001, in `(0, 1]`).
    pub fn long_alpha(mut self, long_alpha: f64) -> Self {
        self.long_alpha = long_alpha;
        self
    }

    /// Per-step decay of the recent peak score (default 0.995, in `[0, 1)`).
    pub fn decay(mut self, decay: f64) -> Self {
        self.decay = decay;
        self
    }

    /// Factor applied to a score below the decayed recent peak (default
    /// 0.2, in `[0, 1]`; 1 keeps every score).
    pub fn damping(mut self, damping: f64) -> Self {
        self.damping = damping;
        self
    }

    /// `-log10` of the likelihood tail probability that scores 1 (default
    /// 50, above 0); the score is linear in `-log10 p` below it.
    pub fn full_scale(mut self, full_scale: f64) -> Self {
        self.full_scale = full_scale;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<Multiscale> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.alphas.is_empty() {
            return bad("alphas", "no time scale".into());
        }
        let mut levels = Vec::with_capacity(self.alphas.len());
        for &a in &self.alphas {
            levels.push(
                RobustEwma::params()
                    .alpha(a)
                    .scale_alpha(a.min(0.01))
                    .build()?,
            );
        }
        if self.short == 0 {
            return bad("short", "0 values".into());
        }
        if !(self.long_alpha > 0.0 && self.long_alpha <= 1.0) {
            return bad(
                "long_alpha",
                format!("{} is not in (0, 1]", self.long_alpha),
            );
        }
        if !(0.0..1.0).contains(&self.decay) {
            return bad("decay", format!("{} is not in [0, 1)", self.decay));
        }
        if !(0.0..=1.0).contains(&self.damping) {
            return bad("damping", format!("{} is not in [0, 1]", self.damping));
        }
        if !(self.full_scale > 0.0 && self.full_scale.is_finite()) {
            return bad("full_scale", format!("{} is not above 0", self.full_scale));
        }
        Ok(Multiscale {
            params: self,
            levels,
            recent: VecDeque::new(),
            recent_sum: 0.0,
            long_mean: 0.0,
            long_var: 0.0,
            long_seen: 0,
            peak: 0.0,
        })
    }
}

/// Multiscale surprise detector; O(scales + short) per value.
///
/// The defaults were chosen on NAB's development half (see
/// docs/forecast.md), one configuration for every series.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, Multiscale};
/// let mut d = Multiscale::params().build()?;
/// let scores: Vec<f64> = (0..3000)
///     .map(|i| {
///         let x = (i as f64 * 0.1).sin() + if (2000..2050).contains(&i) { 8.0 } else { 0.0 };
///         d.update(Timestamp::from_secs(60 * i), x)
///     })
///     .collect();
/// let onset = scores[2000..2005].iter().cloned().fold(0.0, f64::max);
/// let before = scores[1000..2000].iter().cloned().fold(0.0, f64::max);
/// assert!(onset > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Multiscale {
    params: MultiscaleParams,
    levels: Vec<RobustEwma>,
    recent: VecDeque<f64>,
    recent_sum: f64,
    long_mean: f64,
    long_var: f64,
    long_seen: u64,
    peak: f64,
}

impl Multiscale {
    /// Default parameters.
    pub fn params() -> MultiscaleParams {
        MultiscaleParams {
            alphas: vec![0.5, 0.1, 0.02, 0.004],
            short: 3,
            long_alpha: 0.001,
            decay: 0.995,
            damping: 0.2,
            full_scale: 50.0,
        }
    }

    /// The parameters this detector was built with.
    pub(super) fn configured(&self) -> &MultiscaleParams {
        &self.params
    }

    fn surprise(&mut self, x: f64) -> f64 {
        let scales = self.levels.len() as f64;
        let mut p_min: f64 = 1.0;
        for level in &mut self.levels {
            let z = level.step(x);
            p_min = p_min.min(normal_tail_two_sided(z));
        }
        // Bonferroni over the scales, floored so surprise stays finite.
        let p = (p_min * scales).clamp(1e-30, 1.0);
        -p.log10()
    }
}

impl Detector for Multiscale {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let s = self.surprise(x);
        self.recent.push_back(s);
        self.recent_sum += s;
        if self.recent.len() > self.params.short
            && let Some(old) = self.recent.pop_front()
        {
            self.recent_sum -= old;
        }
        let short_mean = self.recent_sum / self.recent.len() as f64;
        // Likelihood of the short-term surprise under its long-term
        // distribution, learnt before this value joins it.
        let sd = self.long_var.sqrt().max(0.05);
        let score = if self.long_seen >= 2 * self.params.short as u64 {
            let z = (short_mean - self.long_mean) / sd;
            let p = if z > 0.0 {
                0.5 * normal_tail_two_sided(z)
            } else {
                1.0
            };
            (-p.max(1e-300).log10() / self.params.full_scale).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.long_seen += 1;
        let a = self.params.long_alpha.max(1.0 / self.long_seen as f64);
        let d = short_mean - self.long_mean;
        self.long_mean += a * d;
        self.long_var = (1.0 - a) * (self.long_var + a * d * d);
        let bar = self.peak * self.params.decay;
        self.peak = bar.max(score);
        if score > bar {
            score
        } else {
            score * self.params.damping
        }
    }
}
