//! Walker's alias method: a weighted draw in O(1) from one random word.

/// An alias table over `n` weights.
#[derive(Debug, Clone, Default)]
pub(crate) struct AliasTable {
    /// Per column: the threshold (of 2^32) below which the column itself is
    /// drawn, and the alias drawn otherwise.
    columns: Vec<(u32, u32)>,
}

impl AliasTable {
    /// Vose's construction; weights must be finite and positive (the
    /// balancer checks them).
    pub(crate) fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || total.is_nan() || total <= 0.0 {
            return AliasTable::default();
        }
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut columns = vec![(u32::MAX, 0u32); n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            columns[s] = (to_threshold(scaled[s]), l as u32);
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding: always themselves.
        for i in small.into_iter().chain(large) {
            columns[i] = (u32::MAX, i as u32);
        }
        AliasTable { columns }
    }

    /// The index drawn by the random word `r`: the high half picks a
    /// column, the low half the coin.
    pub(crate) fn sample(&self, r: u64) -> Option<usize> {
        let n = self.columns.len();
        let column = ((r >> 32) * n as u64) >> 32;
        let &(threshold, alias) = self.columns.get(column as usize)?;
        Some(if (r as u32) < threshold {
            column as usize
        } else {
            alias as usize
        })
    }
}

fn to_threshold(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::mix64;

    #[test]
    fn draws_in_proportion_to_weight() {
        let table = AliasTable::new(&[0.99, 0.005, 0.005]);
        let mut counts = [0u32; 3];
        for i in 0..200_000u64 {
            counts[table.sample(mix64(i)).unwrap_or(9)] += 1;
        }
        let share = f64::from(counts[0]) / 200_000.0;
        assert!((share - 0.99).abs() < 0.002, "{counts:?}");
        assert!(AliasTable::new(&[]).sample(1).is_none());
    }
}
