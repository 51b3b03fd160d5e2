//! Choosing a backend: one function per strategy over the current set.

use std::sync::Arc;

use super::{BackendSet, Balancer, Placement, STRIPES, Stripe, Table, stripe_index};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::hash::{hash2, reduce, rendezvous};
use crate::pick::{Pick, Request};
use crate::select::{LoadSignal, Strategy};
use crate::sync::Ordering;

/// Draws tried before a random strategy falls back to a scan (when most
/// candidates are ejected or still ramping up).
const MAX_DRAWS: u32 = 32;

/// Candidates of power-of-choices kept distinct from one another.
const DISTINCT_CANDIDATES: usize = 8;

/// Draws per candidate of power-of-choices before a repeat is accepted.
const DISTINCT_RETRIES: u32 = 8;

/// Cost of a busy backend without a Peak-EWMA estimate yet (Finagle's
/// penalty), in nanoseconds: far above any real latency.
const UNKNOWN_LATENCY_PENALTY: f64 = 1e15;

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

impl Balancer {
    /// Picks a backend for `request`; the returned guard borrows the
    /// balancer and must be completed (or dropped) when the request ends.
    ///
    /// Fails with [`Error::NoBackends`] on an empty set,
    /// [`Error::AllEjected`] when health excludes every backend, and
    /// [`Error::MissingKey`] when a hashing strategy gets a request
    /// without a key.
    ///
    /// The guard holds no reference to the backend set (only the
    /// backend's place in it), so a thread may hold any number of them.
    pub fn pick(&self, request: &Request) -> Result<Pick<&Balancer>> {
        let (placement, id, now) = self.place_request(request)?;
        Ok(Pick::new(self, placement, id, now))
    }

    /// [`Balancer::pick`] with a guard that owns a reference count of the
    /// balancer, for requests that outlive the caller's borrow (async
    /// tasks, simulators).
    pub fn pick_owned(self: &Arc<Self>, request: &Request) -> Result<Pick<Arc<Balancer>>> {
        let (placement, id, now) = self.place_request(request)?;
        Ok(Pick::new(Arc::clone(self), placement, id, now))
    }

    /// Chooses a backend and counts the request as pending on it.
    fn place_request(&self, request: &Request) -> Result<(Placement, crate::BackendId, u64)> {
        let now = self.now();
        self.with_set(|set| {
            let index = self.choose(set, request, now)?;
            let backend = set.backends.get(index).ok_or(Error::NoBackends)?;
            self.place(backend, now);
            let placement = Placement {
                generation: set.generation,
                index,
                serial: backend.serial,
            };
            Ok((placement, backend.id, now))
        })
    }

    /// Counts a request as pending on `backend`; with the stall floor on,
    /// a request that finds nothing pending starts a busy period, from
    /// which the backend's silence counts. The stamp is written after the
    /// count goes up, so a racing pick may for a moment see the new count
    /// with the old stamp (and skip the backend once); the other order
    /// could miss a busy period's start altogether.
    fn place(&self, backend: &Backend, now: u64) {
        let before = backend.pending.increment();
        if self.stall_floor && before == Some(0) {
            backend.answered_at.mark(now);
        }
    }

    /// The backend a pick would choose now, without placing a request (no
    /// pending count, no guard): for the hashing strategies, the key's
    /// placement. It advances round-robin cursors and random states like a
    /// pick, and fails like one.
    pub fn lookup(&self, request: &Request) -> Result<crate::BackendId> {
        let now = self.now();
        self.with_set(|set| {
            let index = self.choose(set, request, now)?;
            set.backends
                .get(index)
                .map(|b| b.id)
                .ok_or(Error::NoBackends)
        })
    }

    /// This thread's stripe of cursors and random states.
    fn stripe(&self) -> &Stripe {
        // `stripes` always has STRIPES entries and the index is below it.
        &self.stripes[stripe_index() % STRIPES]
    }

    /// A generator for one pick, seeded from this thread's stripe of the
    /// SplitMix64 sequence: one load and one store per pick, however many
    /// draws it takes, and the same picks for the same seed on one thread.
    fn pick_rng(&self) -> PickRng {
        PickRng(crate::hash::mix64(self.stripe().next_seed()))
    }

    fn choose(&self, set: &BackendSet, request: &Request, now: u64) -> Result<usize> {
        let backends = &set.backends;
        let n = backends.len();
        if n == 0 {
            return Err(Error::NoBackends);
        }
        let ejected = self.ejected.load(Ordering::Acquire);
        // Below the panic threshold, health is ignored: better an unhealthy
        // backend than overloading the few healthy ones.
        let respect_health = ejected > 0
            && ((n - ejected.min(n)) as f64) * 100.0 >= self.panic_threshold_percent * n as f64;
        let usable =
            |i: usize| !respect_health || backends.get(i).is_some_and(|b| !b.is_ejected(now));
        let all_ejected = || Error::AllEjected { backends: n };
        let key = || {
            request.key().ok_or(Error::MissingKey {
                strategy: self.strategy.name(),
            })
        };
        match (self.strategy, &set.table) {
            (Strategy::RoundRobin, _) => {
                let start = self.stripe().next_cursor() % n;
                scan_from(start, n, usable).ok_or_else(all_ejected)
            }
            (
                Strategy::SmoothWeightedRoundRobin | Strategy::EarliestDeadlineFirst,
                Table::Sequence(seq),
            ) => {
                let len = seq.len().max(1);
                let start = self.stripe().next_cursor() % len;
                seq.get(start..)
                    .into_iter()
                    .chain(seq.get(..start))
                    .flatten()
                    .map(|&i| i as usize)
                    .find(|&i| usable(i))
                    .ok_or_else(all_ejected)
            }
            (Strategy::WeightedRandom, Table::Alias(alias)) => self
                .draw(&mut self.pick_rng(), backends, alias, now, &usable)
                .ok_or_else(all_ejected),
            // Two choices, the common case, without the general loop's
            // array and running best: both candidates' loads are read side
            // by side. The same draws and comparison as the loop below.
            (Strategy::PowerOfChoices { choices: 2, load }, Table::Alias(alias)) => {
                let mut rng = self.pick_rng();
                let first = self
                    .draw(&mut rng, backends, alias, now, &usable)
                    .ok_or_else(all_ejected)?;
                let second = self.draw_unlike(
                    &mut rng,
                    backends,
                    alias,
                    now,
                    &usable,
                    std::slice::from_ref(&first),
                );
                let Some(second) = second else {
                    return Ok(first);
                };
                let first_cost = self.relative_cost(backends, first, now, load);
                let second_cost = self.relative_cost(backends, second, now, load);
                Ok(if second_cost.below(first_cost) {
                    second
                } else {
                    first
                })
            }
            (Strategy::PowerOfChoices { choices, load }, Table::Alias(alias)) => {
                let mut rng = self.pick_rng();
                let mut best: Option<(usize, Cost)> = None;
                // The first few candidates, kept distinct (a larger array
                // costs its initialisation on every pick).
                let mut drawn = [usize::MAX; DISTINCT_CANDIDATES];
                for c in 0..choices as usize {
                    let taken = &drawn[..c.min(DISTINCT_CANDIDATES)];
                    let candidate =
                        self.draw_unlike(&mut rng, backends, alias, now, &usable, taken);
                    let Some(i) = candidate else {
                        break;
                    };
                    if let Some(slot) = drawn.get_mut(c) {
                        *slot = i;
                    }
                    let cost = self.relative_cost(backends, i, now, load);
                    if best.is_none_or(|(_, c)| cost.below(c)) {
                        best = Some((i, cost));
                    }
                }
                best.map(|(i, _)| i).ok_or_else(all_ejected)
            }
            (Strategy::LeastLoaded { load }, _) => (0..n)
                .filter(|&i| usable(i))
                .map(|i| (i, self.relative_cost(backends, i, now, load)))
                .fold(None, |best: Option<(usize, Cost)>, (i, c)| match best {
                    Some((_, bc)) if !c.below(bc) => best,
                    _ => Some((i, c)),
                })
                .map(|(i, _)| i)
                .ok_or_else(all_ejected),
            (Strategy::RingHash { load_factor, .. }, Table::Ring(ring)) => {
                let key = key()?;
                let capacity = load_factor.map(|c| {
                    let usable_n = (0..n).filter(|&i| usable(i)).count().max(1);
                    let total: u64 = backends.iter().map(|b| b.pending()).sum();
                    // The request being placed counts too.
                    (c * (total + 1) as f64 / usable_n as f64).ceil() as u64
                });
                let fits = |i: usize| {
                    capacity.is_none_or(|cap| backends.get(i).is_some_and(|b| b.pending() < cap))
                };
                ring.walk(key, |i| usable(i) && fits(i))
                    .ok_or_else(all_ejected)
            }
            (Strategy::Maglev { .. }, Table::Maglev(table)) => {
                let key = key()?;
                let m = table.len();
                (0..MAX_DRAWS as u64)
                    .filter_map(|attempt| {
                        let h = if attempt == 0 {
                            key
                        } else {
                            hash2(key, attempt)
                        };
                        table.get(reduce(h, m))
                    })
                    .find(|&i| usable(i))
                    .or_else(|| scan_from(reduce(key, n), n, usable))
                    .ok_or_else(all_ejected)
            }
            (Strategy::Rendezvous, _) => {
                let key = key()?;
                (0..n)
                    .filter(|&i| usable(i))
                    .filter_map(|i| {
                        let b = backends.get(i)?;
                        Some((i, rendezvous::score(key, b.id.0, b.weight())))
                    })
                    .fold(None, |best: Option<(usize, f64)>, (i, s)| match best {
                        Some((_, bs)) if bs >= s => best,
                        _ => Some((i, s)),
                    })
                    .map(|(i, _)| i)
                    .ok_or_else(all_ejected)
            }
            (Strategy::JumpHash, _) => {
                let key = key()?;
                (0..MAX_DRAWS as u64)
                    .map(|attempt| {
                        let h = if attempt == 0 {
                            key
                        } else {
                            hash2(key, attempt)
                        };
                        rendezvous::jump(h, n)
                    })
                    .find(|&i| usable(i))
                    .or_else(|| scan_from(reduce(key, n), n, usable))
                    .ok_or_else(all_ejected)
            }
            // A table that does not match the strategy cannot be built (the
            // set is published with the strategy's own table).
            _ => Err(Error::NoBackends),
        }
    }

    /// A usable backend drawn in proportion to weight × slow-start factor
    /// (the factor by rejection), or the first usable one from a random
    /// start when draws keep failing.
    #[inline(always)]
    fn draw(
        &self,
        rng: &mut PickRng,
        backends: &[Arc<Backend>],
        alias: &crate::select::alias::AliasTable,
        now: u64,
        usable: &impl Fn(usize) -> bool,
    ) -> Option<usize> {
        for _ in 0..MAX_DRAWS {
            let r = rng.next();
            let i = alias.sample(r)?;
            if !usable(i) {
                continue;
            }
            let factor = self.slow_start_factor(backends.get(i)?, now);
            // The top 53 bits of another word as a uniform in [0, 1).
            if factor >= 1.0 || ((rng.next() >> 11) as f64 / (1u64 << 53) as f64) < factor {
                return Some(i);
            }
        }
        let n = backends.len();
        scan_from(reduce(rng.next(), n), n, usable)
    }

    /// A draw (see [`Balancer::draw`]) distinct from the candidates
    /// already `taken` where the weights allow: a draw that repeats one is
    /// retried a few times, and with skewed weights the repeat is kept (the
    /// comparison by load / weight stays weight-correct).
    #[inline(always)]
    fn draw_unlike(
        &self,
        rng: &mut PickRng,
        backends: &[Arc<Backend>],
        alias: &crate::select::alias::AliasTable,
        now: u64,
        usable: &impl Fn(usize) -> bool,
        taken: &[usize],
    ) -> Option<usize> {
        let mut candidate = None;
        for _ in 0..DISTINCT_RETRIES {
            candidate = self.draw(rng, backends, alias, now, usable);
            if candidate.is_none_or(|i| !taken.contains(&i)) {
                break;
            }
        }
        candidate
    }

    #[inline(always)]
    fn slow_start_factor(&self, backend: &Backend, now: u64) -> f64 {
        match (&self.slow_start, backend.added_at) {
            (Some(s), Some(added)) => s.factor(added, now),
            _ => 1.0,
        }
    }

    /// The backend's load and effective weight (weight × slow-start
    /// factor), compared as their ratio.
    #[inline(always)]
    fn relative_cost(
        &self,
        backends: &[Arc<Backend>],
        i: usize,
        now: u64,
        load: LoadSignal,
    ) -> Cost {
        let Some(b) = backends.get(i) else {
            return Cost {
                load: f64::INFINITY,
                weight: 1.0,
            };
        };
        let pending = b.pending() as f64;
        let load = match load {
            LoadSignal::PendingRequests => pending + 1.0,
            LoadSignal::PeakEwma => {
                let estimate = self.completed_estimate(b, now);
                if estimate == 0.0 && pending > 0.0 {
                    UNKNOWN_LATENCY_PENALTY + pending
                } else if self.stall_floor && pending > 0.0 {
                    estimate.max(b.answered_at.silence(now)) * (pending + 1.0)
                } else {
                    estimate * (pending + 1.0)
                }
            }
            LoadSignal::ServerUtilisation => self.utilisation(b, now) * (pending + 1.0),
        };
        Cost {
            load,
            weight: b.weight() * self.slow_start_factor(b, now),
        }
    }

    /// The Peak-EWMA estimate from completions: the decayed estimate, held
    /// at least at the decayed failure penalty while the backend is failing.
    fn completed_estimate(&self, b: &Backend, now: u64) -> f64 {
        let estimate = b.peak_ewma(now, self.decay_rate);
        if self.failure_penalty_nanos > 0.0 {
            estimate.max(
                b.failing_since
                    .floor(now, self.failure_penalty_nanos, self.decay_rate),
            )
        } else {
            estimate
        }
    }

    /// The latency estimate Peak-EWMA uses for `b` now, in nanoseconds:
    /// the completed estimate, and with the stall floor on, at least the
    /// time since the backend last answered while requests are pending.
    pub(crate) fn latency_estimate(&self, b: &Backend, now: u64) -> f64 {
        let estimate = self.completed_estimate(b, now);
        if self.stall_floor && b.pending() > 0 {
            estimate.max(b.answered_at.silence(now))
        } else {
            estimate
        }
    }

    /// The backend's fresh utilisation past its blackout, else 1.
    fn utilisation(&self, b: &Backend, now: u64) -> f64 {
        b.utilisation.lock().map_or(1.0, |u| {
            let fresh = u.reported
                && now.saturating_sub(u.first_at) >= self.utilisation_blackout
                && now.saturating_sub(u.last_at) <= self.utilisation_expiry;
            if fresh { u.value } else { 1.0 }
        })
    }
}

/// A backend's load and effective weight: a strategy prefers the least load
/// per unit of weight.
#[derive(Debug, Clone, Copy)]
struct Cost {
    load: f64,
    /// Positive and finite (weights are checked, the slow-start factor is
    /// at least its positive minimum).
    weight: f64,
}

impl Cost {
    /// Whether `self` carries less load per unit of weight than `other`.
    /// Compared by cross-multiplication (the weights are positive), which
    /// spares the hot path two divisions. Loads and weights are finite, so
    /// a product never is NaN, and one that overflows to infinity (or
    /// underflows to zero) still compares rightly with a product that did
    /// not; only two equal products may hide an order (both overflowed or
    /// both underflowed), and those are compared by the ratios themselves.
    /// Near a tie, products and ratios round differently and may order
    /// two backends differently.
    #[inline(always)]
    fn below(self, other: Cost) -> bool {
        let (mine, theirs) = (self.load * other.weight, other.load * self.weight);
        if mine != theirs {
            mine < theirs
        } else if mine.is_normal() {
            false
        } else {
            self.load / self.weight < other.load / other.weight
        }
    }
}

/// SplitMix64 from a per-pick seed.
#[derive(Debug)]
struct PickRng(u64);

impl PickRng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        crate::hash::mix64(self.0)
    }
}

/// The first `i` in `start, start + 1, ...` (mod n) that is usable;
/// `start` is below `n`. Wraps by comparison, not division: a pick that
/// finds `start` usable costs no division at all.
fn scan_from(start: usize, n: usize, usable: impl Fn(usize) -> bool) -> Option<usize> {
    (start..n).chain(0..start.min(n)).find(|&i| usable(i))
}
