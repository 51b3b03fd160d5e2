//! The interface every fault model shares, and the input checks they use.

use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::error::{Error, Result};

/// A binary classifier that gives the probability of the positive class
/// (a fault starts within the horizon).
///
/// Implemented by [`RandomForest`](crate::RandomForest),
/// [`GradientBoosting`](crate::GradientBoosting) and
/// [`Logistic`](crate::Logistic); each also implements linfa's `Fit` (on
/// its params) and `PredictInplace` (labels at p > 0.5).
pub trait ProbabilisticClassifier {
    /// Number of features the model was fitted on.
    fn n_features(&self) -> usize;

    /// Probability of the positive class for each row of `x`.
    ///
    /// # Errors
    /// [`Error::FeatureCountMismatch`] when `x` has another number of
    /// columns than the model was fitted on; a model that cannot handle
    /// missing values returns [`Error::NonFinite`] for NaN.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>>;

    /// Labels for each row: `p > threshold`.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba), and
    /// [`Error::InvalidParameter`] for a threshold outside `[0, 1]`.
    fn predict_at(&self, x: ArrayView2<'_, f64>, threshold: f64) -> Result<Array1<bool>> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::InvalidParameter {
                name: "threshold",
                reason: format!("{threshold} is not in [0, 1]"),
            });
        }
        Ok(self.predict_proba(x)?.mapv(|p| p > threshold))
    }
}

/// linfa's `Fit` on a valid params type with `fit_arrays`, and
/// `PredictInplace` (labels at p > 0.5) on the model it fits. linfa's
/// predict has no error path: when [`ProbabilisticClassifier::predict_proba`]
/// fails (another feature count, a value the model cannot use) every label
/// is `false`; call `predict_proba` for the typed error.
macro_rules! linfa_classifier {
    ($params:ty => $model:ty) => {
        impl<D, T> linfa::traits::Fit<ndarray::ArrayBase<D, ndarray::Ix2>, T, $crate::Error>
            for $params
        where
            D: ndarray::Data<Elem = f64>,
            T: linfa::dataset::AsSingleTargets<Elem = bool>,
        {
            type Object = $model;

            fn fit(
                &self,
                dataset: &linfa::DatasetBase<ndarray::ArrayBase<D, ndarray::Ix2>, T>,
            ) -> $crate::Result<$model> {
                self.fit_arrays(dataset.records().view(), dataset.as_single_targets())
            }
        }

        /// Labels at p > 0.5; every label is `false` when `predict_proba`
        /// fails (linfa's interface has no error path).
        impl<D: ndarray::Data<Elem = f64>>
            linfa::traits::PredictInplace<
                ndarray::ArrayBase<D, ndarray::Ix2>,
                ndarray::Array1<bool>,
            > for $model
        {
            fn predict_inplace(
                &self,
                x: &ndarray::ArrayBase<D, ndarray::Ix2>,
                y: &mut ndarray::Array1<bool>,
            ) {
                use $crate::classifier::ProbabilisticClassifier as _;
                match self.predict_proba(x.view()) {
                    Ok(p) => y.iter_mut().zip(p).for_each(|(y, p)| *y = p > 0.5),
                    Err(_) => y.fill(false),
                }
            }

            fn default_target(
                &self,
                x: &ndarray::ArrayBase<D, ndarray::Ix2>,
            ) -> ndarray::Array1<bool> {
                ndarray::Array1::from_elem(x.nrows(), false)
            }
        }
    };
}
pub(crate) use linfa_classifier;

/// Refuses data whose column count differs from the model's.
pub(crate) fn check_feature_count(expected: usize, x: ArrayView2<'_, f64>) -> Result<()> {
    if x.ncols() == expected {
        Ok(())
    } else {
        Err(Error::FeatureCountMismatch {
            expected,
            found: x.ncols(),
        })
    }
}

/// Refuses empty training data, a target count that differs from the row
/// count, and targets of one class.
pub(crate) fn check_training(x: ArrayView2<'_, f64>, y: ArrayView1<'_, bool>) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::InvalidData(format!(
            "training data is empty ({} rows x {} features)",
            x.nrows(),
            x.ncols()
        )));
    }
    if x.nrows() != y.len() {
        return Err(Error::InvalidData(format!(
            "{} rows but {} targets",
            x.nrows(),
            y.len()
        )));
    }
    let positives = y.iter().filter(|&&t| t).count();
    if positives == 0 || positives == y.len() {
        return Err(Error::SingleClass {
            rows: y.len(),
            class: positives > 0,
        });
    }
    Ok(())
}

/// Refuses NaN and infinities (for models without missing-value handling).
pub(crate) fn check_finite(x: ArrayView2<'_, f64>) -> Result<()> {
    for ((row, feature), &value) in x.indexed_iter() {
        if !value.is_finite() {
            return Err(Error::NonFinite {
                row,
                feature,
                value,
            });
        }
    }
    Ok(())
}
