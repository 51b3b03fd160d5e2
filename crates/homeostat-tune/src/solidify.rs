//! Freezing a setting once its objective is stable, and re-opening it on
//! drift: the logic the parameter search and the bandits share.

use std::collections::VecDeque;

use crate::error::{Error, Result, check_range};

/// Parameters of a [`Solidifier`]; [`check`](SolidifyParams::check)
/// validates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolidifyParams {
    settle_rounds: u32,
    settle_tolerance: f64,
    drift_rounds: u32,
    drift_tolerance: f64,
}

impl Default for SolidifyParams {
    /// Freeze after 10 rounds within 5 % of their mean, re-open after 3
    /// rounds beyond 20 % of the frozen level.
    fn default() -> Self {
        SolidifyParams {
            settle_rounds: 10,
            settle_tolerance: 0.05,
            drift_rounds: 3,
            drift_tolerance: 0.2,
        }
    }
}

impl SolidifyParams {
    /// Consecutive stable rounds before freezing; default 10; at least 1.
    pub fn settle_rounds(mut self, rounds: u32) -> Self {
        self.settle_rounds = rounds;
        self
    }
    /// Relative band around the mean counted as stable; default 0.05;
    /// in `[0, 10]`.
    pub fn settle_tolerance(mut self, tolerance: f64) -> Self {
        self.settle_tolerance = tolerance;
        self
    }
    /// Consecutive drifting rounds that re-open a frozen setting; default
    /// 3; at least 1.
    pub fn drift_rounds(mut self, rounds: u32) -> Self {
        self.drift_rounds = rounds;
        self
    }
    /// Relative distance from the frozen level counted as drift; default
    /// 0.2; in `[0, 10]`.
    pub fn drift_tolerance(mut self, tolerance: f64) -> Self {
        self.drift_tolerance = tolerance;
        self
    }
    /// Validates the parameters into a [`Solidifier`].
    pub fn check(self) -> Result<Solidifier> {
        let rounds = |name, value: u32| {
            check_range(name, f64::from(value), 1.0, 1e6, "[1, 1e6]").map(|_| ())
        };
        rounds("settle_rounds", self.settle_rounds)?;
        rounds("drift_rounds", self.drift_rounds)?;
        check_range(
            "settle_tolerance",
            self.settle_tolerance,
            0.0,
            10.0,
            "[0, 10]",
        )?;
        check_range(
            "drift_tolerance",
            self.drift_tolerance,
            0.0,
            10.0,
            "[0, 10]",
        )?;
        Ok(Solidifier {
            params: self,
            state: State::Watching(VecDeque::with_capacity(self.settle_rounds as usize)),
        })
    }
}

/// What one observation did to a [`Solidifier`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// Not stable yet (or the window was restarted).
    Watching,
    /// Stable for `settle_rounds`: frozen now.
    Froze,
    /// Frozen, and the objective is still near its level.
    Frozen,
    /// Drifted for `drift_rounds`: the setting must be searched again (the
    /// solidifier is watching again).
    Reopened,
}

/// Watches an objective: freezes once `settle_rounds` consecutive
/// observations stay within `settle_tolerance` (relative) of their mean,
/// and re-opens after `drift_rounds` consecutive observations further than
/// `drift_tolerance` from the frozen level.
///
/// ```
/// use homeostat_tune::solidify::{SolidifyParams, Verdict};
/// let mut watch = SolidifyParams::default().settle_rounds(3).drift_rounds(2).check()?;
/// assert_eq!(watch.observe(100.0)?, Verdict::Watching);
/// assert_eq!(watch.observe(101.0)?, Verdict::Watching);
/// assert_eq!(watch.observe(99.0)?, Verdict::Froze);
/// assert_eq!(watch.frozen_level(), Some(100.0));
/// assert_eq!(watch.observe(60.0)?, Verdict::Frozen); // one bad round is not drift
/// assert_eq!(watch.observe(60.0)?, Verdict::Reopened);
/// assert!(watch.observe(f64::NAN).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Solidifier {
    params: SolidifyParams,
    state: State,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Watching(VecDeque<f64>),
    Frozen { level: f64, drifting: u32 },
}

impl Solidifier {
    /// Records one observation of the objective. A non-finite one is an
    /// [`Error::NonFinite`] and changes nothing.
    pub fn observe(&mut self, objective: f64) -> Result<Verdict> {
        if !objective.is_finite() {
            return Err(Error::NonFinite {
                name: "objective",
                value: objective,
            });
        }
        let p = self.params;
        let verdict = match &mut self.state {
            State::Watching(window) => {
                if window.len() >= p.settle_rounds as usize {
                    window.pop_front();
                }
                window.push_back(objective);
                if window.len() < p.settle_rounds as usize {
                    return Ok(Verdict::Watching);
                }
                let mean = window.iter().sum::<f64>() / window.len() as f64;
                let band = p.settle_tolerance * mean.abs();
                if !window.iter().all(|v| (v - mean).abs() <= band) {
                    return Ok(Verdict::Watching);
                }
                self.state = State::Frozen {
                    level: mean,
                    drifting: 0,
                };
                Verdict::Froze
            }
            State::Frozen { level, drifting } => {
                if (objective - *level).abs() > p.drift_tolerance * level.abs() {
                    *drifting += 1;
                } else {
                    *drifting = 0;
                }
                if *drifting < p.drift_rounds {
                    return Ok(Verdict::Frozen);
                }
                self.restart();
                Verdict::Reopened
            }
        };
        Ok(verdict)
    }

    /// Forgets everything and starts watching again (the setting changed,
    /// or an external drift signal arrived).
    pub fn restart(&mut self) {
        self.state = State::Watching(VecDeque::with_capacity(self.params.settle_rounds as usize));
    }

    /// Whether the setting is frozen.
    pub fn is_frozen(&self) -> bool {
        matches!(self.state, State::Frozen { .. })
    }

    /// The objective's level when it froze.
    pub fn frozen_level(&self) -> Option<f64> {
        match self.state {
            State::Frozen { level, .. } => Some(level),
            State::Watching(_) => None,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &SolidifyParams {
        &self.params
    }
}
