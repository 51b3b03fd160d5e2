//! Reading the current backend set on the hot path without a
//! read-modify-write.
//!
//! An `arc-swap` guard costs two atomic read-modify-writes (claiming a debt
//! slot and paying it back), about as much as the pending count a pick
//! exists to move. Each thread instead keeps copies of the sets of up to
//! [`CACHED_SETS`] balancers it uses; a pick or completion whose balancer
//! has not published a set since reads only the generation (a plain load)
//! and uses the thread's copy, which keeps the set alive while it runs. A
//! guard holds no reference at all: it names its backend by the set's
//! generation and the backend's index in it, and a completion after the
//! set changed finds the backend by its serial number (see
//! [`Balancer::with_backend`]).
//!
//! A thread that uses more balancers than it keeps copies of reads the
//! others through `arc-swap` (the cost before the copies): a full table
//! admits a new balancer only in place of one not used since the last
//! miss (the "clock" policy), so a thread cycling over many balancers keeps
//! some of them rather than replacing every copy on every pick. A copy
//! keeps its set (backends and the strategy's table) alive until the
//! thread replaces it, uses the balancer again after a change, or exits.

use super::{BackendSet, Balancer};
use crate::backend::Backend;

/// Where a guard's backend is: the generation of the set it was picked
/// from, its index there, and its serial number (unique in the process).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    pub(crate) generation: u64,
    pub(crate) index: usize,
    pub(crate) serial: u64,
}

/// Balancers whose sets one thread keeps.
#[cfg(not(loom))]
pub(crate) const CACHED_SETS: usize = 8;

#[cfg(not(loom))]
struct Cached {
    balancer: u64,
    set: std::sync::Arc<BackendSet>,
    /// Used since the last miss looked at this entry.
    used: bool,
}

#[cfg(not(loom))]
struct Cache {
    entries: [Option<Cached>; CACHED_SETS],
    /// The entry the next miss looks at.
    hand: usize,
}

#[cfg(not(loom))]
thread_local! {
    static CACHE: std::cell::RefCell<Cache> = const {
        std::cell::RefCell::new(Cache {
            entries: [None, None, None, None, None, None, None, None],
            hand: 0,
        })
    };
}

impl Balancer {
    /// Runs `f` on the current backend set (current when it was read, like
    /// any lock-free read), from this thread's copy when there is a current
    /// one. Reads through an `arc-swap` guard when the thread keeps no copy
    /// for this balancer, when its copies are in use (a call made while
    /// they are held; the balancer reads its clock, the one callback into
    /// user code, before taking them, so none of its own paths does) or
    /// gone (a thread that is exiting).
    #[inline]
    pub(crate) fn with_set<R>(&self, mut f: impl FnMut(&BackendSet) -> R) -> R {
        #[cfg(not(loom))]
        {
            let cached = CACHE.try_with(|cache| {
                let mut cache = cache.try_borrow_mut().ok()?;
                self.cached_set(&mut cache).map(&mut f)
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
        placement: &Placement,
        mut f: impl FnMut(&Backend) -> R,
    ) -> Option<R> {
        let mut find = |set: &BackendSet| -> Result<Option<R>, ()> {
            if set.generation == placement.generation {
                return Ok(set.backends.get(placement.index).map(|b| f(b)));
            }
            if set.generation < placement.generation {
                // Older than the pick's own set: not current (see
                // `publish` on why a thread's copy should never be).
                return Err(());
            }
            let found = set
                .backends
                .binary_search_by_key(&placement.serial, |b| b.serial)
                .ok()
                .and_then(|i| set.backends.get(i));
            Ok(found.map(|b| f(b)))
        };
        match self.with_set(&mut find) {
            Ok(done) => done,
            // The published set is at least as new as the pick's.
            Err(()) => find(&self.set.load()).ok().flatten(),
        }
    }

    /// This thread's current copy of the set, refreshed if it changed;
    /// `None` when the thread keeps no copy for this balancer and admits
    /// none this time.
    #[cfg(not(loom))]
    #[inline]
    fn cached_set<'c>(&self, cache: &'c mut Cache) -> Option<&'c BackendSet> {
        let generation = self.generation.load(crate::sync::Ordering::Acquire);
        let slot = match cache
            .entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.balancer == self.id))
        {
            Some(slot) => slot,
            None => {
                let hand = cache.hand;
                cache.hand = (hand + 1) % CACHED_SETS;
                let victim = cache.entries.get_mut(hand)?;
                if let Some(e) = victim.as_mut().filter(|e| e.used) {
                    // A second chance: the miss reads through `arc-swap`.
                    e.used = false;
                    return None;
                }
                *victim = None;
                hand
            }
        };
        let entry = cache.entries.get_mut(slot)?;
        if entry
            .as_ref()
            .is_some_and(|e| e.set.generation != generation)
        {
            *entry = None;
        }
        let entry = entry.get_or_insert_with(|| Cached {
            balancer: self.id,
            set: self.set.load_full(),
            used: false,
        });
        // No store while the flag stands (the hot case).
        if !entry.used {
            entry.used = true;
        }
        Some(&entry.set)
    }
}
