//! The discrete-event loop.
//!
//! # Time
//!
//! Simulated time is `f64` seconds since the start of the run, everywhere:
//! arrivals, service times, events and records. Over the longest runs the
//! spec allows (10⁹ s) the spacing of `f64` stays below a microsecond, and
//! over the usual minutes it is below a picosecond, far finer than any
//! service time; integer nanoseconds would only add conversions on the hot
//! path. The arithmetic is the same on every run, so the output is
//! bit-for-bit reproducible.
//!
//! # Events
//!
//! Three sources of events, and each step takes the earliest:
//!
//! - the next arrival, kept as one variable (arrivals are generated lazily,
//!   never queued);
//! - server completions, in a binary heap of 16-byte events keyed by
//!   (time, sequence number), so simultaneous events run in the order they
//!   were scheduled;
//! - client timeouts: every request gets the same timeout, so deadlines are
//!   created in increasing order and a FIFO queue holds them.
//!
//! On equal times a server completion runs before a timeout (a response
//! arriving exactly at the deadline counts), and both before an arrival.
//! Nothing is allocated per request beyond the record, a flag, and slots in
//! the reusable queues.

use std::collections::VecDeque;

use rand::RngCore;
use rand_distr::{Distribution, Exp1};

use super::backend::Backend;
use super::events::{EventQueue, Target};
use super::policy::{Completion, Limiter, Outcome, RequestContext, Router};
use super::run::RequestRun;
use super::spec::RequestScenario;
use crate::error::Result;
use crate::rng::{SimRng, label, stream};

/// Simulates `scenario` with the given router and limiter.
///
/// Validates the scenario first ([`RequestScenario::validate`]). Requests
/// arrive as a Poisson process in `[0, duration_secs)`; each is offered to
/// the limiter, then routed, then queued and served by its backend; the run
/// ends when every request has a client-visible outcome (requests still in
/// service after their client timed out are abandoned then: timeouts do
/// not cancel server-side work, which keeps occupying the backend until it
/// finishes, as with a real server that never learns the client left).
///
/// The same scenario, policies and `seed` give identical records.
///
/// ```
/// use homeostat_sim::requests::{self, RequestScenario, RoundRobin, Unlimited};
/// let run = requests::run(&RequestScenario::slow_backend(), &mut RoundRobin::new(),
///                         &mut Unlimited, 7)?;
/// let summary = run.summary();
/// assert!(summary.requests > 55_000);
/// assert_eq!(summary.ok, summary.requests); // no errors, no timeouts
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run<R, L>(
    scenario: &RequestScenario,
    router: &mut R,
    limiter: &mut L,
    seed: u64,
) -> Result<RequestRun>
where
    R: Router + ?Sized,
    L: Limiter + ?Sized,
{
    scenario.validate()?;
    let mut engine = Engine::new(scenario, seed);
    engine.simulate(router, limiter);
    Ok(RequestRun::new(scenario.clone(), engine.records))
}

/// The state of one run.
#[derive(Debug)]
struct Engine {
    duration_secs: f64,
    arrival_rate: f64,
    timeout_secs: Option<f64>,
    arrivals: SimRng,
    keys: SimRng,
    backends: Vec<Backend>,
    events: EventQueue,
    /// (deadline, request index), deadlines non-decreasing.
    timeouts: VecDeque<(f64, usize)>,
    /// Client view: requests sent and not yet answered or timed out.
    in_flight: Vec<u32>,
    total_in_flight: u64,
    records: Vec<Completion>,
    /// Whether each request already has its client-visible outcome.
    done: Vec<bool>,
}

impl Engine {
    fn new(scenario: &RequestScenario, seed: u64) -> Self {
        let expected = scenario.arrival_rate * scenario.duration_secs;
        // Room for the Poisson count plus five standard deviations.
        let capacity = (expected + 5.0 * expected.sqrt() + 16.0) as usize;
        let backends = scenario
            .backends
            .iter()
            .zip(0u32..)
            .map(|(spec, i)| Backend::new(i, spec, seed))
            .collect();
        Engine {
            duration_secs: scenario.duration_secs,
            arrival_rate: scenario.arrival_rate,
            timeout_secs: scenario.timeout_secs(),
            arrivals: stream(seed, label::REQUESTS),
            keys: stream(seed, label::REQUESTS + 1),
            backends,
            events: EventQueue::default(),
            timeouts: VecDeque::new(),
            in_flight: vec![0; scenario.backends.len()],
            total_in_flight: 0,
            records: Vec::with_capacity(capacity),
            done: Vec::with_capacity(capacity),
        }
    }

    fn interarrival(&mut self) -> f64 {
        let e: f64 = Exp1.sample(&mut self.arrivals);
        e / self.arrival_rate
    }

    fn simulate<R, L>(&mut self, router: &mut R, limiter: &mut L)
    where
        R: Router + ?Sized,
        L: Limiter + ?Sized,
    {
        let mut next_arrival = self.interarrival();
        loop {
            let arrival = if next_arrival < self.duration_secs {
                next_arrival
            } else {
                if self.total_in_flight == 0 {
                    break;
                }
                f64::INFINITY
            };
            let event = self.events.next_time();
            let timeout = self.timeouts.front().map_or(f64::INFINITY, |t| t.0);
            if event <= timeout && event <= arrival && event < f64::INFINITY {
                self.server_event(router, limiter);
            } else if timeout <= arrival && timeout < f64::INFINITY {
                if let Some((_, request)) = self.timeouts.pop_front()
                    && !self.done[request]
                {
                    let latency = self.timeout_secs.unwrap_or(0.0);
                    self.finish(request, latency, Outcome::Timeout, router, limiter);
                }
            } else if arrival < f64::INFINITY {
                self.arrive(arrival, router, limiter);
                next_arrival += self.interarrival();
            } else {
                // Unreachable: a request in flight always has a pending
                // server event. Stop rather than spin.
                debug_assert!(false, "requests in flight but no events left");
                break;
            }
        }
    }

    fn server_event<R, L>(&mut self, router: &mut R, limiter: &mut L)
    where
        R: Router + ?Sized,
        L: Limiter + ?Sized,
    {
        let Some(event) = self.events.pop() else {
            return;
        };
        let backend = match event.target() {
            Target::Request(request) => self.records.get(request).and_then(|r| r.backend),
            Target::Backend(backend) => Some(backend as usize),
        };
        let Some(backend) = backend.and_then(|b| self.backends.get_mut(b)) else {
            return;
        };
        let Some(request) = backend.complete(event, &mut self.events) else {
            return; // a stale processor-sharing event
        };
        if self.done[request] {
            return; // the client timed out earlier
        }
        let outcome = if backend.fails() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        let latency = event.time() - self.records[request].arrival_secs;
        self.finish(request, latency, outcome, router, limiter);
    }

    fn arrive<R, L>(&mut self, now: f64, router: &mut R, limiter: &mut L)
    where
        R: Router + ?Sized,
        L: Limiter + ?Sized,
    {
        let request = self.records.len();
        let ctx = RequestContext::with_total(
            request as u64,
            now,
            self.keys.next_u64(),
            &self.in_flight,
            self.total_in_flight,
        );
        let mut record = Completion {
            id: request as u64,
            backend: None,
            arrival_secs: now,
            latency_secs: 0.0,
            outcome: Outcome::Rejected,
        };
        if !limiter.admit(&ctx) {
            self.records.push(record);
            self.done.push(true);
            limiter.on_complete(&record);
            return;
        }
        let pick = router.pick(&ctx).filter(|&b| b < self.backends.len());
        let Some((b, backend)) = pick.and_then(|b| Some((b, self.backends.get_mut(b)?))) else {
            record.outcome = Outcome::Error;
            self.records.push(record);
            self.done.push(true);
            router.on_complete(&record);
            limiter.on_complete(&record);
            return;
        };
        // `finish` sets the real outcome and latency when the request ends.
        record.backend = Some(b);
        record.outcome = Outcome::Ok;
        self.records.push(record);
        self.done.push(false);
        self.in_flight[b] += 1;
        self.total_in_flight += 1;
        if let Some(timeout) = self.timeout_secs {
            self.timeouts.push_back((now + timeout, request));
        }
        backend.arrive(request, now, &mut self.events);
    }

    /// Records the client-visible outcome and tells the policies.
    fn finish<R, L>(
        &mut self,
        request: usize,
        latency_secs: f64,
        outcome: Outcome,
        router: &mut R,
        limiter: &mut L,
    ) where
        R: Router + ?Sized,
        L: Limiter + ?Sized,
    {
        let record = &mut self.records[request];
        record.latency_secs = latency_secs;
        record.outcome = outcome;
        self.done[request] = true;
        if let Some(b) = record.backend {
            self.in_flight[b] -= 1;
            self.total_in_flight -= 1;
        }
        let record = *record;
        router.on_complete(&record);
        limiter.on_complete(&record);
    }
}
