//! A fitted ensemble of trees, prepared for fast prediction: every
//! threshold the trees compare a feature with is one of at most 254 per
//! feature (bin edges), so rows are first coded to one byte per feature
//! and the trees walk 8-byte nodes comparing bytes. Blocks of rows walk
//! each tree in turn, so a tree is read from memory once per block. A few
//! rows skip the coding and walk the plain trees, several side by side.
//!
//! An ensemble whose thresholds do not fit in bytes (possible only in a
//! model file written by hand) predicts on the plain `f64` trees.

use ndarray::{Array1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::node::Tree;
use super::sum::sum_trees;
use crate::binning::MISSING;

/// Rows coded and walked together.
const ROWS: usize = 256;

/// The trees of a forest or a boosted model. Serialises as its list of
/// trees.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Vec<Tree>", into = "Vec<Tree>")]
pub(crate) struct Ensemble {
    trees: Vec<Tree>,
    coded: Option<Coded>,
}

impl PartialEq for Ensemble {
    fn eq(&self, other: &Self) -> bool {
        self.trees == other.trees
    }
}

impl std::ops::Deref for Ensemble {
    type Target = [Tree];
    fn deref(&self) -> &[Tree] {
        &self.trees
    }
}

impl From<Vec<Tree>> for Ensemble {
    fn from(trees: Vec<Tree>) -> Self {
        let coded = Coded::new(&trees);
        Self { trees, coded }
    }
}

impl From<Ensemble> for Vec<Tree> {
    fn from(e: Ensemble) -> Self {
        e.trees
    }
}

impl Ensemble {
    /// For each row of `x`, the sum of the trees' leaf values (`x` has at
    /// least the features the trees use; the caller checks the count).
    pub(crate) fn sum(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        match &self.coded {
            // A few rows: coding them costs more than it saves.
            Some(coded) if x.nrows() >= 4 => coded.sum(x),
            _ => sum_trees(&self.trees, x),
        }
    }
}

/// A node on byte codes: `code + shift <= limit` (wrapping) goes left, to
/// `left`; right is `left + 1`. Missing values go right with shift 0 and
/// limit `bin` (the missing code 255 is above every bin), left with shift
/// 1 and limit `bin + 1` (255 wraps to 0). A leaf points to itself with
/// shift 1 and limit 255, so every code stays.
#[derive(Debug, Clone, Copy)]
struct CodeNode {
    left: u32,
    feature: u16,
    shift: u8,
    limit: u8,
}

#[derive(Debug, Clone)]
struct CodeTree {
    nodes: Vec<CodeNode>,
    values: Vec<f64>,
    depth: usize,
}

impl CodeTree {
    #[inline(always)]
    fn step(&self, i: usize, row: &[u8]) -> usize {
        let n = self.nodes[i];
        let c = row.get(usize::from(n.feature)).copied().unwrap_or(MISSING);
        // `limit - (c + shift)` is negative, its top bit set, exactly when
        // the row goes right: arithmetic, so the compiler cannot make it a
        // branch that mispredicts on every other row.
        let code = u32::from(c.wrapping_add(n.shift));
        let right = u32::from(n.limit).wrapping_sub(code) >> 31;
        n.left as usize + right as usize
    }
}

#[derive(Debug, Clone)]
struct Coded {
    /// Per feature, the sorted distinct thresholds of all trees.
    thresholds: Vec<Vec<f64>>,
    /// The same, padded with `+inf` to 256 entries for a search of eight
    /// fixed steps without branches.
    padded: Vec<[f64; 256]>,
    trees: Vec<CodeTree>,
}

impl Coded {
    /// `None` when a feature has more than 254 distinct thresholds or an
    /// index does not fit.
    fn new(trees: &[Tree]) -> Option<Self> {
        let n_features = trees.iter().map(Tree::features_used).max().unwrap_or(0);
        if n_features > usize::from(u16::MAX) {
            return None;
        }
        let mut thresholds: Vec<Vec<f64>> = vec![Vec::new(); n_features];
        for tree in trees {
            for n in tree.nodes().iter().filter(|n| n.left != 0) {
                thresholds.get_mut(n.feature as usize)?.push(n.threshold);
            }
        }
        for t in &mut thresholds {
            t.sort_unstable_by(f64::total_cmp);
            t.dedup();
            if t.len() >= usize::from(MISSING) {
                return None;
            }
        }
        let trees = trees
            .iter()
            .map(|tree| {
                let nodes = tree
                    .nodes()
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        if n.left == 0 {
                            return Some(CodeNode {
                                left: i as u32,
                                feature: 0,
                                shift: 1,
                                limit: u8::MAX,
                            });
                        }
                        let bin = thresholds
                            .get(n.feature as usize)?
                            .binary_search_by(|t| t.total_cmp(&n.threshold))
                            .ok()?;
                        // bin <= 253, so bin + 1 never reaches the missing code.
                        let shift = u8::from(n.missing_left);
                        Some(CodeNode {
                            left: n.left,
                            feature: n.feature as u16,
                            shift,
                            limit: bin as u8 + shift,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(CodeTree {
                    nodes,
                    values: tree.nodes().iter().map(|n| n.value).collect(),
                    depth: tree.depth(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let padded = thresholds
            .iter()
            .map(|t| {
                let mut p = [f64::INFINITY; 256];
                p.iter_mut().zip(t).for_each(|(p, &t)| *p = t);
                p
            })
            .collect();
        Some(Self {
            thresholds,
            padded,
            trees,
        })
    }

    /// Codes of `rows` (row-major), `thresholds.len()` bytes per row:
    /// the number of thresholds below the value, [`MISSING`] for NaN.
    fn code_rows(&self, rows: ArrayView2<'_, f64>, out: &mut Vec<u8>) {
        out.clear();
        for row in rows.rows() {
            for (t, &v) in self.padded.iter().zip(row.iter()) {
                // Thresholds below v: at most 254 real ones, the padding never.
                let mut below = 0usize;
                for step in [128, 64, 32, 16, 8, 4, 2, 1] {
                    below += usize::from(t[below + step - 1] < v) * step;
                }
                out.push(if v.is_nan() { MISSING } else { below as u8 });
            }
        }
    }

    fn sum(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        let width = self.thresholds.len();
        let mut out = Array1::zeros(x.nrows());
        let mut codes = Vec::with_capacity(ROWS * width);
        for (block, out) in x
            .axis_chunks_iter(Axis(0), ROWS)
            .zip(out.axis_chunks_iter_mut(Axis(0), ROWS))
        {
            self.code_rows(block, &mut codes);
            let Some(out) = out.into_slice() else {
                continue;
            };
            self.block(&codes, width, out);
        }
        out
    }

    /// Tree after tree, all rows of the block one step at a time.
    fn block(&self, codes: &[u8], width: usize, out: &mut [f64]) {
        let mut at = [0u32; ROWS];
        let n = out.len().min(ROWS);
        for tree in &self.trees {
            at[..n].fill(0);
            for _ in 0..tree.depth {
                if width == 0 {
                    break;
                }
                for (i, row) in at[..n].iter_mut().zip(codes.chunks_exact(width)) {
                    *i = tree.step(*i as usize, row) as u32;
                }
            }
            for (o, &i) in out.iter_mut().zip(&at[..n]) {
                *o += tree.values[i as usize];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::Binner;
    use crate::tree::{GrowParams, Grower, Response};
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Byte codes give exactly the plain trees' sums: on the training
    /// values, on thresholds themselves, NaN, infinities, one row and many.
    #[test]
    fn coded_prediction_equals_plain_prediction() {
        let x = Array2::from_shape_fn((600, 4), |(i, j)| {
            if (i * 3 + j) % 23 == 0 {
                f64::NAN
            } else {
                ((i * (j + 7)) % 97) as f64 / 7.0
            }
        });
        let y: Vec<bool> = (0..600).map(|i| (i * 13) % 7 < 3).collect();
        let binner = Binner::fit(x.view(), 64).unwrap();
        let codes = binner.codes(x.view());
        let params = GrowParams {
            max_depth: 8,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: 2,
            max_leaf_nodes: None,
        };
        let grower = Grower::new(&binner, &codes, Response::Classes(&y), params);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let trees: Vec<Tree> = (0..12)
            .map(|_| {
                let w = vec![1.0; 600];
                grower.grow(&w, &mut rng, &mut [0.0; 4], None).unwrap()
            })
            .collect();
        let ensemble = Ensemble::from(trees.clone());
        assert!(ensemble.coded.is_some());
        // Test rows: the training rows, every edge, and non-finite values.
        let mut rows = x.clone();
        for f in 0..4 {
            for b in 0..binner.n_bins(f) {
                let mut r = rows.row(0).to_owned();
                r[f] = binner.edge(f, b);
                rows.push_row(r.view()).unwrap();
            }
        }
        for v in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -0.0] {
            rows.push_row(ndarray::aview1(&[v, 1.0, v, 3.0])).unwrap();
        }
        assert_eq!(ensemble.sum(rows.view()), sum_trees(&trees, rows.view()));
        for i in [0, 5, rows.nrows() - 1] {
            let one = rows.slice_axis(Axis(0), (i..i + 1).into());
            assert_eq!(ensemble.sum(one), sum_trees(&trees, one));
        }
    }
}
