//! The acquire → permit API a service calls around each request.

use std::sync::{Mutex, MutexGuard};

use super::{LimitAlgorithm, Sample};
use crate::error::{Result, check_range};

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
    /// Per partition: its guaranteed share of the limit and its in-flight count.
    partitions: Vec<(f64, u32)>,
}

impl<A: LimitAlgorithm> Limiter<A> {
    /// A limiter with nothing in flight.
    pub fn new(algorithm: A) -> Self {
        Limiter {
            state: Mutex::new(State {
                algorithm,
                in_flight: 0,
                partitions: Vec::new(),
            }),
        }
    }

    /// A limiter whose limit is shared by partitions (for example live and
    /// batch traffic with shares `[0.9, 0.1]`), with Netflix
    /// concurrency-limits' semantics: while the total is under the limit
    /// any partition may borrow the free slots; at the limit, a partition
    /// is still admitted while it holds fewer than its guaranteed
    /// `max(1, ⌈share × limit⌉)`. So batch traffic can use an idle
    /// service, and cannot starve live traffic when it is busy.
    ///
    /// Shares must be finite, in `(0, 1]`, and sum to at most 1 (plus
    /// rounding); otherwise [`Error::InvalidParameter`](crate::Error::InvalidParameter).
    ///
    /// ```
    /// use homeostat_tune::limit::{FixedLimit, Limiter};
    /// let limiter = Limiter::partitioned(FixedLimit::new(10)?, &[0.9, 0.1])?;
    /// const LIVE: usize = 0;
    /// const BATCH: usize = 1;
    /// // Batch borrows the idle service...
    /// let batch: Vec<_> = (0..10).filter_map(|_| limiter.try_acquire_in(BATCH, 0.0)).collect();
    /// assert_eq!(batch.len(), 10);
    /// // ...but live traffic still gets its guaranteed 9 slots.
    /// let live: Vec<_> = (0..20).filter_map(|_| limiter.try_acquire_in(LIVE, 0.0)).collect();
    /// assert_eq!(live.len(), 9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn partitioned(algorithm: A, shares: &[f64]) -> Result<Self> {
        for &share in shares {
            check_range("partition share", share, f64::MIN_POSITIVE, 1.0, "(0, 1]")?;
        }
        let total: f64 = shares.iter().sum();
        check_range("sum of partition shares", total, 0.0, 1.0 + 1e-9, "[0, 1]")?;
        let limiter = Limiter::new(algorithm);
        limiter.lock().partitions = shares.iter().map(|&share| (share, 0)).collect();
        Ok(limiter)
    }

    /// A permit for a request of `partition` (an index into the shares
    /// given to [`partitioned`](Self::partitioned)); `None` when it must
    /// be shed, and always `None` for an index out of range.
    pub fn try_acquire_in(&self, partition: usize, now_secs: f64) -> Option<Permit<'_, A>> {
        let mut state = self.lock();
        let limit = state.algorithm.limit();
        let total_full = state.in_flight >= limit;
        let (share, busy) = *state.partitions.get(partition)?;
        let guaranteed = (share * f64::from(limit)).ceil().max(1.0);
        if total_full && f64::from(busy) >= guaranteed {
            return None;
        }
        state.in_flight += 1;
        if let Some(p) = state.partitions.get_mut(partition) {
            p.1 += 1;
        }
        Some(Permit {
            limiter: self,
            start_secs: now_secs,
            in_flight: state.in_flight,
            partition: Some(partition),
            released: false,
        })
    }

    /// Requests holding a permit of `partition` (0 for an unknown one).
    pub fn in_flight_in(&self, partition: usize) -> u32 {
        self.lock().partitions.get(partition).map_or(0, |p| p.1)
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
            partition: None,
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

    fn release(&self, partition: Option<usize>, sample: Option<Sample>) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(p) = partition.and_then(|i| state.partitions.get_mut(i)) {
            p.1 = p.1.saturating_sub(1);
        }
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
    partition: Option<usize>,
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
        self.limiter.release(
            self.partition,
            Some(Sample {
                now_secs,
                rtt_secs: now_secs - self.start_secs,
                in_flight: self.in_flight,
                dropped,
            }),
        );
    }
}

impl<A: LimitAlgorithm> Drop for Permit<'_, A> {
    fn drop(&mut self) {
        if !self.released {
            self.limiter.release(self.partition, None);
        }
    }
}
