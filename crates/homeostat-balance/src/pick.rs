//! A request to place, and the guard of a placed one.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::backend::{Backend, BackendId};
use crate::balancer::{BackendSet, Balancer};

/// What the balancer knows about a request: an optional key for the
/// consistent-hashing strategies (the others ignore it).
///
/// ```
/// use homeostat_balance::Request;
/// assert_eq!(Request::new().key(), None);
/// assert_eq!(Request::with_key(7).key(), Some(7));
/// assert_eq!(Request::with_key_bytes(b"user-42").key(),
///            Request::with_key_bytes(b"user-42").key());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Request {
    key: Option<u64>,
}

impl Request {
    /// A request without a key.
    pub fn new() -> Self {
        Request { key: None }
    }

    /// A request with a key that is already a well-mixed 64-bit hash.
    pub fn with_key(key: u64) -> Self {
        Request { key: Some(key) }
    }

    /// A request keyed by bytes (a user id, a URL path), hashed with a
    /// fixed function so every process maps it alike.
    pub fn with_key_bytes(bytes: &[u8]) -> Self {
        Request::with_key(crate::hash::hash_bytes(bytes))
    }

    /// The key, if any.
    pub fn key(&self) -> Option<u64> {
        self.key
    }
}

/// How a request ended, as the balancer's health tracking sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The backend answered well.
    Success,
    /// The backend failed the request or did not answer in time: counts
    /// towards outlier ejection.
    Failure,
    /// The caller gave up for its own reasons (also what a dropped guard
    /// reports): the latency still feeds Peak-EWMA, health is unaffected.
    Cancelled,
}

/// The guard of one placed request: counts as pending on its backend until
/// it completes, then reports latency (to Peak-EWMA) and outcome (to
/// outlier detection).
///
/// [`complete`](Pick::complete) takes the guard by value, so a request
/// cannot be completed twice:
///
/// ```compile_fail
/// use homeostat_balance::{Balancer, Outcome, Request, Strategy};
/// let lb = Balancer::params(Strategy::RoundRobin).uniform_backends(2).build().unwrap();
/// let pick = lb.pick(&Request::new()).unwrap();
/// pick.complete(Outcome::Success);
/// pick.complete(Outcome::Success); // error: use of moved value
/// ```
///
/// Dropping an uncompleted guard reports [`Outcome::Cancelled`]. A guard
/// whose backend was removed meanwhile completes on that backend's own
/// counters, which no longer affect the balancer.
pub struct Pick<B: Deref<Target = Balancer>> {
    balancer: B,
    held: Held,
    started: u64,
    done: bool,
}

/// What keeps a pick's backend alive until it completes.
pub(crate) enum Held {
    /// The snapshot the pick was made from and the backend's index in it:
    /// no reference count is touched while the thread holds only a few
    /// `arc-swap` guards.
    Snapshot(arc_swap::Guard<Arc<BackendSet>>, usize),
    /// The backend's own `Arc`, for long-lived picks.
    Backend(Arc<Backend>),
}

impl Held {
    fn backend(&self) -> Option<&Backend> {
        match self {
            Held::Snapshot(set, i) => set.backends.get(*i).map(|b| &**b),
            Held::Backend(b) => Some(b),
        }
    }
}

impl<B: Deref<Target = Balancer>> Pick<B> {
    pub(crate) fn new(balancer: B, held: Held, started: u64) -> Self {
        Pick {
            balancer,
            held,
            started,
            done: false,
        }
    }

    /// The chosen backend.
    pub fn backend(&self) -> BackendId {
        // The index was checked when the pick was made, in a snapshot that
        // cannot change; the fallback is never taken.
        self.held.backend().map_or(BackendId(u64::MAX), |b| b.id)
    }

    /// Reports the outcome (and, for Peak-EWMA, the latency since the pick).
    pub fn complete(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        if !self.done {
            self.done = true;
            if let Some(backend) = self.held.backend() {
                self.balancer.complete(backend, self.started, outcome);
            }
        }
    }
}

impl<B: Deref<Target = Balancer>> Drop for Pick<B> {
    fn drop(&mut self) {
        self.finish(Outcome::Cancelled);
    }
}

impl<B: Deref<Target = Balancer>> fmt::Debug for Pick<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pick")
            .field("backend", &self.backend())
            .field("started", &self.started)
            .field("done", &self.done)
            .finish()
    }
}
