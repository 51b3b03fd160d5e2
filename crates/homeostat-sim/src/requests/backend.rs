//! Server-side state of one backend: FCFS servers with a FIFO queue, or
//! exact egalitarian processor sharing.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use rand::Rng;

use super::events::EventQueue;
use super::spec::{BackendSpec, Discipline, Slowdown};
use crate::distributions::ServiceTime;
use crate::rng::{SimRng, label, stream};

/// One backend while a run is in progress.
#[derive(Debug)]
pub(super) struct Backend {
    index: u32,
    error_rate: f64,
    error_rng: SimRng,
    cost: Cost,
    state: State,
}

/// Draws service times, with the slowdowns applied.
#[derive(Debug)]
struct Cost {
    service: ServiceTime,
    slowdowns: Vec<Slowdown>,
    rng: SimRng,
}

impl Cost {
    /// Service time in seconds of a request starting service at `now`.
    fn secs(&mut self, now: f64) -> f64 {
        // Always draw, so a slowdown does not shift later draws.
        let mut secs = self.service.sample(&mut self.rng);
        for slowdown in &self.slowdowns {
            if slowdown.covers(now) {
                secs = slowdown.effect.apply(secs);
            }
        }
        secs
    }
}

#[derive(Debug)]
enum State {
    Fcfs(Fcfs),
    ProcessorSharing(ProcessorSharing),
}

/// `workers` servers and a FIFO queue of request indices.
#[derive(Debug)]
struct Fcfs {
    workers: u32,
    busy: u32,
    queue: VecDeque<usize>,
}

/// Egalitarian processor sharing in virtual time.
///
/// With `n` jobs present each progresses at `rate(n) = min(1, c / n)`, so
/// all of them advance through the same *virtual time* `V`, with
/// `dV/dt = rate(n)`. A job of size `s` arriving at virtual time `V₀` leaves
/// when `V` reaches its finish tag `V₀ + s`; tags never change, so the jobs
/// sit in a min-heap by tag and only the earliest one needs a completion
/// event. When `n` changes the event's real time changes too: the backend
/// bumps its generation and schedules a fresh event, and the stale one is
/// recognised by its old generation and dropped when popped.
#[derive(Debug)]
struct ProcessorSharing {
    cores: f64,
    /// Jobs by (finish tag, request index).
    jobs: BinaryHeap<Reverse<Tagged>>,
    virtual_time: f64,
    updated_secs: f64,
    generation: u64,
}

#[derive(Debug, Clone, Copy)]
struct Tagged {
    finish: f64,
    request: usize,
}

impl PartialEq for Tagged {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Tagged {}
impl PartialOrd for Tagged {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tagged {
    fn cmp(&self, other: &Self) -> Ordering {
        self.finish
            .total_cmp(&other.finish)
            .then(self.request.cmp(&other.request))
    }
}

impl ProcessorSharing {
    fn rate(&self) -> f64 {
        let n = self.jobs.len() as f64;
        if n <= self.cores { 1.0 } else { self.cores / n }
    }

    /// Brings virtual time up to `now` at the current rate.
    fn advance(&mut self, now: f64) {
        self.virtual_time += (now - self.updated_secs) * self.rate();
        self.updated_secs = now;
    }

    /// Invalidates the pending completion event and schedules the next one.
    fn reschedule(&mut self, backend: u32, now: f64, events: &mut EventQueue) {
        self.generation += 1;
        if let Some(Reverse(first)) = self.jobs.peek() {
            let remaining = (first.finish - self.virtual_time).max(0.0);
            events.push(
                now + remaining / self.rate(),
                backend,
                self.generation as usize,
            );
        }
    }
}

impl Backend {
    /// The backend at position `index`, drawing from streams of `seed`.
    pub(super) fn new(index: u32, spec: &BackendSpec, seed: u64) -> Self {
        let stream_base = label::BACKEND + 2 * u64::from(index);
        let state = match spec.discipline {
            Discipline::Fcfs => State::Fcfs(Fcfs {
                workers: spec.workers,
                busy: 0,
                queue: VecDeque::new(),
            }),
            Discipline::ProcessorSharing => State::ProcessorSharing(ProcessorSharing {
                cores: f64::from(spec.workers),
                jobs: BinaryHeap::new(),
                virtual_time: 0.0,
                updated_secs: 0.0,
                generation: 0,
            }),
        };
        Backend {
            index,
            error_rate: spec.error_rate,
            error_rng: stream(seed, stream_base + 1),
            cost: Cost {
                service: spec.service_time,
                slowdowns: spec.slowdowns.clone(),
                rng: stream(seed, stream_base),
            },
            state,
        }
    }

    /// Whether a served request fails (one draw when `error_rate > 0`).
    pub(super) fn fails(&mut self) -> bool {
        self.error_rate > 0.0 && self.error_rng.r#gen::<f64>() < self.error_rate
    }

    /// Request `request` reaches the backend at `now`.
    pub(super) fn arrive(&mut self, request: usize, now: f64, events: &mut EventQueue) {
        let index = self.index;
        match &mut self.state {
            State::Fcfs(fcfs) => {
                if fcfs.busy < fcfs.workers {
                    fcfs.busy += 1;
                    events.push(now + self.cost.secs(now), index, request);
                } else {
                    fcfs.queue.push_back(request);
                }
            }
            State::ProcessorSharing(ps) => {
                let secs = self.cost.secs(now);
                ps.advance(now);
                ps.jobs.push(Reverse(Tagged {
                    finish: ps.virtual_time + secs,
                    request,
                }));
                ps.reschedule(index, now, events);
            }
        }
    }

    /// Handles this backend's event with `token` at `now`; returns the
    /// request that finished service, or `None` for a stale event.
    pub(super) fn complete(
        &mut self,
        token: usize,
        now: f64,
        events: &mut EventQueue,
    ) -> Option<usize> {
        let index = self.index;
        match &mut self.state {
            State::Fcfs(fcfs) => {
                if let Some(next) = fcfs.queue.pop_front() {
                    events.push(now + self.cost.secs(now), index, next);
                } else {
                    fcfs.busy = fcfs.busy.saturating_sub(1);
                }
                Some(token)
            }
            State::ProcessorSharing(ps) => {
                if token as u64 != ps.generation {
                    return None;
                }
                ps.advance(now);
                let Reverse(done) = ps.jobs.pop()?;
                // Pin virtual time to the tag so rounding cannot accumulate.
                ps.virtual_time = done.finish;
                ps.reschedule(index, now, events);
                Some(done.request)
            }
        }
    }
}
