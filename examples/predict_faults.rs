//! Fault prediction end to end on the simulator: a day of the mixed-faults
//! cluster, features, a balanced random forest, a threshold for a
//! false-alarm budget, and the honest scores on the later part of the day,
//! then the model saved and loaded back.
//!
//! `cargo run --release -p homeostat-examples --bin predict_faults`

use homeostat::core::Duration;
use homeostat::metrics::{Feature, TimeSplit, WindowFeatures};
use homeostat::predict::eval::{evaluate_events, pr_auc, roc_auc};
use homeostat::predict::persist::{load, save};
use homeostat::predict::{
    AlarmSpec, ClassWeight, FaultPredictor, FeaturePipeline, ModelSpec, ParamGuard,
    ProbabilisticClassifier, RandomForest, train_predictor,
};
use homeostat::sim::cluster::{self, ClusterSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut spec = ClusterSpec::mixed_faults();
    spec.duration = Duration::from_hours(24);
    let run = cluster::simulate(&spec, 42)?;
    println!(
        "simulated {} scrapes x {} metrics, {} labelled faults",
        run.frame.nrows(),
        run.frame.ncols(),
        run.labels.len()
    );

    let windows = WindowFeatures {
        windows: vec![5, 30],
        features: vec![Feature::Mean, Feature::Max, Feature::Slope],
        ewma_alphas: Vec::new(),
        lags: Vec::new(),
    };
    let step = Duration::from_minutes(1);
    let horizon = Duration::from_minutes(10);
    let mut pipeline = FeaturePipeline::new(step, Duration::from_minutes(2), windows, horizon);
    let data = pipeline.supervised(&run.frame, &run.labels)?;
    let split = TimeSplit::at_fraction(data.features.index(), 0.7, horizon, step * 30)?;
    let (train, test) = split.apply(&data)?;
    println!(
        "{} rows x {} features; train {} / test {} rows",
        data.len(),
        pipeline.columns.len(),
        train.len(),
        test.len()
    );

    let forest = RandomForest::params()
        .n_trees(100)
        .max_depth(10)
        .class_weight(ClassWeight::Balanced)
        .seed(42)
        .check()?;
    let alarm = AlarmSpec {
        validation_fraction: 0.3,
        max_false_alarms_per_day: 1.0,
        cooldown: horizon,
    };
    let (predictor, report) = train_predictor(
        pipeline,
        &train,
        &run.labels,
        &ModelSpec::Forest(forest),
        &alarm,
    )?;
    println!(
        "fitted on {} rows; threshold {:.3} chosen on {} later rows",
        report.fit_rows,
        predictor.alarm.threshold(),
        report.validation_rows
    );

    let x = predictor.pipeline.matrix(&test.features)?;
    let p = predictor.model.predict_proba(x.view())?.to_vec();
    let times = test.features.index();
    let events = evaluate_events(
        times,
        &predictor.alarm.firings(times, &p)?,
        &run.labels,
        horizon,
    )?;
    match (roc_auc(&p, &test.targets), pr_auc(&p, &test.targets)) {
        (Ok(roc), Ok(pr)) => println!("test ROC-AUC {roc:.3}, PR-AUC {pr:.3}"),
        (Err(e), _) | (_, Err(e)) => println!("no ranking scores on the test part: {e}"),
    }
    println!(
        "test events: {} of {} faults predicted, mean lead {:.1} min, {:.2} false alarms/day",
        events.overall.predicted,
        events.overall.faults,
        events.overall.mean_lead_secs / 60.0,
        events.false_alarms_per_day()
    );

    let mut bytes = Vec::new();
    save(&predictor, &mut bytes)?;
    let back: FaultPredictor = load(bytes.as_slice())?;
    let again = back
        .model
        .predict_proba(back.pipeline.matrix(&test.features)?.view())?;
    assert_eq!(again.to_vec(), p, "a saved model predicts the same");
    println!("saved and reloaded the model ({} KiB)", bytes.len() / 1024);
    Ok(())
}
