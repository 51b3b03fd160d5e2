//! A histogram random forest for fault prediction: features binned to at
//! most 255 value bins plus a missing-value code, bootstrap samples,
//! per-split feature subsampling, class weights for rare faults and
//! probabilities from leaf class frequencies.
//!
//! ```
//! use homeostat_predict::{ProbabilisticClassifier, RandomForest};
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//!
//! // A fault follows high values of feature 0; feature 1 is noise.
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| if j == 0 { (i % 20) as f64 } else { (i * 7 % 13) as f64 });
//! let y: Array1<bool> = x.column(0).mapv(|v| v >= 15.0);
//! let forest = RandomForest::params().n_trees(20).seed(7).fit(&Dataset::new(x.clone(), y))?;
//! let p = forest.predict_proba(x.view())?;
//! assert!(p[19] > 0.9 && p[0] < 0.1);
//! let labels = forest.predict(&x); // linfa: p > 0.5
//! assert!(labels[19] && !labels[0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use linfa::dataset::AsSingleTargets;
use linfa::prelude::*;
use ndarray::{Array1, ArrayView1, ArrayView2};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::binning::{Binner, MAX_BINS};
use crate::classifier::{ProbabilisticClassifier, check_feature_count, check_training};
use crate::error::{Error, Result};
use crate::tree::{Ensemble, GrowParams, Grower, Response, Tree};

/// How many features each split draws, like scikit-learn's `max_features`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    /// `ceil(sqrt(n_features))` (the default, as in scikit-learn's classifier).
    Sqrt,
    /// `ceil(log2(n_features))`.
    Log2,
    /// Every feature at every split.
    All,
    /// A fraction in `(0, 1]` of the features, at least one.
    Fraction(f64),
    /// A fixed count, capped at the number of features.
    Count(usize),
}

impl MaxFeatures {
    /// Features drawn per split for `n` features (at least 1, at most `n`).
    pub fn resolve(self, n: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (n as f64).sqrt().ceil() as usize,
            MaxFeatures::Log2 => (n as f64).log2().ceil() as usize,
            MaxFeatures::All => n,
            MaxFeatures::Fraction(f) => (f * n as f64).ceil() as usize,
            MaxFeatures::Count(k) => k,
        };
        k.clamp(1, n.max(1))
    }
}

impl std::str::FromStr for MaxFeatures {
    type Err = Error;

    /// `sqrt`, `log2`, `all`, a fraction such as `0.3`, or a count such as `5`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidParameter {
            name: "max_features",
            reason: format!("{s:?} is not sqrt, log2, all, a fraction in (0, 1] or a count"),
        };
        match s {
            "sqrt" => Ok(MaxFeatures::Sqrt),
            "log2" => Ok(MaxFeatures::Log2),
            "all" => Ok(MaxFeatures::All),
            _ if s.contains('.') => s
                .parse::<f64>()
                .ok()
                .filter(|f| *f > 0.0 && *f <= 1.0)
                .map(MaxFeatures::Fraction)
                .ok_or_else(bad),
            _ => s
                .parse::<usize>()
                .ok()
                .filter(|&k| k > 0)
                .map(MaxFeatures::Count)
                .ok_or_else(bad),
        }
    }
}

/// How much each class counts in the impurity and the leaf frequencies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row counts once (the default).
    Uniform,
    /// Each class weighs `n / (2 n_class)`, so rare faults count as much as
    /// the healthy majority (probabilities are then no longer calibrated
    /// frequencies: choose the alarm threshold on validation data).
    Balanced,
    /// Fault rows weigh this much, healthy rows 1.
    Positive(f64),
}

impl ClassWeight {
    /// Refuses a non-positive or non-finite fault weight.
    pub(crate) fn check(self) -> Result<()> {
        match self {
            ClassWeight::Positive(w) if !(w.is_finite() && w > 0.0) => {
                Err(invalid("class_weight", format!("{w} must be positive")))
            }
            _ => Ok(()),
        }
    }

    /// Weights of (healthy, fault) rows for targets `y`.
    pub(crate) fn weights(self, y: &[bool]) -> (f64, f64) {
        match self {
            ClassWeight::Uniform => (1.0, 1.0),
            ClassWeight::Positive(w) => (1.0, w),
            ClassWeight::Balanced => {
                let n = y.len() as f64;
                let pos = y.iter().filter(|&&t| t).count().max(1) as f64;
                let neg = (n - pos).max(1.0);
                (n / (2.0 * neg), n / (2.0 * pos))
            }
        }
    }
}

/// Hyperparameters of a [`RandomForest`], checked into
/// [`ValidRandomForestParams`] (linfa's `ParamGuard`).
#[derive(Debug, Clone, PartialEq)]
pub struct RandomForestParams(ValidRandomForestParams);

/// Checked hyperparameters of a [`RandomForest`]; `fit` lives here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidRandomForestParams {
    n_trees: usize,
    max_depth: usize,
    min_samples_split: usize,
    min_samples_leaf: usize,
    max_features: MaxFeatures,
    bootstrap: bool,
    max_samples: f64,
    class_weight: ClassWeight,
    max_bins: usize,
    seed: u64,
}

impl Default for RandomForestParams {
    fn default() -> Self {
        Self(ValidRandomForestParams {
            n_trees: 100,
            max_depth: 16,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: MaxFeatures::Sqrt,
            bootstrap: true,
            max_samples: 1.0,
            class_weight: ClassWeight::Uniform,
            max_bins: MAX_BINS,
            seed: 0,
        })
    }
}

impl RandomForestParams {
    /// Number of trees, at least 1 (default 100).
    pub fn n_trees(mut self, n: usize) -> Self {
        self.0.n_trees = n;
        self
    }
    /// Deepest split level, at least 1 (default 16).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.0.max_depth = depth;
        self
    }
    /// Fewest samples a node needs to be split, at least 2 (default 2).
    pub fn min_samples_split(mut self, n: usize) -> Self {
        self.0.min_samples_split = n;
        self
    }
    /// Fewest samples in each leaf, at least 1 (default 1).
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.0.min_samples_leaf = n;
        self
    }
    /// Features drawn per split (default [`MaxFeatures::Sqrt`]).
    pub fn max_features(mut self, m: MaxFeatures) -> Self {
        self.0.max_features = m;
        self
    }
    /// Whether each tree learns from a bootstrap sample (default true).
    pub fn bootstrap(mut self, on: bool) -> Self {
        self.0.bootstrap = on;
        self
    }
    /// Bootstrap draws as a fraction of the rows, in `(0, 1]` (default 1).
    pub fn max_samples(mut self, fraction: f64) -> Self {
        self.0.max_samples = fraction;
        self
    }
    /// Class weights (default [`ClassWeight::Uniform`]).
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }
    /// Value bins per feature, 2..=255 (default 255).
    pub fn max_bins(mut self, n: usize) -> Self {
        self.0.max_bins = n;
        self
    }
    /// Seed of the bootstrap and feature draws (default 0). The same seed
    /// gives the same forest whatever the number of threads.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

pub(crate) fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}

impl ParamGuard for RandomForestParams {
    type Checked = ValidRandomForestParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        if p.n_trees == 0 {
            return Err(invalid("n_trees", "0 must be at least 1".into()));
        }
        if p.max_depth == 0 {
            return Err(invalid("max_depth", "0 must be at least 1".into()));
        }
        if p.min_samples_split < 2 {
            return Err(invalid(
                "min_samples_split",
                format!("{} must be at least 2", p.min_samples_split),
            ));
        }
        if p.min_samples_leaf == 0 {
            return Err(invalid("min_samples_leaf", "0 must be at least 1".into()));
        }
        if !(p.max_samples > 0.0 && p.max_samples <= 1.0) {
            return Err(invalid(
                "max_samples",
                format!("{} is not in (0, 1]", p.max_samples),
            ));
        }
        match p.max_features {
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => {
                return Err(invalid("max_features", format!("{f} is not in (0, 1]")));
            }
            MaxFeatures::Count(0) => {
                return Err(invalid("max_features", "0 must be at least 1".into()));
            }
            _ => {}
        }
        p.class_weight.check()?;
        if !(2..=MAX_BINS).contains(&p.max_bins) {
            return Err(invalid(
                "max_bins",
                format!("{} is not in 2..={MAX_BINS}", p.max_bins),
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted random forest: the mean of its trees' leaf fault frequencies is
/// the fault probability. Serialisable; deserialising checks every tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ForestParts", into = "ForestParts")]
pub struct RandomForest {
    parts: ForestParts,
}

/// The serialised form of a forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ForestParts {
    n_features: usize,
    trees: Ensemble,
    importance: Vec<f64>,
}

impl TryFrom<ForestParts> for RandomForest {
    type Error = Error;
    fn try_from(parts: ForestParts) -> Result<Self> {
        let used = parts.trees.iter().map(Tree::features_used).max();
        if parts.trees.is_empty() || used.is_some_and(|u| u > parts.n_features) {
            return Err(Error::ModelFile(format!(
                "a forest of {} trees on {} features uses feature {}",
                parts.trees.len(),
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

impl From<RandomForest> for ForestParts {
    fn from(forest: RandomForest) -> Self {
        forest.parts
    }
}

impl RandomForest {
    /// Default hyperparameters, to adjust with the builder methods.
    pub fn params() -> RandomForestParams {
        RandomForestParams::default()
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.parts.trees.len()
    }

    /// Mean decrease of weighted Gini impurity per feature, each tree's
    /// share normalised to sum to 1 and averaged over trees (scikit-learn's
    /// `feature_importances_`).
    pub fn impurity_importance(&self) -> &[f64] {
        &self.parts.importance
    }

    /// Total number of nodes over all trees.
    pub fn n_nodes(&self) -> usize {
        self.parts.trees.iter().map(|t| t.nodes().len()).sum()
    }
}

impl ProbabilisticClassifier for RandomForest {
    fn n_features(&self) -> usize {
        self.parts.n_features
    }

    /// Missing values (NaN) follow each split's learnt default direction.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_feature_count(self.parts.n_features, x)?;
        let trees = &self.parts.trees;
        let scale = 1.0 / trees.len() as f64;
        Ok(trees.sum(x) * scale)
    }
}

impl ValidRandomForestParams {
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
    ) -> Result<RandomForest> {
        check_training(x, y)?;
        let binner = Binner::fit(x, self.max_bins)?;
        let codes = binner.codes(x);
        let y: Vec<bool> = y.to_vec();
        let n_features = x.ncols();
        let grow = GrowParams {
            max_depth: self.max_depth,
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            max_features: self.max_features.resolve(n_features),
            max_leaf_nodes: None,
        };
        let grower = Grower::new(&binner, &codes, Response::Classes(&y), grow);
        let (w_neg, w_pos) = self.class_weight.weights(&y);
        let mut master = ChaCha8Rng::seed_from_u64(self.seed);
        let seeds: Vec<u64> = (0..self.n_trees).map(|_| master.next_u64()).collect();
        let one_tree = |&seed: &u64| -> Result<(Tree, Vec<f64>)> {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut weights: Vec<f64> = if self.bootstrap {
                let n = y.len();
                let draws = ((self.max_samples * n as f64).round() as usize).max(1);
                let mut counts = vec![0.0; n];
                for _ in 0..draws {
                    counts[rng.gen_range(0..n)] += 1.0;
                }
                counts
            } else {
                vec![1.0; y.len()]
            };
            for (w, &t) in weights.iter_mut().zip(&y) {
                *w *= if t { w_pos } else { w_neg };
            }
            let mut importance = vec![0.0; n_features];
            let tree = grower.grow(&weights, &mut rng, &mut importance, None)?;
            let total: f64 = importance.iter().sum();
            if total > 0.0 {
                importance.iter_mut().for_each(|v| *v /= total);
            }
            Ok((tree, importance))
        };
        #[cfg(feature = "rayon")]
        let fitted: Vec<(Tree, Vec<f64>)> = {
            use rayon::prelude::*;
            seeds.par_iter().map(one_tree).collect::<Result<_>>()?
        };
        #[cfg(not(feature = "rayon"))]
        let fitted: Vec<(Tree, Vec<f64>)> = seeds.iter().map(one_tree).collect::<Result<_>>()?;

        let mut importance = vec![0.0; n_features];
        for (_, imp) in &fitted {
            for (a, b) in importance.iter_mut().zip(imp) {
                *a += b / fitted.len() as f64;
            }
        }
        Ok(RandomForest {
            parts: ForestParts {
                n_features,
                trees: fitted
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect::<Vec<_>>()
                    .into(),
                importance,
            },
        })
    }
}

crate::classifier::linfa_classifier!(ValidRandomForestParams => RandomForest);
