//! Reading the current backend set on the hot path without a
//! read-modify-write.
//!
//! An `arc-swap` guard costs two atomic read-modify-writes (claiming a debt
//! slot and paying it back), about as much as the pending count a pick
//! exists to move. Each thread instead keeps the sets of the last few
//! balancers it picked from; a pick or completion whose balancer has not
//! published a set since reads only the generation (a plain load) and uses
//! the thread's copy, which keeps the set alive while it runs. A guard
//! holds no reference at all: it names its backend by the set's generation
//! and the backend's index in it, and a completion after the set changed
//! finds the backend by its serial number (see [`Balancer::with_backend`]).
//!
//! A thread keeps at most [`CACHED_SETS`] sets, replaced when it picks from
//! other balancers or they change, and dropped when the thread exits: a
//! dropped balancer's last set may live on in a thread until then.

use super::{BackendSet, Balancer};
use crate::backend::Backend;

/// Balancers whose sets one thread keeps.
#[cfg(not(loom))]
pub(crate) const CACHED_SETS: usize = 4;

#[cfg(not(loom))]
struct Cache {
    /// `(balancer id, its set)`.
    entries: [Option<(u64, std::sync::Arc<BackendSet>)>; CACHED_SETS],
    /// The entry a miss replaces next.
    victim: usize,
}

#[cfg(not(loom))]
thread_local! {
    static CACHE: std::cell::RefCell<Cache> = const {
        std::cell::RefCell::new(Cache { entries: [None, None, None, None], victim: 0 })
    };
}

/// Where a guard's backend is: the generation of the set it was picked
/// from, its index there, and its serial number (unique in the process).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    pub(crate) generation: u64,
    pub(crate) index: usize,
    pub(crate) serial: u64,
}

impl Balancer {
    /// Runs `f` on the current backend set (current when it was read, like
    /// any lock-free read), from this thread's copy when that is current.
    /// Falls back to an `arc-swap` guard when the copies are in use (a
    /// clock that picks from a balancer) or gone (a thread that is
    /// exiting).
    pub(crate) fn with_set<R>(&self, mut f: impl FnMut(&BackendSet) -> R) -> R {
        #[cfg(not(loom))]
        {
            let cached = CACHE.try_with(|cache| {
                let mut cache = cache.try_borrow_mut().ok()?;
                Some(f(self.cached_set(&mut cache)))
            });
            if let Ok(Some(r)) = cached {
                return r;
            }
        }
        // Loom runs its threads on one OS thread, where a thread-local is
        // shared: the model checks always read through the guard.
        f(&self.set.load())
    }

    /// Runs `f` on the backend of `placement` if it is still in the set
    /// (`None` once it was removed): by index while the set is the one it
    /// was picked from, else by serial number.
    #[inline]
    pub(crate) fn with_backend<R>(
        &self,
        placement: Placement,
        mut f: impl FnMut(&Backend) -> R,
    ) -> Option<R> {
        self.with_set(|set| {
            let backend = if set.generation == placement.generation {
                set.backends.get(placement.index)
            } else {
                set.backends.iter().find(|b| b.serial == placement.serial)
            };
            backend.map(|b| f(b))
        })
    }

    /// This thread's copy of the current set, refreshed if it is stale.
    #[cfg(not(loom))]
    #[inline]
    fn cached_set<'c>(&self, cache: &'c mut Cache) -> &'c BackendSet {
        let generation = self.generation.load(crate::sync::Ordering::Acquire);
        let found = cache
            .entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|(id, _)| *id == self.id));
        let slot = found.unwrap_or_else(|| {
            let slot = cache.victim;
            cache.victim = (slot + 1) % CACHED_SETS;
            slot
        });
        let entry = &mut cache.entries[slot];
        if !entry
            .as_ref()
            .is_some_and(|(id, set)| *id == self.id && set.generation == generation)
        {
            *entry = None;
        }
        // A set read after its generation was published is at least that
        // new; one a publication newer is replaced at the next read.
        &entry
            .get_or_insert_with(|| (self.id, self.set.load_full()))
            .1
    }
}
