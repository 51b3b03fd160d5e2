//! The two decisions the caller makes for every request — which backend, and
//! whether to send it at all — and what the caller is told when it completes.

use serde::{Deserialize, Serialize};

/// What a [`Router`] or [`Limiter`] sees when a request arrives.
///
/// The in-flight counts are the *client's* view: requests sent to each
/// backend whose response has not arrived and that have not timed out. The
/// server-side queue is not visible (a timed-out request may still occupy a
/// backend).
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    id: u64,
    now_secs: f64,
    hash_key: u64,
    in_flight: &'a [u32],
    total_in_flight: u64,
}

impl<'a> RequestContext<'a> {
    /// A context; the simulator builds these, and tests of a router or
    /// limiter can too.
    ///
    /// ```
    /// use homeostat_sim::requests::RequestContext;
    /// let ctx = RequestContext::new(7, 1.5, 42, &[3, 0, 1]);
    /// assert_eq!(ctx.backends(), 3);
    /// assert_eq!(ctx.total_in_flight(), 4);
    /// ```
    pub fn new(id: u64, now_secs: f64, hash_key: u64, in_flight: &'a [u32]) -> Self {
        let total_in_flight = in_flight.iter().map(|&n| u64::from(n)).sum();
        RequestContext::with_total(id, now_secs, hash_key, in_flight, total_in_flight)
    }

    /// Built by the engine, which keeps the total up to date itself.
    pub(crate) fn with_total(
        id: u64,
        now_secs: f64,
        hash_key: u64,
        in_flight: &'a [u32],
        total_in_flight: u64,
    ) -> Self {
        RequestContext {
            id,
            now_secs,
            hash_key,
            in_flight,
            total_in_flight,
        }
    }

    /// The request's id: its position in arrival order, from 0.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Simulated time of the arrival, seconds since the start of the run.
    pub fn now_secs(&self) -> f64 {
        self.now_secs
    }

    /// A uniformly random key drawn from the run's seed (the same request
    /// gets the same key in every run with that seed), for consistent
    /// hashing.
    pub fn hash_key(&self) -> u64 {
        self.hash_key
    }

    /// Number of backends; a router's pick must be below it.
    pub fn backends(&self) -> usize {
        self.in_flight.len()
    }

    /// The client's in-flight count per backend.
    pub fn in_flight(&self) -> &'a [u32] {
        self.in_flight
    }

    /// The client's in-flight count over all backends.
    pub fn total_in_flight(&self) -> u64 {
        self.total_in_flight
    }
}

/// The client-visible end of one request; also the per-request record of a
/// [`RequestRun`](super::RequestRun).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    /// The request's id (arrival order, from 0).
    pub id: u64,
    /// The backend it was sent to; `None` when it was rejected or the
    /// router made no valid pick.
    pub backend: Option<usize>,
    /// Arrival time, seconds since the start of the run.
    pub arrival_secs: f64,
    /// Time from arrival to the client-visible outcome: the response time
    /// for `Ok` and `Error`, the timeout for `Timeout`, 0 for `Rejected`
    /// and for routing failures.
    pub latency_secs: f64,
    /// How it ended.
    pub outcome: Outcome,
}

impl Completion {
    /// Simulated time of the client-visible outcome.
    pub fn completion_secs(&self) -> f64 {
        self.arrival_secs + self.latency_secs
    }
}

/// How a request ended, as the client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Served successfully.
    Ok,
    /// Served, but the backend failed it (see
    /// [`BackendSpec::error_rate`](super::BackendSpec::error_rate)); also a
    /// router that returned no backend or an out-of-range one.
    Error,
    /// No response within the client timeout.
    Timeout,
    /// Refused by the limiter; never sent.
    Rejected,
}

impl Outcome {
    /// Every outcome, in the order summaries and series list them.
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Timeout,
        Outcome::Rejected,
    ];

    /// The lower-case name used in labels: `ok`, `error`, `timeout`,
    /// `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
            Outcome::Rejected => "rejected",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Outcome::Ok => 0,
            Outcome::Error => 1,
            Outcome::Timeout => 2,
            Outcome::Rejected => 3,
        }
    }
}

/// Picks the backend for each admitted request.
///
/// The simulator is single-threaded and calls the router in simulated-time
/// order: `pick` at each admitted arrival, `on_complete` at the simulated
/// time of each client-visible completion of a request it was asked about
/// (not for limiter rejections).
///
/// Returning `None`, or an index that is not below
/// [`RequestContext::backends`], fails the request with
/// [`Outcome::Error`] and latency 0; the simulator never panics on it.
pub trait Router {
    /// The backend for this request.
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize>;

    /// Told of each completion of a request this router picked for (or
    /// failed to); does nothing by default.
    fn on_complete(&mut self, done: &Completion) {
        let _ = done;
    }
}

/// Admits or rejects each arriving request before it is routed.
///
/// Called in simulated-time order: `admit` at each arrival, `on_complete`
/// at the simulated time of every client-visible completion, rejections
/// included (those complete at their arrival time).
pub trait Limiter {
    /// Whether to send this request; `false` completes it as
    /// [`Outcome::Rejected`] with latency 0, without asking the router.
    fn admit(&mut self, ctx: &RequestContext<'_>) -> bool;

    /// Told of every completion; does nothing by default.
    fn on_complete(&mut self, done: &Completion) {
        let _ = done;
    }
}

impl<R: Router + ?Sized> Router for &mut R {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        (**self).pick(ctx)
    }
    fn on_complete(&mut self, done: &Completion) {
        (**self).on_complete(done);
    }
}

impl<R: Router + ?Sized> Router for Box<R> {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        (**self).pick(ctx)
    }
    fn on_complete(&mut self, done: &Completion) {
        (**self).on_complete(done);
    }
}

impl<L: Limiter + ?Sized> Limiter for &mut L {
    fn admit(&mut self, ctx: &RequestContext<'_>) -> bool {
        (**self).admit(ctx)
    }
    fn on_complete(&mut self, done: &Completion) {
        (**self).on_complete(done);
    }
}

impl<L: Limiter + ?Sized> Limiter for Box<L> {
    fn admit(&mut self, ctx: &RequestContext<'_>) -> bool {
        (**self).admit(ctx)
    }
    fn on_complete(&mut self, done: &Completion) {
        (**self).on_complete(done);
    }
}
