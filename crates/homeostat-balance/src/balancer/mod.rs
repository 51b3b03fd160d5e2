//! The balancer: a set of backends swapped atomically on change, a strategy
//! that picks from it, and the health tracking fed by completions.

mod choose;
mod eject;
mod params;
mod snapshot;

use std::sync::Arc;

use arc_swap::ArcSwap;

pub(crate) use params::check_weight;
pub use params::{BalancerParams, ValidBalancerParams};
pub(crate) use snapshot::Placement;

use crate::backend::{Backend, BackendId, BackendStatus};
use crate::clock::{Clock, MonotonicClock, TscClock};
use crate::error::{Error, Result};
use crate::hash::{maglev, mix64, ring::Ring};
use crate::health::{OutlierDetection, SlowStart};
use crate::select::alias::AliasTable;
use crate::select::sequence::{edf_sequence, smooth_weighted_sequence};
use crate::select::{LoadSignal, Strategy};
use crate::sync::{AtomicU64, AtomicUsize, CachePadded, Mutex, MutexGuard, Ordering};

/// Spreads requests over a changing set of backends.
///
/// `Balancer` is `Send + Sync`: share it (by reference or in an `Arc`) and
/// pick from any number of threads. A pick reads the current backend set
/// from this thread's copy, refreshed from an [`ArcSwap`] when the set
/// changed (no lock, and no read-modify-write while it has not), chooses
/// with the [`Strategy`] using
/// atomics only (the server-utilisation signal takes a per-backend lock
/// for a few nanoseconds), and returns a [`Pick`](crate::Pick) guard
/// that reports the outcome when it completes or is dropped. Adding,
/// removing and re-weighting backends builds a new set under a writers'
/// lock that picks never take; the guards of a removed backend still
/// complete cleanly (without effect).
///
/// ```
/// use homeostat_balance::{BackendId, Balancer, Outcome, Request, Strategy};
/// let lb = Balancer::params(Strategy::peak_ewma())
///     .backend(BackendId(1), 1.0)
///     .backend(BackendId(2), 1.0)
///     .seed(7)
///     .build()?;
/// let pick = lb.pick(&Request::new())?;
/// let id = pick.backend();
/// // ... send the request to `id` ...
/// pick.complete(Outcome::Success);
/// lb.add(BackendId(3), 2.0)?;
/// assert_eq!(lb.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Balancer {
    strategy: Strategy,
    /// Peak-EWMA's decay: 1 / its time constant, per nanosecond.
    decay_rate: f64,
    /// What a failure counts as in Peak-EWMA, in nanoseconds (0: nothing
    /// more than the time it took).
    failure_penalty_nanos: f64,
    /// Whether Peak-EWMA takes a busy backend's silence as a floor of its
    /// estimate (see [`BalancerParams::peak_ewma_stall_floor`]).
    stall_floor: bool,
    outlier: Option<OutlierDetection>,
    panic_threshold_percent: f64,
    slow_start: Option<SlowStart>,
    utilisation_blackout: u64,
    utilisation_expiry: u64,
    /// Whether picks and completions read the clock at all.
    tracks_time: bool,
    /// Whether completions feed the Peak-EWMA estimate.
    tracks_latency: bool,
    /// Counters per backend pending count (1: one shared counter; see
    /// `PendingCount`).
    pending_shards: usize,
    clock: Arc<dyn Clock>,
    /// Unique in the process: names the balancer in threads' set caches
    /// (which loom builds do without).
    #[cfg_attr(loom, allow(dead_code))]
    id: u64,
    set: ArcSwap<BackendSet>,
    /// The generation of the set last published (see `snapshot`).
    generation: AtomicU64,
    /// Serialises changes to the set and to ejections; picks never take it.
    writer: Mutex<()>,
    /// Per-thread-stripe round-robin cursors and random states (see
    /// [`Stripe`]).
    stripes: Box<[CachePadded<Stripe>]>,
    /// Backends with the ejected flag set (changed under `writer`).
    ejected: AtomicUsize,
    next_sweep: AtomicU64,
}

/// How many counters each backend's pending count gets under `strategy`:
/// one where picks read it, else one per thread stripe the machine can run
/// at once (a power of two, at most [`STRIPES`]).
fn pending_shards(strategy: Strategy) -> usize {
    let reads_pending = matches!(
        strategy,
        Strategy::PowerOfChoices { .. }
            | Strategy::LeastLoaded { .. }
            | Strategy::RingHash {
                load_factor: Some(_),
                ..
            }
    );
    if reads_pending {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .next_power_of_two()
            .min(STRIPES)
    }
}

/// The next balancer's id.
static NEXT_BALANCER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Stripes of per-thread state: a power of two, more than the cores of
/// most machines that embed one balancer per process.
pub(crate) const STRIPES: usize = 16;

/// The state a pick advances: a round-robin cursor and a SplitMix64
/// state. Each thread uses one stripe (see [`stripe_index`]), so threads do
/// not share the cache line. A stripe is advanced with a load and a store,
/// not a read-modify-write: when more threads than stripes share one, two
/// racing picks may take the same step (the same backend or the same
/// random word), which only shifts a share by one pick and costs nothing
/// when they do not race.
#[derive(Debug)]
pub(crate) struct Stripe {
    pub(crate) cursor: AtomicUsize,
    pub(crate) rng: AtomicU64,
}

impl Stripe {
    /// Stripe `k` of a balancer seeded with `seed`. Every cursor starts at
    /// 0, so a thread's round robin starts at the first backend whatever
    /// its stripe. Stripe 0's random state is `mix64(seed)`, where a single
    /// shared state would start; the others start at their own states, so
    /// threads do not draw the same candidates.
    fn new(seed: u64, k: u64) -> Stripe {
        Stripe {
            cursor: AtomicUsize::new(0),
            rng: AtomicU64::new(mix64(
                seed.wrapping_add(k.wrapping_mul(0x5851_f42d_4c95_7f2d)),
            )),
        }
    }

    /// Advances the cursor by one and returns its previous value.
    pub(crate) fn next_cursor(&self) -> usize {
        let c = self.cursor.load(Ordering::Relaxed);
        self.cursor.store(c.wrapping_add(1), Ordering::Relaxed);
        c
    }

    /// Advances the random state by one SplitMix64 step and returns its
    /// previous value.
    pub(crate) fn next_seed(&self) -> u64 {
        let s = self.rng.load(Ordering::Relaxed);
        self.rng
            .store(s.wrapping_add(0x9e37_79b9_7f4a_7c15), Ordering::Relaxed);
        s
    }
}

/// This thread's stripe: threads are numbered in the order they first pick
/// from any balancer, modulo [`STRIPES`]. A program that picks from one
/// thread (the simulator, the CLI) always uses stripe 0.
pub(crate) fn stripe_index() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % STRIPES;
    }
    INDEX.with(|i| *i)
}

/// An immutable snapshot of the backends and the strategy's table for them.
#[derive(Debug, Default)]
pub(crate) struct BackendSet {
    /// Counts the balancer's publications: unique per set of a balancer.
    pub(crate) generation: u64,
    /// In the order they were created, so by increasing serial number
    /// (added backends go last, removals keep the order).
    pub(crate) backends: Vec<Arc<Backend>>,
    pub(crate) table: Table,
}

/// What a strategy precomputes per backend set.
#[derive(Debug, Default)]
pub(crate) enum Table {
    #[default]
    None,
    Sequence(Vec<u32>),
    Alias(AliasTable),
    Ring(Ring),
    Maglev(maglev::Table),
}

impl Balancer {
    /// Parameters for a balancer with this strategy; see
    /// [`BalancerParams`] for the options and their defaults.
    pub fn params(strategy: Strategy) -> BalancerParams {
        BalancerParams::new(strategy)
    }

    fn from_params(params: BalancerParams, clock: Option<Arc<dyn Clock>>) -> Balancer {
        let tracks_latency = matches!(
            params.strategy,
            Strategy::PowerOfChoices {
                load: LoadSignal::PeakEwma,
                ..
            } | Strategy::LeastLoaded {
                load: LoadSignal::PeakEwma
            }
        );
        let uses_utilisation = matches!(
            params.strategy,
            Strategy::PowerOfChoices {
                load: LoadSignal::ServerUtilisation,
                ..
            } | Strategy::LeastLoaded {
                load: LoadSignal::ServerUtilisation
            }
        );
        let tracks_time = tracks_latency
            || uses_utilisation
            || params.outlier.is_some()
            || params.slow_start.is_some();
        // The counter clock is for hot paths that read the time; creating
        // the first one in a process calibrates it (milliseconds).
        let clock = clock.unwrap_or_else(|| -> Arc<dyn Clock> {
            if tracks_time {
                Arc::new(TscClock::new())
            } else {
                Arc::new(MonotonicClock::new())
            }
        });
        let nanos = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let first_sweep = params
            .outlier
            .as_ref()
            .map_or(u64::MAX, |o| nanos(o.interval));
        let lb = Balancer {
            strategy: params.strategy,
            decay_rate: 1.0 / params.peak_ewma_decay.as_nanos() as f64,
            failure_penalty_nanos: params
                .peak_ewma_failure_penalty
                .map_or(0.0, |d| d.as_nanos() as f64),
            stall_floor: tracks_latency && params.peak_ewma_stall_floor,
            outlier: params.outlier,
            panic_threshold_percent: params.panic_threshold_percent,
            slow_start: params.slow_start,
            utilisation_blackout: nanos(params.utilisation_blackout),
            utilisation_expiry: nanos(params.utilisation_expiry),
            tracks_time,
            tracks_latency,
            pending_shards: pending_shards(params.strategy),
            clock,
            id: NEXT_BALANCER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            set: ArcSwap::from_pointee(BackendSet::default()),
            generation: AtomicU64::new(0),
            writer: Mutex::new(()),
            stripes: (0..STRIPES as u64)
                .map(|k| CachePadded(Stripe::new(params.seed, k)))
                .collect(),
            ejected: AtomicUsize::new(0),
            next_sweep: AtomicU64::new(first_sweep),
        };
        let backends = params
            .backends
            .iter()
            .map(|&(id, w)| Arc::new(Backend::new(id, w, None, lb.pending_shards)))
            .collect();
        lb.publish(backends);
        lb
    }

    /// The strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// Number of backends.
    pub fn len(&self) -> usize {
        self.set.load().backends.len()
    }

    /// Whether there are no backends.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of backends ejected now (flagged; an ejection whose time is
    /// up counts until the next health check releases it).
    pub fn ejected_count(&self) -> usize {
        self.ejected.load(Ordering::Acquire)
    }

    /// Every backend's state now, in insertion order.
    pub fn backends(&self) -> Vec<BackendStatus> {
        let now = self.now();
        self.set
            .load()
            .backends
            .iter()
            .map(|b| BackendStatus {
                id: b.id,
                weight: b.weight(),
                pending: b.pending(),
                ejected: b.is_ejected(now),
                ejections: b.ejections.load(Ordering::Relaxed),
                peak_ewma_secs: self.latency_estimate(b, now) / 1e9,
            })
            .collect()
    }

    /// Adds a backend. It starts with no pending requests and, with slow
    /// start on, ramps up from now.
    ///
    /// Fails on an invalid weight or an id already in the set.
    pub fn add(&self, id: BackendId, weight: f64) -> Result<()> {
        check_weight(id, weight)?;
        let _writer = self.lock_writer();
        let set = self.set.load();
        if set.backends.iter().any(|b| b.id == id) {
            return Err(Error::DuplicateBackend { id });
        }
        let added_at = self.slow_start.as_ref().map(|_| self.now());
        let mut backends = set.backends.clone();
        backends.push(Arc::new(Backend::new(
            id,
            weight,
            added_at,
            self.pending_shards,
        )));
        self.publish(backends);
        Ok(())
    }

    /// Removes a backend. Picks already made on it stay valid and complete
    /// cleanly (their outcome no longer affects the set).
    pub fn remove(&self, id: BackendId) -> Result<()> {
        let _writer = self.lock_writer();
        let set = self.set.load();
        let Some(pos) = set.backends.iter().position(|b| b.id == id) else {
            return Err(Error::UnknownBackend { id });
        };
        let mut backends = set.backends.clone();
        let removed = backends.remove(pos);
        removed.removed.store(true, Ordering::Release);
        if removed.ejected.swap(false, Ordering::AcqRel) {
            self.ejected.fetch_sub(1, Ordering::AcqRel);
        }
        self.publish(backends);
        Ok(())
    }

    /// Changes a backend's weight; the strategy's table is rebuilt.
    pub fn set_weight(&self, id: BackendId, weight: f64) -> Result<()> {
        check_weight(id, weight)?;
        let _writer = self.lock_writer();
        let set = self.set.load();
        let Some(backend) = set.backends.iter().find(|b| b.id == id) else {
            return Err(Error::UnknownBackend { id });
        };
        backend.set_weight(weight);
        self.publish(set.backends.clone());
        Ok(())
    }

    /// Records a server-reported utilisation for the
    /// [`LoadSignal::ServerUtilisation`] signal (ORCA-like): finite and
    /// non-negative, such as CPU utilisation in `[0, 1]`.
    pub fn report_utilisation(&self, id: BackendId, utilisation: f64) -> Result<()> {
        if !(utilisation.is_finite() && utilisation >= 0.0) {
            return Err(Error::InvalidUtilisation {
                id,
                value: utilisation,
            });
        }
        let set = self.set.load();
        let backend = set
            .backends
            .iter()
            .find(|b| b.id == id)
            .ok_or(Error::UnknownBackend { id })?;
        let now = self.clock.now_nanos();
        if let Ok(mut u) = backend.utilisation.lock() {
            if !u.reported || now.saturating_sub(u.last_at) > self.utilisation_expiry {
                u.first_at = now;
            }
            u.value = utilisation;
            u.last_at = now;
            u.reported = true;
        }
        Ok(())
    }

    pub(crate) fn now(&self) -> u64 {
        if self.tracks_time {
            self.clock.now_nanos()
        } else {
            0
        }
    }

    /// The writers' lock; a writer that panicked left no broken state (the
    /// set is replaced whole), so a poisoned lock is taken over.
    fn lock_writer(&self) -> MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Builds the strategy's table for `backends` and swaps the new set in.
    fn publish(&self, backends: Vec<Arc<Backend>>) {
        let weights: Vec<f64> = backends.iter().map(|b| b.weight()).collect();
        let table = match self.strategy {
            Strategy::SmoothWeightedRoundRobin => {
                Table::Sequence(smooth_weighted_sequence(&weights))
            }
            Strategy::EarliestDeadlineFirst => Table::Sequence(edf_sequence(&weights)),
            Strategy::WeightedRandom | Strategy::PowerOfChoices { .. } => {
                Table::Alias(AliasTable::new(&weights))
            }
            Strategy::RingHash { vnodes, .. } => Table::Ring(Ring::build(&backends, vnodes)),
            Strategy::Maglev { table_size } => {
                Table::Maglev(maglev::Table::new(maglev::build(&backends, table_size)))
            }
            _ => Table::None,
        };
        // Called by one writer at a time (under the writers' lock, or
        // before the balancer is shared). The generation moves before the
        // set goes in: whoever has seen the new set (a guard made from it
        // and sent to another thread, say) then reads the new generation
        // too, and does not take an older copy for current. Until the set
        // is in, readers of the new generation find their copies stale
        // and read the set itself.
        let generation = self.generation.load(Ordering::Relaxed) + 1;
        debug_assert!(
            backends.windows(2).all(|w| w[0].serial < w[1].serial),
            "backends stay in the order they were created"
        );
        self.generation.store(generation, Ordering::Release);
        self.set.store(Arc::new(BackendSet {
            generation,
            backends,
            table,
        }));
    }
}
