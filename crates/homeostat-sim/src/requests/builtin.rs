//! Simple routers and limiters: baselines for experiments and tests.

use rand::Rng;

use super::policy::{Limiter, RequestContext, Router};
use crate::rng::{SimRng, label, stream};

/// Sends request `k` to backend `k mod n`, whatever their state.
///
/// ```
/// use homeostat_sim::requests::{RequestContext, RoundRobin, Router};
/// let mut rr = RoundRobin::new();
/// let ctx = RequestContext::new(0, 0.0, 0, &[0, 0, 0]);
/// let picks: Vec<_> = (0..4).map(|_| rr.pick(&ctx)).collect();
/// assert_eq!(picks, [Some(0), Some(1), Some(2), Some(0)]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RoundRobin {
    next: usize,
}

impl RoundRobin {
    /// Starts at backend 0.
    pub fn new() -> Self {
        RoundRobin { next: 0 }
    }
}

impl Router for RoundRobin {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        let n = ctx.backends();
        if n == 0 {
            return None;
        }
        let pick = self.next % n;
        self.next = (pick + 1) % n;
        Some(pick)
    }
}

/// Sends each request to a backend chosen uniformly at random from its own
/// seeded stream.
///
/// ```
/// use homeostat_sim::requests::{RequestContext, Router, UniformRandom};
/// let ctx = RequestContext::new(0, 0.0, 0, &[0; 5]);
/// let (mut a, mut b) = (UniformRandom::new(3), UniformRandom::new(3));
/// for _ in 0..10 {
///     let pick = a.pick(&ctx);
///     assert!(pick.is_some_and(|i| i < 5));
///     assert_eq!(pick, b.pick(&ctx));
/// }
/// ```
#[derive(Debug, Clone)]
pub struct UniformRandom {
    rng: SimRng,
}

impl UniformRandom {
    /// A router whose choices follow `seed`.
    pub fn new(seed: u64) -> Self {
        UniformRandom {
            rng: stream(seed, label::REQUESTS + ROUTER_STREAM),
        }
    }
}

/// Offset of the random router's stream from the request-stream base.
const ROUTER_STREAM: u64 = 16;

impl Router for UniformRandom {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        let n = ctx.backends();
        (n > 0).then(|| self.rng.gen_range(0..n))
    }
}

/// Admits everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl Limiter for Unlimited {
    fn admit(&mut self, _ctx: &RequestContext<'_>) -> bool {
        true
    }
}

/// Admits a request while the client has fewer than `max` (the field)
/// requests in flight over all backends; 0 rejects everything.
///
/// ```
/// use homeostat_sim::requests::{FixedConcurrency, Limiter, RequestContext};
/// let mut limit = FixedConcurrency(4);
/// assert!(limit.admit(&RequestContext::new(0, 0.0, 0, &[1, 2])));
/// assert!(!limit.admit(&RequestContext::new(1, 0.0, 0, &[2, 2])));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedConcurrency(
    /// The most requests in flight at once.
    pub u64,
);

impl Limiter for FixedConcurrency {
    fn admit(&mut self, ctx: &RequestContext<'_>) -> bool {
        ctx.total_in_flight() < self.0
    }
}
