//! Points in time and spans of time, both in whole milliseconds.

mod duration;
mod timestamp;

pub use duration::Duration;
pub use timestamp::{Timestamp, UnixUnit};

use std::ops::{Bound, Range, RangeBounds};

/// The positions in a sorted `index` whose timestamps fall in `range`.
pub(crate) fn index_range(index: &[Timestamp], range: impl RangeBounds<Timestamp>) -> Range<usize> {
    positions_in_range(index, |&t| t, range)
}

/// The positions of `items` (sorted by `time`) whose time falls in `range`.
pub(crate) fn positions_in_range<T>(
    items: &[T],
    time: impl Fn(&T) -> Timestamp,
    range: impl RangeBounds<Timestamp>,
) -> Range<usize> {
    let start = match range.start_bound() {
        Bound::Included(&a) => items.partition_point(|x| time(x) < a),
        Bound::Excluded(&a) => items.partition_point(|x| time(x) <= a),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&b) => items.partition_point(|x| time(x) <= b),
        Bound::Excluded(&b) => items.partition_point(|x| time(x) < b),
        Bound::Unbounded => items.len(),
    };
    // An empty or inverted range yields an empty slice rather than a panic.
    start..end.max(start)
}
