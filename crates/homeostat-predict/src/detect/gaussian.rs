//! NAB's windowed Gaussian: the value's z-score against the mean and
//! standard deviation of the last `window` values.

use std::collections::VecDeque;

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, normal_tail_two_sided, score_from_tail};
use crate::{Error, Result};

/// Parameters of [`WindowedGaussian`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowedGaussianParams {
    window: usize,
}

impl WindowedGaussianParams {
    /// Values in the reference window (default 6400, NAB's; at least 2).
    pub fn window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `window < 2`.
    pub fn build(self) -> Result<WindowedGaussian> {
        if self.window < 2 {
            return Err(Error::InvalidParameter {
                name: "window",
                reason: format!("{} is below 2", self.window),
            });
        }
        Ok(WindowedGaussian {
            params: self,
            values: VecDeque::new(),
            shift: None,
            sum: 0.0,
            sum_sq: 0.0,
        })
    }
}

/// Windowed Gaussian detector: O(1) per value, O(window) memory.
///
/// Sums are kept relative to the first value seen, so a series with a large
/// offset keeps its variance's precision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WindowedGaussian {
    params: WindowedGaussianParams,
    values: VecDeque<f64>,
    shift: Option<f64>,
    sum: f64,
    sum_sq: f64,
}

impl WindowedGaussian {
    /// Default parameters.
    pub fn params() -> WindowedGaussianParams {
        WindowedGaussianParams { window: 6400 }
    }
}

impl Detector for WindowedGaussian {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let shift = *self.shift.get_or_insert(x);
        let y = x - shift;
        let n = self.values.len() as f64;
        let score = if n >= 2.0 {
            let mean = self.sum / n;
            let var = ((self.sum_sq - self.sum * mean) / (n - 1.0)).max(0.0);
            let sd = var.sqrt();
            if sd > 1e-12 * (1.0 + mean.abs()) {
                score_from_tail(normal_tail_two_sided((y - mean) / sd))
            } else if (y - mean).abs() > 1e-12 * (1.0 + mean.abs()) {
                // A flat history: any change is as surprising as it gets.
                1.0
            } else {
                0.0
            }
        } else {
            0.0
        };
        self.values.push_back(y);
        self.sum += y;
        self.sum_sq += y * y;
        if self.values.len() > self.params.window
            && let Some(old) = self.values.pop_front()
        {
            self.sum -= old;
            self.sum_sq -= old * old;
        }
        score
    }
}
