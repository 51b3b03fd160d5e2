//! One backend's shared state: its weight, the load signals and the health
//! counters, updated by picks and completions from any thread.

use std::fmt;

use crate::balancer::stripe_index;
use crate::sync::{AtomicBool, AtomicU32, AtomicU64, CachePadded, Mutex, Ordering};

/// A backend's identity, chosen by the caller (an index, a hash of the
/// address, ...). Consistent hashing places backends by their id, so the
/// same ids give the same placement in every process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BackendId(pub u64);

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Below this ratio of elapsed time to the time constant, [`decay_factor`]
/// uses its series: the first omitted term, `x⁴/24`, is then under 5e-18,
/// far below the rounding of a value near 1 (1.1e-16).
const SERIES_BELOW: f64 = 1e-4;

/// `exp(-dt × rate)`: the share of an estimate that survives `dt`, for a
/// decay `rate` of `1 / tau` per nanosecond: a multiplication, not a
/// division, as it sits in the completion's dependency chain.
///
/// Why not always `exp`: on a busy backend consecutive completions and
/// picks are microseconds apart against a time constant of seconds, and
/// there `1 − x + x²/2 − x³/6` agrees with `exp(−x)` to within its rounding
/// (tested to 2 ulp) at a fraction of `exp`'s cost, which a Peak-EWMA
/// request pays three times: two candidates at the pick, one update at
/// completion (measured in docs/benchmarks.md).
#[inline(always)]
pub(crate) fn decay_factor(dt: f64, rate: f64) -> f64 {
    let x = dt * rate;
    if x < SERIES_BELOW {
        // (1 − x) + x²·(1/2 − x/6): two short chains side by side instead
        // of one chain of six operations (Horner's), on a path whose every
        // step waits for the counter's read.
        (1.0 - x) + (x * x) * (0.5 - x * (1.0 / 6.0))
    } else {
        exp_neg(x)
    }
}

/// `exp(-x)` behind a call the optimiser cannot hoist: the `exp`
/// intrinsic counts as free to speculate, and inlined into a completion's
/// update it was computed on every call, before the branch to the series
/// (a profile showed a Peak-EWMA request paying it each time).
#[inline(never)]
fn exp_neg(x: f64) -> f64 {
    (-x).exp()
}

/// Peak-EWMA state (Finagle): the estimate jumps up to any slower
/// observation and decays towards faster ones with time constant `tau`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PeakEwmaState {
    /// Latency estimate in nanoseconds; 0 before the first observation.
    pub(crate) estimate: f64,
    /// When the estimate was last updated.
    pub(crate) stamp: u64,
}

impl PeakEwmaState {
    /// The estimate decayed to `now` (Finagle decays towards 0 on read).
    #[inline(always)]
    pub(crate) fn at(&self, now: u64, rate: f64) -> f64 {
        let dt = now.saturating_sub(self.stamp) as f64;
        self.estimate * decay_factor(dt, rate)
    }

    /// Folds in one observed latency.
    pub(crate) fn observe(&mut self, rtt: f64, now: u64, rate: f64) {
        // The blend of the decayed estimate and `rtt` lies between the two
        // (up to rounding), so its maximum with `rtt` is `rtt` when `rtt`
        // is the larger (the peak is taken at once) and the blend
        // otherwise, or `rtt` again when the blend rounds a hair below
        // it: no branch to mispredict on a path that varies with every
        // request.
        let decayed_weight = decay_factor(now.saturating_sub(self.stamp) as f64, rate);
        let blend = self.estimate * decayed_weight + rtt * (1.0 - decayed_weight);
        self.estimate = blend.max(rtt);
        self.stamp = self.stamp.max(now);
    }
}

/// A [`PeakEwmaState`] read and updated without a lock: the estimate and
/// its stamp are two atomics. A completion folds its latency into the
/// estimate with a compare-and-swap loop (so concurrent completions never
/// lose one another's update, and a peak is never overwritten by a stale
/// smaller value), then stores the newer stamp. A reader (or a
/// writer) racing another writer may pair the new estimate with the old
/// stamp, or the reverse, and see it decayed by the time between two
/// completions: a momentary error far below the estimate's own noise, for
/// two plain loads on every candidate instead of a lock.
#[derive(Debug)]
pub(crate) struct SharedPeakEwma {
    estimate_bits: AtomicU64,
    stamp: AtomicU64,
}

impl Default for SharedPeakEwma {
    fn default() -> Self {
        SharedPeakEwma {
            estimate_bits: AtomicU64::new(0f64.to_bits()),
            stamp: AtomicU64::new(0),
        }
    }
}

impl SharedPeakEwma {
    fn load(&self) -> PeakEwmaState {
        PeakEwmaState {
            estimate: f64::from_bits(self.estimate_bits.load(Ordering::Acquire)),
            stamp: self.stamp.load(Ordering::Acquire),
        }
    }

    /// The estimate decayed to `now`.
    #[inline(always)]
    pub(crate) fn at(&self, now: u64, rate: f64) -> f64 {
        self.load().at(now, rate)
    }

    /// Folds in one observed latency.
    pub(crate) fn observe(&self, rtt: f64, now: u64, rate: f64) {
        let stamp = self.stamp.load(Ordering::Acquire);
        let mut bits = self.estimate_bits.load(Ordering::Acquire);
        loop {
            let mut state = PeakEwmaState {
                estimate: f64::from_bits(bits),
                stamp,
            };
            state.observe(rtt, now, rate);
            match self.estimate_bits.compare_exchange_weak(
                bits,
                state.estimate.to_bits(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(current) => bits = current,
            }
        }
        // A plain store, not `fetch_max`: a racing completion may leave the
        // stamp a few nanoseconds back (the next read then decays over a
        // slightly longer time), which costs less than a read-modify-write
        // on every completion.
        if now > stamp {
            self.stamp.store(now, Ordering::Release);
        }
    }
}

/// When a backend last showed it answers: its last successful completion,
/// or the start of its current busy period (the pick that found it with no
/// request pending), in nanoseconds.
///
/// While the backend has requests pending, `now - stamp` is a lower bound
/// on how long it has gone without answering: every request outstanding
/// right after the stamp was set is either still outstanding (so its age is
/// at least that long) or ended in a failure or a cancellation, which does
/// not count as an answer. The signal rises from the moment a backend
/// stalls, a full timeout before the first failure comes back, for one
/// atomic timestamp written only at a busy period's start and on a success.
#[derive(Debug)]
pub(crate) struct AnsweredAt(AtomicU64);

impl Default for AnsweredAt {
    fn default() -> Self {
        AnsweredAt(AtomicU64::new(0))
    }
}

impl AnsweredAt {
    /// Records an answer (or a busy period's start) at `now`. A load and a
    /// store, not a read-modify-write: the stamp only moves forward except
    /// when two writers race, and then it is left at most the time between
    /// the older writer's clock read and its store behind, which makes the
    /// backend look stalled for that long until its next success.
    pub(crate) fn mark(&self, now: u64) {
        if now > self.0.load(Ordering::Relaxed) {
            self.0.store(now, Ordering::Relaxed);
        }
    }

    /// Nanoseconds since the last answer (0 when the stamp is ahead of
    /// `now`). Meaningful only while requests are pending.
    pub(crate) fn silence(&self, now: u64) -> f64 {
        now.saturating_sub(self.0.load(Ordering::Relaxed)) as f64
    }
}

/// When the backend's current run of failures began (Peak-EWMA's failure
/// penalty): set by a failure, cleared by the next success, so a healthy
/// backend with one tail timeout is back to its plain estimate at its next
/// answer while a failing one keeps the penalty (decaying) until it
/// answers again.
#[derive(Debug)]
pub(crate) struct FailingSince(AtomicU64);

/// No failure since the last success.
const NOT_FAILING: u64 = u64::MAX;

impl Default for FailingSince {
    fn default() -> Self {
        FailingSince(AtomicU64::new(NOT_FAILING))
    }
}

impl FailingSince {
    /// A failure at `now` (the latest failure restarts the decay).
    pub(crate) fn fail(&self, now: u64) {
        self.0.store(now.min(NOT_FAILING - 1), Ordering::Relaxed);
    }

    /// A success: clears the run (a load, and a store only when one is set).
    pub(crate) fn succeed(&self) {
        if self.0.load(Ordering::Relaxed) != NOT_FAILING {
            self.0.store(NOT_FAILING, Ordering::Relaxed);
        }
    }

    /// The penalty decayed to `now` at `rate` (1 / the time constant, per
    /// nanosecond), or 0 when the backend is not failing.
    pub(crate) fn floor(&self, now: u64, penalty_nanos: f64, rate: f64) -> f64 {
        let since = self.0.load(Ordering::Relaxed);
        if since == NOT_FAILING {
            0.0
        } else {
            penalty_nanos * decay_factor(now.saturating_sub(since) as f64, rate)
        }
    }
}

/// The latest server-reported utilisation (ORCA-like).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Utilisation {
    pub(crate) value: f64,
    /// When the first report of the current run of reports arrived
    /// (the blackout period counts from it).
    pub(crate) first_at: u64,
    pub(crate) last_at: u64,
    pub(crate) reported: bool,
}

/// Everything the balancer tracks about one backend. Aligned to its own
/// cache lines: every pick and completion writes `pending`, and two
/// backends' counters sharing a line would make threads that pick
/// different backends contend.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Backend {
    pub(crate) id: BackendId,
    /// Unique in the process, unlike the id (a removed id may come back):
    /// how a guard finds its backend after the set changed.
    pub(crate) serial: u64,
    weight_bits: AtomicU64,
    /// Requests picked and not yet completed.
    pub(crate) pending: PendingCount,
    pub(crate) ewma: SharedPeakEwma,
    /// For Peak-EWMA's stall floor (written only when it is on).
    pub(crate) answered_at: AnsweredAt,
    /// For Peak-EWMA's failure penalty (written only when it is set).
    pub(crate) failing_since: FailingSince,
    pub(crate) utilisation: Mutex<Utilisation>,
    /// When the backend was added, for slow start; `None` for the
    /// backends a balancer was built with.
    pub(crate) added_at: Option<u64>,
    pub(crate) consecutive_failures: AtomicU32,
    pub(crate) interval_ok: AtomicU64,
    pub(crate) interval_failed: AtomicU64,
    /// Ejected by outlier detection (changed only under the set's lock).
    pub(crate) ejected: AtomicBool,
    pub(crate) ejected_until: AtomicU64,
    /// Ejections so far; the next ejection lasts `base × (this + 1)`.
    pub(crate) ejections: AtomicU32,
    pub(crate) removed: AtomicBool,
}

impl Backend {
    /// A backend whose pending count is split over `shards` counters (a
    /// power of two; 0 or 1 for one counter, see [`PendingCount`]).
    pub(crate) fn new(id: BackendId, weight: f64, added_at: Option<u64>, shards: usize) -> Self {
        static NEXT_SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Backend {
            id,
            serial: NEXT_SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            weight_bits: AtomicU64::new(weight.to_bits()),
            pending: PendingCount::new(shards),
            ewma: SharedPeakEwma::default(),
            answered_at: AnsweredAt::default(),
            failing_since: FailingSince::default(),
            utilisation: Mutex::new(Utilisation::default()),
            added_at,
            consecutive_failures: AtomicU32::new(0),
            interval_ok: AtomicU64::new(0),
            interval_failed: AtomicU64::new(0),
            ejected: AtomicBool::new(false),
            ejected_until: AtomicU64::new(0),
            ejections: AtomicU32::new(0),
            removed: AtomicBool::new(false),
        }
    }

    pub(crate) fn weight(&self) -> f64 {
        f64::from_bits(self.weight_bits.load(Ordering::Relaxed))
    }

    pub(crate) fn set_weight(&self, weight: f64) {
        self.weight_bits.store(weight.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn pending(&self) -> u64 {
        self.pending.get()
    }

    /// Whether outlier detection keeps this backend out at `now`.
    pub(crate) fn is_ejected(&self, now: u64) -> bool {
        self.ejected.load(Ordering::Acquire) && now < self.ejected_until.load(Ordering::Acquire)
    }

    /// The Peak-EWMA latency estimate at `now`, in nanoseconds, decaying
    /// at `rate` (1 / the time constant, per nanosecond).
    #[inline(always)]
    pub(crate) fn peak_ewma(&self, now: u64, rate: f64) -> f64 {
        self.ewma.at(now, rate)
    }
}

/// A backend's requests picked and not yet completed.
///
/// Strategies that read the count while picking (power of choices, least
/// loaded, the bounded-load ring) keep one counter. The others only report
/// it, and keep one counter per thread stripe instead, each on its own
/// cache lines: with one shared counter, two threads picking in turn over
/// the same backends would move its line between cores on every pick. A
/// completion subtracts from its own thread's counter, so one counter may
/// wrap below zero; the sum is exact, and a read while requests start and
/// end on other threads may see one's end without its start, which it
/// shows as zero rather than less.
#[derive(Debug)]
pub(crate) struct PendingCount {
    total: AtomicU64,
    /// Empty for one counter; else a power of two of them.
    shards: Box<[CachePadded<AtomicU64>]>,
}

impl PendingCount {
    fn new(shards: usize) -> Self {
        let shards = if shards > 1 {
            (0..shards.next_power_of_two())
                .map(|_| CachePadded(AtomicU64::new(0)))
                .collect()
        } else {
            Box::default()
        };
        PendingCount {
            total: AtomicU64::new(0),
            shards,
        }
    }

    /// Counts a request in; the count before it when there is one counter.
    pub(crate) fn increment(&self) -> Option<u64> {
        match self.shard() {
            Some(shard) => {
                shard.fetch_add(1, Ordering::Relaxed);
                None
            }
            None => Some(self.total.fetch_add(1, Ordering::Relaxed)),
        }
    }

    /// Counts a request out.
    pub(crate) fn decrement(&self) {
        match self.shard() {
            Some(shard) => shard.fetch_sub(1, Ordering::Relaxed),
            None => self.total.fetch_sub(1, Ordering::Relaxed),
        };
    }

    /// The count now (see the type's note on reads under way).
    pub(crate) fn get(&self) -> u64 {
        if self.shards.is_empty() {
            return self.total.load(Ordering::Relaxed);
        }
        let sum = self
            .shards
            .iter()
            .fold(0u64, |sum, s| sum.wrapping_add(s.load(Ordering::Relaxed)));
        // A wrapped sum is a read that saw an end without its start.
        if sum > u64::MAX / 2 { 0 } else { sum }
    }

    /// This thread's counter, when there are several.
    fn shard(&self) -> Option<&AtomicU64> {
        let n = self.shards.len();
        if n == 0 {
            return None;
        }
        self.shards.get(stripe_index() & (n - 1)).map(|s| &s.0)
    }
}

/// A backend as seen from outside, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendStatus {
    /// The backend's id.
    pub id: BackendId,
    /// Its configured weight.
    pub weight: f64,
    /// Requests picked and not completed.
    pub pending: u64,
    /// Whether outlier detection keeps it out now.
    pub ejected: bool,
    /// How many times it has been ejected.
    pub ejections: u32,
    /// The Peak-EWMA latency estimate now, in seconds (0 before any
    /// completion), with the failure penalty and stall floor when they are
    /// on: the latency the strategy multiplies by `pending + 1`.
    pub peak_ewma_secs: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests counted in on some threads and out on others: the sum is
    /// exact whatever the threads' counters, and a read that sees an end
    /// without its start shows zero.
    #[cfg(not(loom))]
    #[test]
    fn a_sharded_pending_count_sums_across_threads() {
        let count = std::sync::Arc::new(PendingCount::new(4));
        assert_eq!(count.shards.len(), 4);
        let started: Vec<_> = (0..4)
            .map(|_| {
                let count = std::sync::Arc::clone(&count);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        assert_eq!(count.increment(), None);
                    }
                })
            })
            .collect();
        for t in started {
            t.join().unwrap();
        }
        assert_eq!(count.get(), 4000);
        // Every request ends on this one thread.
        for _ in 0..3999 {
            count.decrement();
        }
        assert_eq!(count.get(), 1);
        count.decrement();
        assert_eq!(count.get(), 0);
        // An end seen before its start.
        count.decrement();
        assert_eq!(count.get(), 0);
        count.increment();
        assert_eq!(count.get(), 0);
        // One counter returns the count before each start.
        let single = PendingCount::new(1);
        assert!(single.shards.is_empty());
        assert_eq!(single.increment(), Some(0));
        assert_eq!(single.increment(), Some(1));
        single.decrement();
        assert_eq!(single.get(), 1);
    }

    #[test]
    fn the_decay_series_agrees_with_exp() {
        // Distance in units in the last place (both values are in (0, 1]).
        let ulps = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits());
        // Ratios from 0 up to the switch, on a fine grid and at the edge.
        let mut x = 0.0f64;
        while x < SERIES_BELOW {
            let fast = decay_factor(x, 1.0);
            let exact = (-x).exp();
            assert!(ulps(fast, exact) <= 2, "x = {x}: {fast} vs {exact}");
            x += 3.7e-8;
        }
        let rate = 1.0 / 1e10;
        for dt in [0.0, 1.0, 999.0, 1e5, 1e6 - 1.0] {
            let (fast, exact) = (decay_factor(dt, rate), (-dt / 1e10).exp());
            assert!(ulps(fast, exact) <= 2, "dt = {dt}");
        }
        // Past the switch it is `exp` itself.
        assert_eq!(decay_factor(5e9, rate), (-(5e9 * rate)).exp());
        assert!(ulps(decay_factor(5e9, rate), (-0.5f64).exp()) <= 1);
        assert_eq!(decay_factor(0.0, rate), 1.0);
    }

    #[test]
    fn peak_ewma_jumps_up_and_decays_down() {
        let rate = 1.0 / 10e9;
        let mut s = PeakEwmaState::default();
        s.observe(100.0, 0, rate);
        assert_eq!(s.estimate, 100.0);
        s.observe(500.0, 1, rate);
        assert_eq!(s.estimate, 500.0, "a slower observation is taken at once");
        s.observe(100.0, 10_000_000_001, rate);
        let w = (-1.0f64).exp();
        assert!((s.estimate - (500.0 * w + 100.0 * (1.0 - w))).abs() < 1e-6);
        // Reading decays towards zero with the same time constant.
        let now = s.stamp + 10_000_000_000;
        assert!((s.at(now, rate) - s.estimate * w).abs() < 1e-6);
    }

    #[test]
    fn answered_at_measures_the_silence_and_only_moves_forward() {
        let a = AnsweredAt::default();
        assert_eq!(a.silence(0), 0.0);
        assert_eq!(a.silence(500), 500.0);
        a.mark(100);
        assert_eq!(a.silence(350), 250.0);
        // An older stamp (a writer whose clock read is behind) is ignored.
        a.mark(40);
        assert_eq!(a.silence(350), 250.0);
        // A stamp ahead of the reader's clock reads as no silence.
        assert_eq!(a.silence(90), 0.0);
        a.mark(300);
        assert_eq!(a.silence(350), 50.0);
    }

    #[test]
    fn failing_since_holds_a_decaying_penalty_until_a_success() {
        let f = FailingSince::default();
        // A time constant of 10 ns: a rate of 0.1 per nanosecond.
        assert_eq!(f.floor(5, 100.0, 0.1), 0.0);
        f.fail(0);
        assert_eq!(f.floor(0, 100.0, 0.1), 100.0);
        assert!((f.floor(10, 100.0, 0.1) - 100.0 * (-1.0f64).exp()).abs() < 1e-9);
        // A later failure restarts the decay.
        f.fail(10);
        assert_eq!(f.floor(10, 100.0, 0.1), 100.0);
        f.succeed();
        assert_eq!(f.floor(10, 100.0, 0.1), 0.0);
        // A failure at the largest time still reads as failing.
        f.fail(u64::MAX);
        assert!(f.floor(u64::MAX, 100.0, 0.1) > 0.0);
    }

    #[test]
    fn concurrent_marks_end_at_or_near_the_newest() {
        // Two threads mark increasing times: the stamp ends at one of
        // their last marks, never above the largest time marked.
        for _ in 0..50 {
            let a = AnsweredAt::default();
            std::thread::scope(|s| {
                for t in 0..2u64 {
                    let a = &a;
                    s.spawn(move || {
                        for k in 1..=1000u64 {
                            a.mark(k * 2 + t);
                        }
                    });
                }
            });
            let stamp = 3000 - a.silence(3000) as u64;
            assert!(stamp <= 2001, "{stamp}");
            // The last store is a thread's last mark: any earlier stale
            // store is overwritten by that thread's own later marks.
            assert!(stamp >= 2000, "{stamp}");
        }
    }

    #[test]
    fn concurrent_observations_keep_the_peak() {
        // Two threads fold in many latencies at the same instant: with no
        // decay between them the estimate must end at the largest one (a
        // lost update would leave a smaller value).
        for _ in 0..50 {
            let shared = SharedPeakEwma::default();
            std::thread::scope(|s| {
                for t in 0..2u64 {
                    let shared = &shared;
                    s.spawn(move || {
                        for k in 0..500u64 {
                            shared.observe((k * 2 + t) as f64, 5, 1.0 / 10e9);
                        }
                    });
                }
            });
            let state = shared.load();
            assert_eq!(state.estimate, 999.0);
            assert_eq!(state.stamp, 5);
        }
    }
}
