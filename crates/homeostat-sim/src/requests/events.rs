//! The future-event list: server completions ordered by (time, sequence).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Whom an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// FCFS: this request finishes service (its record names the backend).
    Request(usize),
    /// Processor sharing: this backend's earliest job may finish.
    Backend(u32),
}

/// Top bit of the packed target: set for [`Target::Backend`].
const BACKEND_BIT: u32 = 1 << 31;

/// A server-side event, packed into 16 bytes because the heap is the hot
/// spot of a run: the time's bits (times are never negative, so their bit
/// patterns sort like the times), then the sequence number and the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Event {
    time_bits: u64,
    /// `seq << 32 | target`.
    tie: u64,
}

impl Event {
    pub(super) fn time(&self) -> f64 {
        f64::from_bits(self.time_bits)
    }

    /// The sequence number it was scheduled with.
    pub(super) fn seq(&self) -> u32 {
        (self.tie >> 32) as u32
    }

    pub(super) fn target(&self) -> Target {
        let packed = self.tie as u32;
        if packed & BACKEND_BIT == 0 {
            Target::Request(packed as usize)
        } else {
            Target::Backend(packed & !BACKEND_BIT)
        }
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed, so the max-heap pops the earliest event; equal times pop in
    /// the order they were scheduled, which makes ties deterministic.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time_bits, other.tie).cmp(&(self.time_bits, self.tie))
    }
}

/// A min-heap of events with a sequence counter for ties.
///
/// The sequence number is 32 bits and wraps: a run holds at most
/// [`MAX_EXPECTED_REQUESTS`](super::MAX_EXPECTED_REQUESTS) (plus Poisson
/// noise) requests, each scheduling at most two events, well below 2³²;
/// request and backend indices are below 2³¹ for the same reason.
#[derive(Debug, Default)]
pub(super) struct EventQueue {
    heap: BinaryHeap<Event>,
    seq: u32,
}

impl EventQueue {
    /// Schedules an event at `time` (not negative) and returns its
    /// sequence number.
    pub(super) fn push(&mut self, time: f64, target: Target) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        let packed = match target {
            Target::Request(request) => (request as u32) & !BACKEND_BIT,
            Target::Backend(backend) => backend | BACKEND_BIT,
        };
        // `+ 0.0` turns a negative zero into a positive one.
        let time = (time + 0.0).max(0.0);
        self.heap.push(Event {
            time_bits: time.to_bits(),
            tie: (u64::from(self.seq) << 32) | u64::from(packed),
        });
        self.seq
    }

    /// Time of the earliest event, or infinity.
    pub(super) fn next_time(&self) -> f64 {
        self.heap.peek().map_or(f64::INFINITY, Event::time)
    }

    pub(super) fn pop(&mut self) -> Option<Event> {
        self.heap.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(2.0, Target::Request(10));
        q.push(1.0, Target::Backend(11));
        q.push(2.0, Target::Request(12));
        q.push(1.0, Target::Request(13));
        assert_eq!(q.next_time(), 1.0);
        let order: Vec<Target> = std::iter::from_fn(|| q.pop().map(|e| e.target())).collect();
        assert_eq!(
            order,
            [
                Target::Backend(11),
                Target::Request(13),
                Target::Request(10),
                Target::Request(12)
            ]
        );
        assert_eq!(q.next_time(), f64::INFINITY);
    }

    #[test]
    fn bit_patterns_sort_like_times() {
        let times = [0.0, 1e-300, 1e-9, 0.5, 1.0, 1.0 + f64::EPSILON, 3.0, 1e12];
        assert!(times.windows(2).all(|w| w[0].to_bits() < w[1].to_bits()));
    }
}
