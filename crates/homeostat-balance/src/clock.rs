//! Time as the balancer sees it: nanoseconds from a clock the caller chooses.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A monotonic source of time in nanoseconds.
///
/// The balancer reads it when a pick starts and completes (latency, Peak-EWMA
/// decay, ejection times, slow start). [`MonotonicClock`] is the default;
/// [`ManualClock`] drives a balancer from simulated time or a test.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Nanoseconds since an arbitrary fixed origin; never decreases.
    fn now_nanos(&self) -> u64;
}

/// Wall time from [`Instant`], counted from the clock's creation.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        MonotonicClock {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock::new()
    }
}

impl Clock for MonotonicClock {
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that only moves when told to: for simulations and tests.
///
/// ```
/// use homeostat_balance::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// clock.set_secs(1.5);
/// assert_eq!(clock.now_nanos(), 1_500_000_000);
/// clock.advance_nanos(10);
/// assert_eq!(clock.now_nanos(), 1_500_000_010);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock at 0.
    pub fn new() -> Self {
        ManualClock::default()
    }

    /// Sets the time; a time earlier than the current one is ignored, so the
    /// clock stays monotonic. Negative and NaN seconds count as 0.
    pub fn set_secs(&self, secs: f64) {
        let nanos = if secs.is_finite() && secs > 0.0 {
            (secs * 1e9) as u64
        } else if secs == f64::INFINITY {
            u64::MAX
        } else {
            0
        };
        self.nanos.fetch_max(nanos, Ordering::Relaxed);
    }

    /// Moves the clock forward (saturating).
    pub fn advance_nanos(&self, nanos: u64) {
        let _ = self
            .nanos
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(nanos))
            });
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::Relaxed)
    }
}
