//! Adaptive concurrency limits.
//!
//! A [`LimitAlgorithm`] turns each completed request's [`Sample`] (its
//! round-trip time, whether it was dropped, and the requests in flight when
//! it started) into a new concurrency limit. A [`Limiter`] holds one
//! algorithm and the in-flight count, and hands out [`Permit`]s: a service
//! acquires a permit before doing work and reports the outcome through it.
//!
//! The algorithms: [`FixedLimit`] (the baseline), [`Aimd`], [`Vegas`] and
//! [`Gradient2`] (with Netflix concurrency-limits' published defaults), and
//! [`AdaptiveLimit`], ours, which avoids their known failure modes.
//!
//! Every algorithm keeps its limit within its `[min_limit, max_limit]`,
//! whatever it is fed: a sample whose RTT is NaN, infinite or negative is
//! ignored (a dropped one still counts as a drop where the algorithm
//! counts drops).
//!
//! ```
//! use homeostat_tune::limit::{AdaptiveLimit, Limiter};
//! let limiter = Limiter::new(AdaptiveLimit::params().check()?);
//! let mut now = 0.0;
//! for _ in 0..1000 {
//!     if let Some(permit) = limiter.try_acquire(now) {
//!         now += 0.010;
//!         permit.success(now); // 10 ms and served
//!     }
//! }
//! assert!(limiter.limit() >= 20); // no congestion seen: the limit grew
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod adaptive;
mod aimd;
mod gradient2;
mod limiter;
mod vegas;

pub use adaptive::{AdaptiveLimit, AdaptiveLimitParams};
pub use aimd::{Aimd, AimdParams};
pub use gradient2::{Gradient2, Gradient2Params};
pub use limiter::{Limiter, Permit};
pub use vegas::{Vegas, VegasParams};

use crate::control::{Controller, DecisionContext, Enveloped};
use crate::error::{Result, check_range};

/// What a limit algorithm learns from one completed request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When the request completed, seconds on the caller's clock (any
    /// origin, non-decreasing).
    pub now_secs: f64,
    /// Round-trip time of the request, seconds.
    pub rtt_secs: f64,
    /// Requests in flight when this one was admitted, itself included.
    pub in_flight: u32,
    /// Whether the request was dropped: timed out, rejected downstream or
    /// shed. Drops signal congestion.
    pub dropped: bool,
}

impl Sample {
    /// A successful request.
    pub fn ok(now_secs: f64, rtt_secs: f64, in_flight: u32) -> Self {
        Sample {
            now_secs,
            rtt_secs,
            in_flight,
            dropped: false,
        }
    }

    /// A dropped (timed-out, shed) request.
    pub fn dropped(now_secs: f64, rtt_secs: f64, in_flight: u32) -> Self {
        Sample {
            now_secs,
            rtt_secs,
            in_flight,
            dropped: true,
        }
    }

    /// The RTT if it is usable: finite and not negative.
    pub fn valid_rtt(&self) -> Option<f64> {
        (self.rtt_secs.is_finite() && self.rtt_secs >= 0.0).then_some(self.rtt_secs)
    }
}

/// A concurrency-limit algorithm: each completed request's [`Sample`] in,
/// a new limit out.
pub trait LimitAlgorithm {
    /// The current limit: how many requests may be in flight at once.
    fn limit(&self) -> u32;

    /// Updates the limit from one completed request and returns the new
    /// limit.
    fn on_sample(&mut self, sample: &Sample) -> u32;
}

impl<A: LimitAlgorithm + ?Sized> LimitAlgorithm for Box<A> {
    fn limit(&self) -> u32 {
        (**self).limit()
    }
    fn on_sample(&mut self, sample: &Sample) -> u32 {
        (**self).on_sample(sample)
    }
}

/// A limit that never changes: the baseline the adaptive ones are compared
/// with.
///
/// ```
/// use homeostat_tune::limit::{FixedLimit, LimitAlgorithm, Sample};
/// let mut fixed = FixedLimit::new(50)?;
/// assert_eq!(fixed.on_sample(&Sample::dropped(1.0, 5.0, 50)), 50);
/// assert!(FixedLimit::new(0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedLimit {
    limit: u32,
}

impl FixedLimit {
    /// A fixed limit of `limit`, at least 1.
    pub fn new(limit: u32) -> Result<Self> {
        check_range(
            "limit",
            f64::from(limit),
            1.0,
            f64::from(u32::MAX),
            "[1, 2^32)",
        )?;
        Ok(FixedLimit { limit })
    }
}

impl LimitAlgorithm for FixedLimit {
    fn limit(&self) -> u32 {
        self.limit
    }
    fn on_sample(&mut self, _sample: &Sample) -> u32 {
        self.limit
    }
}

/// Checks the `[min_limit, max_limit]` pair and the initial limit shared by
/// the algorithms' params.
pub(crate) fn check_limits(initial: u32, min: u32, max: u32) -> Result<()> {
    let max_f = f64::from(u32::MAX);
    check_range("min_limit", f64::from(min), 1.0, max_f, "[1, 2^32)")?;
    crate::error::check_order("min_limit", f64::from(min), "max_limit", f64::from(max))?;
    check_range(
        "initial_limit",
        f64::from(initial),
        f64::from(min),
        f64::from(max),
        "[min_limit, max_limit]",
    )?;
    Ok(())
}

/// Rounds a real-valued estimate down to a limit in `[min, max]`; NaN maps
/// to `min`.
pub(crate) fn to_limit(estimate: f64, min: u32, max: u32) -> u32 {
    if estimate.is_nan() {
        return min;
    }
    // `as` saturates, and the clamp keeps it in the envelope.
    (estimate.floor() as u32).clamp(min, max)
}

/// Every limit algorithm is a [`Controller`] of the limit: it observes
/// completed requests (the context is not needed: the algorithm keeps its
/// own limit and is told each request's in-flight count).
impl<A: LimitAlgorithm> Controller for A {
    type Observation = Sample;

    fn current(&self) -> f64 {
        f64::from(self.limit())
    }

    fn observe(&mut self, sample: &Sample, _context: &DecisionContext) -> f64 {
        f64::from(self.on_sample(sample))
    }
}

/// An enveloped limit algorithm is a limit algorithm whose limit is the
/// enveloped decision (rounded down; use an
/// [`integral`](crate::control::EnvelopeParams::integral) envelope with a
/// minimum of at least 1). The sample's completion time is the decision
/// time.
///
/// ```
/// use homeostat_tune::control::{Enveloped, Envelope};
/// use homeostat_tune::limit::{AdaptiveLimit, LimitAlgorithm, Limiter, Sample};
/// let envelope = Envelope::params(10.0, 100.0).max_step(1.0).integral().check()?;
/// let mut limit = Enveloped::new(AdaptiveLimit::params().check()?, envelope);
/// // A drop asks for 10 % less (18); the envelope allows 1 less per decision.
/// assert_eq!(limit.on_sample(&Sample::dropped(0.0, 1.0, 20)), 19);
/// let limiter = Limiter::new(limit); // and it drives a limiter
/// assert_eq!(limiter.limit(), 19);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<A: LimitAlgorithm> LimitAlgorithm for Enveloped<A> {
    fn limit(&self) -> u32 {
        to_limit(self.decision(), 0, u32::MAX)
    }

    fn on_sample(&mut self, sample: &Sample) -> u32 {
        self.decide(sample, sample.now_secs);
        self.limit()
    }
}
