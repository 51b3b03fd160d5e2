//! Delay-based limit after TCP Vegas (Netflix `VegasLimit`).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{LimitAlgorithm, Sample, check_limits, to_limit};
use crate::error::{Result, check_range};

/// Estimates the queue as `limit × (1 − rtt_noload / rtt)` and moves the
/// limit to keep it between `alpha` and `beta`.
///
/// Faithful to Netflix concurrency-limits' `VegasLimit` with its defaults,
/// writing `L(n) = max(1, ⌊log10 n⌋)` for the current limit `n`:
/// `alpha = 3 L`, `beta = 6 L`, `threshold = L`; below the threshold the
/// limit grows by `beta` (a fast start), below `alpha` by `L`, above `beta`
/// it shrinks by `L`; a drop shrinks it by `L`. The no-load RTT is the
/// lowest RTT seen, reset to the current sample every
/// `jitter × probe_multiplier × limit` samples (jitter uniform in
/// `[0.5, 1)` from the seed) so it can rise again. A sample with fewer than
/// half the limit in flight leaves the limit alone (the service is not
/// using it).
///
/// ```
/// use homeostat_tune::limit::{LimitAlgorithm, Sample, Vegas};
/// let mut vegas = Vegas::params().check()?;
/// vegas.on_sample(&Sample::ok(0.0, 0.010, 20)); // sets the no-load RTT
/// // No queueing seen: grows by beta = 6.
/// assert_eq!(vegas.on_sample(&Sample::ok(0.1, 0.010, 20)), 26);
/// // Twice the no-load RTT: a queue of 13 > beta, shrinks by 1.
/// assert_eq!(vegas.on_sample(&Sample::ok(0.2, 0.020, 26)), 25);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Vegas {
    params: VegasParams,
    estimate: f64,
    rtt_noload: Option<f64>,
    probe_count: u64,
    probe_jitter: f64,
    rng: ChaCha8Rng,
}

/// Parameters of [`Vegas`]; [`check`](VegasParams::check) validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct VegasParams {
    initial_limit: u32,
    min_limit: u32,
    max_limit: u32,
    smoothing: f64,
    probe_multiplier: f64,
    seed: u64,
}

impl Vegas {
    /// Netflix's defaults: initial 20, max 1000, smoothing 1, probe
    /// multiplier 30; min 1 and seed 0.
    pub fn params() -> VegasParams {
        VegasParams {
            initial_limit: 20,
            min_limit: 1,
            max_limit: 1000,
            smoothing: 1.0,
            probe_multiplier: 30.0,
            seed: 0,
        }
    }

    fn reset_jitter(&mut self) {
        self.probe_jitter = self.rng.gen_range(0.5..1.0);
    }
}

impl VegasParams {
    /// The limit before any sample; default 20.
    pub fn initial_limit(mut self, limit: u32) -> Self {
        self.initial_limit = limit;
        self
    }
    /// The lowest limit; default 1.
    pub fn min_limit(mut self, limit: u32) -> Self {
        self.min_limit = limit;
        self
    }
    /// The highest limit; default 1000.
    pub fn max_limit(mut self, limit: u32) -> Self {
        self.max_limit = limit;
        self
    }
    /// Weight of the new limit against the old one; default 1 (no
    /// smoothing), in `(0, 1]`.
    pub fn smoothing(mut self, smoothing: f64) -> Self {
        self.smoothing = smoothing;
        self
    }
    /// Samples between no-load RTT resets, per unit of limit; default 30,
    /// positive.
    pub fn probe_multiplier(mut self, multiplier: f64) -> Self {
        self.probe_multiplier = multiplier;
        self
    }
    /// Seed of the probe jitter; default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Validates the parameters into a [`Vegas`].
    pub fn check(self) -> Result<Vegas> {
        check_limits(self.initial_limit, self.min_limit, self.max_limit)?;
        check_range(
            "smoothing",
            self.smoothing,
            f64::MIN_POSITIVE,
            1.0,
            "(0, 1]",
        )?;
        check_range(
            "probe_multiplier",
            self.probe_multiplier,
            f64::MIN_POSITIVE,
            1e12,
            "(0, 1e12]",
        )?;
        let mut vegas = Vegas {
            estimate: f64::from(self.initial_limit),
            rtt_noload: None,
            probe_count: 0,
            probe_jitter: 0.75,
            rng: ChaCha8Rng::seed_from_u64(self.seed),
            params: self,
        };
        vegas.reset_jitter();
        Ok(vegas)
    }
}

/// `max(1, ⌊log10 n⌋)` of the integer limit, as Netflix's `Log10RootIntFunction`.
fn log10_root(limit: f64) -> f64 {
    limit.max(1.0).log10().floor().max(1.0)
}

impl LimitAlgorithm for Vegas {
    fn limit(&self) -> u32 {
        to_limit(self.estimate, self.params.min_limit, self.params.max_limit)
    }

    fn on_sample(&mut self, sample: &Sample) -> u32 {
        let Some(rtt) = sample.valid_rtt().filter(|&rtt| rtt > 0.0) else {
            if sample.dropped {
                self.update(None, sample);
            }
            return self.limit();
        };
        self.probe_count += 1;
        let due = self.probe_jitter * self.params.probe_multiplier * self.estimate.floor();
        if due <= self.probe_count as f64 {
            self.reset_jitter();
            self.probe_count = 0;
            self.rtt_noload = Some(rtt);
            return self.limit();
        }
        match self.rtt_noload {
            Some(noload) if rtt >= noload => self.update(Some((rtt, noload)), sample),
            _ => self.rtt_noload = Some(rtt),
        }
        self.limit()
    }
}

impl Vegas {
    fn update(&mut self, rtts: Option<(f64, f64)>, sample: &Sample) {
        let limit = self.estimate.floor();
        let log = log10_root(limit);
        let next = if sample.dropped {
            limit - log
        } else if f64::from(sample.in_flight) * 2.0 < self.estimate {
            return;
        } else {
            let Some((rtt, noload)) = rtts else {
                return;
            };
            let queue = (self.estimate * (1.0 - noload / rtt)).ceil();
            let (alpha, beta, threshold) = (3.0 * log, 6.0 * log, log);
            if queue <= threshold {
                self.estimate + beta
            } else if queue < alpha {
                limit + log
            } else if queue > beta {
                limit - log
            } else {
                return;
            }
        };
        let next = next.clamp(
            f64::from(self.params.min_limit),
            f64::from(self.params.max_limit),
        );
        let s = self.params.smoothing;
        self.estimate = (1.0 - s) * self.estimate + s * next;
    }
}
