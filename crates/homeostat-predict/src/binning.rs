//! Features binned to at most 256 codes, so a split search is a histogram
//! scan instead of a sort.
//!
//! Bin `b` of a feature holds the values `v` with
//! `edges[b - 1] < v <= edges[b]`; a split "left when `v <= edges[b]`" is the
//! split between bins `b` and `b + 1`. Missing values (NaN) get their own
//! code, [`MISSING`], so every split learns where they go.

use ndarray::ArrayView2;

use crate::error::{Error, Result};

/// The code of a missing value.
pub(crate) const MISSING: u8 = u8::MAX;

/// Most value bins per feature (the 256th code is [`MISSING`]).
pub(crate) const MAX_BINS: usize = 255;

/// Per-feature bin edges learnt from training data.
#[derive(Debug, Clone)]
pub(crate) struct Binner {
    /// For each feature, the sorted upper edges of all bins but the last.
    edges: Vec<Vec<f64>>,
}

impl Binner {
    /// Learns at most `max_bins` (2..=255) bins per feature from the
    /// quantiles of its finite values. Infinite values are refused; NaN is
    /// missing.
    pub(crate) fn fit(x: ArrayView2<'_, f64>, max_bins: usize) -> Result<Self> {
        let max_bins = max_bins.clamp(2, MAX_BINS);
        let mut edges = Vec::with_capacity(x.ncols());
        let mut values = Vec::with_capacity(x.nrows());
        for (feature, column) in x.columns().into_iter().enumerate() {
            values.clear();
            for (row, &v) in column.iter().enumerate() {
                if v.is_nan() {
                    continue;
                }
                if v.is_infinite() {
                    return Err(Error::NonFinite {
                        row,
                        feature,
                        value: v,
                    });
                }
                values.push(v);
            }
            values.sort_unstable_by(f64::total_cmp);
            edges.push(edges_of_sorted(&values, max_bins));
        }
        Ok(Self { edges })
    }

    /// Number of features.
    pub(crate) fn n_features(&self) -> usize {
        self.edges.len()
    }

    /// Number of value bins of a feature (at least 1).
    pub(crate) fn n_bins(&self, feature: usize) -> usize {
        self.edges.get(feature).map_or(1, |e| e.len() + 1)
    }

    /// The value a split after bin `bin` compares with (`v <= edge` goes
    /// left); `f64::MAX` after the last bin (every finite value goes left).
    pub(crate) fn edge(&self, feature: usize, bin: usize) -> f64 {
        self.edges
            .get(feature)
            .and_then(|e| e.get(bin))
            .copied()
            .unwrap_or(f64::MAX)
    }

    /// The code of one value.
    pub(crate) fn code(&self, feature: usize, v: f64) -> u8 {
        if v.is_nan() {
            return MISSING;
        }
        let edges = self.edges.get(feature).map_or(&[][..], Vec::as_slice);
        // At most 254 edges, so the position fits in a u8 below MISSING.
        edges.partition_point(|&e| e < v) as u8
    }

    /// All codes, feature-major: `codes[f * n_rows + row]`, so a histogram
    /// over one feature reads contiguous memory.
    pub(crate) fn codes(&self, x: ArrayView2<'_, f64>) -> Vec<u8> {
        let n = x.nrows();
        let mut codes = vec![0u8; n * x.ncols()];
        for (feature, (column, out)) in x
            .columns()
            .into_iter()
            .zip(codes.chunks_mut(n.max(1)))
            .enumerate()
        {
            for (c, &v) in out.iter_mut().zip(column.iter()) {
                *c = self.code(feature, v);
            }
        }
        codes
    }
}

/// Edges for sorted finite values: midpoints between neighbours when there
/// are few distinct values, quantiles otherwise.
fn edges_of_sorted(values: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct: Vec<f64> = Vec::new();
    for &v in values {
        if distinct.last() != Some(&v) {
            distinct.push(v);
            if distinct.len() > max_bins {
                break;
            }
        }
    }
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| midpoint(w[0], w[1])).collect();
    }
    let n = values.len();
    let mut edges: Vec<f64> = Vec::with_capacity(max_bins - 1);
    for i in 1..max_bins {
        let at = (i * n) / max_bins;
        let (Some(&lo), Some(&hi)) = (values.get(at.saturating_sub(1)), values.get(at)) else {
            continue;
        };
        // An edge between two equal values would split nothing: use the
        // value itself (ties go left).
        let edge = if lo < hi { midpoint(lo, hi) } else { lo };
        if edges.last().is_none_or(|&last| edge > last) {
            edges.push(edge);
        }
    }
    // The largest value must be strictly above the last edge, or the last bin is empty.
    if let (Some(&last), Some(&top)) = (edges.last(), values.last())
        && last >= top
    {
        edges.pop();
    }
    edges
}

/// The midpoint of `lo < hi`, computed so it never overflows and lies in `[lo, hi)`.
fn midpoint(lo: f64, hi: f64) -> f64 {
    let m = lo + (hi - lo) / 2.0;
    if m.is_finite() && m < hi { m } else { lo }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let x = array![[1.0], [2.0], [2.0], [5.0], [f64::NAN]];
        let b = Binner::fit(x.view(), 255).unwrap();
        assert_eq!(b.n_bins(0), 3);
        assert_eq!(b.codes(x.view()), vec![0, 1, 1, 2, MISSING]);
        assert_eq!(b.edge(0, 0), 1.5);
    }

    #[test]
    fn many_values_use_at_most_the_bin_budget() {
        let x = ndarray::Array2::from_shape_fn((10_000, 1), |(i, _)| i as f64);
        let b = Binner::fit(x.view(), 16).unwrap();
        assert!(b.n_bins(0) <= 16 && b.n_bins(0) >= 15, "{}", b.n_bins(0));
        let codes = b.codes(x.view());
        assert!(codes.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(codes.last().copied(), Some((b.n_bins(0) - 1) as u8));
    }

    #[test]
    fn infinite_values_are_refused() {
        let x = array![[1.0], [f64::INFINITY]];
        assert!(matches!(
            Binner::fit(x.view(), 255),
            Err(Error::NonFinite { row: 1, .. })
        ));
    }
}
