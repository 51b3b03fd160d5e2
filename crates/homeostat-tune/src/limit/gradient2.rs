//! Gradient of a long-term against the current RTT (Netflix `Gradient2Limit`).

use super::{LimitAlgorithm, Sample, check_limits, to_limit};
use crate::error::{Result, check_range};

/// Compares the current RTT with an exponential average of the RTT over a
/// long window and scales the limit by their ratio, plus a queue allowance.
///
/// Faithful to Netflix concurrency-limits' `Gradient2Limit` and its
/// defaults: on each sample,
/// `gradient = clamp(rtt_tolerance × long_rtt / rtt, 0.5, 1)`,
/// `new = limit × gradient + queue_size`, smoothed as
/// `limit × (1 − smoothing) + new × smoothing`. The long RTT is the plain
/// average of the first 10 samples, then an exponential average with
/// factor `2 / (long_window + 1)`; when it exceeds twice the current RTT it
/// is pulled down by 5 % (recovery after a load spike). A sample with fewer
/// than half the limit in flight leaves the limit alone. Like the original,
/// it ignores drops (Netflix issue 176) and its long average follows a
/// sustained queue upwards, so under steady mild overload the limit creeps
/// up (Netflix issue 134); [`AdaptiveLimit`](super::AdaptiveLimit)
/// addresses both.
///
/// ```
/// use homeostat_tune::limit::{Gradient2, LimitAlgorithm, Sample};
/// let mut g = Gradient2::params().check()?;
/// // Steady RTT, limit in use: grows by queue_size × smoothing = 0.8 a sample.
/// for i in 0..10 {
///     g.on_sample(&Sample::ok(f64::from(i), 0.010, 20));
/// }
/// assert_eq!(g.limit(), 28);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient2 {
    params: Gradient2Params,
    estimate: f64,
    long_rtt: f64,
    long_count: u32,
}

/// Parameters of [`Gradient2`]; [`check`](Gradient2Params::check)
/// validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient2Params {
    initial_limit: u32,
    min_limit: u32,
    max_limit: u32,
    smoothing: f64,
    queue_size: f64,
    long_window: u32,
    rtt_tolerance: f64,
}

/// Samples averaged plainly before the exponential average takes over.
const WARMUP_SAMPLES: u32 = 10;

impl Gradient2 {
    /// Netflix's defaults: initial 20, min 20, max 200, smoothing 0.2,
    /// queue size 4, long window 600 samples, RTT tolerance 1.5.
    pub fn params() -> Gradient2Params {
        Gradient2Params {
            initial_limit: 20,
            min_limit: 20,
            max_limit: 200,
            smoothing: 0.2,
            queue_size: 4.0,
            long_window: 600,
            rtt_tolerance: 1.5,
        }
    }

    fn add_long(&mut self, rtt: f64) -> f64 {
        if self.long_count < WARMUP_SAMPLES {
            self.long_count += 1;
            self.long_rtt += (rtt - self.long_rtt) / f64::from(self.long_count);
        } else {
            let factor = 2.0 / (f64::from(self.params.long_window) + 1.0);
            self.long_rtt = self.long_rtt * (1.0 - factor) + rtt * factor;
        }
        self.long_rtt
    }
}

impl Gradient2Params {
    /// The limit before any sample; default 20.
    pub fn initial_limit(mut self, limit: u32) -> Self {
        self.initial_limit = limit;
        self
    }
    /// The lowest limit; default 20.
    pub fn min_limit(mut self, limit: u32) -> Self {
        self.min_limit = limit;
        self
    }
    /// The highest limit; default 200.
    pub fn max_limit(mut self, limit: u32) -> Self {
        self.max_limit = limit;
        self
    }
    /// Weight of each new estimate; default 0.2, in `(0, 1]`.
    pub fn smoothing(mut self, smoothing: f64) -> Self {
        self.smoothing = smoothing;
        self
    }
    /// Requests allowed to queue; default 4, in `[0, 1e6]`.
    pub fn queue_size(mut self, queue: f64) -> Self {
        self.queue_size = queue;
        self
    }
    /// Samples in the long RTT average; default 600, at least 1.
    pub fn long_window(mut self, samples: u32) -> Self {
        self.long_window = samples;
        self
    }
    /// How much the current RTT may exceed the long one before the limit
    /// shrinks; default 1.5, at least 1.
    pub fn rtt_tolerance(mut self, tolerance: f64) -> Self {
        self.rtt_tolerance = tolerance;
        self
    }
    /// Validates the parameters into a [`Gradient2`].
    pub fn check(self) -> Result<Gradient2> {
        check_limits(self.initial_limit, self.min_limit, self.max_limit)?;
        check_range(
            "smoothing",
            self.smoothing,
            f64::MIN_POSITIVE,
            1.0,
            "(0, 1]",
        )?;
        check_range("queue_size", self.queue_size, 0.0, 1e6, "[0, 1e6]")?;
        check_range(
            "long_window",
            f64::from(self.long_window),
            1.0,
            f64::MAX,
            "[1, 2^32)",
        )?;
        check_range("rtt_tolerance", self.rtt_tolerance, 1.0, 1e6, "[1, 1e6]")?;
        Ok(Gradient2 {
            estimate: f64::from(self.initial_limit),
            long_rtt: 0.0,
            long_count: 0,
            params: self,
        })
    }
}

impl LimitAlgorithm for Gradient2 {
    fn limit(&self) -> u32 {
        to_limit(self.estimate, self.params.min_limit, self.params.max_limit)
    }

    fn on_sample(&mut self, sample: &Sample) -> u32 {
        let Some(rtt) = sample.valid_rtt().filter(|&rtt| rtt > 0.0) else {
            return self.limit();
        };
        let long = self.add_long(rtt);
        if long / rtt > 2.0 {
            self.long_rtt *= 0.95;
        }
        if f64::from(sample.in_flight) < self.estimate / 2.0 {
            return self.limit();
        }
        let p = &self.params;
        let gradient = (p.rtt_tolerance * long / rtt).clamp(0.5, 1.0);
        let next = self.estimate * gradient + p.queue_size;
        let next = self.estimate * (1.0 - p.smoothing) + next * p.smoothing;
        self.estimate = next.clamp(f64::from(p.min_limit), f64::from(p.max_limit));
        self.limit()
    }
}
