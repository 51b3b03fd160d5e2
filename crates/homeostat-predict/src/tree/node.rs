//! A fitted tree: nodes in depth-first order, children after their parent.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One node. A leaf has `left == 0` (the root is never a child).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Node {
    /// `x[feature] <= threshold` goes left.
    pub(crate) threshold: f64,
    /// Feature compared at this node.
    pub(crate) feature: u32,
    /// Left child, or 0 for a leaf.
    pub(crate) left: u32,
    /// Right child.
    pub(crate) right: u32,
    /// Where a missing value (NaN) goes.
    pub(crate) missing_left: bool,
    /// The node's prediction (for a forest, the weighted fraction of faults).
    pub(crate) value: f64,
}

/// A fitted tree. Deserialising checks the structure, so prediction can
/// follow child indices without bounds failures or cycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Node>", into = "Vec<Node>")]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    /// The same nodes in 16 bytes each, for prediction (four per cache line).
    compact: Vec<Compact>,
    /// The prediction of each node.
    values: Vec<f64>,
    /// Longest root-to-leaf path, in edges.
    depth: usize,
}

/// A node for prediction. The low 31 bits of `feature` name the feature,
/// the top bit says missing values go left, the children are `left` and
/// `left + 1`. A leaf points to itself with an infinite threshold and
/// missing values left, so every row can take exactly `depth` steps with no
/// data-dependent branch: rows of a block then walk a tree side by side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Compact {
    threshold: f64,
    feature: u32,
    left: u32,
}

const MISSING_LEFT: u32 = 1 << 31;

/// Rows that walk a tree together in [`Tree::add_block`].
pub(crate) const BLOCK: usize = 64;

/// Trees walked side by side for one row in [`Tree::sum_lanes`].
const LANES: usize = 8;

impl Tree {
    /// A tree from nodes that satisfy [`Tree::check`].
    pub(crate) fn new(nodes: Vec<Node>) -> Result<Self> {
        check(&nodes)?;
        let compact = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if n.left == 0 {
                    Compact {
                        threshold: f64::INFINITY,
                        feature: MISSING_LEFT,
                        left: i as u32,
                    }
                } else {
                    Compact {
                        threshold: n.threshold,
                        feature: n.feature | if n.missing_left { MISSING_LEFT } else { 0 },
                        left: n.left,
                    }
                }
            })
            .collect();
        // Children follow their parent, so one forward pass finds every depth.
        let mut depths = vec![0usize; nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if n.left != 0 {
                let d = depths[i] + 1;
                depths[n.left as usize] = d;
                depths[n.right as usize] = d;
            }
        }
        Ok(Self {
            values: nodes.iter().map(|n| n.value).collect(),
            depth: depths.into_iter().max().unwrap_or(0),
            nodes,
            compact,
        })
    }

    /// One step from node `i` for a row.
    #[inline(always)]
    fn step(&self, i: usize, row: &[f64]) -> usize {
        let node = self.compact[i];
        let v = row
            .get((node.feature & !MISSING_LEFT) as usize)
            .copied()
            .unwrap_or(f64::NAN);
        // Non-short-circuit operators keep this free of branches.
        let go_left = (v <= node.threshold) | (v.is_nan() & (node.feature & MISSING_LEFT != 0));
        node.left as usize + usize::from(!go_left)
    }

    /// Adds this tree's value for each row of `rows` (row-major, `n_features`
    /// wide, at most [`BLOCK`] rows) to `out`.
    #[inline]
    pub(crate) fn add_block(&self, rows: &[f64], n_features: usize, out: &mut [f64]) {
        let mut at = [0usize; BLOCK];
        let n = out.len().min(BLOCK);
        for _ in 0..self.depth {
            for (i, row) in at[..n].iter_mut().zip(rows.chunks_exact(n_features.max(1))) {
                *i = self.step(*i, row);
            }
        }
        for (o, &i) in out.iter_mut().zip(&at[..n]) {
            *o += self.values[i];
        }
    }

    /// Longest root-to-leaf path, in edges.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The sum of the leaf values of `trees` for one row: [`LANES`] trees
    /// walk side by side a fixed number of steps, so their independent
    /// paths overlap instead of waiting for each other (and no branch
    /// depends on the row).
    pub(crate) fn sum_lanes(trees: &[Tree], row: &[f64]) -> f64 {
        let mut sum = 0.0;
        for group in trees.chunks(LANES) {
            let mut at = [0usize; LANES];
            let depth = group.iter().map(|t| t.depth).max().unwrap_or(0);
            for _ in 0..depth {
                for (i, tree) in at.iter_mut().zip(group) {
                    *i = tree.step(*i, row);
                }
            }
            sum += group
                .iter()
                .zip(&at)
                .map(|(t, &i)| t.values[i])
                .sum::<f64>();
        }
        sum
    }

    /// The nodes, root first.
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Largest feature index used, plus one (0 for a single leaf).
    pub(crate) fn features_used(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.left != 0)
            .map(|n| n.feature as usize + 1)
            .max()
            .unwrap_or(0)
    }

    /// The leaf value for one row, stopping at the leaf (the plain walk
    /// the tests compare the fast ones with).
    #[cfg(test)]
    pub(crate) fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0;
        loop {
            let next = self.step(i, row);
            if next == i {
                return self.values[i];
            }
            i = next;
        }
    }
}

/// Children come after their parent, side by side, inside the node list;
/// values are finite; feature indices fit in 31 bits; there is a root.
fn check(nodes: &[Node]) -> Result<()> {
    if nodes.is_empty() {
        return Err(Error::ModelFile("a tree has no nodes".into()));
    }
    for (i, n) in nodes.iter().enumerate() {
        if !n.value.is_finite() {
            return Err(Error::ModelFile(format!("node {i} has value {}", n.value)));
        }
        if n.left == 0 {
            continue;
        }
        let (l, r) = (n.left as usize, n.right as usize);
        if l <= i
            || r != l + 1
            || r >= nodes.len()
            || n.feature >= MISSING_LEFT
            || n.threshold.is_nan()
        {
            return Err(Error::ModelFile(format!(
                "node {i} has children {l}, {r} of {} nodes or threshold {}",
                nodes.len(),
                n.threshold
            )));
        }
    }
    Ok(())
}

impl TryFrom<Vec<Node>> for Tree {
    type Error = Error;
    fn try_from(nodes: Vec<Node>) -> Result<Self> {
        Tree::new(nodes)
    }
}

impl From<Tree> for Vec<Node> {
    fn from(tree: Tree) -> Self {
        tree.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump() -> Vec<Node> {
        let leaf = |value| Node {
            threshold: 0.0,
            feature: 0,
            left: 0,
            right: 0,
            missing_left: false,
            value,
        };
        vec![
            Node {
                threshold: 1.0,
                feature: 0,
                left: 1,
                right: 2,
                missing_left: false,
                value: 0.5,
            },
            leaf(0.1),
            leaf(0.9),
        ]
    }

    #[test]
    fn rows_follow_thresholds_and_missing_direction() {
        let tree = Tree::new(stump()).unwrap();
        assert_eq!(tree.predict_row(&[0.5]), 0.1);
        assert_eq!(tree.predict_row(&[1.0]), 0.1);
        assert_eq!(tree.predict_row(&[1.5]), 0.9);
        assert_eq!(tree.predict_row(&[f64::NAN]), 0.9);
    }

    #[test]
    fn cycles_and_dangling_children_are_refused() {
        let mut nodes = stump();
        nodes[0].left = 0;
        nodes[0].right = 5;
        assert!(
            Tree::new(nodes.clone()).is_ok(),
            "a leaf's right is ignored"
        );
        nodes[2].left = 1;
        nodes[2].right = 1;
        assert!(Tree::new(nodes).is_err());
        let json =
            r#"[{"threshold":1.0,"feature":0,"left":7,"right":2,"missing_left":true,"value":0.5}]"#;
        assert!(serde_json::from_str::<Tree>(json).is_err());
    }
}
