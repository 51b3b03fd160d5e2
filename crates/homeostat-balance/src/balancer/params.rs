//! The balancer's parameters: a consuming builder checked once into valid
//! parameters, from which the balancer is built.

use std::sync::Arc;
use std::time::Duration;

use super::Balancer;
use crate::backend::BackendId;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::hash::maglev::is_prime;
use crate::health::{OutlierDetection, SlowStart};
use crate::select::Strategy;

/// Parameters of a [`Balancer`]; see [`Balancer::params`].
#[derive(Debug, Clone)]
pub struct BalancerParams {
    pub(super) strategy: Strategy,
    pub(super) seed: u64,
    pub(super) peak_ewma_decay: Duration,
    pub(super) peak_ewma_failure_penalty: Option<Duration>,
    pub(super) peak_ewma_stall_floor: bool,
    pub(super) outlier: Option<OutlierDetection>,
    pub(super) panic_threshold_percent: f64,
    pub(super) slow_start: Option<SlowStart>,
    pub(super) utilisation_blackout: Duration,
    pub(super) utilisation_expiry: Duration,
    pub(super) clock: Option<Arc<dyn Clock>>,
    pub(super) backends: Vec<(BackendId, f64)>,
}

/// Checked [`BalancerParams`]: every value is in range and the initial
/// backends are distinct with valid weights.
#[derive(Debug, Clone)]
pub struct ValidBalancerParams(pub(super) BalancerParams);

impl BalancerParams {
    pub(super) fn new(strategy: Strategy) -> Self {
        BalancerParams {
            strategy,
            seed: 0,
            peak_ewma_decay: Duration::from_secs(10),
            peak_ewma_failure_penalty: None,
            peak_ewma_stall_floor: false,
            outlier: None,
            panic_threshold_percent: 50.0,
            slow_start: None,
            utilisation_blackout: Duration::from_secs(10),
            utilisation_expiry: Duration::from_secs(180),
            clock: None,
            backends: Vec::new(),
        }
    }

    /// Seed of the random draws (weighted random, power of choices).
    /// Default 0. With one thread picking, the same seed gives the same
    /// picks.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Time constant of the Peak-EWMA decay, > 0. Default 10 s (Finagle's).
    pub fn peak_ewma_decay(mut self, decay: Duration) -> Self {
        self.peak_ewma_decay = decay;
        self
    }

    /// A latency, > 0, that holds a backend's Peak-EWMA estimate up after
    /// a failed request (completed with
    /// [`Outcome::Failure`](crate::Outcome::Failure), such as a timeout):
    /// from the failure until the backend's next success, the estimate is
    /// at least the penalty, decaying with the Peak-EWMA time constant
    /// from the latest failure. The failure's own latency enters the
    /// estimate as Finagle's does. Default: none, Finagle's semantics (a
    /// failure counts as the time it took, nothing more).
    ///
    /// A client that gives up after a timeout sees a backend that has
    /// become slower than the timeout as exactly the timeout, so it keeps
    /// sending it the requests a less loaded healthy backend would have
    /// got; a penalty well above the timeout (for instance 30 × the
    /// timeout) keeps such a backend out until the penalty has decayed,
    /// after which one request probes it again. A healthy backend with one
    /// tail timeout is back to its plain estimate at its next success.
    pub fn peak_ewma_failure_penalty(mut self, penalty: Duration) -> Self {
        self.peak_ewma_failure_penalty = Some(penalty);
        self
    }

    /// Takes, for a backend with requests pending, the time since it last
    /// answered as a floor of its Peak-EWMA latency estimate. Default: off
    /// (Finagle's semantics: the estimate moves only when a request
    /// completes).
    ///
    /// "Last answered" is the backend's last successful completion, or the
    /// start of its current busy period (a pick that found nothing pending
    /// on it), whichever is later; failures and cancellations do not count.
    /// While requests are pending, the time since then is a lower bound on
    /// how long the backend has gone without answering, so a backend that
    /// stalls looks slow from the moment it stalls instead of a full
    /// timeout later, when its first failure comes back. A healthy backend
    /// under load answers every few milliseconds and is not affected. The
    /// cost is one timestamp per backend, stored at a busy period's start
    /// and on each success. It combines with
    /// [`peak_ewma_failure_penalty`](Self::peak_ewma_failure_penalty),
    /// which keeps the backend out after the timeouts come back.
    pub fn peak_ewma_stall_floor(mut self, on: bool) -> Self {
        self.peak_ewma_stall_floor = on;
        self
    }

    /// Turns on passive outlier detection. Default: off.
    pub fn outlier_detection(mut self, outlier: OutlierDetection) -> Self {
        self.outlier = Some(outlier);
        self
    }

    /// When fewer than this percentage of the backends are healthy
    /// (not ejected), the balancer ignores health and balances over all of
    /// them. In `[0, 100]`; default 50 (Envoy's). 0 never panics: with
    /// every backend ejected, picks fail with
    /// [`Error::AllEjected`].
    pub fn panic_threshold_percent(mut self, percent: f64) -> Self {
        self.panic_threshold_percent = percent;
        self
    }

    /// Ramps up backends added after the balancer is built. Default: off.
    pub fn slow_start(mut self, slow_start: SlowStart) -> Self {
        self.slow_start = Some(slow_start);
        self
    }

    /// Server-reported utilisation counts only this long after a backend's
    /// first report (so one early sample cannot swing the load). Default 10 s.
    pub fn utilisation_blackout(mut self, blackout: Duration) -> Self {
        self.utilisation_blackout = blackout;
        self
    }

    /// A utilisation report older than this is ignored, and the next report
    /// starts a new blackout. Must be > 0; default 180 s.
    pub fn utilisation_expiry(mut self, expiry: Duration) -> Self {
        self.utilisation_expiry = expiry;
        self
    }

    /// The clock for latencies and timed health decisions. Default: a
    /// [`TscClock`](crate::TscClock) when picks read the time (Peak-EWMA,
    /// server utilisation, outlier detection or slow start), else a
    /// [`MonotonicClock`](crate::MonotonicClock), which only utilisation
    /// reports then read (the counter clock's first creation in a process
    /// calibrates it for a few milliseconds, which such a balancer need
    /// not pay). A [`ManualClock`](crate::ManualClock) drives the balancer
    /// from simulated time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Adds an initial backend (no slow start for these).
    pub fn backend(mut self, id: BackendId, weight: f64) -> Self {
        self.backends.push((id, weight));
        self
    }

    /// Adds initial backends `0..n`, each of weight 1.
    pub fn uniform_backends(mut self, n: u64) -> Self {
        self.backends.extend((0..n).map(|i| (BackendId(i), 1.0)));
        self
    }

    /// Checks every parameter.
    pub fn check(self) -> Result<ValidBalancerParams> {
        check_strategy(&self.strategy)?;
        positive("peak_ewma_decay", self.peak_ewma_decay)?;
        if let Some(penalty) = self.peak_ewma_failure_penalty {
            positive("peak_ewma_failure_penalty", penalty)?;
        }
        positive("utilisation_expiry", self.utilisation_expiry)?;
        if !(0.0..=100.0).contains(&self.panic_threshold_percent) {
            return Err(Error::param(
                "panic_threshold_percent",
                format!("{} is not in [0, 100]", self.panic_threshold_percent),
            ));
        }
        if let Some(outlier) = &self.outlier {
            outlier.check()?;
        }
        if let Some(slow_start) = &self.slow_start {
            slow_start.check()?;
        }
        let mut seen = std::collections::HashSet::new();
        for &(id, weight) in &self.backends {
            check_weight(id, weight)?;
            if !seen.insert(id) {
                return Err(Error::DuplicateBackend { id });
            }
        }
        Ok(ValidBalancerParams(self))
    }

    /// Checks the parameters and builds the balancer.
    pub fn build(self) -> Result<Balancer> {
        Ok(self.check()?.build())
    }
}

impl ValidBalancerParams {
    /// Builds the balancer.
    pub fn build(self) -> Balancer {
        let mut params = self.0;
        let clock = params.clock.take();
        Balancer::from_params(params, clock)
    }
}

/// Weights must be finite and positive.
pub(crate) fn check_weight(id: BackendId, weight: f64) -> Result<()> {
    if weight.is_finite() && weight > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidWeight { id, weight })
    }
}

fn positive(name: &'static str, d: Duration) -> Result<()> {
    if d.is_zero() {
        Err(Error::param(name, "must be positive"))
    } else {
        Ok(())
    }
}

fn check_strategy(strategy: &Strategy) -> Result<()> {
    match *strategy {
        Strategy::PowerOfChoices { choices, .. } if !(2..=64).contains(&choices) => Err(
            Error::param("choices", format!("{choices} is not in [2, 64]")),
        ),
        Strategy::RingHash { vnodes, .. } if !(1..=100_000).contains(&vnodes) => Err(Error::param(
            "vnodes",
            format!("{vnodes} is not in [1, 100000]"),
        )),
        Strategy::RingHash {
            load_factor: Some(c),
            ..
        } if !(c.is_finite() && c > 1.0) => Err(Error::param(
            "load_factor",
            format!("{c} is not finite and greater than 1"),
        )),
        Strategy::Maglev { table_size } if !is_prime(table_size) || table_size > 1 << 24 => {
            Err(Error::param(
                "table_size",
                format!("{table_size} is not a prime up to 2^24"),
            ))
        }
        _ => Ok(()),
    }
}
