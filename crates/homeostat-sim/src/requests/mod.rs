//! Request-level simulation: a discrete-event simulation in which a
//! caller-supplied [`Router`] picks the backend of each request and a
//! caller-supplied [`Limiter`] admits or rejects it, in simulated time.
//!
//! A [`RequestScenario`] describes Poisson arrivals, an optional client
//! timeout and the backends (workers, FCFS or processor sharing, service
//! time, error rate, slowdown windows). [`run`] simulates it with a seed and
//! returns a [`RequestRun`]: one [`Completion`] per request, a
//! [`RunSummary`], and per-interval series as a `Frame`.
//!
//! ```
//! use homeostat_sim::requests::{
//!     self, Completion, RequestContext, RequestScenario, Router, RoundRobin, Unlimited,
//! };
//!
//! /// Sends each request to the backend with the fewest requests in flight.
//! struct LeastInFlight;
//! impl Router for LeastInFlight {
//!     fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
//!         let counts = ctx.in_flight();
//!         (0..counts.len()).min_by_key(|&i| counts[i])
//!     }
//! }
//!
//! let scenario = RequestScenario::slow_backend();
//! let rr = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 42)?;
//! let lif = requests::run(&scenario, &mut LeastInFlight, &mut Unlimited, 42)?;
//! let p99 = |run: &requests::RequestRun| {
//!     run.summary_between(15.0, 45.0).latency.map_or(f64::NAN, |l| l.p99_secs)
//! };
//! assert!(p99(&rr) > 1.5);  // round robin keeps feeding the slow backend
//! assert!(p99(&lif) < 1.0); // least-in-flight steers around it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backend;
mod builtin;
mod engine;
mod events;
mod policy;
mod run;
mod series;
mod spec;
mod summary;

pub use builtin::{FixedConcurrency, RoundRobin, UniformRandom, Unlimited};
pub use engine::run;
pub use policy::{Completion, Limiter, Outcome, RequestContext, Router};
pub use run::RequestRun;
pub use spec::{
    BackendSpec, Discipline, MAX_BACKENDS, MAX_EXPECTED_REQUESTS, RequestScenario, Slowdown,
    SlowdownEffect,
};
pub use summary::{BackendPicks, LatencySummary, RunSummary};
