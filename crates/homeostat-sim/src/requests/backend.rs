//! Server-side state of one backend: FCFS servers with a FIFO queue, or
//! exact egalitarian processor sharing.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use rand::Rng;

use super::events::{Event, EventQueue, Target};
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
    /// Generation of the one valid completion event: the sequence number
    /// it was scheduled with.
    generation: Option<u32>,
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
        self.generation = self.jobs.peek().map(|Reverse(first)| {
            let remaining = (first.finish - self.virtual_time).max(0.0);
            events.push(now + remaining / self.rate(), Target::Backend(backend))
        });
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
                generation: None,
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
                    events.push(now + self.cost.secs(now), Target::Request(request));
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

    /// Handles this backend's `event`; returns the request that finished
    /// service, or `None` for a stale event.
    pub(super) fn complete(&mut self, event: Event, events: &mut EventQueue) -> Option<usize> {
        let index = self.index;
        let now = event.time();
        match &mut self.state {
            State::Fcfs(fcfs) => {
                if let Some(next) = fcfs.queue.pop_front() {
                    events.push(now + self.cost.secs(now), Target::Request(next));
                } else {
                    fcfs.busy = fcfs.busy.saturating_sub(1);
                }
                match event.target() {
                    Target::Request(request) => Some(request),
                    Target::Backend(_) => None,
                }
            }
            State::ProcessorSharing(ps) => {
                if ps.generation != Some(event.seq()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::SlowdownEffect;

    fn backend(workers: u32, discipline: Discipline, ms: f64) -> Backend {
        let mut spec = BackendSpec::new("b", workers, ServiceTime::Constant { ms });
        spec.discipline = discipline;
        Backend::new(0, &spec, 1)
    }

    /// Feeds `arrivals` (time, request) and returns (departure time, request)
    /// in departure order.
    fn departures(backend: &mut Backend, arrivals: &[(f64, usize)]) -> Vec<(f64, usize)> {
        let mut events = EventQueue::default();
        let mut out = Vec::new();
        let mut pending = arrivals.iter().copied().peekable();
        loop {
            let next_event = events.next_time();
            match pending.peek() {
                Some(&(t, request)) if t < next_event => {
                    pending.next();
                    backend.arrive(request, t, &mut events);
                }
                _ => {
                    let Some(event) = events.pop() else { break };
                    if let Some(request) = backend.complete(event, &mut events) {
                        out.push((event.time(), request));
                    }
                }
            }
        }
        out
    }

    fn assert_departures(got: &[(f64, usize)], expected: &[(f64, usize)]) {
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for (&(t, r), &(et, er)) in got.iter().zip(expected) {
            assert!((t - et).abs() < 1e-12 && r == er, "{got:?} vs {expected:?}");
        }
    }

    #[test]
    fn processor_sharing_splits_one_core_evenly() {
        // A (1 s of work) alone until 0.5 s, then shared with B (1 s): A has
        // 0.5 s left at half speed, done at 1.5; B then runs alone, 2.0.
        let mut ps = backend(1, Discipline::ProcessorSharing, 1000.0);
        let got = departures(&mut ps, &[(0.0, 0), (0.5, 1)]);
        assert_departures(&got, &[(1.5, 0), (2.0, 1)]);
    }

    #[test]
    fn processor_sharing_with_spare_cores_runs_at_full_speed() {
        let mut ps = backend(2, Discipline::ProcessorSharing, 1000.0);
        let got = departures(&mut ps, &[(0.0, 0), (0.5, 1)]);
        assert_departures(&got, &[(1.0, 0), (1.5, 1)]);
        // Three jobs on two cores: each at 2/3 speed, all done at 1.5 s.
        let mut ps = backend(2, Discipline::ProcessorSharing, 1000.0);
        let got = departures(&mut ps, &[(0.0, 0), (0.0, 1), (0.0, 2)]);
        assert_departures(&got, &[(1.5, 0), (1.5, 1), (1.5, 2)]);
    }

    #[test]
    fn fcfs_queues_behind_busy_workers() {
        let mut fcfs = backend(1, Discipline::Fcfs, 1000.0);
        let got = departures(&mut fcfs, &[(0.0, 0), (0.5, 1), (0.6, 2)]);
        assert_departures(&got, &[(1.0, 0), (2.0, 1), (3.0, 2)]);
    }

    #[test]
    fn slowdowns_apply_to_service_starting_in_the_window() {
        let mut spec = BackendSpec::new("b", 1, ServiceTime::Constant { ms: 250.0 });
        spec.slowdowns.push(Slowdown {
            start_secs: 1.0,
            end_secs: 2.0,
            effect: SlowdownEffect::Pinned { latency_ms: 500.0 },
        });
        let mut b = Backend::new(0, &spec, 1);
        // Request 1 arrives before the window but starts at 1.0, in it.
        let got = departures(&mut b, &[(0.75, 0), (0.875, 1), (2.5, 2)]);
        assert_departures(&got, &[(1.0, 0), (1.5, 1), (2.75, 2)]);
    }
}
