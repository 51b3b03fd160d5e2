//! linfa-trees' `DecisionTree` (Gini splits on exact thresholds), the
//! simplest baseline, behind the same interface as the other models.
//!
//! linfa-trees exposes only each leaf's majority class, not its class
//! frequencies, so this model's "probabilities" are hard: 0 or 1. ROC-AUC
//! and PR-AUC are then those of a single operating point, and an alarm
//! threshold cannot be tuned. It has no serialisable form (linfa-trees'
//! serde support is off): it is a comparison baseline for `fit-eval`, not
//! a model to deploy. It cannot handle missing values: NaN or infinities
//! are a typed error.
//!
//! ```
//! use homeostat_predict::decision_tree::DecisionTreeBaseline;
//! use homeostat_predict::ProbabilisticClassifier;
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((100, 1), |(i, _)| i as f64);
//! let y: Array1<bool> = x.column(0).mapv(|v| v >= 50.0);
//! let model = DecisionTreeBaseline::params().fit(&Dataset::new(x.clone(), y))?;
//! let p = model.predict_proba(x.view())?;
//! assert_eq!((p[10], p[90]), (0.0, 1.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use linfa::dataset::AsSingleTargets;
use linfa::prelude::*;
use linfa_trees::DecisionTree;
use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::classifier::{
    ProbabilisticClassifier, check_feature_count, check_finite, check_training,
};
use crate::error::{Error, Result};

/// Hyperparameters of a [`DecisionTreeBaseline`], checked into
/// [`ValidDecisionTreeParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTreeParams(ValidDecisionTreeParams);

/// Checked hyperparameters of a [`DecisionTreeBaseline`]; `fit` lives here.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDecisionTreeParams {
    max_depth: Option<usize>,
    min_weight_split: f32,
}

impl Default for DecisionTreeParams {
    fn default() -> Self {
        Self(ValidDecisionTreeParams {
            max_depth: None,
            min_weight_split: 2.0,
        })
    }
}

impl DecisionTreeParams {
    /// Deepest split level, at least 1, or `None` for no limit (the default).
    pub fn max_depth(mut self, depth: Option<usize>) -> Self {
        self.0.max_depth = depth;
        self
    }
    /// Least (unit-weight) rows a node needs to be split, `>= 1` (default 2).
    pub fn min_weight_split(mut self, rows: f32) -> Self {
        self.0.min_weight_split = rows;
        self
    }
}

impl ParamGuard for DecisionTreeParams {
    type Checked = ValidDecisionTreeParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidDecisionTreeParams> {
        let p = &self.0;
        if p.max_depth == Some(0) {
            return Err(Error::InvalidParameter {
                name: "max_depth",
                reason: "0 must be at least 1".into(),
            });
        }
        if !(p.min_weight_split.is_finite() && p.min_weight_split >= 1.0) {
            return Err(Error::InvalidParameter {
                name: "min_weight_split",
                reason: format!("{} must be at least 1", p.min_weight_split),
            });
        }
        Ok(p)
    }

    fn check(self) -> Result<ValidDecisionTreeParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted linfa-trees decision tree with hard 0/1 probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTreeBaseline {
    tree: DecisionTree<f64, bool>,
    n_features: usize,
}

impl DecisionTreeBaseline {
    /// Default hyperparameters, to adjust with the builder methods.
    pub fn params() -> DecisionTreeParams {
        DecisionTreeParams::default()
    }

    /// Number of leaves of the fitted tree.
    pub fn n_leaves(&self) -> usize {
        self.tree.num_leaves()
    }

    /// Depth of the fitted tree.
    pub fn depth(&self) -> usize {
        self.tree.max_depth()
    }
}

impl ValidDecisionTreeParams {
    /// Fits on finite rows `x` and targets `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for empty data or mismatched lengths,
    /// [`Error::SingleClass`], [`Error::NonFinite`] for NaN or infinities,
    /// [`Error::Linfa`] when linfa-trees refuses the data.
    pub fn fit_arrays(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, bool>,
    ) -> Result<DecisionTreeBaseline> {
        check_training(x, y)?;
        check_finite(x)?;
        let tree = DecisionTree::params()
            .max_depth(self.max_depth)
            .min_weight_split(self.min_weight_split)
            .fit(&Dataset::new(x.to_owned(), y.to_owned()))?;
        Ok(DecisionTreeBaseline {
            tree,
            n_features: x.ncols(),
        })
    }
}

impl ProbabilisticClassifier for DecisionTreeBaseline {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_feature_count(self.n_features, x)?;
        check_finite(x)?;
        Ok(self
            .tree
            .predict(&x)
            .mapv(|fault| f64::from(u8::from(fault))))
    }
}

crate::classifier::linfa_classifier!(ValidDecisionTreeParams => DecisionTreeBaseline);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn learns_a_threshold_and_refuses_bad_input() {
        let x = array![[1.0, 5.0], [2.0, 4.0], [3.0, 3.0], [4.0, 2.0]];
        let y = array![false, false, true, true];
        let p = DecisionTreeBaseline::params().check().unwrap();
        let m = p.fit_arrays(x.view(), y.view()).unwrap();
        assert_eq!(
            m.predict_proba(x.view()).unwrap(),
            array![0.0, 0.0, 1.0, 1.0]
        );
        assert!(matches!(
            p.fit_arrays(array![[1.0], [f64::NAN]].view(), array![false, true].view()),
            Err(Error::NonFinite { row: 1, .. })
        ));
        assert!(matches!(
            p.fit_arrays(x.view(), array![true, true, true, true].view()),
            Err(Error::SingleClass { .. })
        ));
        assert!(matches!(
            m.predict_proba(array![[1.0]].view()),
            Err(Error::FeatureCountMismatch {
                expected: 2,
                found: 1
            })
        ));
        assert!(
            DecisionTreeBaseline::params()
                .max_depth(Some(0))
                .check()
                .is_err()
        );
        assert!(
            DecisionTreeBaseline::params()
                .min_weight_split(0.5)
                .check()
                .is_err()
        );
    }
}
