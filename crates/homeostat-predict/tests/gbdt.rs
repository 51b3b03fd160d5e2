#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! Gradient-boosted trees: XOR-like and linear rules, determinism, early
//! stopping, missing values, class weights, persistence, bad input.

mod common;

use homeostat_predict::persist::{load, save};
use homeostat_predict::{
    ClassWeight, Error, GradientBoosting, Model, ParamGuard, ProbabilisticClassifier,
};
use linfa::prelude::*;
use ndarray::{Array1, Array2, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::{accuracy, head, head1, synthetic, tail, tail1};

/// A fault when exactly one of two uniform signals is positive; a third feature is noise.
fn xor(n: usize, seed: u64) -> (Array2<f64>, Array1<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, 3), |_| rng.gen_range(-1.0..1.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| (r[0] > 0.0) != (r[1] > 0.0))
        .collect();
    (x, y)
}

#[test]
fn learns_xor_which_no_single_split_separates() {
    let (x, y) = xor(3000, 1);
    let model = GradientBoosting::params()
        .n_trees(100)
        .seed(2)
        .check()
        .unwrap()
        .fit_arrays(head(&x, 2000).view(), head1(&y, 2000).view())
        .unwrap();
    let (xte, yte) = (tail(&x, 2000), tail1(&y, 2000));
    let acc = accuracy(&model.predict_proba(xte.view()).unwrap(), &yte);
    assert!(acc > 0.95, "accuracy {acc}");
    let imp = model.impurity_importance();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(imp[2] < 0.1, "the noise feature matters little: {imp:?}");
}

#[test]
fn learns_a_linear_rule_and_a_noisy_nonlinear_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let x = Array2::from_shape_fn((2000, 4), |_| rng.gen_range(-1.0..1.0));
    let y: Array1<bool> = x
        .rows()
        .into_iter()
        .map(|r| r[0] + 2.0 * r[1] - r[3] > 0.2)
        .collect();
    let model = GradientBoosting::params()
        .n_trees(200)
        .learning_rate(0.2)
        .fit(&Dataset::new(head(&x, 1500), head1(&y, 1500)))
        .unwrap();
    let acc = accuracy(
        &model.predict_proba(tail(&x, 1500).view()).unwrap(),
        &tail1(&y, 1500),
    );
    assert!(acc > 0.93, "linear accuracy {acc}");

    let (x, y) = synthetic(3000, 8, 1);
    let model = GradientBoosting::params()
        .seed(3)
        .fit(&Dataset::new(head(&x, 2000), head1(&y, 2000)))
        .unwrap();
    let p = model.predict_proba(tail(&x, 2000).view()).unwrap();
    assert!(accuracy(&p, &tail1(&y, 2000)) > 0.9);
    assert!(p.iter().all(|&p| p > 0.0 && p < 1.0));
    // linfa's predict: labels at p > 0.5.
    let labels = model.predict(&tail(&x, 2000));
    assert!(labels.iter().zip(&p).all(|(&l, &p)| l == (p > 0.5)));
}

#[test]
fn same_seed_same_model() {
    let (x, y) = synthetic(1000, 5, 4);
    let fit = |seed| {
        let m = GradientBoosting::params()
            .n_trees(30)
            .seed(seed)
            .fit(&Dataset::new(x.clone(), y.clone()))
            .unwrap();
        serde_json::to_string(&m).unwrap()
    };
    assert_eq!(fit(7), fit(7));
    // Another seed holds out other validation rows.
    assert_ne!(fit(7), fit(8));
}

#[test]
fn early_stopping_stops_before_the_tree_budget() {
    // Pure noise: validation loss stops improving after a few rounds.
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let x = Array2::from_shape_fn((2000, 5), |_| rng.gen_range(-1.0..1.0));
    let y: Array1<bool> = (0..2000).map(|_| rng.gen_bool(0.3)).collect();
    let params = GradientBoosting::params()
        .n_trees(300)
        .n_iter_no_change(5)
        .seed(1);
    let stopped = params
        .clone()
        .fit(&Dataset::new(x.clone(), y.clone()))
        .unwrap();
    assert!(stopped.n_trees() < 60, "{} trees", stopped.n_trees());
    let all = params.n_iter_no_change(0).fit(&Dataset::new(x, y)).unwrap();
    assert_eq!(all.n_trees(), 300);
}

#[test]
fn missing_values_follow_a_learnt_direction() {
    // NaN in feature 0 marks a fault: the split must send missing values to the fault side.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut x = Array2::from_shape_fn((1000, 2), |_| rng.gen_range(-1.0..1.0));
    let mut y = Array1::from_elem(1000, false);
    for i in 0..1000 {
        if x[[i, 1]] > 0.3 {
            y[i] = true;
        }
        if i % 5 == 0 {
            x[[i, 0]] = f64::NAN;
            y[i] = true;
        }
    }
    let model = GradientBoosting::params().fit(&Dataset::new(x, y)).unwrap();
    let p = model
        .predict_proba(array![[f64::NAN, -0.9], [0.5, -0.9]].view())
        .unwrap();
    assert!(p[0] > 0.8 && p[1] < 0.2, "{p}");
}

#[test]
fn class_weights_raise_rare_fault_probabilities() {
    // Rare, noisy faults (about 10 % of rows).
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let x = Array2::from_shape_fn((2000, 3), |_| rng.gen_range(-1.0..1.0));
    let y: Array1<bool> = x
        .rows()
        .into_iter()
        .map(|r| r[0] + rng.gen_range(-0.5..0.5) > 0.9)
        .collect();
    let fit = |w| {
        GradientBoosting::params()
            .n_trees(40)
            .class_weight(w)
            .fit(&Dataset::new(x.clone(), y.clone()))
            .unwrap()
            .predict_proba(x.view())
            .unwrap()
            .mean()
            .unwrap()
    };
    let (balanced, uniform) = (fit(ClassWeight::Balanced), fit(ClassWeight::Uniform));
    assert!(balanced > uniform + 0.1, "{balanced} vs {uniform}");
}

#[test]
fn saved_and_loaded_with_its_kind() {
    let (x, y) = synthetic(500, 3, 2);
    let model = GradientBoosting::params()
        .n_trees(10)
        .fit(&Dataset::new(x.clone(), y))
        .unwrap();
    let mut bytes = Vec::new();
    save(&Model::Gbdt(model.clone()), &mut bytes).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("gbdt"));
    let back: Model = load(bytes.as_slice()).unwrap();
    assert_eq!(back, Model::Gbdt(model.clone()));
    assert_eq!(
        back.predict_proba(x.view()).unwrap(),
        model.predict_proba(x.view()).unwrap()
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = array![[1.0], [2.0], [3.0], [4.0]];
    let fit = |x: Array2<f64>, y: Array1<bool>| {
        GradientBoosting::params()
            .check()
            .unwrap()
            .fit_arrays(x.view(), y.view())
    };
    assert!(matches!(
        fit(x.clone(), array![true, true, true, true]),
        Err(Error::SingleClass { .. })
    ));
    assert!(matches!(
        fit(Array2::zeros((0, 2)), Array1::from_elem(0, false)),
        Err(Error::InvalidData(_))
    ));
    assert!(matches!(
        fit(x.clone(), array![true, false]),
        Err(Error::InvalidData(_))
    ));
    assert!(matches!(
        fit(
            array![[1.0], [f64::INFINITY], [0.0], [2.0]],
            array![true, false, true, false]
        ),
        Err(Error::NonFinite {
            row: 1,
            feature: 0,
            ..
        })
    ));
    let model = fit(x, array![false, false, true, true]).unwrap();
    assert!(matches!(
        model.predict_proba(array![[1.0, 2.0]].view()),
        Err(Error::FeatureCountMismatch {
            expected: 1,
            found: 2
        })
    ));
    for bad in [
        GradientBoosting::params().n_trees(0),
        GradientBoosting::params().learning_rate(0.0),
        GradientBoosting::params().learning_rate(f64::NAN),
        GradientBoosting::params().max_leaf_nodes(Some(1)),
        GradientBoosting::params().min_samples_leaf(0),
        GradientBoosting::params().l2_regularization(-1.0),
        GradientBoosting::params().validation_fraction(0.9),
        GradientBoosting::params().class_weight(ClassWeight::Positive(0.0)),
        GradientBoosting::params().max_bins(1),
    ] {
        assert!(matches!(bad.check(), Err(Error::InvalidParameter { .. })));
    }
}
