//! Gradient-boosted trees for fault prediction: histogram regression trees
//! (the forest's binning and grower) fitted one after the other to the
//! gradients and hessians of the logistic loss, with shrinkage, an L2
//! penalty on leaf values, class weights for rare faults, missing values
//! sent the way each split learnt, and early stopping on a seeded,
//! stratified validation split.
//!
//! ```
//! use homeostat_predict::{GradientBoosting, ProbabilisticClassifier};
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//!
//! // A fault when exactly one of two signals is high (XOR).
//! let x = Array2::from_shape_fn((400, 2), |(i, j)| ((i * (3 + 4 * j) + j) % 20) as f64);
//! let y: Array1<bool> = x.rows().into_iter().map(|r| (r[0] >= 10.0) != (r[1] >= 10.0)).collect();
//! let model = GradientBoosting::params().n_trees(50).seed(7).fit(&Dataset::new(x.clone(), y.clone()))?;
//! let p = model.predict_proba(x.view())?;
//! let right = p.iter().zip(&y).filter(|&(&p, &t)| (p > 0.5) == t).count();
//! assert!(right as f64 / 400.0 > 0.95);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use linfa::dataset::AsSingleTargets;
use linfa::prelude::*;
use ndarray::{Array1, ArrayView1, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::binning::{Binner, MAX_BINS};
use crate::classifier::{ProbabilisticClassifier, check_feature_count, check_training};
use crate::error::{Error, Result};
use crate::forest::{ClassWeight, invalid};
use crate::tree::{Ensemble, GrowParams, Grower, Response, Tree, sum_trees};

/// Hyperparameters of a [`GradientBoosting`] model, checked into
/// [`ValidGradientBoostingParams`] (linfa's `ParamGuard`).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientBoostingParams(ValidGradientBoostingParams);

/// Checked hyperparameters of a [`GradientBoosting`] model; `fit` lives here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidGradientBoostingParams {
    n_trees: usize,
    learning_rate: f64,
    max_depth: usize,
    max_leaf_nodes: Option<usize>,
    min_samples_leaf: usize,
    l2: f64,
    class_weight: ClassWeight,
    max_bins: usize,
    n_iter_no_change: usize,
    validation_fraction: f64,
    tolerance: f64,
    seed: u64,
}

impl Default for GradientBoostingParams {
    fn default() -> Self {
        Self(ValidGradientBoostingParams {
            n_trees: 100,
            learning_rate: 0.1,
            max_depth: 16,
            max_leaf_nodes: Some(31),
            min_samples_leaf: 20,
            l2: 0.0,
            class_weight: ClassWeight::Uniform,
            max_bins: MAX_BINS,
            n_iter_no_change: 10,
            validation_fraction: 0.1,
            tolerance: 1e-7,
            seed: 0,
        })
    }
}

impl GradientBoostingParams {
    /// Most boosting rounds (one tree each), at least 1 (default 100).
    pub fn n_trees(mut self, n: usize) -> Self {
        self.0.n_trees = n;
        self
    }
    /// Shrinkage of every leaf value, in `(0, 1]` (default 0.1).
    pub fn learning_rate(mut self, rate: f64) -> Self {
        self.0.learning_rate = rate;
        self
    }
    /// Deepest split level, at least 1 (default 16; the leaf limit usually binds first).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.0.max_depth = depth;
        self
    }
    /// Most leaves per tree, grown best-first, at least 2; `None` grows
    /// depth-first up to `max_depth` (default 31, as scikit-learn's).
    pub fn max_leaf_nodes(mut self, n: Option<usize>) -> Self {
        self.0.max_leaf_nodes = n;
        self
    }
    /// Fewest samples in each leaf, at least 1 (default 20).
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.0.min_samples_leaf = n;
        self
    }
    /// L2 penalty on leaf values, `>= 0` (default 0).
    pub fn l2_regularization(mut self, l2: f64) -> Self {
        self.0.l2 = l2;
        self
    }
    /// Class weights on the loss (default [`ClassWeight::Uniform`]).
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }
    /// Value bins per feature, 2..=255 (default 255).
    pub fn max_bins(mut self, n: usize) -> Self {
        self.0.max_bins = n;
        self
    }
    /// Stop when the validation loss has not improved for this many rounds
    /// (default 10); 0 turns early stopping off and uses every row to fit.
    pub fn n_iter_no_change(mut self, n: usize) -> Self {
        self.0.n_iter_no_change = n;
        self
    }
    /// Share of each class held out for early stopping, in `(0, 0.5]` (default 0.1).
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.0.validation_fraction = fraction;
        self
    }
    /// Least decrease of the validation loss that counts as an improvement, `>= 0` (default 1e-7).
    pub fn tolerance(mut self, tol: f64) -> Self {
        self.0.tolerance = tol;
        self
    }
    /// Seed of the validation split and the feature order (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

impl ParamGuard for GradientBoostingParams {
    type Checked = ValidGradientBoostingParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        if p.n_trees == 0 {
            return Err(invalid("n_trees", "0 must be at least 1".into()));
        }
        if !(p.learning_rate > 0.0 && p.learning_rate <= 1.0) {
            return Err(invalid(
                "learning_rate",
                format!("{} is not in (0, 1]", p.learning_rate),
            ));
        }
        if p.max_depth == 0 {
            return Err(invalid("max_depth", "0 must be at least 1".into()));
        }
        if let Some(n) = p.max_leaf_nodes
            && n < 2
        {
            return Err(invalid("max_leaf_nodes", format!("{n} must be at least 2")));
        }
        if p.min_samples_leaf == 0 {
            return Err(invalid("min_samples_leaf", "0 must be at least 1".into()));
        }
        if !(p.l2.is_finite() && p.l2 >= 0.0) {
            return Err(invalid(
                "l2_regularization",
                format!("{} must be >= 0", p.l2),
            ));
        }
        p.class_weight.check()?;
        if !(2..=MAX_BINS).contains(&p.max_bins) {
            return Err(invalid(
                "max_bins",
                format!("{} is not in 2..={MAX_BINS}", p.max_bins),
            ));
        }
        if !(p.validation_fraction > 0.0 && p.validation_fraction <= 0.5) {
            return Err(invalid(
                "validation_fraction",
                format!("{} is not in (0, 0.5]", p.validation_fraction),
            ));
        }
        if !(p.tolerance.is_finite() && p.tolerance >= 0.0) {
            return Err(invalid(
                "tolerance",
                format!("{} must be >= 0", p.tolerance),
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted gradient-boosted model: the fault probability is the logistic
/// function of the base score plus the trees' leaf values. Serialisable;
/// deserialising checks every tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BoostedParts", into = "BoostedParts")]
pub struct GradientBoosting {
    parts: BoostedParts,
}

/// The serialised form of a boosted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BoostedParts {
    n_features: usize,
    /// Log-odds before the first tree (the weighted prior).
    base_score: f64,
    trees: Ensemble,
    importance: Vec<f64>,
}

impl TryFrom<BoostedParts> for GradientBoosting {
    type Error = Error;
    fn try_from(parts: BoostedParts) -> Result<Self> {
        let used = parts.trees.iter().map(Tree::features_used).max();
        if !parts.base_score.is_finite() || used.is_some_and(|u| u > parts.n_features) {
            return Err(Error::ModelFile(format!(
                "a boosted model with base score {} on {} features uses feature {}",
                parts.base_score,
                parts.n_features,
                used.unwrap_or(0)
            )));
        }
        if parts.importance.len() != parts.n_features {
            return Err(Error::ModelFile(format!(
                "{} importances for {} features",
                parts.importance.len(),
                parts.n_features
            )));
        }
        Ok(Self { parts })
    }
}

impl From<GradientBoosting> for BoostedParts {
    fn from(model: GradientBoosting) -> Self {
        model.parts
    }
}

impl GradientBoosting {
    /// Default hyperparameters, to adjust with the builder methods.
    pub fn params() -> GradientBoostingParams {
        GradientBoostingParams::default()
    }

    /// Number of trees kept (with early stopping, up to the round of the
    /// lowest validation loss).
    pub fn n_trees(&self) -> usize {
        self.parts.trees.len()
    }

    /// Total loss decrease of each feature's splits over all trees,
    /// normalised to sum to 1 (all zero when no tree splits).
    pub fn impurity_importance(&self) -> &[f64] {
        &self.parts.importance
    }

    /// Log-odds of the raw scores: base score plus the trees' sum.
    fn raw_scores(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        self.parts.trees.sum(x) + self.parts.base_score
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl ProbabilisticClassifier for GradientBoosting {
    fn n_features(&self) -> usize {
        self.parts.n_features
    }

    /// Missing values (NaN) follow each split's learnt default direction.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_feature_count(self.parts.n_features, x)?;
        Ok(self.raw_scores(x).mapv_into(sigmoid))
    }
}

/// Rows held out for early stopping: `fraction` of each class, drawn with
/// the seed, so both parts keep both classes when each has two rows or more.
fn stratified_holdout(y: &[bool], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut fit, mut held) = (Vec::new(), Vec::new());
    for class in [false, true] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        let n_held = ((rows.len() as f64 * fraction).floor() as usize).min(rows.len() - 1);
        held.extend_from_slice(&rows[..n_held]);
        fit.extend_from_slice(&rows[n_held..]);
    }
    fit.sort_unstable();
    held.sort_unstable();
    (fit, held)
}

/// Weighted mean logistic loss of raw scores.
fn log_loss(raw: &[f64], y: &[bool], w: (f64, f64)) -> f64 {
    let (mut loss, mut total) = (0.0, 0.0);
    for (&z, &t) in raw.iter().zip(y) {
        // log(1 + e^-z) for faults, log(1 + e^z) otherwise, computed stably.
        let m = if t { -z } else { z };
        let l = m.max(0.0) + (-m.abs()).exp().ln_1p();
        let weight = if t { w.1 } else { w.0 };
        loss += weight * l;
        total += weight;
    }
    loss / total.max(f64::MIN_POSITIVE)
}

impl ValidGradientBoostingParams {
    /// Fits on rows `x` (NaN = missing; infinities refused) and targets `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for empty data or a target count that differs
    /// from the row count, [`Error::SingleClass`], [`Error::NonFinite`] for
    /// an infinite value.
    pub fn fit_arrays(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, bool>,
    ) -> Result<GradientBoosting> {
        check_training(x, y)?;
        refuse_infinite(x)?;
        let y_all: Vec<bool> = y.to_vec();
        let (fit_rows, held_rows) = if self.n_iter_no_change > 0 {
            stratified_holdout(&y_all, self.validation_fraction, self.seed)
        } else {
            ((0..y_all.len()).collect(), Vec::new())
        };
        let x_fit = x.select(Axis(0), &fit_rows);
        let y_fit: Vec<bool> = fit_rows.iter().map(|&i| y_all[i]).collect();
        let x_held = x.select(Axis(0), &held_rows);
        let y_held: Vec<bool> = held_rows.iter().map(|&i| y_all[i]).collect();
        let binner = Binner::fit(x_fit.view(), self.max_bins)?;
        let codes = binner.codes(x_fit.view());
        let n_features = x.ncols();
        let class_w = self.class_weight.weights(&y_all);
        let w_of = |t: bool| if t { class_w.1 } else { class_w.0 };

        // The weighted prior's log-odds.
        let (pos, total) = y_fit.iter().fold((0.0, 0.0), |(p, n), &t| {
            (p + if t { w_of(t) } else { 0.0 }, n + w_of(t))
        });
        let prior = (pos / total).clamp(1e-12, 1.0 - 1e-12);
        let base_score = (prior / (1.0 - prior)).ln();

        let grow = GrowParams {
            max_depth: self.max_depth,
            min_samples_split: 2 * self.min_samples_leaf,
            min_samples_leaf: self.min_samples_leaf,
            max_features: n_features,
            max_leaf_nodes: self.max_leaf_nodes,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x9e37_79b9_7f4a_7c15);
        let mut raw = vec![base_score; y_fit.len()];
        let mut raw_held = vec![base_score; y_held.len()];
        let mut gradients = vec![0.0; y_fit.len()];
        let mut hessians = vec![0.0; y_fit.len()];
        let mut trees: Vec<Tree> = Vec::new();
        let mut gains: Vec<Vec<f64>> = Vec::new();
        let mut best = (f64::INFINITY, 0usize);
        for round in 0..self.n_trees {
            for (((g, h), &z), &t) in gradients
                .iter_mut()
                .zip(&mut hessians)
                .zip(&raw)
                .zip(&y_fit)
            {
                let p = sigmoid(z);
                let w = w_of(t);
                *g = w * (p - if t { 1.0 } else { 0.0 });
                // A floor keeps saturated rows in the tree (weight > 0).
                *h = (w * p * (1.0 - p)).max(1e-16);
            }
            let response = Response::Gradients {
                gradients: &gradients,
                l2: self.l2,
                shrinkage: self.learning_rate,
            };
            let grower = Grower::new(&binner, &codes, response, grow);
            let mut gain = vec![0.0; n_features];
            // The grower adds each training row's leaf value to its raw score.
            let tree = grower.grow(&hessians, &mut rng, &mut gain, Some(&mut raw))?;
            let one = std::slice::from_ref(&tree);
            let early = self.n_iter_no_change > 0;
            if early {
                add_to(&mut raw_held, &sum_trees(one, x_held.view()));
            }
            trees.push(tree);
            gains.push(gain);
            if early {
                let loss = log_loss(&raw_held, &y_held, class_w);
                if loss < best.0 - self.tolerance {
                    best = (loss, round + 1);
                } else if round + 1 - best.1 >= self.n_iter_no_change {
                    break;
                }
            }
        }
        if self.n_iter_no_change > 0 {
            // Keep the rounds up to the lowest validation loss.
            let keep = best.1.max(1);
            trees.truncate(keep);
            gains.truncate(keep);
        }
        let mut importance = vec![0.0; n_features];
        for gain in &gains {
            for (a, b) in importance.iter_mut().zip(gain) {
                *a += b;
            }
        }
        let sum: f64 = importance.iter().sum();
        if sum > 0.0 {
            importance.iter_mut().for_each(|v| *v /= sum);
        }
        Ok(GradientBoosting {
            parts: BoostedParts {
                n_features,
                base_score,
                trees: trees.into(),
                importance,
            },
        })
    }
}

fn add_to(raw: &mut [f64], delta: &Array1<f64>) {
    raw.iter_mut().zip(delta).for_each(|(r, d)| *r += d);
}

/// Refuses infinite values (NaN is a missing value) with their position in `x`.
fn refuse_infinite(x: ArrayView2<'_, f64>) -> Result<()> {
    for ((row, feature), &value) in x.indexed_iter() {
        if value.is_infinite() {
            return Err(Error::NonFinite {
                row,
                feature,
                value,
            });
        }
    }
    Ok(())
}

crate::classifier::linfa_classifier!(ValidGradientBoostingParams => GradientBoosting);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// The raw scores updated from the grower's leaves are what the fitted
    /// tree predicts for the same rows, missing values included.
    #[test]
    fn leaf_updates_match_tree_predictions() {
        let x = Array2::from_shape_fn((500, 3), |(i, j)| {
            if (i + j) % 17 == 0 {
                f64::NAN
            } else {
                ((i * (j + 5)) % 31) as f64
            }
        });
        let gradients: Vec<f64> = (0..500).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
        let hessians = vec![1.0; 500];
        let binner = Binner::fit(x.view(), 32).unwrap();
        let codes = binner.codes(x.view());
        let response = Response::Gradients {
            gradients: &gradients,
            l2: 1.0,
            shrinkage: 0.5,
        };
        let params = GrowParams {
            max_depth: 6,
            min_samples_split: 10,
            min_samples_leaf: 5,
            max_features: 3,
            max_leaf_nodes: Some(12),
        };
        let grower = Grower::new(&binner, &codes, response, params);
        let mut fitted = vec![0.0; 500];
        let mut gain = vec![0.0; 3];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let tree = grower
            .grow(&hessians, &mut rng, &mut gain, Some(&mut fitted))
            .unwrap();
        assert_eq!(tree.nodes().iter().filter(|n| n.left == 0).count(), 12);
        let predicted = sum_trees(std::slice::from_ref(&tree), x.view());
        for (a, b) in fitted.iter().zip(&predicted) {
            assert_eq!(a, b);
        }
        assert!(gain.iter().sum::<f64>() > 0.0);
    }

    /// A boosted model's raw scores from the coded walk (complete trees up
    /// to depth 11, linked at 12) equal the plain trees' sums, bit for bit,
    /// on rows with missing values.
    #[test]
    fn coded_raw_scores_equal_plain_sums() {
        let x = Array2::from_shape_fn((700, 5), |(i, j)| {
            if (i * 7 + j) % 19 == 0 {
                f64::NAN
            } else {
                ((i * (j + 3)) % 89) as f64 / 3.0 - 10.0
            }
        });
        let y: Array1<bool> = (0..700).map(|i| (i * 11) % 9 < 4 || i % 13 == 0).collect();
        for depth in [1, 3, 6, 11, 12] {
            let model = GradientBoosting::params()
                .n_trees(15)
                .max_depth(depth)
                .max_leaf_nodes(None)
                .min_samples_leaf(1)
                .n_iter_no_change(0)
                .seed(5)
                .check()
                .unwrap()
                .fit_arrays(x.view(), y.view())
                .unwrap();
            let trees = &model.parts.trees;
            assert_eq!(
                trees.sum(x.view()),
                sum_trees(trees, x.view()),
                "depth {depth}"
            );
        }
    }
}
