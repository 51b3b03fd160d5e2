//! Choosing among a few discrete settings with a noisy reward: UCB1 and
//! Thompson sampling behind one [`Bandit`] trait, and [`Solidified`], which
//! freezes any bandit on its best arm once the reward is stable and
//! re-opens it on drift (the [`Solidifier`] the parameter search uses).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, StandardNormal};

use crate::control::{Controller, DecisionContext};
use crate::error::{Error, Result, check_range};
use crate::solidify::{Solidifier, SolidifyParams, Verdict};

/// A multi-armed bandit: choose an arm, record its reward.
pub trait Bandit {
    /// The number of arms.
    fn arms(&self) -> usize;
    /// The arm to play next.
    fn choose(&mut self) -> usize;
    /// The arm last chosen (before any choice, the first one it would
    /// play).
    fn current(&self) -> usize;
    /// Records the reward of playing `arm`: a non-finite reward is an
    /// [`Error::NonFinite`], an arm out of range an
    /// [`Error::InvalidParameter`]; neither changes anything.
    fn record(&mut self, arm: usize, reward: f64) -> Result<()>;
    /// The arm with the highest mean reward so far.
    fn best(&self) -> Option<usize>;
    /// Forgets every reward (the environment changed).
    fn forget(&mut self);
}

/// Pulls and reward sums per arm: the statistics both bandits keep.
#[derive(Debug, Clone, PartialEq)]
struct Arms {
    pulls: Vec<u64>,
    sums: Vec<f64>,
    total: u64,
}

impl Arms {
    fn new(arms: usize) -> Self {
        Arms {
            pulls: vec![0; arms],
            sums: vec![0.0; arms],
            total: 0,
        }
    }

    fn untried(&self) -> Option<usize> {
        self.pulls.iter().position(|&n| n == 0)
    }

    fn record(&mut self, arm: usize, reward: f64) -> Result<()> {
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

    /// The arm maximising `score(mean, pulls)` over tried arms; ties to
    /// the lowest index.
    fn argmax(&self, mut score: impl FnMut(f64, f64) -> f64) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (arm, (&n, &sum)) in self.pulls.iter().zip(&self.sums).enumerate() {
            if n == 0 {
                continue;
            }
            let n = n as f64;
            let value = score(sum / n, n);
            if best.is_none_or(|(_, b)| value > b) {
                best = Some((arm, value));
            }
        }
        best.map(|(arm, _)| arm)
    }

    fn best(&self) -> Option<usize> {
        self.argmax(|mean, _| mean)
    }

    fn forget(&mut self) {
        *self = Arms::new(self.pulls.len());
    }
}

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
    arms: Arms,
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
        if let Some(untried) = self.arms.untried() {
            return untried;
        }
        let ln_total = (self.arms.total as f64).ln();
        let bonus = self.params.exploration * self.params.scale;
        self.arms
            .argmax(|mean, n| mean + bonus * (ln_total / n).sqrt())
            .unwrap_or(0)
    }

    /// Records the reward of playing `arm`. A non-finite reward is an
    /// [`Error::NonFinite`], an arm out of range an
    /// [`Error::InvalidParameter`]; neither changes anything.
    pub fn observe(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.arms.record(arm, reward)
    }

    /// The arm with the highest mean reward so far (`None` before any
    /// reward).
    pub fn best(&self) -> Option<usize> {
        self.arms.best()
    }

    /// How often each arm was played.
    pub fn pulls(&self) -> &[u64] {
        &self.arms.pulls
    }
}

impl Bandit for Ucb1 {
    fn arms(&self) -> usize {
        self.arms.pulls.len()
    }
    fn choose(&mut self) -> usize {
        self.select()
    }
    fn current(&self) -> usize {
        self.select()
    }
    fn record(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.arms.record(arm, reward)
    }
    fn best(&self) -> Option<usize> {
        self.arms.best()
    }
    fn forget(&mut self) {
        self.arms.forget();
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
            arms: Arms::new(self.arms),
            params: self,
        })
    }
}

/// Gaussian Thompson sampling over `arms` choices: play each arm once,
/// then draw for every arm a mean from its posterior
/// `N(mean, scale² / pulls)` (rewards Gaussian with unknown mean and a
/// flat prior) and play the arm with the highest draw. Seeded: the same
/// seed and rewards give the same choices.
///
/// `scale` is the rewards' noise standard deviation, in their units.
///
/// With [`bernoulli`](ThompsonParams::bernoulli) the rewards are
/// successes in `[0, 1]` (a request served within its deadline, a batch
/// accepted, or a fraction of them) and each arm's posterior is
/// `Beta(1 + successes, 1 + failures)` from a uniform prior: the classic
/// Beta–Bernoulli Thompson sampling, which needs no `scale`.
///
/// ```
/// use homeostat_tune::bandit::ThompsonSampling;
/// let throughput = [800.0, 950.0, 900.0]; // per arm
/// let mut bandit = ThompsonSampling::params(3).scale(100.0).seed(7).check()?;
/// for _ in 0..500 {
///     let arm = bandit.select();
///     bandit.observe(arm, throughput[arm])?;
/// }
/// assert_eq!(bandit.best(), Some(1));
/// assert!(bandit.pulls()[1] > 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ThompsonSampling {
    params: ThompsonParams,
    arms: Arms,
    rng: ChaCha8Rng,
    last: usize,
}

/// Parameters of [`ThompsonSampling`]; [`check`](ThompsonParams::check)
/// validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct ThompsonParams {
    arms: usize,
    scale: f64,
    seed: u64,
    bernoulli: bool,
}

impl ThompsonSampling {
    /// A bandit over `arms` choices, at least 1. Defaults: scale 1, seed 0.
    pub fn params(arms: usize) -> ThompsonParams {
        ThompsonParams {
            arms,
            scale: 1.0,
            seed: 0,
            bernoulli: false,
        }
    }

    /// The arm to play next (draws from the posteriors).
    pub fn select(&mut self) -> usize {
        let arm = match self.arms.untried() {
            Some(untried) => untried,
            None => {
                let (scale, rng) = (self.params.scale, &mut self.rng);
                if self.params.bernoulli {
                    self.arms
                        .argmax(|mean, n| {
                            let successes = mean * n;
                            // Both shapes are at least 1: the draw exists.
                            Beta::new(1.0 + successes, 1.0 + (n - successes).max(0.0))
                                .map_or(mean, |beta| beta.sample(rng))
                        })
                        .unwrap_or(0)
                } else {
                    self.arms
                        .argmax(|mean, n| {
                            let z: f64 = StandardNormal.sample(rng);
                            mean + scale / n.sqrt() * z
                        })
                        .unwrap_or(0)
                }
            }
        };
        self.last = arm;
        arm
    }

    /// Records the reward of playing `arm`; errors as [`Ucb1::observe`],
    /// and with [`bernoulli`](ThompsonParams::bernoulli) a reward outside
    /// `[0, 1]` is an [`Error::InvalidParameter`] that changes nothing.
    pub fn observe(&mut self, arm: usize, reward: f64) -> Result<()> {
        if self.params.bernoulli && reward.is_finite() && !(0.0..=1.0).contains(&reward) {
            return Err(Error::InvalidParameter {
                name: "reward",
                value: reward,
                valid: "[0, 1]",
            });
        }
        self.arms.record(arm, reward)
    }

    /// The arm with the highest mean reward so far.
    pub fn best(&self) -> Option<usize> {
        self.arms.best()
    }

    /// How often each arm was played.
    pub fn pulls(&self) -> &[u64] {
        &self.arms.pulls
    }
}

impl ThompsonParams {
    /// The rewards' noise standard deviation; default 1; positive.
    pub fn scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }
    /// The seed of the draws; default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Rewards are successes in `[0, 1]`, with a `Beta` posterior per arm
    /// instead of a Gaussian one (`scale` is then unused).
    pub fn bernoulli(mut self) -> Self {
        self.bernoulli = true;
        self
    }
    /// Validates the parameters into a [`ThompsonSampling`].
    pub fn check(self) -> Result<ThompsonSampling> {
        check_range("arms", self.arms as f64, 1.0, 1e6, "[1, 1e6]")?;
        check_range("scale", self.scale, f64::MIN_POSITIVE, 1e15, "(0, 1e15]")?;
        Ok(ThompsonSampling {
            arms: Arms::new(self.arms),
            rng: ChaCha8Rng::seed_from_u64(self.seed),
            last: 0,
            params: self,
        })
    }
}

impl Bandit for ThompsonSampling {
    fn arms(&self) -> usize {
        self.arms.pulls.len()
    }
    fn choose(&mut self) -> usize {
        self.select()
    }
    fn current(&self) -> usize {
        self.arms.untried().unwrap_or(self.last)
    }
    fn record(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.observe(arm, reward)
    }
    fn best(&self) -> Option<usize> {
        self.arms.best()
    }
    fn forget(&mut self) {
        self.arms.forget();
    }
}

/// Any [`Bandit`], frozen on its best arm once that arm's reward is stable
/// and re-opened (every reward forgotten, exploration again) when it
/// drifts: the [`Solidifier`] of the parameter search, watching the
/// rewards of the rounds that played the best arm.
///
/// ```
/// use homeostat_tune::bandit::{Solidified, ThompsonSampling};
/// use homeostat_tune::solidify::SolidifyParams;
/// let bandit = ThompsonSampling::params(3).scale(10.0).seed(1).check()?;
/// let mut batch = Solidified::new(bandit, SolidifyParams::default())?;
/// let mut throughput = [800.0, 950.0, 900.0];
/// for round in 0..400 {
///     if round == 200 {
///         throughput = [800.0, 500.0, 900.0]; // the best setting degrades
///     }
///     let arm = batch.select();
///     batch.observe(arm, throughput[arm])?;
///     if round == 199 {
///         assert_eq!(batch.frozen_arm(), Some(1));
///     }
/// }
/// assert_eq!(batch.frozen_arm(), Some(2)); // re-opened, then frozen again
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Solidified<B> {
    bandit: B,
    watch: Solidifier,
    frozen: Option<usize>,
}

impl<B: Bandit> Solidified<B> {
    /// Wraps `bandit` with the freezing and drift settings `solidify`.
    pub fn new(bandit: B, solidify: SolidifyParams) -> Result<Self> {
        Ok(Solidified {
            bandit,
            watch: solidify.check()?,
            frozen: None,
        })
    }

    /// The arm to play next: the frozen one, or the bandit's choice.
    pub fn select(&mut self) -> usize {
        self.frozen.unwrap_or_else(|| self.bandit.choose())
    }

    /// Records the reward of playing `arm`; errors as [`Bandit::record`].
    pub fn observe(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.bandit.record(arm, reward)?;
        match self.frozen {
            Some(frozen) if frozen == arm => {
                if self.watch.observe(reward)? == Verdict::Reopened {
                    self.reopen();
                }
            }
            Some(_) => {} // another arm was forced: it says nothing about drift
            None if self.bandit.best() == Some(arm) => {
                if self.watch.observe(reward)? == Verdict::Froze {
                    self.frozen = Some(arm);
                }
            }
            None => self.watch.restart(),
        }
        Ok(())
    }

    /// The arm the bandit is frozen on.
    pub fn frozen_arm(&self) -> Option<usize> {
        self.frozen
    }

    /// Forgets every reward and explores again (on an external drift
    /// signal).
    pub fn reopen(&mut self) {
        self.frozen = None;
        self.bandit.forget();
        self.watch.restart();
    }

    /// The wrapped bandit.
    pub fn bandit(&self) -> &B {
        &self.bandit
    }
}

impl<B: Bandit> Bandit for Solidified<B> {
    fn arms(&self) -> usize {
        self.bandit.arms()
    }
    fn choose(&mut self) -> usize {
        self.select()
    }
    fn current(&self) -> usize {
        self.frozen.unwrap_or_else(|| self.bandit.current())
    }
    fn record(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.observe(arm, reward)
    }
    fn best(&self) -> Option<usize> {
        self.frozen.or_else(|| self.bandit.best())
    }
    fn forget(&mut self) {
        self.reopen();
    }
}

/// A bandit as a [`Controller`]: the decision is the arm's index; the
/// observation is the reward of the arm applied (rounded). A non-finite
/// reward, or an applied decision that is not an arm, teaches nothing.
fn observe_reward<B: Bandit>(bandit: &mut B, reward: f64, context: &DecisionContext) -> f64 {
    let arm = context.applied.round();
    if arm >= 0.0 && arm < bandit.arms() as f64 {
        // Errors (a non-finite reward) change nothing: skip the round.
        let _ = bandit.record(arm as usize, reward);
    }
    bandit.choose() as f64
}

/// The decision is the arm's index; the observation is the reward of the
/// arm applied (a non-finite reward teaches nothing).
impl Controller for Ucb1 {
    type Observation = f64;
    fn current(&self) -> f64 {
        Bandit::current(self) as f64
    }
    fn observe(&mut self, reward: &f64, context: &DecisionContext) -> f64 {
        observe_reward(self, *reward, context)
    }
}

/// The decision is the arm's index; the observation the applied arm's
/// reward.
impl Controller for ThompsonSampling {
    type Observation = f64;
    fn current(&self) -> f64 {
        Bandit::current(self) as f64
    }
    fn observe(&mut self, reward: &f64, context: &DecisionContext) -> f64 {
        observe_reward(self, *reward, context)
    }
}

/// The decision is the arm's index; the observation the applied arm's
/// reward.
impl<B: Bandit> Controller for Solidified<B> {
    type Observation = f64;
    fn current(&self) -> f64 {
        Bandit::current(self) as f64
    }
    fn observe(&mut self, reward: &f64, context: &DecisionContext) -> f64 {
        observe_reward(self, *reward, context)
    }
}
