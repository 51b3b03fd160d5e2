#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! The random forest: accuracy, determinism across thread counts, missing values, class weights, bad input.

mod common;

use homeostat_predict::{ClassWeight, Error, MaxFeatures, ProbabilisticClassifier, RandomForest};
use linfa::prelude::*;
use ndarray::{Array1, Array2, array};

use common::{accuracy, head, head1, synthetic, tail, tail1};

#[test]
fn learns_a_nonlinear_rule_better_than_the_base_rate() {
    let (x, y) = synthetic(3000, 8, 1);
    let (xtr, ytr) = (head(&x, 2000), head1(&y, 2000));
    let (xte, yte) = (tail(&x, 2000), tail1(&y, 2000));
    let forest = RandomForest::params()
        .n_trees(50)
        .max_depth(10)
        .seed(3)
        .check()
        .unwrap()
        .fit_arrays(xtr.view(), ytr.view())
        .unwrap();
    let p = forest.predict_proba(xte.view()).unwrap();
    let base = yte.iter().filter(|&&t| !t).count() as f64 / yte.len() as f64;
    let acc = accuracy(&p, &yte);
    assert!(
        acc > 0.9 && acc > base + 0.1,
        "accuracy {acc}, base rate {base}"
    );
    assert!(p.iter().all(|&p| (0.0..=1.0).contains(&p)));
    let imp = forest.impurity_importance();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    // The informative features carry most of the importance.
    assert!(imp[0] + imp[1] + imp[2] > 0.6, "{imp:?}");
}

#[test]
fn same_seed_same_forest_whatever_the_thread_count() {
    let (x, y) = synthetic(800, 6, 2);
    let params = RandomForest::params().n_trees(16).seed(11);
    let fit_with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                params
                    .clone()
                    .fit(&Dataset::new(x.clone(), y.clone()))
                    .unwrap()
            })
    };
    let one = serde_json::to_string(&fit_with(1)).unwrap();
    let two = serde_json::to_string(&fit_with(2)).unwrap();
    let four = serde_json::to_string(&fit_with(4)).unwrap();
    assert_eq!(one, two);
    assert_eq!(one, four);
    let other = RandomForest::params().n_trees(16).seed(12);
    let other = serde_json::to_string(&other.fit(&Dataset::new(x, y)).unwrap()).unwrap();
    assert_ne!(one, other);
}

#[test]
fn missing_values_learn_their_direction() {
    // Feature 0 is missing exactly when a fault follows; feature 1 is noise.
    let n = 400;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| match (j, i % 4 == 0) {
        (0, true) => f64::NAN,
        (0, false) => (i % 7) as f64,
        _ => (i * 13 % 11) as f64,
    });
    let y: Array1<bool> = (0..n).map(|i| i % 4 == 0).collect();
    let forest = RandomForest::params()
        .n_trees(10)
        .max_features(MaxFeatures::All)
        .fit(&Dataset::new(x, y))
        .unwrap();
    let p = forest
        .predict_proba(array![[f64::NAN, 3.0], [3.0, 3.0]].view())
        .unwrap();
    assert!(p[0] > 0.9 && p[1] < 0.1, "{p}");
}

#[test]
fn balanced_class_weights_raise_rare_fault_probabilities() {
    let (x, y) = synthetic(2000, 5, 4);
    // Keep one positive in ten.
    let keep: Vec<usize> = (0..y.len()).filter(|&i| !y[i] || i % 10 == 0).collect();
    let x = x.select(ndarray::Axis(0), &keep);
    let y = y.select(ndarray::Axis(0), &keep);
    let fit = |w| {
        RandomForest::params()
            .n_trees(30)
            .max_depth(6)
            .class_weight(w)
            .fit(&Dataset::new(x.clone(), y.clone()))
            .unwrap()
    };
    let mean_positive = |f: &RandomForest| {
        let p = f.predict_proba(x.view()).unwrap();
        let pos: Vec<f64> = p
            .iter()
            .zip(&y)
            .filter(|(_, t)| **t)
            .map(|(p, _)| *p)
            .collect();
        pos.iter().sum::<f64>() / pos.len() as f64
    };
    let plain = mean_positive(&fit(ClassWeight::Uniform));
    let balanced = mean_positive(&fit(ClassWeight::Balanced));
    assert!(balanced > plain, "balanced {balanced} vs uniform {plain}");
}

#[test]
fn linfa_predict_and_serde_round_trip() {
    let (x, y) = synthetic(500, 4, 5);
    let forest = RandomForest::params()
        .n_trees(8)
        .fit(&Dataset::new(x.clone(), y))
        .unwrap();
    let labels: Array1<bool> = forest.predict(&x);
    let p = forest.predict_proba(x.view()).unwrap();
    assert_eq!(labels, p.mapv(|p| p > 0.5));
    let json = serde_json::to_string(&forest).unwrap();
    let back: RandomForest = serde_json::from_str(&json).unwrap();
    assert_eq!(back.predict_proba(x.view()).unwrap(), p);
    // Non-contiguous input gives the same probabilities.
    let xt = x.t().to_owned();
    assert_eq!(forest.predict_proba(xt.t()).unwrap(), p);
}

#[test]
fn bad_input_is_a_typed_error() {
    let params = || RandomForest::params().n_trees(2);
    let empty = Dataset::new(Array2::<f64>::zeros((0, 3)), Array1::<bool>::from(vec![]));
    assert!(matches!(params().fit(&empty), Err(Error::InvalidData(_))));
    let one_class = Dataset::new(array![[1.0], [2.0]], array![true, true]);
    assert!(matches!(
        params().fit(&one_class),
        Err(Error::SingleClass {
            rows: 2,
            class: true
        })
    ));
    let inf = Dataset::new(array![[1.0], [f64::INFINITY]], array![true, false]);
    assert!(matches!(params().fit(&inf), Err(Error::NonFinite { .. })));
    let ok = params()
        .fit(&Dataset::new(array![[1.0], [2.0]], array![false, true]))
        .unwrap();
    assert!(matches!(
        ok.predict_proba(array![[1.0, 2.0]].view()),
        Err(Error::FeatureCountMismatch {
            expected: 1,
            found: 2
        })
    ));
    // linfa's predict has no error path: documented all-false labels.
    assert_eq!(ok.predict(&array![[1.0, 2.0]]), array![false]);
    for bad in [
        RandomForest::params().n_trees(0),
        RandomForest::params().max_depth(0),
        RandomForest::params().max_samples(0.0),
        RandomForest::params().max_bins(1),
        RandomForest::params().max_features(MaxFeatures::Fraction(1.5)),
        RandomForest::params().class_weight(ClassWeight::Positive(f64::NAN)),
    ] {
        assert!(matches!(bad.check(), Err(Error::InvalidParameter { .. })));
    }
    assert!(
        serde_json::from_str::<RandomForest>(r#"{"n_features":1,"trees":[],"importance":[0.0]}"#)
            .is_err()
    );
}

#[test]
fn max_features_parses_like_scikit_learn() {
    assert_eq!("sqrt".parse::<MaxFeatures>().unwrap().resolve(20), 5);
    assert_eq!("all".parse::<MaxFeatures>().unwrap().resolve(20), 20);
    assert_eq!("0.5".parse::<MaxFeatures>().unwrap().resolve(20), 10);
    assert_eq!("3".parse::<MaxFeatures>().unwrap().resolve(20), 3);
    assert!("0".parse::<MaxFeatures>().is_err());
    assert!("many".parse::<MaxFeatures>().is_err());
}
