//! A robust EWMA control chart: an exponentially weighted level and mean
//! absolute deviation, with residuals clipped before they update either, so
//! one outlier neither moves the level nor inflates the scale.

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, normal_tail_two_sided, score_from_tail};
use crate::{Error, Result};

/// √(π/2): the normal standard deviation per unit of mean absolute deviation.
const MAD_TO_SD: f64 = 1.253_314_137_315_500_3;

/// Parameters of [`RobustEwma`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustEwmaParams {
    alpha: f64,
    scale_alpha: f64,
    clip: f64,
    warmup: usize,
}

impl RobustEwmaParams {
    /// Weight of a new value in the level (default 0.05, in `(0, 1]`).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Weight of a new absolute residual in the scale (default 0.01, in `(0, 1]`).
    pub fn scale_alpha(mut self, scale_alpha: f64) -> Self {
        self.scale_alpha = scale_alpha;
        self
    }

    /// Residuals beyond `clip` scales are clipped before updating the state
    /// (default 3, at least 1).
    pub fn clip(mut self, clip: f64) -> Self {
        self.clip = clip;
        self
    }

    /// Values scored 0 while the state settles (default 30).
    pub fn warmup(mut self, warmup: usize) -> Self {
        self.warmup = warmup;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<RobustEwma> {
        for (name, v) in [("alpha", self.alpha), ("scale_alpha", self.scale_alpha)] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(Error::InvalidParameter {
                    name,
                    reason: format!("{v} is not in (0, 1]"),
                });
            }
        }
        if !(self.clip >= 1.0 && self.clip.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "clip",
                reason: format!("{} is not a finite value of at least 1", self.clip),
            });
        }
        Ok(RobustEwma {
            params: self,
            level: 0.0,
            mad: 0.0,
            seen: 0,
        })
    }
}

/// Robust EWMA detector: O(1) time and memory per value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobustEwma {
    params: RobustEwmaParams,
    level: f64,
    mad: f64,
    seen: usize,
}

impl RobustEwma {
    /// Default parameters.
    pub fn params() -> RobustEwmaParams {
        RobustEwmaParams {
            alpha: 0.05,
            scale_alpha: 0.01,
            clip: 3.0,
            warmup: 30,
        }
    }

    /// The current level and standard-deviation estimate.
    pub fn level_and_scale(&self) -> (f64, f64) {
        (self.level, self.mad * MAD_TO_SD)
    }

    /// The z-score of `x` against the state, before updating it.
    pub(crate) fn z(&self, x: f64) -> f64 {
        let sd = self.mad * MAD_TO_SD;
        let r = x - self.level;
        if sd > 1e-12 * (1.0 + self.level.abs()) {
            r / sd
        } else if r.abs() > 1e-12 * (1.0 + self.level.abs()) {
            f64::INFINITY.copysign(r)
        } else {
            0.0
        }
    }

    /// Updates the state with `x` (finite) and returns its z-score.
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        self.seen += 1;
        if self.seen == 1 {
            self.level = x;
            return 0.0;
        }
        let z = self.z(x);
        let r = x - self.level;
        let limit = self.params.clip * self.mad.max(1e-12 * (1.0 + self.level.abs()));
        let clipped = if self.seen <= self.params.warmup {
            r
        } else {
            r.clamp(-limit, limit)
        };
        // The scale sees the whole residual: clipping it too would stop it
        // from catching up with a noisier regime. During warm-up it learns
        // fast (running mean), then forgets slowly.
        let a_scale = self.params.scale_alpha.max(1.0 / self.seen as f64);
        self.mad += a_scale * (r.abs() - self.mad);
        self.level += self.params.alpha.max(1.0 / self.seen as f64) * clipped;
        if self.seen <= self.params.warmup {
            0.0
        } else {
            z
        }
    }
}

impl Detector for RobustEwma {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let z = self.step(x);
        score_from_tail(normal_tail_two_sided(z))
    }
}
