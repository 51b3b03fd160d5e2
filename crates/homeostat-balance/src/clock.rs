//! Time as the balancer sees it: nanoseconds from a clock the caller chooses.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A monotonic source of time in nanoseconds.
///
/// The balancer reads it when a pick starts and completes (latency, Peak-EWMA
/// decay, ejection times, slow start). [`TscClock`] is the default of
/// balancers whose picks read the time, [`MonotonicClock`] (the operating
/// system's clock) of the others, and [`ManualClock`] drives a balancer from
/// simulated time or a test.
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

/// Time from the CPU's counter, scaled to nanoseconds and counted from the
/// clock's creation: the default clock of balancers whose picks read the
/// time.
///
/// Why: a Peak-EWMA request reads the clock twice, and two reads of the
/// counter cost less than half of two reads of the operating system's
/// clock (25 against 58 ns on the 2-core VM of docs/benchmarks.md). The
/// `quanta` crate reads it and calibrates it against the operating
/// system's monotonic clock, once per process at the first creation (a
/// few milliseconds of busy waiting, at most 200). On x86-64 with an
/// invariant time-stamp counter and RDTSCP it reads that counter, on
/// AArch64 the generic timer's virtual counter, and elsewhere the
/// operating system's monotonic clock, so the time is right on every
/// machine, only not always faster.
///
/// Readings on one thread never go back. Readings on different cores
/// compare as well as the cores' counters agree (invariant counters are
/// synchronised), so a reading may come slightly before one taken earlier
/// on another core; the balancer only subtracts with saturation, so such
/// a pair counts as no time. A reading that would fall below the origin
/// reads as the origin: after a reset of the counter (some suspend and
/// resume paths) the clock stands still until the counter passes its
/// old origin, holding timed decisions such as ejections until then;
/// where that matters, use [`MonotonicClock`].
///
/// ```
/// use homeostat_balance::{Clock, TscClock};
/// let clock = TscClock::new();
/// let a = clock.now_nanos();
/// std::thread::sleep(std::time::Duration::from_millis(2));
/// let b = clock.now_nanos();
/// assert!(b - a >= 1_000_000);
/// ```
#[derive(Debug, Clone)]
pub struct TscClock {
    clock: quanta::Clock,
    origin: u64,
}

impl TscClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        let clock = quanta::Clock::new();
        let origin = clock.raw();
        TscClock { clock, origin }
    }
}

impl Default for TscClock {
    fn default() -> Self {
        TscClock::new()
    }
}

impl Clock for TscClock {
    fn now_nanos(&self) -> u64 {
        self.clock.delta_as_nanos(self.origin, self.clock.raw())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_counter_clock_agrees_with_the_system_clock() {
        let tsc = TscClock::new();
        // Each counter reading is bracketed by system readings, so the test
        // holds however long the machine stalls between them.
        let outer_start = Instant::now();
        let a = tsc.now_nanos();
        let inner_start = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let inner_end = Instant::now();
        let b = tsc.now_nanos();
        let outer_end = Instant::now();
        let counted = (b - a) as f64;
        let inner = inner_end.duration_since(inner_start).as_nanos() as f64;
        let outer = outer_end.duration_since(outer_start).as_nanos() as f64;
        // The calibration's error: well under 1 ‰ of the interval.
        let slack = 0.001 * outer + 10_000.0;
        assert!(counted >= inner - slack, "{counted} < {inner}");
        assert!(counted <= outer + slack, "{counted} > {outer}");
    }

    #[test]
    fn the_counter_clock_never_goes_back_on_one_thread() {
        let tsc = TscClock::default();
        let mut last = tsc.now_nanos();
        for _ in 0..100_000 {
            let now = tsc.now_nanos();
            assert!(now >= last);
            last = now;
        }
        // Clones share the origin.
        assert!(tsc.clone().now_nanos() >= last);
    }
}
