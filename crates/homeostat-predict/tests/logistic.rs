#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! Logistic regression behind the shared interface: fit, serde, bad input.

mod common;

use homeostat_predict::{Error, Logistic, ProbabilisticClassifier};
use linfa::prelude::*;
use ndarray::{Array1, array};

use common::{accuracy, head, head1, synthetic, tail, tail1};

#[test]
fn fits_a_linear_rule() {
    let (x, _) = synthetic(1000, 3, 9);
    let y: Array1<bool> = x.rows().into_iter().map(|r| r[0] - r[1] > 0.1).collect();
    let model = Logistic::params()
        .alpha(0.01)
        .fit(&Dataset::new(head(&x, 700), head1(&y, 700)))
        .unwrap();
    let p = model.predict_proba(tail(&x, 700).view()).unwrap();
    let acc = accuracy(&p, &tail1(&y, 700));
    assert!(acc > 0.95, "{acc}");
    assert!(model.coefficients()[0] > 0.0 && model.coefficients()[1] < 0.0);
    let back: Logistic = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    assert_eq!(back, model);
}

#[test]
fn bad_input_is_a_typed_error() {
    let nan = Dataset::new(array![[1.0], [f64::NAN]], array![true, false]);
    assert!(matches!(
        Logistic::params().fit(&nan),
        Err(Error::NonFinite { row: 1, .. })
    ));
    let one = Dataset::new(array![[1.0], [2.0]], array![false, false]);
    assert!(matches!(
        Logistic::params().fit(&one),
        Err(Error::SingleClass { .. })
    ));
    assert!(matches!(
        Logistic::params().alpha(-1.0).check(),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
    let model = Logistic::params()
        .fit(&Dataset::new(
            array![[1.0], [2.0], [3.0], [4.0]],
            array![false, false, true, true],
        ))
        .unwrap();
    assert!(matches!(
        model.predict_proba(array![[1.0, 1.0]].view()),
        Err(Error::FeatureCountMismatch { .. })
    ));
    assert!(matches!(
        model.predict_proba(array![[f64::NAN]].view()),
        Err(Error::NonFinite { .. })
    ));
}
