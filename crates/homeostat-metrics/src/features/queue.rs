//! Monotonic queues: the minimum (or maximum) of a sliding window in
//! amortised O(1) per row.

use std::collections::VecDeque;

/// Candidates for the extremum of the window, as `(row, value)`, oldest
/// first; values strictly improve towards the front, so the front is the
/// extremum. Holds at most one entry per row of the window.
#[derive(Debug, Clone)]
pub(crate) struct MonotonicQueue {
    entries: VecDeque<(u64, f64)>,
    keep_smallest: bool,
}

impl MonotonicQueue {
    /// A queue for windows of `len` rows tracking the minimum
    /// (`keep_smallest`) or the maximum.
    pub(crate) fn new(len: usize, keep_smallest: bool) -> Self {
        MonotonicQueue {
            entries: VecDeque::with_capacity(len + 1),
            keep_smallest,
        }
    }

    /// Forgets rows before `first` (those that left the window).
    pub(crate) fn expire(&mut self, first: u64) {
        while self.entries.front().is_some_and(|&(row, _)| row < first) {
            self.entries.pop_front();
        }
    }

    /// Adds the present value `x` of `row` (rows come in increasing order).
    pub(crate) fn push(&mut self, row: u64, x: f64) {
        let dominated = |&(_, v): &(u64, f64)| if self.keep_smallest { v >= x } else { v <= x };
        while self.entries.back().is_some_and(dominated) {
            self.entries.pop_back();
        }
        self.entries.push_back((row, x));
    }

    /// The extremum of the window, NaN when it has no present value.
    pub(crate) fn front(&self) -> f64 {
        self.entries.front().map_or(f64::NAN, |&(_, v)| v)
    }

    /// Allocated capacity, for the bounded-state checks.
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::MonotonicQueue;

    #[test]
    fn tracks_sliding_minimum_and_maximum() {
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let mut min = MonotonicQueue::new(3, true);
        let mut max = MonotonicQueue::new(3, false);
        for (row, &x) in xs.iter().enumerate() {
            let row = row as u64;
            let first = (row + 1).saturating_sub(3);
            min.expire(first);
            max.expire(first);
            min.push(row, x);
            max.push(row, x);
            let window = &xs[first as usize..=row as usize];
            assert_eq!(
                min.front(),
                window.iter().copied().fold(f64::INFINITY, f64::min)
            );
            assert_eq!(
                max.front(),
                window.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            );
        }
        assert!(MonotonicQueue::new(1, true).front().is_nan());
    }
}
