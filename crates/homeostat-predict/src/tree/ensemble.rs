//! A fitted ensemble of trees, prepared for fast prediction: every
//! threshold the trees compare a feature with is one of at most 254 per
//! feature (bin edges), so rows are first coded to one byte per feature
//! and the trees compare bytes. Each row is coded twice, missing values
//! as the largest code (they go right of every threshold) and as 0 (they
//! go left), and each node reads the copy that sends them its learnt way:
//! a step is one load and one comparison. Blocks of rows walk each tree in
//! turn, so a tree is read from memory once per block. Trees of depth at
//! most [`MAX_DEPTH`] on at most 128 features walk a complete layout (no
//! child index to load, see [`Complete`]), others 8-byte linked nodes. A
//! few rows skip the coding and walk the plain trees, several side by side.
//!
//! An ensemble whose thresholds do not fit in bytes (possible only in a
//! model file written by hand) predicts on the plain `f64` trees.

use ndarray::{Array1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::complete::{Complete, MAX_DEPTH, MAX_STRIDE, PADDED_CODES, ROWS, pack};
use super::node::Tree;
use super::sum::sum_trees;
use crate::binning::MISSING;

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

/// A linked node on byte codes: `codes[column] <= limit` goes left, to
/// `left`; right is `left + 1`. A leaf points to itself with limit 255, so
/// every code stays.
#[derive(Debug, Clone, Copy)]
struct CodeNode {
    left: u32,
    column: u16,
    limit: u8,
}

/// A tree on byte codes: linked nodes for any depth, and the complete
/// layout when the tree is shallow and the columns fit in bytes.
#[derive(Debug, Clone)]
struct CodeTree {
    nodes: Vec<CodeNode>,
    values: Vec<f64>,
    depth: usize,
    complete: Option<Complete>,
}

impl CodeTree {
    #[inline(always)]
    fn step(&self, i: usize, row: &[u8]) -> usize {
        let n = self.nodes[i];
        let c = row.get(usize::from(n.column)).copied().unwrap_or(MISSING);
        n.left as usize + usize::from(c > n.limit)
    }

    /// Adds this tree's value for each row of a block (`stride` bytes of
    /// codes per row) to `out`.
    fn add_block(&self, codes: &[u8], stride: usize, out: &mut [f64]) {
        if let (Some(complete), Some(fixed)) = (&self.complete, codes.first_chunk::<PADDED_CODES>())
            && complete.add_block(fixed, stride, out)
        {
            return;
        }
        let mut at = [0u32; ROWS];
        let n = out.len().min(ROWS);
        for _ in 0..self.depth {
            for (i, row) in at[..n].iter_mut().zip(codes.chunks_exact(stride)) {
                *i = self.step(*i as usize, row) as u32;
            }
        }
        for (o, &i) in out.iter_mut().zip(&at[..n]) {
            *o += self.values[i as usize];
        }
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
        // Two code columns per feature, indexed by u16.
        if 2 * n_features > usize::from(u16::MAX) {
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
            .map(|tree| code_tree(tree, &thresholds))
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

    /// Bytes of codes per row: each feature twice.
    fn stride(&self) -> usize {
        2 * self.thresholds.len()
    }

    /// Codes of `rows` (row-major) into `out`, [`Coded::stride`] bytes per
    /// row: first the number of thresholds below each value with
    /// [`MISSING`] for NaN, then the same with 0 for NaN.
    fn code_rows(&self, rows: ArrayView2<'_, f64>, out: &mut [u8]) {
        let width = self.thresholds.len();
        for (row, dst) in rows
            .rows()
            .into_iter()
            .zip(out.chunks_exact_mut(self.stride()))
        {
            let (right, left) = dst.split_at_mut(width);
            for ((t, &v), (r, l)) in self
                .padded
                .iter()
                .zip(row.iter())
                .zip(right.iter_mut().zip(left.iter_mut()))
            {
                // Thresholds below v: at most 254 real ones, the padding never.
                let mut below = 0usize;
                for step in [128, 64, 32, 16, 8, 4, 2, 1] {
                    below += usize::from(t[below + step - 1] < v) * step;
                }
                let missing = v.is_nan();
                *r = if missing { MISSING } else { below as u8 };
                *l = if missing { 0 } else { below as u8 };
            }
        }
    }

    fn sum(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        let stride = self.stride();
        let mut out = Array1::zeros(x.nrows());
        if stride == 0 {
            // No tree splits: each sum is the roots' values.
            let total = self.trees.iter().fold(0.0, |s, t| s + t.values[0]);
            out.fill(total);
            return out;
        }
        // At least PADDED_CODES bytes, so the complete walk sees a
        // fixed-size array.
        let mut codes = vec![0u8; (ROWS * stride).max(PADDED_CODES)];
        for (block, out) in x
            .axis_chunks_iter(Axis(0), ROWS)
            .zip(out.axis_chunks_iter_mut(Axis(0), ROWS))
        {
            self.code_rows(block, &mut codes);
            let Some(out) = out.into_slice() else {
                continue;
            };
            for tree in &self.trees {
                tree.add_block(&codes, stride, out);
            }
        }
        out
    }
}

/// A tree on the code columns of `thresholds`: feature `f` with missing
/// values right reads column `f`, with missing values left column
/// `width + f`.
fn code_tree(tree: &Tree, thresholds: &[Vec<f64>]) -> Option<CodeTree> {
    let width = thresholds.len();
    let nodes = tree
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if n.left == 0 {
                return Some(CodeNode {
                    left: i as u32,
                    column: 0,
                    limit: u8::MAX,
                });
            }
            let bin = thresholds
                .get(n.feature as usize)?
                .binary_search_by(|t| t.total_cmp(&n.threshold))
                .ok()?;
            let column = n.feature as usize + if n.missing_left { width } else { 0 };
            Some(CodeNode {
                left: n.left,
                column: u16::try_from(column).ok()?,
                limit: u8::try_from(bin).ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let complete = if 2 * width <= MAX_STRIDE && tree.depth() <= MAX_DEPTH {
        let inner = |i: usize| nodes.get(i).filter(|n| n.left as usize != i);
        Complete::new(
            tree.depth(),
            nodes.len(),
            |i| inner(i).map(|n| (n.left as usize, n.left as usize + 1)),
            |i| Some(pack(u8::try_from(inner(i)?.column).ok()?, inner(i)?.limit)),
            |i| tree.nodes().get(i).map_or(0.0, |n| n.value),
        )
    } else {
        None
    };
    Some(CodeTree {
        values: tree.nodes().iter().map(|n| n.value).collect(),
        depth: tree.depth(),
        nodes,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::Binner;
    use crate::tree::node::Node;
    use crate::tree::{GrowParams, Grower, Response};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
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

    /// A tree of exactly `depth` levels (its first node of each level
    /// splits), other nodes splitting at random: unbalanced, with leaves
    /// on every level. Thresholds come from `grid`.
    fn random_tree(rng: &mut ChaCha8Rng, depth: usize, n_features: u32, grid: &[f64]) -> Tree {
        let leaf = |value| Node {
            threshold: 0.0,
            feature: 0,
            left: 0,
            right: 0,
            missing_left: false,
            value,
        };
        let mut nodes = vec![leaf(rng.gen_range(-1.0..1.0))];
        let mut levels = vec![0usize];
        let mut i = 0;
        while i < nodes.len() {
            let level = levels[i];
            let first_of_level = i == 0 || levels[i - 1] != level;
            if level < depth && (first_of_level || rng.gen_bool(0.6)) {
                let left = nodes.len() as u32;
                nodes[i] = Node {
                    threshold: grid[rng.gen_range(0..grid.len())],
                    feature: rng.gen_range(0..n_features),
                    left,
                    right: left + 1,
                    missing_left: rng.gen_bool(0.5),
                    value: 0.0,
                };
                for _ in 0..2 {
                    nodes.push(leaf(rng.gen_range(-1.0..1.0)));
                    levels.push(level + 1);
                }
            }
            i += 1;
        }
        let tree = Tree::new(nodes).unwrap();
        assert_eq!(tree.depth(), depth);
        tree
    }

    /// Rows of grid values, values between them, beyond them, NaN and
    /// infinities.
    fn random_rows(rng: &mut ChaCha8Rng, n: usize, n_features: usize, grid: &[f64]) -> Array2<f64> {
        Array2::from_shape_fn((n, n_features), |_| match rng.gen_range(0..10) {
            0 => f64::NAN,
            1 => [f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e300][rng.gen_range(0..4)],
            2..=5 => grid[rng.gen_range(0..grid.len())],
            _ => rng.gen_range(-60.0..60.0),
        })
    }

    /// The plain walk, tree after tree, one row at a time.
    fn plain(trees: &[Tree], x: &Array2<f64>) -> Array1<f64> {
        x.rows()
            .into_iter()
            .map(|r| {
                let row = r.to_vec();
                trees.iter().fold(0.0, |s, t| s + t.predict_row(&row))
            })
            .collect()
    }

    /// Random unbalanced trees of every depth from 0 to 12 (the complete
    /// layout up to [`MAX_DEPTH`], the linked one beyond), mixed in one
    /// ensemble and alone, on rows with missing and infinite values: the
    /// sums equal the plain walk's, bit for bit, for block-sized,
    /// ragged and tiny batches.
    #[test]
    fn coded_walks_equal_plain_walk_at_every_depth() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let grid: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.5 - 50.0).collect();
        let n_features = 7;
        let x = random_rows(&mut rng, 2 * ROWS + 37, n_features, &grid);
        let mut all = Vec::new();
        for depth in 0..=12 {
            let trees: Vec<Tree> = (0..5)
                .map(|_| random_tree(&mut rng, depth, n_features as u32, &grid))
                .collect();
            let ensemble = Ensemble::from(trees.clone());
            let coded = ensemble.coded.as_ref().unwrap();
            assert!(
                coded
                    .trees
                    .iter()
                    .all(|t| t.complete.is_some() == (depth <= MAX_DEPTH))
            );
            let expected = plain(&trees, &x);
            assert_eq!(ensemble.sum(x.view()), expected, "depth {depth}");
            let head = x.slice_axis(Axis(0), (0..5).into());
            assert_eq!(
                ensemble.sum(head),
                expected.slice_axis(Axis(0), (0..5).into())
            );
            all.extend(trees);
        }
        let ensemble = Ensemble::from(all.clone());
        assert_eq!(ensemble.sum(x.view()), plain(&all, &x));
    }

    /// More than 128 features: the code columns no longer fit in a byte,
    /// so every tree walks the linked layout, with the same sums.
    #[test]
    fn wide_rows_walk_linked_trees_with_the_same_sums() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let grid: Vec<f64> = (0..50).map(f64::from).collect();
        let n_features = 300;
        let x = random_rows(&mut rng, ROWS + 3, n_features, &grid);
        let trees: Vec<Tree> = (0..8)
            .map(|d| random_tree(&mut rng, d + 3, n_features as u32, &grid))
            .collect();
        let ensemble = Ensemble::from(trees.clone());
        let coded = ensemble.coded.as_ref().unwrap();
        assert!(coded.trees.iter().all(|t| t.complete.is_none()));
        assert_eq!(ensemble.sum(x.view()), plain(&trees, &x));
    }

    /// Trees that are single leaves (no column to code) sum their roots.
    #[test]
    fn leaf_only_ensembles_sum_their_roots() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let trees: Vec<Tree> = (0..3)
            .map(|_| random_tree(&mut rng, 0, 1, &[0.0]))
            .collect();
        let x = Array2::from_elem((9, 2), f64::NAN);
        let ensemble = Ensemble::from(trees.clone());
        assert_eq!(ensemble.sum(x.view()), plain(&trees, &x));
    }
}
