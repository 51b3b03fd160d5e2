//! A request to place, and the guard of a placed one.

use std::fmt;
use std::ops::Deref;

use crate::backend::BackendId;
use crate::balancer::{Balancer, Placement};

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
/// whose backend was removed meanwhile completes without effect: the
/// backend's counters no longer affect the balancer. The guard holds no
/// reference to the backend, only where it is in the set.
pub struct Pick<B: Deref<Target = Balancer>> {
    balancer: B,
    placement: Placement,
    backend: BackendId,
    started: u64,
    done: bool,
}

impl<B: Deref<Target = Balancer>> Pick<B> {
    pub(crate) fn new(balancer: B, placement: Placement, backend: BackendId, started: u64) -> Self {
        Pick {
            balancer,
            placement,
            backend,
            started,
            done: false,
        }
    }

    /// The chosen backend.
    pub fn backend(&self) -> BackendId {
        self.backend
    }

    /// Reports the outcome (and, for Peak-EWMA, the latency since the pick).
    pub fn complete(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        if !self.done {
            self.done = true;
            let balancer = &*self.balancer;
            let now = balancer.completion_time();
            // By reference: the guard was just written field by field, and a
            // copy as one wide load would wait on those stores.
            balancer.with_backend(&self.placement, |backend| {
                balancer.complete(backend, self.started, now, outcome)
            });
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
            .field("backend", &self.backend)
            .field("started", &self.started)
            .field("done", &self.done)
            .finish()
    }
}
