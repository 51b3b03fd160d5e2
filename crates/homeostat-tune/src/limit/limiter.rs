//! The acquire → permit API a service calls around each request.

use std::sync::{Mutex, MutexGuard};

use super::{LimitAlgorithm, Sample};

/// Admits requests while fewer than the algorithm's limit are in flight.
///
/// Thread-safe: share it (`Arc<Limiter<_>>`) between the tasks of a
/// service. Times are seconds on the caller's clock, so the limiter runs
/// the same under a simulator and in production (pass
/// `start.elapsed().as_secs_f64()`).
///
/// ```
/// use homeostat_tune::limit::{FixedLimit, Limiter};
/// let limiter = Limiter::new(FixedLimit::new(2)?);
/// let a = limiter.try_acquire(0.0).expect("under the limit");
/// let b = limiter.try_acquire(0.0).expect("under the limit");
/// assert!(limiter.try_acquire(0.0).is_none()); // full: shed the request
/// a.success(0.05);
/// b.dropped(1.0); // timed out
/// assert_eq!(limiter.in_flight(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Limiter<A> {
    state: Mutex<State<A>>,
}

#[derive(Debug)]
struct State<A> {
    algorithm: A,
    in_flight: u32,
}

impl<A: LimitAlgorithm> Limiter<A> {
    /// A limiter with nothing in flight.
    pub fn new(algorithm: A) -> Self {
        Limiter {
            state: Mutex::new(State {
                algorithm,
                in_flight: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<A>> {
        // The state stays consistent even if a holder panicked: every
        // critical section is a few assignments.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A permit if fewer than the limit are in flight, else `None` (reject
    /// or queue the request).
    pub fn try_acquire(&self, now_secs: f64) -> Option<Permit<'_, A>> {
        let mut state = self.lock();
        if state.in_flight >= state.algorithm.limit() {
            return None;
        }
        state.in_flight += 1;
        Some(Permit {
            limiter: self,
            start_secs: now_secs,
            in_flight: state.in_flight,
            released: false,
        })
    }

    /// The current limit.
    pub fn limit(&self) -> u32 {
        self.lock().algorithm.limit()
    }

    /// Requests holding a permit.
    pub fn in_flight(&self) -> u32 {
        self.lock().in_flight
    }

    /// Runs `f` on the algorithm (to read its state).
    pub fn with_algorithm<T>(&self, f: impl FnOnce(&A) -> T) -> T {
        f(&self.lock().algorithm)
    }

    fn release(&self, sample: Option<Sample>) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(sample) = sample {
            state.algorithm.on_sample(&sample);
        }
    }
}

/// One admitted request. Report how it ended with
/// [`success`](Permit::success) or [`dropped`](Permit::dropped); dropping
/// the permit without either (or calling [`ignore`](Permit::ignore))
/// releases its slot without teaching the algorithm anything, for requests
/// whose latency says nothing about the service (a client error, a
/// cancellation).
#[derive(Debug)]
#[must_use = "a permit holds a slot until it is reported or dropped"]
pub struct Permit<'a, A: LimitAlgorithm> {
    limiter: &'a Limiter<A>,
    start_secs: f64,
    in_flight: u32,
    released: bool,
}

impl<A: LimitAlgorithm> Permit<'_, A> {
    /// The request was served; `now_secs` is its completion time.
    pub fn success(mut self, now_secs: f64) {
        self.finish(now_secs, false);
    }

    /// The request timed out or was shed downstream: congestion.
    pub fn dropped(mut self, now_secs: f64) {
        self.finish(now_secs, true);
    }

    /// Releases the slot without a sample.
    pub fn ignore(self) {}

    /// Requests in flight when this one was admitted, itself included.
    pub fn in_flight_at_start(&self) -> u32 {
        self.in_flight
    }

    fn finish(&mut self, now_secs: f64, dropped: bool) {
        self.released = true;
        self.limiter.release(Some(Sample {
            now_secs,
            rtt_secs: now_secs - self.start_secs,
            in_flight: self.in_flight,
            dropped,
        }));
    }
}

impl<A: LimitAlgorithm> Drop for Permit<'_, A> {
    fn drop(&mut self) {
        if !self.released {
            self.limiter.release(None);
        }
    }
}
