//! Ridge regression for resource demand: predict a quantity (CPU cores,
//! requests per second) from features, with the closed-form solution on
//! standardised features,
//! `β = (ZᵀZ + α I)⁻¹ Zᵀ (y − ȳ)`, solved by a Cholesky factorisation.
//! The intercept is not penalised; `α = 0` is ordinary least squares
//! (an error when features are collinear).
//!
//! ```
//! use homeostat_predict::ridge::RidgeRegression;
//! use homeostat_predict::ParamGuard;
//! use ndarray::{Array1, Array2};
//!
//! // Demand = 2 + 0.5 × requests − 1.5 × cache hit ratio.
//! let x = Array2::from_shape_fn((50, 2), |(i, j)| if j == 0 { i as f64 } else { (i % 7) as f64 / 7.0 });
//! let y: Array1<f64> = x.rows().into_iter().map(|r| 2.0 + 0.5 * r[0] - 1.5 * r[1]).collect();
//! let model = RidgeRegression::params().alpha(1e-9).check()?.fit_arrays(x.view(), y.view())?;
//! let (w, b) = model.raw_coefficients();
//! assert!((w[0] - 0.5).abs() < 1e-6 && (w[1] + 1.5).abs() < 1e-6 && (b - 2.0).abs() < 1e-6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use linfa::ParamGuard;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::classifier::{check_feature_count, check_finite};
use crate::error::{Error, Result};
use crate::logistic::{standardisation, standardise};

/// Hyperparameters of a [`RidgeRegression`], checked into [`ValidRidgeParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeParams(ValidRidgeParams);

/// Checked hyperparameters of a [`RidgeRegression`]; `fit` lives here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidRidgeParams {
    alpha: f64,
}

impl Default for RidgeParams {
    fn default() -> Self {
        Self(ValidRidgeParams { alpha: 1.0 })
    }
}

impl RidgeParams {
    /// L2 penalty on the coefficients of standardised features, `>= 0` (default 1).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
}

impl ParamGuard for RidgeParams {
    type Checked = ValidRidgeParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidRidgeParams> {
        let a = self.0.alpha;
        if a.is_finite() && a >= 0.0 {
            Ok(&self.0)
        } else {
            Err(Error::InvalidParameter {
                name: "alpha",
                reason: format!("{a} must be finite and >= 0"),
            })
        }
    }

    fn check(self) -> Result<ValidRidgeParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted ridge regression: `ŷ = ȳ + Σ βⱼ (xⱼ − mⱼ) / sⱼ`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidgeRegression {
    mean: Vec<f64>,
    scale: Vec<f64>,
    /// Coefficients on the standardised features.
    coefficients: Vec<f64>,
    /// The mean target.
    intercept: f64,
}

impl RidgeRegression {
    /// Default hyperparameters, to adjust with the builder methods.
    pub fn params() -> RidgeParams {
        RidgeParams::default()
    }

    /// Coefficients on the standardised features.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// Coefficients and intercept on the original features:
    /// `ŷ = b + Σ wⱼ xⱼ`.
    pub fn raw_coefficients(&self) -> (Vec<f64>, f64) {
        let w: Vec<f64> = self
            .coefficients
            .iter()
            .zip(&self.scale)
            .map(|(c, s)| c / s)
            .collect();
        let b = self.intercept - w.iter().zip(&self.mean).map(|(w, m)| w * m).sum::<f64>();
        (w, b)
    }

    /// Predicted demand for each row of `x`.
    ///
    /// # Errors
    /// [`Error::FeatureCountMismatch`], [`Error::NonFinite`] for NaN or infinities.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_feature_count(self.coefficients.len(), x)?;
        check_finite(x)?;
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                self.intercept
                    + row
                        .iter()
                        .zip(&self.mean)
                        .zip(&self.scale)
                        .zip(&self.coefficients)
                        .map(|(((v, m), s), c)| c * (v - m) / s)
                        .sum::<f64>()
            })
            .collect())
    }
}

impl ValidRidgeParams {
    /// Fits on finite rows `x` and targets `y`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for empty data, a target count that differs
    /// from the row count, or a singular system (collinear features with
    /// `alpha` 0); [`Error::NonFinite`] for NaN or infinities in `x` or `y`
    /// (for `y`, the feature index is the column count).
    pub fn fit_arrays(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<RidgeRegression> {
        if x.nrows() == 0 || x.ncols() == 0 || x.nrows() != y.len() {
            return Err(Error::InvalidData(format!(
                "{} rows x {} features with {} targets",
                x.nrows(),
                x.ncols(),
                y.len()
            )));
        }
        check_finite(x)?;
        if let Some((row, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                row,
                feature: x.ncols(),
                value,
            });
        }
        let (mean, scale) = standardisation(x);
        let z = standardise(x, &mean, &scale);
        let intercept = y.sum() / y.len() as f64;
        let yc = y.mapv(|v| v - intercept);
        let mut gram: Array2<f64> = z.t().dot(&z);
        for i in 0..gram.nrows() {
            gram[[i, i]] += self.alpha;
        }
        let rhs = z.t().dot(&yc);
        let coefficients = solve_spd(gram, rhs.to_vec())?;
        Ok(RidgeRegression {
            mean,
            scale,
            coefficients,
            intercept,
        })
    }
}

/// linfa's `Fit` on a regression dataset (`f64` targets).
impl<D, T> linfa::traits::Fit<ndarray::ArrayBase<D, ndarray::Ix2>, T, Error> for ValidRidgeParams
where
    D: ndarray::Data<Elem = f64>,
    T: linfa::dataset::AsSingleTargets<Elem = f64>,
{
    type Object = RidgeRegression;

    fn fit(
        &self,
        dataset: &linfa::DatasetBase<ndarray::ArrayBase<D, ndarray::Ix2>, T>,
    ) -> Result<RidgeRegression> {
        use linfa::dataset::AsSingleTargets as _;
        self.fit_arrays(dataset.records().view(), dataset.as_single_targets())
    }
}

/// Predicted demand; every value is NaN when [`RidgeRegression::predict`]
/// fails (linfa's interface has no error path: call `predict` for the
/// typed error).
impl<D: ndarray::Data<Elem = f64>>
    linfa::traits::PredictInplace<ndarray::ArrayBase<D, ndarray::Ix2>, Array1<f64>>
    for RidgeRegression
{
    fn predict_inplace(&self, x: &ndarray::ArrayBase<D, ndarray::Ix2>, y: &mut Array1<f64>) {
        match self.predict(x.view()) {
            Ok(p) => y.iter_mut().zip(p).for_each(|(y, p)| *y = p),
            Err(_) => y.fill(f64::NAN),
        }
    }

    fn default_target(&self, x: &ndarray::ArrayBase<D, ndarray::Ix2>) -> Array1<f64> {
        Array1::from_elem(x.nrows(), f64::NAN)
    }
}

/// Solves `a · x = b` for a symmetric positive-definite `a` (Cholesky).
pub(crate) fn solve_spd(mut a: Array2<f64>, mut b: Vec<f64>) -> Result<Vec<f64>> {
    let n = b.len();
    let singular = || {
        Error::InvalidData(
            "the ridge system is singular: collinear or constant features with alpha 0".into(),
        )
    };
    // a = L Lᵀ, L stored in the lower triangle.
    for j in 0..n {
        let diag = a[[j, j]];
        let mut d = diag;
        for k in 0..j {
            d -= a[[j, k]] * a[[j, k]];
        }
        // Relative to the diagonal: exact collinearity leaves rounding noise.
        if d.is_nan() || d <= 1e-12 * diag.abs().max(1.0) {
            return Err(singular());
        }
        let d = d.sqrt();
        a[[j, j]] = d;
        for i in j + 1..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= a[[i, k]] * a[[j, k]];
            }
            a[[i, j]] = s / d;
        }
    }
    // L y = b, then Lᵀ x = y.
    for i in 0..n {
        let s: f64 = (0..i).map(|k| a[[i, k]] * b[k]).sum();
        b[i] = (b[i] - s) / a[[i, i]];
    }
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| a[[k, i]] * b[k]).sum();
        b[i] = (b[i] - s) / a[[i, i]];
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn fit(alpha: f64, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<RidgeRegression> {
        RidgeRegression::params()
            .alpha(alpha)
            .check()?
            .fit_arrays(x, y)
    }

    #[test]
    fn one_feature_matches_the_closed_form() {
        // Standardised x (population deviation √(2/3)) and centred y, by hand.
        let x = array![[1.0], [2.0], [3.0]];
        let y = array![1.0, 3.0, 2.0];
        let m = fit(2.0, x.view(), y.view()).unwrap();
        let z = [-(1.5f64).sqrt(), 0.0, (1.5f64).sqrt()];
        let yc = [-1.0, 1.0, 0.0];
        let zz: f64 = z.iter().map(|v| v * v).sum();
        let zy: f64 = z.iter().zip(&yc).map(|(a, b)| a * b).sum();
        assert!((m.coefficients()[0] - zy / (zz + 2.0)).abs() < 1e-12);
        assert!((m.intercept - 2.0).abs() < 1e-12);
    }

    #[test]
    fn least_squares_recovers_an_exact_plane_and_ridge_shrinks_it() {
        let x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * (j + 2) * 7) % 19) as f64 + j as f64);
        let y: Array1<f64> = x
            .rows()
            .into_iter()
            .map(|r| 4.0 + 1.5 * r[0] - 2.0 * r[1] + 0.25 * r[2])
            .collect();
        let ols = fit(0.0, x.view(), y.view()).unwrap();
        let (w, b) = ols.raw_coefficients();
        for (got, want) in w.iter().zip([1.5, -2.0, 0.25]) {
            assert!((got - want).abs() < 1e-9, "{w:?}");
        }
        assert!((b - 4.0).abs() < 1e-8);
        let p = ols.predict(x.view()).unwrap();
        assert!(p.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-8));
        let ridge = fit(50.0, x.view(), y.view()).unwrap();
        let norm = |m: &RidgeRegression| m.coefficients().iter().map(|c| c * c).sum::<f64>();
        assert!(norm(&ridge) < norm(&ols));
    }

    #[test]
    fn linfa_fit_and_predict_match_the_arrays_and_survive_a_save() {
        use crate::persist::{load, save};
        use linfa::prelude::{Dataset, Fit, Predict};
        let x = Array2::from_shape_fn((30, 2), |(i, j)| ((i * (j + 3)) % 11) as f64);
        let y: Array1<f64> = x
            .rows()
            .into_iter()
            .map(|r| 1.0 + r[0] - 0.5 * r[1])
            .collect();
        let from_linfa = RidgeRegression::params()
            .alpha(0.5)
            .fit(&Dataset::new(x.clone(), y.clone()))
            .unwrap();
        let direct = fit(0.5, x.view(), y.view()).unwrap();
        assert_eq!(from_linfa, direct);
        let p: Array1<f64> = Predict::predict(&from_linfa, &x);
        assert_eq!(p, direct.predict(x.view()).unwrap());
        // Another feature count: NaN through linfa, a typed error directly.
        let wrong: Array1<f64> = Predict::predict(&from_linfa, &array![[1.0]]);
        assert!(wrong[0].is_nan());
        let mut bytes = Vec::new();
        save(&direct, &mut bytes).unwrap();
        let back: RidgeRegression = load(bytes.as_slice()).unwrap();
        assert_eq!(back.predict(x.view()).unwrap(), p);
        let half = &bytes[..bytes.len() / 2];
        assert!(matches!(
            load::<RidgeRegression>(half),
            Err(Error::ModelFile(_))
        ));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        let y = array![1.0, 2.0, 3.0];
        // Collinear features: singular without a penalty, fine with one.
        assert!(matches!(
            fit(0.0, x.view(), y.view()),
            Err(Error::InvalidData(_))
        ));
        assert!(fit(0.1, x.view(), y.view()).is_ok());
        assert!(matches!(
            fit(1.0, x.view(), array![1.0, f64::NAN, 3.0].view()),
            Err(Error::NonFinite {
                row: 1,
                feature: 2,
                ..
            })
        ));
        assert!(matches!(
            fit(
                1.0,
                array![[1.0], [f64::INFINITY]].view(),
                array![1.0, 2.0].view()
            ),
            Err(Error::NonFinite {
                row: 1,
                feature: 0,
                ..
            })
        ));
        assert!(matches!(
            fit(1.0, x.view(), array![1.0].view()),
            Err(Error::InvalidData(_))
        ));
        assert!(matches!(
            fit(1.0, Array2::zeros((0, 2)).view(), Array1::zeros(0).view()),
            Err(Error::InvalidData(_))
        ));
        assert!(RidgeRegression::params().alpha(-1.0).check().is_err());
        let m = fit(1.0, x.view(), y.view()).unwrap();
        assert!(matches!(
            m.predict(array![[1.0]].view()),
            Err(Error::FeatureCountMismatch {
                expected: 2,
                found: 1
            })
        ));
    }
}
