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
}

impl Tree {
    /// A tree from nodes that satisfy [`Tree::check`].
    pub(crate) fn new(nodes: Vec<Node>) -> Result<Self> {
        check(&nodes)?;
        Ok(Self { nodes })
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

    /// The leaf value for one row. `row` must have at least
    /// [`Tree::features_used`] values (the callers check the feature count).
    #[inline]
    pub(crate) fn predict_row(&self, row: &[f64]) -> f64 {
        let nodes = self.nodes.as_slice();
        let mut i = 0usize;
        loop {
            let Some(node) = nodes.get(i) else {
                return f64::NAN;
            };
            if node.left == 0 {
                return node.value;
            }
            let v = row.get(node.feature as usize).copied().unwrap_or(f64::NAN);
            let go_left = if v <= node.threshold {
                true
            } else if v.is_nan() {
                node.missing_left
            } else {
                false
            };
            i = if go_left { node.left } else { node.right } as usize;
        }
    }
}

/// Children come after their parent and inside the node list, values are
/// finite, there is a root.
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
        if l <= i || r <= i || l >= nodes.len() || r >= nodes.len() || n.threshold.is_nan() {
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
