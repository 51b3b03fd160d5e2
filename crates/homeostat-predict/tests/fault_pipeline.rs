#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! End to end on the simulator: raw metrics → pipeline → forest → θ for a
//! false-alarm budget → event-level scores on a later period; save and load.

use homeostat_core::Duration;
use homeostat_metrics::{Feature, TimeSplit, WindowFeatures};
use homeostat_predict::alarm::{AlarmPolicy, choose_threshold_for_false_alarms};
use homeostat_predict::eval::{evaluate_events, roc_auc};
use homeostat_predict::persist::{load, save};
use homeostat_predict::{
    ClassWeight, FaultPredictor, FeaturePipeline, Model, ProbabilisticClassifier, RandomForest,
};
use homeostat_sim::cluster::{self, ClusterSpec};
use linfa::ParamGuard;

#[test]
fn mixed_faults_end_to_end() {
    let mut spec = ClusterSpec::mixed_faults();
    spec.duration = Duration::from_hours(12);
    let run = cluster::simulate(&spec, 7).unwrap();
    let windows = WindowFeatures {
        windows: vec![5, 30],
        features: vec![Feature::Mean, Feature::Max, Feature::Slope],
        ewma_alphas: Vec::new(),
        lags: Vec::new(),
    };
    let step = Duration::from_minutes(1);
    let horizon = Duration::from_minutes(10);
    let mut pipeline = FeaturePipeline::new(step, Duration::from_minutes(2), windows, horizon);
    let data = pipeline.supervised(&run.frame, &run.labels).unwrap();
    let split = TimeSplit::at_fraction(data.features.index(), 0.6, horizon, step * 30).unwrap();
    let (train, test) = split.apply(&data).unwrap();
    let x = pipeline.matrix(&train.features).unwrap();
    let forest = RandomForest::params()
        .n_trees(30)
        .max_depth(8)
        .class_weight(ClassWeight::Balanced)
        .seed(1)
        .check()
        .unwrap()
        .fit_arrays(x.view(), ndarray::ArrayView1::from(&train.targets))
        .unwrap();
    let p_train = forest.predict_proba(x.view()).unwrap();
    let template = AlarmPolicy::new(0.5).unwrap().cooldown(horizon).unwrap();
    let (policy, _) = choose_threshold_for_false_alarms(
        &template,
        train.features.index(),
        p_train.as_slice().unwrap(),
        &run.labels,
        horizon,
        1.0,
    )
    .unwrap();

    let xt = pipeline.matrix(&test.features).unwrap();
    let p = forest.predict_proba(xt.view()).unwrap();
    let auc = roc_auc(p.as_slice().unwrap(), &test.targets).unwrap();
    // Half a day holds few faults: the figures are reported by the demo;
    // here the pieces must fit together and give well-formed results.
    assert!((0.0..=1.0).contains(&auc), "test ROC-AUC {auc}");
    assert!(train.positives() > 0 && test.positives() > 0);
    let times = test.features.index();
    let fired = policy.firings(times, p.as_slice().unwrap()).unwrap();
    let report = evaluate_events(times, &fired, &run.labels, horizon).unwrap();
    assert!(report.overall.faults > 0);
    assert!(report.false_alarms_per_day().is_finite());
    assert!(report.overall.predicted <= report.overall.faults);

    // The saved predictor gives the same probabilities on the raw metrics.
    let predictor = FaultPredictor {
        pipeline,
        model: Model::Forest(forest),
        alarm: policy,
    };
    let mut bytes = Vec::new();
    save(&predictor, &mut bytes).unwrap();
    let back: FaultPredictor = load(bytes.as_slice()).unwrap();
    let (all_times, all_x) = back.pipeline.prepare(&run.frame).unwrap();
    let all_p = back.model.predict_proba(all_x.view()).unwrap();
    let row = data.rows[data.len() - 1];
    assert_eq!(all_times[row], *data.features.index().last().unwrap());
    let direct = predictor
        .model
        .predict_proba(pipeline_row(&predictor, &data.features, data.len() - 1).view())
        .unwrap();
    assert_eq!(all_p[row], direct[0]);
}

fn pipeline_row(
    predictor: &FaultPredictor,
    features: &homeostat_core::Frame,
    row: usize,
) -> ndarray::Array2<f64> {
    let x = predictor.pipeline.matrix(features).unwrap();
    x.select(ndarray::Axis(0), &[row])
}
