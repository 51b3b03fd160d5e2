//! The atomics and locks of the balancer's shared state: std's, or loom's
//! when built with `RUSTFLAGS="--cfg loom"` so that `tests/loom.rs` can
//! explore every interleaving of the lock-free parts (pending counts and
//! guard completion, the round-robin cursor, the Peak-EWMA update, picks
//! racing a backend-set swap).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Aligns a value to 128 bytes, its own pair of cache lines (x86 fetches
/// lines in adjacent pairs), so counters that different threads write do
/// not invalidate each other's lines.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
