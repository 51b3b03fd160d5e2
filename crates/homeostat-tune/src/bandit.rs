//! Choosing among a few discrete settings with a noisy reward: UCB1.

use crate::error::{Error, Result, check_range};

/// The UCB1 bandit over `arms` discrete choices (batch sizes 16, 32, 64,
/// compression on or off, ...): play each arm once, then the arm with the
/// highest `mean + exploration × scale × √(ln n / nᵢ)`. Deterministic:
/// ties go to the lowest index.
///
/// `scale` is the typical spread of the rewards (1 for rewards in
/// `[0, 1]`); it keeps the exploration bonus in the rewards' units.
///
/// ```
/// use homeostat_tune::bandit::Ucb1;
/// let throughput = [800.0, 950.0, 900.0]; // per arm
/// let mut bandit = Ucb1::params(3).scale(100.0).check()?;
/// for _ in 0..500 {
///     let arm = bandit.select();
///     bandit.observe(arm, throughput[arm])?;
/// }
/// assert_eq!(bandit.best(), Some(1));
/// assert!(bandit.pulls()[1] > 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ucb1 {
    params: Ucb1Params,
    pulls: Vec<u64>,
    sums: Vec<f64>,
    total: u64,
}

/// Parameters of [`Ucb1`]; [`check`](Ucb1Params::check) validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct Ucb1Params {
    arms: usize,
    exploration: f64,
    scale: f64,
}

impl Ucb1 {
    /// A bandit over `arms` choices, at least 1. Defaults: exploration √2,
    /// scale 1.
    pub fn params(arms: usize) -> Ucb1Params {
        Ucb1Params {
            arms,
            exploration: std::f64::consts::SQRT_2,
            scale: 1.0,
        }
    }

    /// The arm to play next.
    pub fn select(&self) -> usize {
        if let Some(untried) = self.pulls.iter().position(|&n| n == 0) {
            return untried;
        }
        let ln_total = (self.total as f64).ln();
        let bonus = self.params.exploration * self.params.scale;
        let mut best = (0, f64::NEG_INFINITY);
        for (arm, (&n, &sum)) in self.pulls.iter().zip(&self.sums).enumerate() {
            let n = n as f64;
            let score = sum / n + bonus * (ln_total / n).sqrt();
            if score > best.1 {
                best = (arm, score);
            }
        }
        best.0
    }

    /// Records the reward of playing `arm`. A non-finite reward is an
    /// [`Error::NonFinite`], an arm out of range an
    /// [`Error::InvalidParameter`]; neither changes anything.
    pub fn observe(&mut self, arm: usize, reward: f64) -> Result<()> {
        if !reward.is_finite() {
            return Err(Error::NonFinite {
                name: "reward",
                value: reward,
            });
        }
        if arm >= self.pulls.len() {
            return Err(Error::InvalidParameter {
                name: "arm",
                value: arm as f64,
                valid: "[0, arms)",
            });
        }
        self.pulls[arm] += 1;
        self.sums[arm] += reward;
        self.total += 1;
        Ok(())
    }

    /// The arm with the highest mean reward so far (`None` before any
    /// reward).
    pub fn best(&self) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (arm, (&n, &sum)) in self.pulls.iter().zip(&self.sums).enumerate() {
            if n == 0 {
                continue;
            }
            let mean = sum / n as f64;
            if best.is_none_or(|(_, m)| mean > m) {
                best = Some((arm, mean));
            }
        }
        best.map(|(arm, _)| arm)
    }

    /// How often each arm was played.
    pub fn pulls(&self) -> &[u64] {
        &self.pulls
    }
}

impl Ucb1Params {
    /// Weight of the exploration bonus; default √2; in `[0, 1e6]`.
    pub fn exploration(mut self, exploration: f64) -> Self {
        self.exploration = exploration;
        self
    }
    /// Typical spread of the rewards; default 1; positive.
    pub fn scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }
    /// Validates the parameters into a [`Ucb1`].
    pub fn check(self) -> Result<Ucb1> {
        check_range("arms", self.arms as f64, 1.0, 1e6, "[1, 1e6]")?;
        check_range("exploration", self.exploration, 0.0, 1e6, "[0, 1e6]")?;
        check_range("scale", self.scale, f64::MIN_POSITIVE, 1e15, "(0, 1e15]")?;
        Ok(Ucb1 {
            pulls: vec![0; self.arms],
            sums: vec![0.0; self.arms],
            total: 0,
            params: self,
        })
    }
}

/// Observes the reward of the arm applied (the decision is the arm's
/// index, rounded) and proposes the next arm; a non-finite reward, or an
/// applied decision that is not an arm, teaches nothing.
impl crate::control::Controller for Ucb1 {
    type Observation = f64;

    fn current(&self) -> f64 {
        self.select() as f64
    }

    fn observe(&mut self, reward: &f64, context: &crate::control::DecisionContext) -> f64 {
        let arm = context.applied.round();
        if arm >= 0.0 && arm < self.pulls.len() as f64 {
            // Errors (a non-finite reward) change nothing: skip the round.
            let _ = Ucb1::observe(self, arm as usize, *reward);
        }
        self.select() as f64
    }
}
