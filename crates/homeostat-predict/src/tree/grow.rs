//! Growing one tree from binned features: at each node a histogram per
//! candidate feature, scanned for the best split, with missing values tried
//! on both sides. The forest's classification trees minimise weighted Gini
//! impurity; gradient boosting's regression trees take the Newton step of
//! a second-order loss (gradients and hessians per row).

use rand::Rng;

use super::node::{Node, Tree};
use crate::binning::{Binner, MISSING};
use crate::error::Result;

/// Stopping rules and feature sampling of one tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrowParams {
    /// Deepest level a split can be at (the root is level 0).
    pub(crate) max_depth: usize,
    /// Fewest samples a node needs to be split.
    pub(crate) min_samples_split: usize,
    /// Fewest samples on each side of a split.
    pub(crate) min_samples_leaf: usize,
    /// Features drawn (without replacement) per split.
    pub(crate) max_features: usize,
    /// Most leaves: the open node of largest gain is split first (best-first
    /// growth); `None` grows depth-first without a leaf limit.
    pub(crate) max_leaf_nodes: Option<usize>,
}

/// What a tree learns from each row, besides its weight.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Response<'a> {
    /// Classes: leaves hold the weighted fraction of `true`, splits lower
    /// weighted Gini impurity.
    Classes(&'a [bool]),
    /// Gradients of a loss (the row weights are its hessians): leaves hold
    /// `-shrinkage * G / (H + l2)`, splits raise `G² / (H + l2)`.
    Gradients {
        /// Per-row gradient.
        gradients: &'a [f64],
        /// L2 penalty on leaf values.
        l2: f64,
        /// Factor on every leaf value (the learning rate).
        shrinkage: f64,
    },
}

/// Training data shared by every tree of a forest.
#[derive(Debug)]
pub(crate) struct Grower<'a> {
    binner: &'a Binner,
    /// Feature-major codes, `codes[f * n_rows + row]`.
    codes: &'a [u8],
    n_rows: usize,
    response: Response<'a>,
    params: GrowParams,
}

/// Sums over a set of samples: for classes the weight and the weight of
/// `true` rows; for gradients the hessians and the gradients.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    weight: f64,
    positive: f64,
    count: u32,
}

impl Stats {
    fn minus(self, other: Stats) -> Stats {
        Stats {
            weight: self.weight - other.weight,
            positive: self.positive - other.positive,
            count: self.count - other.count,
        }
    }

    fn plus(self, other: Stats) -> Stats {
        Stats {
            weight: self.weight + other.weight,
            positive: self.positive + other.positive,
            count: self.count + other.count,
        }
    }
}

/// The best split found at a node.
#[derive(Debug, Clone, Copy)]
struct Split {
    feature: usize,
    /// Bins `0..=bin` go left.
    bin: usize,
    missing_left: bool,
    /// Decrease of weighted Gini impurity, or increase of `G² / (H + l2)`.
    gain: f64,
}

/// A node waiting to be split: its samples, depth, leaf value and (for
/// best-first growth) its best split.
#[derive(Debug, Clone, Copy)]
struct Open {
    start: usize,
    end: usize,
    depth: usize,
    at: usize,
    value: f64,
    split: Option<Split>,
}

impl<'a> Grower<'a> {
    /// Data for growing trees; `codes` come from `binner.codes`.
    pub(crate) fn new(
        binner: &'a Binner,
        codes: &'a [u8],
        response: Response<'a>,
        params: GrowParams,
    ) -> Self {
        let n_rows = match response {
            Response::Classes(t) => t.len(),
            Response::Gradients { gradients, .. } => gradients.len(),
        };
        Self {
            binner,
            codes,
            n_rows,
            response,
            params,
        }
    }

    /// The larger, the better the samples are fitted by one leaf value:
    /// the sum of squared class weights over the total weight, or
    /// `G² / (H + l2)`.
    fn score(&self, s: Stats) -> f64 {
        match self.response {
            Response::Classes(_) => {
                let negative = s.weight - s.positive;
                (s.positive * s.positive + negative * negative) / s.weight
            }
            Response::Gradients { l2, .. } => s.positive * s.positive / (s.weight + l2),
        }
    }

    /// The prediction of a leaf with these sums.
    fn leaf_value(&self, s: Stats) -> f64 {
        match self.response {
            Response::Classes(_) if s.weight > 0.0 => s.positive / s.weight,
            Response::Classes(_) => 0.0,
            Response::Gradients { l2, shrinkage, .. } => {
                let v = -shrinkage * s.positive / (s.weight + l2);
                if v.is_finite() { v } else { 0.0 }
            }
        }
    }

    /// Nothing left to learn: one class only (gradients are never pure).
    fn pure(&self, s: Stats) -> bool {
        match self.response {
            Response::Classes(_) => s.positive <= 0.0 || s.positive >= s.weight,
            Response::Gradients { .. } => s.weight <= 0.0,
        }
    }

    /// Grows a tree on the rows of positive `weights` (bootstrap count times
    /// class weight, or hessians) and adds each split's gain to
    /// `importance[feature]`.
    pub(crate) fn grow(
        &self,
        weights: &[f64],
        rng: &mut impl Rng,
        importance: &mut [f64],
    ) -> Result<Tree> {
        let mut samples: Vec<u32> = (0..self.n_rows as u32)
            .filter(|&i| weights.get(i as usize).is_some_and(|&w| w > 0.0))
            .collect();
        let n_features = self.binner.n_features();
        let mut order: Vec<usize> = (0..n_features).collect();
        let mut nodes = vec![leaf(0.0)];
        let best_first = self.params.max_leaf_nodes.is_some();
        let root = Open {
            start: 0,
            end: samples.len(),
            depth: 0,
            at: 0,
            value: 0.0,
            split: None,
        };
        let mut open = vec![root];
        if best_first {
            open[0] = self.evaluate(root, &samples, weights, &mut nodes, &mut order, rng);
        }
        let mut leaves = 1;
        loop {
            let next = match self.params.max_leaf_nodes {
                // Best-first: the open node whose split gains most.
                Some(max) if leaves < max => open
                    .iter()
                    .enumerate()
                    .filter_map(|(k, o)| o.split.map(|s| (k, s.gain)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(k, _)| open.swap_remove(k)),
                Some(_) => None,
                // Depth-first: evaluate when popped (this order of random
                // draws is the forest's).
                None => open
                    .pop()
                    .map(|o| self.evaluate(o, &samples, weights, &mut nodes, &mut order, rng)),
            };
            let Some(node) = next else { break };
            let Some(split) = node.split else { continue };
            if let Some(slot) = importance.get_mut(split.feature) {
                *slot += split.gain;
            }
            let n_left = self.partition(&mut samples[node.start..node.end], split);
            let (left, right) = (nodes.len(), nodes.len() + 1);
            nodes.push(leaf(0.0));
            nodes.push(leaf(0.0));
            nodes[node.at] = Node {
                threshold: self.binner.edge(split.feature, split.bin),
                feature: split.feature as u32,
                left: left as u32,
                right: right as u32,
                missing_left: split.missing_left,
                value: node.value,
            };
            leaves += 1;
            let mid = node.start + n_left;
            let children = [(mid, node.end, right), (node.start, mid, left)];
            for (start, end, at) in children {
                let child = Open {
                    start,
                    end,
                    depth: node.depth + 1,
                    at,
                    value: 0.0,
                    split: None,
                };
                open.push(if best_first {
                    self.evaluate(child, &samples, weights, &mut nodes, &mut order, rng)
                } else {
                    child
                });
            }
        }
        Tree::new(nodes)
    }

    /// Writes the node's leaf value and finds its best split, unless a
    /// stopping rule holds.
    fn evaluate(
        &self,
        mut node: Open,
        samples: &[u32],
        weights: &[f64],
        nodes: &mut [Node],
        order: &mut [usize],
        rng: &mut impl Rng,
    ) -> Open {
        let here = &samples[node.start..node.end];
        let stats = self.stats(here, weights);
        node.value = self.leaf_value(stats);
        if let Some(slot) = nodes.get_mut(node.at) {
            *slot = leaf(node.value);
        }
        let p = self.params;
        node.split = if node.depth >= p.max_depth
            || (stats.count as usize) < p.min_samples_split.max(2 * p.min_samples_leaf)
            || self.pure(stats)
        {
            None
        } else {
            self.best_split(here, weights, stats, order, rng)
        };
        node
    }

    fn stats(&self, samples: &[u32], weights: &[f64]) -> Stats {
        let mut s = Stats::default();
        for &i in samples {
            let i = i as usize;
            let w = weights[i];
            s.weight += w;
            s.positive += match self.response {
                Response::Classes(t) if t[i] => w,
                Response::Classes(_) => 0.0,
                Response::Gradients { gradients, .. } => gradients[i],
            };
            s.count += 1;
        }
        s
    }

    /// Draws features in a random order until `max_features` were tried and
    /// a split was found (like scikit-learn, more are tried while none splits).
    fn best_split(
        &self,
        samples: &[u32],
        weights: &[f64],
        total: Stats,
        order: &mut [usize],
        rng: &mut impl Rng,
    ) -> Option<Split> {
        let parent = self.score(total);
        let mut best: Option<Split> = None;
        let mut hist = [Stats::default(); 256];
        for k in 0..order.len() {
            if k >= self.params.max_features && best.is_some() {
                break;
            }
            let pick = rng.gen_range(k..order.len());
            order.swap(k, pick);
            let feature = order[k];
            hist.fill(Stats::default());
            let column = &self.codes[feature * self.n_rows..(feature + 1) * self.n_rows];
            // One loop per response, so the inner loop has no match.
            match self.response {
                Response::Classes(targets) => {
                    for &i in samples {
                        let i = i as usize;
                        let h = &mut hist[column[i] as usize];
                        let w = weights[i];
                        h.weight += w;
                        if targets[i] {
                            h.positive += w;
                        }
                        h.count += 1;
                    }
                }
                Response::Gradients { gradients, .. } => {
                    for &i in samples {
                        let i = i as usize;
                        let h = &mut hist[column[i] as usize];
                        h.weight += weights[i];
                        h.positive += gradients[i];
                        h.count += 1;
                    }
                }
            }
            self.scan(feature, &hist, total, parent, &mut best);
        }
        best
    }

    /// Every cut between value bins, with missing values left and right.
    fn scan(
        &self,
        feature: usize,
        hist: &[Stats; 256],
        total: Stats,
        parent: f64,
        best: &mut Option<Split>,
    ) {
        let missing = hist[MISSING as usize];
        let n_bins = self.binner.n_bins(feature).min(MISSING as usize);
        let min_leaf = self.params.min_samples_leaf.max(1) as u32;
        let min_gain = 1e-12 * total.weight;
        let mut left = Stats::default();
        for (bin, h) in hist.iter().enumerate().take(n_bins) {
            if h.count == 0 {
                continue;
            }
            left = left.plus(*h);
            for missing_left in [false, true] {
                if missing_left && missing.count == 0 {
                    continue;
                }
                let l = if missing_left {
                    left.plus(missing)
                } else {
                    left
                };
                let r = total.minus(l);
                if l.count < min_leaf || r.count < min_leaf || l.weight <= 0.0 || r.weight <= 0.0 {
                    continue;
                }
                let gain = self.score(l) + self.score(r) - parent;
                if gain > min_gain && best.is_none_or(|b| gain > b.gain) {
                    // Without missing values here, they follow the heavier side.
                    let missing_left = if missing.count == 0 {
                        l.weight >= r.weight
                    } else {
                        missing_left
                    };
                    *best = Some(Split {
                        feature,
                        bin,
                        missing_left,
                        gain,
                    });
                }
            }
        }
    }

    /// Moves the samples going left to the front; returns how many they are.
    fn partition(&self, samples: &mut [u32], split: Split) -> usize {
        let column = &self.codes[split.feature * self.n_rows..(split.feature + 1) * self.n_rows];
        let goes_left = |i: u32| {
            let c = column[i as usize];
            if c == MISSING {
                split.missing_left
            } else {
                c as usize <= split.bin
            }
        };
        let mut n_left = 0;
        for k in 0..samples.len() {
            if goes_left(samples[k]) {
                samples.swap(n_left, k);
                n_left += 1;
            }
        }
        n_left
    }
}

fn leaf(value: f64) -> Node {
    Node {
        threshold: 0.0,
        feature: 0,
        left: 0,
        right: 0,
        missing_left: false,
        value,
    }
}
