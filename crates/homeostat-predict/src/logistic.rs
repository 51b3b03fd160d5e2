//! Logistic regression (linfa-logistic's L-BFGS fit on standardised
//! features) behind the same interface as the forest, stored as plain
//! coefficients so it serialises and predicts without linfa.
//!
//! It cannot handle missing values: NaN or infinities are a typed error.
//!
//! ```
//! use homeostat_predict::{Logistic, ProbabilisticClassifier};
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((100, 1), |(i, _)| i as f64);
//! let y: Array1<bool> = x.column(0).mapv(|v| v >= 50.0);
//! let model = Logistic::params().fit(&Dataset::new(x.clone(), y))?;
//! let p = model.predict_proba(x.view())?;
//! assert!(p[10] < 0.1 && p[90] > 0.9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use linfa::dataset::AsSingleTargets;
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::classifier::{
    ProbabilisticClassifier, check_feature_count, check_finite, check_training,
};
use crate::error::{Error, Result};

/// Hyperparameters of a [`Logistic`] model, checked into [`ValidLogisticParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams(ValidLogisticParams);

/// Checked hyperparameters of a [`Logistic`] model; `fit` lives here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidLogisticParams {
    alpha: f64,
    max_iterations: u64,
    gradient_tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        Self(ValidLogisticParams {
            alpha: 1.0,
            max_iterations: 200,
            gradient_tolerance: 1e-4,
        })
    }
}

impl LogisticParams {
    /// L2 penalty on the coefficients of standardised features, `>= 0` (default 1).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
    /// L-BFGS iterations, at least 1 (default 200).
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.0.max_iterations = n;
        self
    }
    /// Gradient norm at which L-BFGS stops, positive (default 1e-4).
    pub fn gradient_tolerance(mut self, tol: f64) -> Self {
        self.0.gradient_tolerance = tol;
        self
    }
}

impl ParamGuard for LogisticParams {
    type Checked = ValidLogisticParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidLogisticParams> {
        let p = &self.0;
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if !(p.alpha.is_finite() && p.alpha >= 0.0) {
            return bad("alpha", format!("{} must be finite and >= 0", p.alpha));
        }
        if p.max_iterations == 0 {
            return bad("max_iterations", "0 must be at least 1".into());
        }
        if !(p.gradient_tolerance.is_finite() && p.gradient_tolerance > 0.0) {
            return bad(
                "gradient_tolerance",
                format!("{} must be positive", p.gradient_tolerance),
            );
        }
        Ok(p)
    }

    fn check(self) -> Result<ValidLogisticParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted logistic regression: `p = 1 / (1 + exp(-(b + w . z)))` with `z`
/// the features standardised by the training mean and deviation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    mean: Vec<f64>,
    scale: Vec<f64>,
    coefficients: Vec<f64>,
    intercept: f64,
}

impl Logistic {
    /// Default hyperparameters, to adjust with the builder methods.
    pub fn params() -> LogisticParams {
        LogisticParams::default()
    }

    /// Coefficients on the standardised features.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }
}

impl ValidLogisticParams {
    /// Fits on finite rows `x` and targets `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for empty data or mismatched lengths,
    /// [`Error::SingleClass`], [`Error::NonFinite`] for NaN or infinities,
    /// [`Error::InvalidData`] when the solver fails.
    pub fn fit_arrays(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, bool>) -> Result<Logistic> {
        check_training(x, y)?;
        check_finite(x)?;
        let (mean, scale) = standardisation(x);
        let z = standardise(x, &mean, &scale);
        let data = Dataset::new(z, y.to_owned());
        let fitted = LogisticRegression::default()
            .alpha(self.alpha)
            .max_iterations(self.max_iterations)
            .gradient_tolerance(self.gradient_tolerance)
            .fit(&data)
            .map_err(|e| Error::InvalidData(format!("logistic regression did not fit: {e}")))?;
        // linfa-logistic models the probability of the more frequent
        // class; faults are usually the rarer one, so flip to P(fault).
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        Ok(Logistic {
            mean,
            scale,
            coefficients: fitted.params().iter().map(|w| sign * w).collect(),
            intercept: sign * fitted.intercept(),
        })
    }
}

/// Each column's mean and standard deviation (1 for a constant column, so
/// standardising never divides by zero).
pub(crate) fn standardisation(x: ArrayView2<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    let n = x.nrows().max(1) as f64;
    let mean: Vec<f64> = x.columns().into_iter().map(|c| c.sum() / n).collect();
    let scale: Vec<f64> = x
        .columns()
        .into_iter()
        .zip(&mean)
        .map(|(c, m)| {
            let sd = (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
            if sd > 0.0 && sd.is_finite() { sd } else { 1.0 }
        })
        .collect();
    (mean, scale)
}

/// `(x - mean) / scale`, column by column.
pub(crate) fn standardise(x: ArrayView2<'_, f64>, mean: &[f64], scale: &[f64]) -> Array2<f64> {
    let mut z = x.to_owned();
    for (mut column, (m, s)) in z.columns_mut().into_iter().zip(mean.iter().zip(scale)) {
        column.mapv_inplace(|v| (v - m) / s);
    }
    z
}

impl ProbabilisticClassifier for Logistic {
    fn n_features(&self) -> usize {
        self.coefficients.len()
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_feature_count(self.coefficients.len(), x)?;
        check_finite(x)?;
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                let mut s = self.intercept;
                for (((v, m), sd), w) in row
                    .iter()
                    .zip(&self.mean)
                    .zip(&self.scale)
                    .zip(&self.coefficients)
                {
                    s += w * (v - m) / sd;
                }
                1.0 / (1.0 + (-s).exp())
            })
            .collect())
    }
}

crate::classifier::linfa_classifier!(ValidLogisticParams => Logistic);

#[cfg(test)]
mod tests {
    use super::*;
    use linfa_logistic::LogisticRegression;

    #[test]
    fn probabilities_match_linfa_logistic() {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| ((i * (j + 3)) % 17) as f64);
        let y: Array1<bool> = x
            .rows()
            .into_iter()
            .map(|r| r[0] + 0.5 * r[1] > 10.0)
            .collect();
        let ours = Logistic::params()
            .check()
            .unwrap()
            .fit_arrays(x.view(), y.view())
            .unwrap();
        let (mean, scale) = (ours.mean.clone(), ours.scale.clone());
        let z = standardise(x.view(), &mean, &scale);
        let theirs = LogisticRegression::default()
            .alpha(1.0)
            .max_iterations(200)
            .gradient_tolerance(1e-4)
            .fit(&Dataset::new(z.clone(), y))
            .unwrap();
        let a = ours.predict_proba(x.view()).unwrap();
        let b = theirs.predict_probabilities(&z);
        // linfa gives the probability of the more frequent class.
        let flip = !theirs.labels().pos.class;
        for (a, b) in a.iter().zip(b.iter()) {
            let b = if flip { 1.0 - b } else { *b };
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }
}
