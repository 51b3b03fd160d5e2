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
/// best-first growth) its best split and its histograms, from which a
/// child's are the parent's minus its sibling's.
#[derive(Debug, Clone)]
struct Open {
    start: usize,
    end: usize,
    depth: usize,
    at: usize,
    value: f64,
    split: Option<Split>,
    /// Best-first only: `hist[f * 256 + code]` for every feature `f`.
    hist: Vec<Stats>,
}

impl Open {
    fn new(start: usize, end: usize, depth: usize, at: usize) -> Self {
        Self {
            start,
            end,
            depth,
            at,
            value: 0.0,
            split: None,
            hist: Vec::new(),
        }
    }
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
    /// class weight, or hessians), adds each split's gain to
    /// `importance[feature]` and, when given, each row's leaf value to
    /// `fitted[row]`.
    ///
    /// Without a leaf limit the tree grows depth-first, drawing
    /// `max_features` features per split; with one it grows best-first and
    /// scans every feature, building only the smaller child's histograms.
    pub(crate) fn grow(
        &self,
        weights: &[f64],
        rng: &mut impl Rng,
        importance: &mut [f64],
        mut fitted: Option<&mut [f64]>,
    ) -> Result<Tree> {
        let mut samples: Vec<u32> = (0..self.n_rows as u32)
            .filter(|&i| weights.get(i as usize).is_some_and(|&w| w > 0.0))
            .collect();
        let n_features = self.binner.n_features();
        let mut order: Vec<usize> = (0..n_features).collect();
        let mut nodes = vec![leaf(0.0)];
        let mut scratch: Vec<u32> = Vec::new();
        let mut open = vec![Open::new(0, samples.len(), 0, 0)];
        if self.params.max_leaf_nodes.is_some() {
            let hist = self.histograms(&samples, weights);
            let root = open.swap_remove(0);
            open.push(self.evaluate_all(root, hist, &mut nodes));
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
            let Some(mut node) = next else { break };
            let Some(split) = node.split else {
                add_leaf(&mut fitted, &samples[node.start..node.end], node.value);
                continue;
            };
            if let Some(slot) = importance.get_mut(split.feature) {
                *slot += split.gain;
            }
            let n_left = self.partition(&mut samples[node.start..node.end], split, &mut scratch);
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
            let depth = node.depth + 1;
            let (l, r) = (
                Open::new(node.start, mid, depth, left),
                Open::new(mid, node.end, depth, right),
            );
            if node.hist.is_empty() {
                open.push(r);
                open.push(l);
                continue;
            }
            // The smaller child's histograms by a pass over its samples,
            // the larger one's by subtraction.
            let (small, large) = if n_left <= node.end - mid {
                (l, r)
            } else {
                (r, l)
            };
            let small_hist = self.histograms(&samples[small.start..small.end], weights);
            let mut large_hist = std::mem::take(&mut node.hist);
            for (h, s) in large_hist.iter_mut().zip(&small_hist) {
                *h = h.minus(*s);
            }
            open.push(self.evaluate_all(small, small_hist, &mut nodes));
            open.push(self.evaluate_all(large, large_hist, &mut nodes));
        }
        // Best-first: the nodes still open are leaves.
        for node in &open {
            add_leaf(&mut fitted, &samples[node.start..node.end], node.value);
        }
        Tree::new(nodes)
    }

    /// The histograms of every feature over `samples`.
    fn histograms(&self, samples: &[u32], weights: &[f64]) -> Vec<Stats> {
        let n_features = self.binner.n_features();
        let mut hist = vec![Stats::default(); n_features * 256];
        for (feature, hist) in hist.chunks_exact_mut(256).enumerate() {
            self.histogram(feature, samples, weights, hist);
        }
        hist
    }

    /// [`Grower::evaluate`] from the node's histograms, over every feature.
    fn evaluate_all(&self, mut node: Open, hist: Vec<Stats>, nodes: &mut [Node]) -> Open {
        let stats = hist
            .get(..256)
            .unwrap_or_default()
            .iter()
            .fold(Stats::default(), |a, &b| a.plus(b));
        node.value = self.leaf_value(stats);
        if let Some(slot) = nodes.get_mut(node.at) {
            *slot = leaf(node.value);
        }
        if self.stops(node.depth, stats) {
            return node;
        }
        let parent = self.score(stats);
        let mut best = None;
        for (feature, h) in hist.chunks_exact(256).enumerate() {
            self.scan(feature, h, stats, parent, &mut best);
        }
        node.split = best;
        if best.is_some() {
            node.hist = hist;
        }
        node
    }

    /// A stopping rule holds: depth, too few samples, or nothing to learn.
    fn stops(&self, depth: usize, stats: Stats) -> bool {
        let p = self.params;
        depth >= p.max_depth
            || (stats.count as usize) < p.min_samples_split.max(2 * p.min_samples_leaf)
            || self.pure(stats)
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
        if !self.stops(node.depth, stats) {
            node.split = self.best_split(here, weights, stats, order, rng);
        }
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
            self.histogram(feature, samples, weights, &mut hist);
            self.scan(feature, &hist, total, parent, &mut best);
        }
        best
    }

    /// Adds the samples' sums per code of one feature to `hist` (256 long).
    fn histogram(&self, feature: usize, samples: &[u32], weights: &[f64], hist: &mut [Stats]) {
        let column = &self.codes[feature * self.n_rows..(feature + 1) * self.n_rows];
        let Some(hist) = hist.get_mut(..256) else {
            return;
        };
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
    }

    /// Every cut between value bins, with missing values left and right.
    fn scan(
        &self,
        feature: usize,
        hist: &[Stats],
        total: Stats,
        parent: f64,
        best: &mut Option<Split>,
    ) {
        let Some(&missing) = hist.get(MISSING as usize) else {
            return;
        };
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

    /// Moves the samples going left to the front, keeping the order on
    /// each side (rows stay in increasing order, which keeps the histogram
    /// passes' reads close together); returns how many go left.
    fn partition(&self, samples: &mut [u32], split: Split, scratch: &mut Vec<u32>) -> usize {
        let column = &self.codes[split.feature * self.n_rows..(split.feature + 1) * self.n_rows];
        let goes_left = |i: u32| {
            let c = column[i as usize];
            if c == MISSING {
                split.missing_left
            } else {
                c as usize <= split.bin
            }
        };
        scratch.clear();
        let mut n_left = 0;
        for k in 0..samples.len() {
            let i = samples[k];
            if goes_left(i) {
                samples[n_left] = i;
                n_left += 1;
            } else {
                scratch.push(i);
            }
        }
        samples[n_left..].copy_from_slice(scratch);
        n_left
    }
}

/// Adds a leaf's value to the fitted value of each of its samples.
fn add_leaf(fitted: &mut Option<&mut [f64]>, samples: &[u32], value: f64) {
    if let Some(fitted) = fitted {
        for &i in samples {
            if let Some(f) = fitted.get_mut(i as usize) {
                *f += value;
            }
        }
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
