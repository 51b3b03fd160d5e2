//! Maglev's lookup table (Eisenbud et al., NSDI 2016).

use std::sync::Arc;

use super::hash2;
use crate::backend::Backend;

/// The default table size: a prime well above 100 × backends for sets of
/// up to a few hundred.
pub(crate) const DEFAULT_TABLE_SIZE: u32 = 65_537;

/// A filled Maglev table: backend indices as `u16` when every index fits
/// (up to 65 536 backends: 128 KiB for the default 65 537 slots, half of
/// what `u32` takes, so more of it stays in cache under random keys), else
/// as `u32`.
#[derive(Debug)]
pub(crate) enum Table {
    /// Indices below 2^16.
    Narrow(Vec<u16>),
    /// Any index.
    Wide(Vec<u32>),
}

impl Table {
    /// The narrowest table that holds `slots`.
    pub(crate) fn new(slots: Vec<u32>) -> Table {
        match slots.iter().map(|&i| u16::try_from(i)).collect() {
            Ok(narrow) => Table::Narrow(narrow),
            Err(_) => Table::Wide(slots),
        }
    }

    /// Number of slots.
    pub(crate) fn len(&self) -> usize {
        match self {
            Table::Narrow(t) => t.len(),
            Table::Wide(t) => t.len(),
        }
    }

    /// The backend index in `slot`, if the slot exists.
    #[inline]
    pub(crate) fn get(&self, slot: usize) -> Option<usize> {
        match self {
            Table::Narrow(t) => t.get(slot).map(|&i| usize::from(i)),
            Table::Wide(t) => t.get(slot).map(|&i| i as usize),
        }
    }
}

/// Whether `n` is prime (trial division; table sizes are small).
pub(crate) fn is_prime(n: u32) -> bool {
    if n < 2 {
        return false;
    }
    let n = u64::from(n);
    let mut d = 2u64;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}

/// Fills a table of `size` (prime) slots: each backend walks its own
/// permutation `(offset + j × skip) mod size` and takes the first free slot
/// in turn.
///
/// Weights change how often a backend takes its turn (as Envoy's weighted
/// Maglev does): in round `r` (from 1), backend `i` with weight `w_i`
/// relative to the largest takes a slot only when `r × w_i` has reached
/// the turns it already took, so the heaviest backend takes one every
/// round and one of a third of its weight every third round. Slot counts
/// then follow the weights, and with equal weights every backend takes
/// every turn: the unweighted table, `size / n` slots each, ±1.
pub(crate) fn build(backends: &[Arc<Backend>], size: u32) -> Vec<u32> {
    let m = u64::from(size);
    let n = backends.len();
    let mut table = vec![u32::MAX; size as usize];
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let max_weight = backends.iter().map(|b| b.weight()).fold(0.0, f64::max);
    // Weights are checked finite and positive when set; a degenerate set
    // falls back to equal turns.
    let relative: Vec<f64> = backends
        .iter()
        .map(|b| {
            let w = b.weight() / max_weight;
            if w.is_finite() && w > 0.0 { w } else { 1.0 }
        })
        .collect();
    // Turns taken so far, in units of the largest weight.
    let mut taken = vec![0.0f64; n];
    let perms: Vec<(u64, u64)> = backends
        .iter()
        .map(|b| {
            let offset = hash2(b.id.0, 0x6d61_676c_6576_3031) % m;
            let skip = hash2(b.id.0, 0x6d61_676c_6576_3032) % (m - 1).max(1) + 1;
            (offset, skip)
        })
        .collect();
    let mut next = vec![0u64; n];
    let mut filled = 0u64;
    let mut round = 0.0f64;
    'fill: loop {
        round += 1.0;
        for (i, &(offset, skip)) in perms.iter().enumerate() {
            if round * relative[i] < taken[i] {
                continue;
            }
            taken[i] += 1.0;
            let mut slot = (offset + next[i] * skip) % m;
            while table[slot as usize] != u32::MAX {
                next[i] += 1;
                slot = (offset + next[i] * skip) % m;
            }
            table[slot as usize] = i as u32;
            next[i] += 1;
            filled += 1;
            if filled == m {
                break 'fill;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_narrow_when_every_index_fits_in_u16() {
        let narrow = Table::new(vec![0, 65_535, 7]);
        assert!(matches!(narrow, Table::Narrow(_)));
        assert_eq!(narrow.len(), 3);
        assert_eq!(narrow.get(1), Some(65_535));
        assert_eq!(narrow.get(3), None);
        let wide = Table::new(vec![0, 65_536, 7]);
        assert!(matches!(wide, Table::Wide(_)));
        assert_eq!(wide.get(1), Some(65_536));
        assert_eq!(wide.get(2), Some(7));
        assert_eq!(Table::new(Vec::new()).len(), 0);
    }
}
