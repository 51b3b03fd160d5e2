//! Forecast-residual detector: the one-step error of a Holt–Winters model
//! (damped trend, optional additive season), refitted periodically on a
//! sliding window, against the error spread of its fit.

use std::collections::VecDeque;

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Detector, normal_tail_two_sided, score_from_tail};
use crate::forecast::{HoltWinters, HoltWintersFit, Seasonality};
use crate::{Error, Result};

/// Parameters of [`ForecastResidual`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastResidualParams {
    window: usize,
    refit: usize,
    period: Option<usize>,
}

impl ForecastResidualParams {
    /// Values the model is fitted on (default 400; at least 10, and at
    /// least two seasons with a period). The first `window` values score 0.
    pub fn window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Values between refits (default 200, at least 1).
    pub fn refit(mut self, refit: usize) -> Self {
        self.refit = refit;
        self
    }

    /// An additive season of this many steps (at least 2; default none).
    pub fn period(mut self, period: usize) -> Self {
        self.period = Some(period);
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<ForecastResidual> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.window < 10 {
            return bad("window", format!("{} is below 10", self.window));
        }
        if self.refit == 0 {
            return bad("refit", "0 values".into());
        }
        if let Some(p) = self.period
            && (p < 2 || self.window < 2 * p)
        {
            return bad(
                "period",
                format!("{p} is below 2 or above half the window ({})", self.window),
            );
        }
        Ok(ForecastResidual {
            params: self,
            recent: VecDeque::new(),
            fit: None,
            sd: 0.0,
            since_fit: 0,
        })
    }
}

/// Forecast-residual detector: O(1) per value between refits, a
/// Nelder–Mead fit on `window` values every `refit` values (amortised
/// O(window / refit × fit iterations)); O(window) memory.
///
/// The error spread is the fit's `σ` (one-step root mean square error on
/// the window); after a flat window `σ = 0` and any error scores 1.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, ForecastResidual};
/// let mut d = ForecastResidual::params().window(100).build()?;
/// let t = Timestamp::from_secs(0);
/// // A steady ramp with small wiggles is predictable; a jump is not.
/// let before: f64 = (0..300).map(|i| d.update(t, i as f64 + (i % 3) as f64 * 0.1)).fold(0.0, f64::max);
/// assert!(d.update(t, 350.0) > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForecastResidual {
    params: ForecastResidualParams,
    recent: VecDeque<f64>,
    fit: Option<HoltWintersFit>,
    sd: f64,
    since_fit: usize,
}

impl ForecastResidual {
    /// Default parameters.
    pub fn params() -> ForecastResidualParams {
        ForecastResidualParams {
            window: 400,
            refit: 200,
            period: None,
        }
    }

    fn refit(&mut self) {
        let y: Vec<f64> = self.recent.iter().copied().collect();
        let mut p = HoltWinters::params().damped(true);
        if let Some(m) = self.params.period {
            p = p.period(m).seasonality(Seasonality::Additive);
        }
        // The window is finite and long enough (checked in `build`), so a
        // fit error cannot happen; keeping the previous model is the safe
        // answer if it ever did.
        if let Ok(fit) = p.fit(&y) {
            self.sd = fit.sigma2().max(0.0).sqrt();
            self.fit = Some(fit);
        }
        self.since_fit = 0;
    }
}

impl Detector for ForecastResidual {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let score = match self.fit.as_mut() {
            Some(fit) => {
                let err = fit.observe(x);
                let tiny = 1e-12 * (1.0 + x.abs());
                if self.sd > tiny {
                    score_from_tail(normal_tail_two_sided(err / self.sd))
                } else if err.abs() > tiny {
                    1.0
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        self.recent.push_back(x);
        if self.recent.len() > self.params.window {
            self.recent.pop_front();
        }
        self.since_fit += 1;
        let due = match self.fit {
            None => self.recent.len() >= self.params.window,
            Some(_) => self.since_fit >= self.params.refit,
        };
        if due {
            self.refit();
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seasonal_model_absorbs_the_season() {
        let t = Timestamp::from_secs(0);
        let wave =
            |i: usize| 50.0 + 10.0 * [1.0, 0.0, -1.0, 0.0][i % 4] + ((i * 7919) % 13) as f64 * 0.05;
        let mut d = ForecastResidual::params()
            .window(80)
            .refit(40)
            .period(4)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let before: f64 = (0..400).map(|i| d.update(t, wave(i))).fold(0.0, f64::max);
        assert!(before < 0.2, "{before}");
        // i = 400 is a peak phase; the trough value there is 20 off.
        assert!(d.update(t, 40.0) > 0.5);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(ForecastResidual::params().window(5).build().is_err());
        assert!(ForecastResidual::params().refit(0).build().is_err());
        assert!(
            ForecastResidual::params()
                .window(20)
                .period(11)
                .build()
                .is_err()
        );
        assert!(ForecastResidual::params().period(1).build().is_err());
    }
}
