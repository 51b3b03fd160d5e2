//! Support vector machine (linfa-svm's SMO solver on standardised
//! features) with Platt-scaled probabilities, behind the same interface as
//! the forest.
//!
//! Platt's sigmoid `p = 1 / (1 + exp(A f + B))` is fitted on decision
//! values `f` the model did not train on: out-of-fold values of a seeded,
//! stratified k-fold cross-validation (as libsvm and scikit-learn's
//! `SVC(probability=True)` do), then the final machine is fitted on all
//! rows. The fitted model keeps only what its decision function needs (the
//! weight vector of a linear kernel; support vectors and their coefficients
//! for an RBF kernel), so it serialises and predicts without linfa.
//!
//! Fitting builds the dense kernel matrix: memory grows with the square of
//! the training rows (about 130 MB at 4,000 rows), so the SVM suits small
//! and medium tables. It cannot handle missing values: NaN or infinities
//! are a typed error.
//!
//! ```
//! use homeostat_predict::svm::{Svm, SvmKernel};
//! use homeostat_predict::ProbabilisticClassifier;
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((120, 1), |(i, _)| i as f64);
//! let y: Array1<bool> = x.column(0).mapv(|v| v >= 60.0);
//! let model = Svm::params().kernel(SvmKernel::Linear).fit(&Dataset::new(x.clone(), y))?;
//! let p = model.predict_proba(x.view())?;
//! assert!(p[10] < 0.2 && p[110] > 0.8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use linfa::composing::platt_scaling::{PlattParams, platt_newton_method};
use linfa::dataset::AsSingleTargets;
use linfa::prelude::*;
use linfa_svm::Svm as LinfaSvm;
use ndarray::{Array1, ArrayView1, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::classifier::{
    ProbabilisticClassifier, check_feature_count, check_finite, check_training,
};
use crate::error::{Error, Result};
use crate::forest::ClassWeight;
use crate::logistic::{standardisation, standardise};

/// The kernel of an [`Svm`], on standardised features.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvmKernel {
    /// `K(a, b) = a · b`.
    Linear,
    /// `K(a, b) = exp(-γ ‖a − b‖²)`; `None` is scikit-learn's `gamma =
    /// "scale"` on standardised features, `1 / n_features`.
    Rbf {
        /// γ, positive, or `None` for `1 / n_features`.
        gamma: Option<f64>,
    },
}

/// Hyperparameters of an [`Svm`], checked into [`ValidSvmParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct SvmParams(ValidSvmParams);

/// Checked hyperparameters of an [`Svm`]; `fit` lives here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidSvmParams {
    kernel: SvmKernel,
    c: f64,
    tolerance: f64,
    class_weight: ClassWeight,
    calibration_folds: usize,
    max_rows: usize,
    seed: u64,
}

impl Default for SvmParams {
    fn default() -> Self {
        Self(ValidSvmParams {
            kernel: SvmKernel::Rbf { gamma: None },
            c: 1.0,
            tolerance: 1e-3,
            class_weight: ClassWeight::Uniform,
            calibration_folds: 5,
            max_rows: 20_000,
            seed: 42,
        })
    }
}

impl SvmParams {
    /// The kernel (default RBF with γ = 1 / n_features).
    pub fn kernel(mut self, kernel: SvmKernel) -> Self {
        self.0.kernel = kernel;
        self
    }
    /// Penalty C on margin violations, positive (default 1).
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }
    /// Stopping tolerance of the SMO solver on the most violating pair,
    /// positive (default 1e-3, libsvm's).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.0.tolerance = tolerance;
        self
    }
    /// Class weights: C is multiplied by each class's weight (default uniform).
    pub fn class_weight(mut self, weight: ClassWeight) -> Self {
        self.0.class_weight = weight;
        self
    }
    /// Cross-validation folds whose out-of-fold decision values fit the
    /// Platt sigmoid, at least 2 (default 5).
    pub fn calibration_folds(mut self, folds: usize) -> Self {
        self.0.calibration_folds = folds;
        self
    }
    /// Most training rows accepted, at least 2 (default 20,000: its dense
    /// kernel matrix takes 3.2 GB). More rows are a typed error rather than
    /// an allocation that fails.
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.0.max_rows = rows;
        self
    }
    /// Seed of the fold assignment (default 42).
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

impl ParamGuard for SvmParams {
    type Checked = ValidSvmParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidSvmParams> {
        let p = &self.0;
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if !(p.c.is_finite() && p.c > 0.0) {
            return bad("c", format!("{} must be finite and positive", p.c));
        }
        if !(p.tolerance.is_finite() && p.tolerance > 0.0) {
            return bad(
                "tolerance",
                format!("{} must be finite and positive", p.tolerance),
            );
        }
        if let SvmKernel::Rbf { gamma: Some(g) } = p.kernel
            && !(g.is_finite() && g > 0.0)
        {
            return bad("gamma", format!("{g} must be finite and positive"));
        }
        if p.calibration_folds < 2 {
            return bad(
                "calibration_folds",
                format!("{} must be at least 2", p.calibration_folds),
            );
        }
        if p.max_rows < 2 {
            return bad("max_rows", format!("{} must be at least 2", p.max_rows));
        }
        p.class_weight.check()?;
        Ok(p)
    }

    fn check(self) -> Result<ValidSvmParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// The decision function `f(z) − ρ` of a fitted machine, on standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// `f(z) = w · z`.
    Linear {
        /// The weight vector `w = Σ αᵢ svᵢ`.
        weights: Vec<f64>,
    },
    /// `f(z) = Σ αᵢ exp(-γ ‖svᵢ − z‖²)`.
    Rbf {
        /// γ of the kernel.
        gamma: f64,
        /// The support vectors, one row each.
        support_vectors: Vec<Vec<f64>>,
        /// Their signed coefficients `αᵢ yᵢ`.
        coefficients: Vec<f64>,
    },
}

/// A fitted SVM with Platt-scaled probabilities:
/// `p = 1 / (1 + exp(A (f(z) − ρ) + B))`, `z` the standardised features.
/// Serialisable; deserialising checks the shapes and that every number is finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SvmParts", into = "SvmParts")]
pub struct Svm {
    parts: SvmParts,
}

/// The serialised form of an SVM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SvmParts {
    mean: Vec<f64>,
    scale: Vec<f64>,
    decision: Decision,
    rho: f64,
    platt_a: f64,
    platt_b: f64,
}

impl Svm {
    /// Default hyperparameters, to adjust with the builder methods.
    pub fn params() -> SvmParams {
        SvmParams::default()
    }

    /// The decision function (weights or support vectors).
    pub fn decision(&self) -> &Decision {
        &self.parts.decision
    }

    /// Number of support vectors (0 for a linear kernel, which keeps only its weights).
    pub fn n_support(&self) -> usize {
        match &self.parts.decision {
            Decision::Linear { .. } => 0,
            Decision::Rbf {
                support_vectors, ..
            } => support_vectors.len(),
        }
    }

    /// Platt's `(A, B)`.
    pub fn platt(&self) -> (f64, f64) {
        (self.parts.platt_a, self.parts.platt_b)
    }

    /// Decision values `f(z) − ρ` (positive: fault side) of rows `x`.
    ///
    /// # Errors
    /// [`Error::FeatureCountMismatch`], [`Error::NonFinite`] for NaN or infinities.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_feature_count(self.parts.mean.len(), x)?;
        check_finite(x)?;
        let z = standardise(x, &self.parts.mean, &self.parts.scale);
        Ok(self.decisions(z.view()))
    }

    fn decisions(&self, z: ArrayView2<'_, f64>) -> Array1<f64> {
        z.rows()
            .into_iter()
            .map(|row| decision_value(&self.parts.decision, row) - self.parts.rho)
            .collect()
    }
}

fn decision_value(decision: &Decision, z: ArrayView1<'_, f64>) -> f64 {
    match decision {
        Decision::Linear { weights } => weights.iter().zip(z).map(|(w, v)| w * v).sum(),
        Decision::Rbf {
            gamma,
            support_vectors,
            coefficients,
        } => support_vectors
            .iter()
            .zip(coefficients)
            .map(|(sv, a)| {
                let d2: f64 = sv.iter().zip(z).map(|(s, v)| (s - v) * (s - v)).sum();
                a * (-gamma * d2).exp()
            })
            .sum(),
    }
}

/// Platt's sigmoid, written so neither branch overflows.
fn platt_probability(f: f64, a: f64, b: f64) -> f64 {
    let t = a * f + b;
    if t >= 0.0 {
        let e = (-t).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + t.exp())
    }
}

/// A fitted machine before calibration: its decision function and ρ.
struct Machine {
    decision: Decision,
    rho: f64,
}

impl ValidSvmParams {
    /// Fits on finite rows `x` and targets `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for empty data, mismatched lengths, more rows
    /// than `max_rows`, or when
    /// a class has fewer than 2 rows (the calibration folds need both
    /// classes on their training side); [`Error::SingleClass`];
    /// [`Error::NonFinite`] for NaN or infinities; [`Error::InvalidData`]
    /// when the solver or the Platt fit fails.
    pub fn fit_arrays(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, bool>) -> Result<Svm> {
        check_training(x, y)?;
        if x.nrows() > self.max_rows {
            return Err(Error::InvalidData(format!(
                "{} training rows exceed the SVM's max_rows {} (its kernel matrix grows with rows squared): subsample, raise max_rows, or use a tree model",
                x.nrows(),
                self.max_rows
            )));
        }
        check_finite(x)?;
        let positives = y.iter().filter(|&&t| t).count();
        let smallest = positives.min(y.len() - positives);
        if smallest < 2 {
            return Err(Error::InvalidData(format!(
                "the SVM's calibration needs at least 2 rows of each class, one class has {smallest}"
            )));
        }
        let (mean, scale) = standardisation(x);
        let z = standardise(x, &mean, &scale);
        let gamma = match self.kernel {
            SvmKernel::Linear => None,
            SvmKernel::Rbf { gamma } => Some(gamma.unwrap_or(1.0 / x.ncols() as f64)),
        };

        // Out-of-fold decision values for Platt's sigmoid.
        let folds = stratified_folds(y, self.calibration_folds, self.seed);
        let mut out_of_fold = Array1::zeros(y.len());
        for fold in 0..self.calibration_folds {
            let (train, held): (Vec<usize>, Vec<usize>) =
                (0..y.len()).partition(|&i| folds[i] != fold);
            if held.is_empty() {
                continue;
            }
            let machine = self.fit_machine(
                z.select(Axis(0), &train).view(),
                train.iter().map(|&i| y[i]).collect(),
                gamma,
            )?;
            for &i in &held {
                out_of_fold[i] = decision_value(&machine.decision, z.row(i)) - machine.rho;
            }
        }
        let platt = PlattParams::<f64, ()>::default()
            .check()
            .map_err(|e| Error::InvalidData(format!("platt parameters: {e}")))?;
        let targets = y.to_owned();
        let (platt_a, platt_b) = platt_newton_method(out_of_fold.view(), targets.view(), &platt)
            .map_err(|e| Error::InvalidData(format!("platt scaling did not fit: {e}")))?;

        let machine = self.fit_machine(z.view(), y.to_owned(), gamma)?;
        Ok(Svm {
            parts: SvmParts {
                mean,
                scale,
                decision: machine.decision,
                rho: machine.rho,
                platt_a,
                platt_b,
            },
        })
    }

    /// One SMO fit on standardised rows, reduced to its decision function.
    fn fit_machine(
        &self,
        z: ArrayView2<'_, f64>,
        y: Array1<bool>,
        gamma: Option<f64>,
    ) -> Result<Machine> {
        let (w_neg, w_pos) = self.class_weight.weights(y.as_slice().unwrap_or(&[]));
        let params = LinfaSvm::<f64, bool>::params()
            .pos_neg_weights(self.c * w_pos, self.c * w_neg)
            .eps(self.tolerance)
            // linfa-svm 0.8.1's shrinking indexes out of bounds
            // (solver_smo.rs, should_shrunk) on a 4,000-row fit: keep it off.
            .shrinking(false);
        let params = match gamma {
            None => params.linear_kernel(),
            // linfa's Gaussian kernel is exp(-‖a − b‖² / eps): eps = 1 / γ.
            Some(g) => params.gaussian_kernel(1.0 / g),
        };
        let fitted = params
            .fit(&Dataset::new(z.to_owned(), y))
            .map_err(|e| Error::InvalidData(format!("the SVM did not fit: {e}")))?;
        // linfa keeps a row as a support vector when |α| > 100 ε.
        let cutoff = 100.0 * f64::EPSILON;
        let support: Vec<usize> = (0..fitted.alpha.len())
            .filter(|&i| fitted.alpha.get(i).is_some_and(|a| a.abs() > cutoff))
            .collect();
        let coefficients: Vec<f64> = support.iter().map(|&i| fitted.alpha[i]).collect();
        let decision = match gamma {
            None => {
                let mut weights = vec![0.0; z.ncols()];
                for (&i, a) in support.iter().zip(&coefficients) {
                    for (w, v) in weights.iter_mut().zip(z.row(i)) {
                        *w += a * v;
                    }
                }
                Decision::Linear { weights }
            }
            Some(gamma) => Decision::Rbf {
                gamma,
                support_vectors: support.iter().map(|&i| z.row(i).to_vec()).collect(),
                coefficients,
            },
        };
        Ok(Machine {
            decision,
            rho: fitted.rho,
        })
    }
}

/// Fold of each row: each class shuffled with the seed and dealt round
/// robin, so every fold's training side keeps both classes.
fn stratified_folds(y: ArrayView1<'_, bool>, folds: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0; y.len()];
    for class in [false, true] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        for (k, i) in rows.into_iter().enumerate() {
            fold[i] = k % folds;
        }
    }
    fold
}

impl ProbabilisticClassifier for Svm {
    fn n_features(&self) -> usize {
        self.parts.mean.len()
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self
            .decision_function(x)?
            .mapv_into(|f| platt_probability(f, self.parts.platt_a, self.parts.platt_b)))
    }
}

crate::classifier::linfa_classifier!(ValidSvmParams => Svm);

impl From<Svm> for SvmParts {
    fn from(model: Svm) -> Self {
        model.parts
    }
}

impl TryFrom<SvmParts> for Svm {
    type Error = Error;
    /// Refuses a decision function whose shape does not match the feature
    /// count, or a non-finite number (a damaged model file).
    fn try_from(parts: SvmParts) -> Result<Self> {
        let d = parts.mean.len();
        let bad = |reason: String| Err(Error::ModelFile(format!("invalid SVM: {reason}")));
        if parts.scale.len() != d {
            return bad(format!("{d} means but {} scales", parts.scale.len()));
        }
        let numbers: Vec<f64> = match &parts.decision {
            Decision::Linear { weights } => {
                if weights.len() != d {
                    return bad(format!("{} weights for {d} features", weights.len()));
                }
                weights.clone()
            }
            Decision::Rbf {
                gamma,
                support_vectors,
                coefficients,
            } => {
                if support_vectors.len() != coefficients.len()
                    || support_vectors.iter().any(|sv| sv.len() != d)
                {
                    return bad(format!(
                        "{} support vectors, {} coefficients, {d} features",
                        support_vectors.len(),
                        coefficients.len()
                    ));
                }
                let mut all = vec![*gamma];
                all.extend(coefficients);
                all.extend(support_vectors.iter().flatten());
                all
            }
        };
        let finite = numbers
            .iter()
            .chain(&parts.mean)
            .chain(&parts.scale)
            .chain([&parts.rho, &parts.platt_a, &parts.platt_b])
            .all(|v| v.is_finite());
        if !finite || parts.scale.iter().any(|&s| s <= 0.0) {
            return bad("a non-finite number or a non-positive scale".into());
        }
        Ok(Svm { parts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::Predict;
    use ndarray::Array2;

    fn rings(n: usize) -> (Array2<f64>, Array1<bool>) {
        // Inner disc vs outer ring: not linearly separable.
        let x = Array2::from_shape_fn((n, 2), |(i, j)| {
            let r = if i % 2 == 0 { 1.0 } else { 3.0 } + ((i * 7) % 10) as f64 / 20.0;
            let t = i as f64 * 0.61;
            if j == 0 { r * t.cos() } else { r * t.sin() }
        });
        let y = (0..n).map(|i| i % 2 == 1).collect();
        (x, y)
    }

    #[test]
    fn rebuilt_decision_matches_linfa() {
        let (x, y) = rings(80);
        for (kernel, gamma) in [
            (SvmKernel::Linear, None),
            (SvmKernel::Rbf { gamma: Some(0.5) }, Some(0.5)),
        ] {
            let p = Svm::params().kernel(kernel).check().unwrap();
            let machine = p.fit_machine(x.view(), y.clone(), gamma).unwrap();
            let params = LinfaSvm::<f64, bool>::params()
                .pos_neg_weights(1.0, 1.0)
                .eps(1e-3);
            let params = match gamma {
                None => params.linear_kernel(),
                Some(g) => params.gaussian_kernel(1.0 / g),
            };
            let theirs = params.fit(&Dataset::new(x.clone(), y.clone())).unwrap();
            for row in x.rows() {
                let ours = decision_value(&machine.decision, row) - machine.rho;
                let want = theirs.weighted_sum(&row) - theirs.rho;
                assert!((ours - want).abs() < 1e-9, "{ours} vs {want}");
                assert_eq!(ours >= 0.0, theirs.predict(row));
            }
        }
    }

    #[test]
    fn rbf_separates_rings_that_a_line_cannot() {
        let (x, y) = rings(200);
        let acc = |kernel| {
            let m = Svm::params()
                .kernel(kernel)
                .fit(&Dataset::new(x.clone(), y.clone()))
                .unwrap();
            let p = m.predict_proba(x.view()).unwrap();
            p.iter().zip(&y).filter(|(p, y)| (**p > 0.5) == **y).count() as f64 / y.len() as f64
        };
        assert!(acc(SvmKernel::Rbf { gamma: None }) > 0.95);
        assert!(acc(SvmKernel::Linear) < 0.8);
    }

    #[test]
    fn folds_are_stratified_and_seeded() {
        let y = Array1::from_iter((0..50).map(|i| i % 5 == 0));
        let f = stratified_folds(y.view(), 5, 3);
        assert_eq!(f, stratified_folds(y.view(), 5, 3));
        for fold in 0..5 {
            assert_eq!((0..50).filter(|&i| f[i] == fold && y[i]).count(), 2);
        }
    }

    #[test]
    fn platt_probability_is_stable() {
        assert_eq!(platt_probability(1e6, -1.0, 0.0), 1.0);
        assert_eq!(platt_probability(-1e6, -1.0, 0.0), 0.0);
        assert!((platt_probability(0.0, -1.0, 0.0) - 0.5).abs() < 1e-15);
    }
}
