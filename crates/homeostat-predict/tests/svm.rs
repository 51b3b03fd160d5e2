#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! The SVM behind the shared interface: fit, calibration, persistence, bad input.

mod common;

use homeostat_predict::eval::roc_auc;
use homeostat_predict::persist::{load, save};
use homeostat_predict::{ClassWeight, Error, Model, ProbabilisticClassifier, Svm, SvmKernel};
use linfa::prelude::*;
use ndarray::{Array1, array};

use common::{accuracy, head, head1, synthetic, tail, tail1};

#[test]
fn rbf_learns_a_nonlinear_rule_with_calibrated_probabilities() {
    let (x, y) = synthetic(900, 5, 4);
    let model = Svm::params()
        .fit(&Dataset::new(head(&x, 600), head1(&y, 600)))
        .unwrap();
    let p = model.predict_proba(tail(&x, 600).view()).unwrap();
    let yt = tail1(&y, 600);
    let acc = accuracy(&p, &yt);
    let auc = roc_auc(&p.to_vec(), &yt.to_vec()).unwrap();
    assert!(acc > 0.85 && auc > 0.9, "accuracy {acc}, ROC-AUC {auc}");
    assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
    // Calibrated: the mean probability is near the positive rate.
    let rate = yt.iter().filter(|&&t| t).count() as f64 / yt.len() as f64;
    let mean = p.mean().unwrap();
    assert!((mean - rate).abs() < 0.05, "mean p {mean}, rate {rate}");
    // Platt's slope makes larger decision values more likely faults.
    assert!(model.platt().0 < 0.0);
    // linfa's PredictInplace agrees with p > 0.5.
    let labels = model.predict(&tail(&x, 600));
    assert!(labels.iter().zip(&p).all(|(&l, &p)| l == (p > 0.5)));
}

#[test]
fn same_seed_same_model_and_the_seed_matters() {
    let (x, y) = synthetic(300, 3, 7);
    let data = Dataset::new(x, y);
    let a = Svm::params().seed(1).fit(&data).unwrap();
    let b = Svm::params().seed(1).fit(&data).unwrap();
    let c = Svm::params().seed(2).fit(&data).unwrap();
    assert_eq!(a, b);
    // Only the calibration folds depend on the seed.
    assert_eq!(a.decision(), c.decision());
    assert_ne!(a.platt(), c.platt());
}

#[test]
fn save_and_load_give_identical_probabilities() {
    let (x, y) = synthetic(300, 4, 11);
    for kernel in [SvmKernel::Linear, SvmKernel::Rbf { gamma: Some(0.3) }] {
        let model = Svm::params()
            .kernel(kernel)
            .c(2.0)
            .class_weight(ClassWeight::Balanced)
            .fit(&Dataset::new(x.clone(), y.clone()))
            .unwrap();
        let mut bytes = Vec::new();
        save(&Model::Svm(model.clone()), &mut bytes).unwrap();
        let back: Model = load(bytes.as_slice()).unwrap();
        let before = model.predict_proba(x.view()).unwrap();
        let after = back.predict_proba(x.view()).unwrap();
        assert_eq!(before, after, "{kernel:?}");
        assert_eq!(back, Model::Svm(model));
    }
}

#[test]
fn a_damaged_svm_file_is_a_typed_error() {
    let model = Svm::params()
        .kernel(SvmKernel::Linear)
        .fit(&Dataset::new(
            array![
                [1.0, 0.0],
                [2.0, 1.0],
                [3.0, 0.0],
                [4.0, 1.0],
                [5.0, 0.0],
                [6.0, 1.0]
            ],
            array![false, false, false, true, true, true],
        ))
        .unwrap();
    let json = serde_json::to_value(Model::Svm(model)).unwrap();
    // One weight too many for two features.
    let mut bad = json.clone();
    bad["svm"]["decision"]["linear"]["weights"]
        .as_array_mut()
        .unwrap()
        .push(1.0.into());
    let mut bytes = Vec::new();
    save(&bad, &mut bytes).unwrap();
    assert!(matches!(
        load::<Model>(bytes.as_slice()),
        Err(Error::ModelFile(_))
    ));
    let mut bad = json;
    bad["svm"]["scale"][0] = 0.0.into();
    let mut bytes = Vec::new();
    save(&bad, &mut bytes).unwrap();
    assert!(matches!(
        load::<Model>(bytes.as_slice()),
        Err(Error::ModelFile(_))
    ));
}

#[test]
fn bad_input_is_a_typed_error() {
    let nan = Dataset::new(
        array![[1.0], [f64::NAN], [2.0], [3.0]],
        array![true, false, true, false],
    );
    assert!(matches!(
        Svm::params().fit(&nan),
        Err(Error::NonFinite { row: 1, .. })
    ));
    let one = Dataset::new(array![[1.0], [2.0]], array![false, false]);
    assert!(matches!(
        Svm::params().fit(&one),
        Err(Error::SingleClass { .. })
    ));
    // One fault row: no calibration fold could train on both classes.
    let lone = Dataset::new(array![[1.0], [2.0], [3.0]], array![false, false, true]);
    assert!(matches!(
        Svm::params().fit(&lone),
        Err(Error::InvalidData(_))
    ));
    let empty = Dataset::new(
        ndarray::Array2::<f64>::zeros((0, 2)),
        Array1::<bool>::from(vec![]),
    );
    assert!(matches!(
        Svm::params().fit(&empty),
        Err(Error::InvalidData(_))
    ));
    let (x, y) = synthetic(50, 3, 1);
    assert!(matches!(
        Svm::params().max_rows(40).fit(&Dataset::new(x, y)),
        Err(Error::InvalidData(m)) if m.contains("max_rows")
    ));
    for (params, name) in [
        (Svm::params().c(0.0), "c"),
        (Svm::params().c(f64::NAN), "c"),
        (Svm::params().tolerance(-1.0), "tolerance"),
        (
            Svm::params().kernel(SvmKernel::Rbf { gamma: Some(0.0) }),
            "gamma",
        ),
        (Svm::params().calibration_folds(1), "calibration_folds"),
        (Svm::params().max_rows(1), "max_rows"),
        (
            Svm::params().class_weight(ClassWeight::Positive(-2.0)),
            "class_weight",
        ),
    ] {
        assert!(
            matches!(params.check(), Err(Error::InvalidParameter { name: n, .. }) if n == name),
            "{name}"
        );
    }
    let model = Svm::params()
        .fit(&Dataset::new(
            array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]],
            array![false, false, false, true, true, true],
        ))
        .unwrap();
    assert!(matches!(
        model.predict_proba(array![[1.0, 1.0]].view()),
        Err(Error::FeatureCountMismatch {
            expected: 1,
            found: 2
        })
    ));
    assert!(matches!(
        model.predict_proba(array![[f64::INFINITY]].view()),
        Err(Error::NonFinite { .. })
    ));
}
