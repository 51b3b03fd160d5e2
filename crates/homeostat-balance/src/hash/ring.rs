//! A hash ring with virtual nodes, and the bounded-load walk.

use std::sync::Arc;

use super::hash2;
use crate::backend::Backend;

/// Sorted (point, backend index) pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ring {
    points: Vec<(u64, u32)>,
}

impl Ring {
    /// Each backend gets `vnodes × weight / max weight` points (at least 1).
    pub(crate) fn build(backends: &[Arc<Backend>], vnodes: u32) -> Ring {
        let max_w = backends.iter().map(|b| b.weight()).fold(0.0, f64::max);
        let mut points = Vec::new();
        for (i, b) in backends.iter().enumerate() {
            let share = if max_w > 0.0 { b.weight() / max_w } else { 1.0 };
            let count = ((f64::from(vnodes) * share).round() as u64).max(1);
            for replica in 0..count {
                points.push((hash2(b.id.0, replica), i as u32));
            }
        }
        points.sort_unstable();
        Ring { points }
    }

    /// Walks the ring clockwise from `key` and returns the first backend
    /// index that `accept` takes; `None` if it takes none.
    pub(crate) fn walk(&self, key: u64, mut accept: impl FnMut(usize) -> bool) -> Option<usize> {
        let start = self.points.partition_point(|&(p, _)| p < key);
        let n = self.points.len();
        (0..n)
            .filter_map(|step| self.points.get((start + step) % n))
            .map(|&(_, i)| i as usize)
            .find(|&i| accept(i))
    }
}
