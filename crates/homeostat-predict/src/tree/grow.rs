//! Growing one classification tree from binned features: at each node a
//! weighted class histogram per candidate feature, scanned for the split of
//! lowest Gini impurity, with missing values tried on both sides.

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
}

/// Training data shared by every tree of a forest.
#[derive(Debug)]
pub(crate) struct Grower<'a> {
    binner: &'a Binner,
    /// Feature-major codes, `codes[f * n_rows + row]`.
    codes: &'a [u8],
    n_rows: usize,
    targets: &'a [bool],
    params: GrowParams,
}

/// Weighted class counts of a set of samples.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    weight: f64,
    positive: f64,
    count: u32,
}

impl Stats {
    /// Sum of squared class weights over the total: the larger, the purer.
    fn purity(self) -> f64 {
        let negative = self.weight - self.positive;
        (self.positive * self.positive + negative * negative) / self.weight
    }

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
    /// Decrease of weighted Gini impurity.
    gain: f64,
}

impl<'a> Grower<'a> {
    /// Data for growing trees; `codes` come from `binner.codes`.
    pub(crate) fn new(
        binner: &'a Binner,
        codes: &'a [u8],
        targets: &'a [bool],
        params: GrowParams,
    ) -> Self {
        Self {
            binner,
            codes,
            n_rows: targets.len(),
            targets,
            params,
        }
    }

    /// Grows a tree on the rows of positive `weights` (bootstrap count times
    /// class weight) and adds each split's impurity decrease to
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
        // (first sample, end, depth, node)
        let mut stack = vec![(0usize, samples.len(), 0usize, 0usize)];
        while let Some((start, end, depth, at)) = stack.pop() {
            let here = &mut samples[start..end];
            let stats = self.stats(here, weights);
            let value = if stats.weight > 0.0 {
                stats.positive / stats.weight
            } else {
                0.0
            };
            nodes[at] = leaf(value);
            let p = self.params;
            let pure = stats.positive <= 0.0 || stats.positive >= stats.weight;
            if depth >= p.max_depth
                || (stats.count as usize) < p.min_samples_split.max(2 * p.min_samples_leaf)
                || pure
            {
                continue;
            }
            let Some(split) = self.best_split(here, weights, stats, &mut order, rng) else {
                continue;
            };
            if let Some(slot) = importance.get_mut(split.feature) {
                *slot += split.gain;
            }
            let n_left = self.partition(here, split);
            let (left, right) = (nodes.len(), nodes.len() + 1);
            nodes.push(leaf(0.0));
            nodes.push(leaf(0.0));
            nodes[at] = Node {
                threshold: self.binner.edge(split.feature, split.bin),
                feature: split.feature as u32,
                left: left as u32,
                right: right as u32,
                missing_left: split.missing_left,
                value,
            };
            stack.push((start + n_left, end, depth + 1, right));
            stack.push((start, start + n_left, depth + 1, left));
        }
        Tree::new(nodes)
    }

    fn stats(&self, samples: &[u32], weights: &[f64]) -> Stats {
        let mut s = Stats::default();
        for &i in samples {
            let w = weights[i as usize];
            s.weight += w;
            if self.targets[i as usize] {
                s.positive += w;
            }
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
        let parent = total.purity();
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
            for &i in samples {
                let i = i as usize;
                let h = &mut hist[column[i] as usize];
                let w = weights[i];
                h.weight += w;
                if self.targets[i] {
                    h.positive += w;
                }
                h.count += 1;
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
                let gain = l.purity() + r.purity() - parent;
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
