//! A time-ordered rolling backtest: the rows (oldest first) are cut into
//! `n_folds + 1` equal periods; fold `k` tests on period `k` a model
//! trained on every period before it (an expanding window), so no fold
//! ever learns from its future. The model is refitted every
//! `retrain_every` folds and reused in between, as a service that
//! retrains on a schedule would.
//!
//! ```
//! use homeostat_predict::eval::{Backtest, rolling_backtest};
//! use homeostat_predict::{ParamGuard, RandomForest};
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((600, 2), |(i, j)| ((i * (j + 3)) % 17) as f64);
//! let y: Vec<bool> = x.column(0).iter().map(|&v| v > 11.0).collect();
//! let params = RandomForest::params().n_trees(10).check()?;
//! let spec = Backtest { n_folds: 4, retrain_every: 2, threshold: 0.5 };
//! let folds = rolling_backtest(x.view(), &y, &spec, |x, y| params.fit_arrays(x, y))?;
//! assert_eq!(folds.len(), 4);
//! assert!(folds[0].retrained && !folds[1].retrained && folds[2].retrained);
//! assert!(folds.iter().all(|f| f.roc_auc.is_some_and(|a| a > 0.9)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use ndarray::{ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::scores::{Confusion, pr_auc, roc_auc};
use crate::classifier::ProbabilisticClassifier;
use crate::error::{Error, Result};

/// How the rows are cut and how often the model is refitted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Test periods, at least 1 (the first of `n_folds + 1` periods only trains).
    pub n_folds: usize,
    /// Refit every this many folds, at least 1 (1 = before every fold).
    pub retrain_every: usize,
    /// Alarm threshold for precision, recall and F1, in `[0, 1]`.
    pub threshold: f64,
}

/// The scores of one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldReport {
    /// Fold number, from 0.
    pub fold: usize,
    /// Rows the model in use was trained on.
    pub train_rows: usize,
    /// First test row (index into the data).
    pub test_start: usize,
    /// Test rows.
    pub test_rows: usize,
    /// Faults among the test rows.
    pub test_positives: usize,
    /// Whether the model was refitted before this fold.
    pub retrained: bool,
    /// ROC-AUC; `None` when the fold holds one class only.
    pub roc_auc: Option<f64>,
    /// PR-AUC; `None` when the fold holds one class only.
    pub pr_auc: Option<f64>,
    /// Precision at the threshold.
    pub precision: f64,
    /// Recall at the threshold.
    pub recall: f64,
    /// F1 at the threshold.
    pub f1: f64,
}

/// Runs the backtest with `fit` (rows and targets of the training window
/// to a model) on time-ordered rows `x` and targets `y`.
///
/// # Errors
/// [`Error::InvalidParameter`] for 0 folds, `retrain_every` 0 or a
/// threshold outside `[0, 1]`; [`Error::InvalidData`] for a target count
/// that differs from the row count or fewer rows than periods; the errors
/// of `fit` (for example [`Error::SingleClass`] when a training window
/// holds no fault) and of prediction.
pub fn rolling_backtest<M, F>(
    x: ArrayView2<'_, f64>,
    y: &[bool],
    spec: &Backtest,
    mut fit: F,
) -> Result<Vec<FoldReport>>
where
    M: ProbabilisticClassifier,
    F: FnMut(ArrayView2<'_, f64>, ArrayView1<'_, bool>) -> Result<M>,
{
    let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
    if spec.n_folds == 0 {
        return bad("n_folds", "0 must be at least 1".into());
    }
    if spec.retrain_every == 0 {
        return bad("retrain_every", "0 must be at least 1".into());
    }
    if !(0.0..=1.0).contains(&spec.threshold) {
        return bad("threshold", format!("{} is not in [0, 1]", spec.threshold));
    }
    let periods = spec.n_folds + 1;
    if x.nrows() != y.len() || x.nrows() < periods {
        return Err(Error::InvalidData(format!(
            "{} rows and {} targets for {periods} periods",
            x.nrows(),
            y.len()
        )));
    }
    let bound = |k: usize| k * x.nrows() / periods;
    let y_all = ArrayView1::from(y);
    let mut model: Option<(M, usize)> = None;
    let mut reports = Vec::with_capacity(spec.n_folds);
    for fold in 0..spec.n_folds {
        let (start, end) = (bound(fold + 1), bound(fold + 2));
        let retrained = fold % spec.retrain_every == 0 || model.is_none();
        if retrained {
            let train = x.slice_axis(Axis(0), (..start).into());
            let m = fit(train, y_all.slice_axis(Axis(0), (..start).into()))?;
            model = Some((m, start));
        }
        let Some((m, train_rows)) = &model else {
            continue;
        };
        let p = m.predict_proba(x.slice_axis(Axis(0), (start..end).into()))?;
        let p = p.to_vec();
        let truth = &y[start..end];
        let c = Confusion::at(&p, truth, spec.threshold)?;
        reports.push(FoldReport {
            fold,
            train_rows: *train_rows,
            test_start: start,
            test_rows: end - start,
            test_positives: truth.iter().filter(|&&t| t).count(),
            retrained,
            roc_auc: roc_auc(&p, truth).ok(),
            pr_auc: pr_auc(&p, truth).ok(),
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
        });
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Logistic, ParamGuard};
    use ndarray::Array2;

    fn data() -> (Array2<f64>, Vec<bool>) {
        let x = Array2::from_shape_fn((400, 2), |(i, j)| ((i * (j + 5)) % 23) as f64);
        let y = x.column(0).iter().map(|&v| v > 14.0).collect();
        (x, y)
    }

    #[test]
    fn folds_train_only_on_the_past_and_retrain_on_schedule() {
        let (x, y) = data();
        let spec = Backtest {
            n_folds: 3,
            retrain_every: 2,
            threshold: 0.5,
        };
        let params = Logistic::params().check().unwrap();
        let mut seen = Vec::new();
        let folds = rolling_backtest(x.view(), &y, &spec, |x, y| {
            seen.push(x.nrows());
            params.fit_arrays(x, y)
        })
        .unwrap();
        assert_eq!(seen, vec![100, 300]);
        let starts: Vec<usize> = folds.iter().map(|f| f.test_start).collect();
        assert_eq!(starts, vec![100, 200, 300]);
        assert_eq!(
            folds.iter().map(|f| f.train_rows).collect::<Vec<_>>(),
            vec![100, 100, 300]
        );
        for f in &folds {
            assert!(f.train_rows <= f.test_start, "no fold learns its future");
            assert!(f.roc_auc.is_some_and(|a| a > 0.9), "{f:?}");
        }
    }

    #[test]
    fn bad_specs_and_data_are_typed_errors() {
        let (x, y) = data();
        let params = Logistic::params().check().unwrap();
        let fit = |x: ArrayView2<'_, f64>, y: ArrayView1<'_, bool>| params.fit_arrays(x, y);
        let spec = |n_folds, retrain_every, threshold| Backtest {
            n_folds,
            retrain_every,
            threshold,
        };
        for s in [spec(0, 1, 0.5), spec(2, 0, 0.5), spec(2, 1, 1.5)] {
            assert!(matches!(
                rolling_backtest(x.view(), &y, &s, fit),
                Err(Error::InvalidParameter { .. })
            ));
        }
        assert!(matches!(
            rolling_backtest(x.view(), &y[..10], &spec(2, 1, 0.5), fit),
            Err(Error::InvalidData(_))
        ));
        // A first period without faults: the fit's own typed error.
        let quiet = vec![false; 400];
        assert!(matches!(
            rolling_backtest(x.view(), &quiet, &spec(2, 1, 0.5), fit),
            Err(Error::SingleClass { .. })
        ));
    }
}
