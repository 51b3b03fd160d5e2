//! Permutation importance: how much ROC-AUC drops when one feature's
//! values are shuffled among the rows, for any probabilistic classifier.
//! Unlike impurity importance it is measured on held-out data and is not
//! biased towards features with many distinct values.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::classifier::ProbabilisticClassifier;
use crate::error::{Error, Result};
use crate::eval::roc_auc;

/// For each feature, ROC-AUC on `(x, y)` minus its mean over `repeats`
/// shuffles of that feature (seeded: the same seed gives the same result).
///
/// # Errors
/// [`Error::InvalidParameter`] for `repeats == 0`; the model's prediction
/// errors; the errors of [`roc_auc`] (for example one class only in `y`).
pub fn permutation_importance<M: ProbabilisticClassifier + ?Sized>(
    model: &M,
    x: ArrayView2<'_, f64>,
    y: &[bool],
    repeats: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    if repeats == 0 {
        return Err(Error::InvalidParameter {
            name: "repeats",
            reason: "0 must be at least 1".into(),
        });
    }
    let base = roc_auc(model.predict_proba(x)?.as_slice().unwrap_or_default(), y)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shuffled = x.to_owned();
    let mut importance = Vec::with_capacity(x.ncols());
    for j in 0..x.ncols() {
        let original: Vec<f64> = x.column(j).to_vec();
        let mut column = original.clone();
        let mut drop = 0.0;
        for _ in 0..repeats {
            column.shuffle(&mut rng);
            shuffled
                .column_mut(j)
                .iter_mut()
                .zip(&column)
                .for_each(|(s, &v)| *s = v);
            let p = model.predict_proba(shuffled.view())?;
            drop += base - roc_auc(p.as_slice().unwrap_or_default(), y)?;
        }
        shuffled
            .column_mut(j)
            .iter_mut()
            .zip(&original)
            .for_each(|(s, &v)| *s = v);
        importance.push(drop / repeats as f64);
    }
    Ok(importance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RandomForest;
    use linfa::ParamGuard;
    use ndarray::{Array1, Array2};

    #[test]
    fn the_informative_feature_matters_most() {
        let x = Array2::from_shape_fn((400, 3), |(i, j)| ((i * (7 + j * 5)) % 23) as f64);
        let y: Array1<bool> = x.column(1).mapv(|v| v > 11.0);
        let forest = RandomForest::params()
            .n_trees(10)
            .seed(3)
            .check()
            .unwrap()
            .fit_arrays(x.view(), y.view())
            .unwrap();
        let y = y.to_vec();
        let imp = permutation_importance(&forest, x.view(), &y, 3, 9).unwrap();
        assert!(
            imp[1] > 0.2 && imp[1] > imp[0] + 0.15 && imp[1] > imp[2] + 0.15,
            "{imp:?}"
        );
        assert_eq!(
            imp,
            permutation_importance(&forest, x.view(), &y, 3, 9).unwrap()
        );
        assert!(permutation_importance(&forest, x.view(), &y, 0, 9).is_err());
    }
}
