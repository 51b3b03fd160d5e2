//! The future-event list: server completions ordered by (time, sequence).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A server-side event: backend `backend` has something to do at `time`.
/// `token` is the request index (FCFS) or the generation (processor
/// sharing).
#[derive(Debug, Clone, Copy)]
pub(super) struct Event {
    pub(super) time: f64,
    seq: u64,
    pub(super) backend: u32,
    pub(super) token: usize,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed, so the max-heap pops the earliest event; equal times pop in
    /// the order they were scheduled, which makes ties deterministic.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then(other.seq.cmp(&self.seq))
    }
}

/// A min-heap of events with a sequence counter for ties.
#[derive(Debug, Default)]
pub(super) struct EventQueue {
    heap: BinaryHeap<Event>,
    seq: u64,
}

impl EventQueue {
    pub(super) fn push(&mut self, time: f64, backend: u32, token: usize) {
        self.seq += 1;
        self.heap.push(Event {
            time,
            seq: self.seq,
            backend,
            token,
        });
    }

    /// Time of the earliest event, or infinity.
    pub(super) fn next_time(&self) -> f64 {
        self.heap.peek().map_or(f64::INFINITY, |e| e.time)
    }

    pub(super) fn pop(&mut self) -> Option<Event> {
        self.heap.pop()
    }
}
