//! Stage 2 of the demo: fault prediction (homeostat-predict).

use std::collections::BTreeMap;

use homeostat::core::Duration;
use homeostat::metrics::TimeSplit;
use homeostat::predict::eval::{evaluate_events, pr_auc, roc_auc, sweep};
use homeostat::predict::{
    AlarmSpec, ClassWeight, FeaturePipeline, ModelSpec, ParamGuard, ProbabilisticClassifier,
    RandomForest, train_predictor,
};
use homeostat::sim::cluster::ClusterRun;

use super::chart::{Chart, Line, hours_since};
use super::prepare::Prepared;
use super::{DemoArgs, StageOutcome};
use crate::models::fault_windows;

/// Trains a forest on the earlier 70 % of the run (θ chosen on the last
/// 30 % of that for at most one false alarm a day) and scores it on the
/// later 30 %, the same time split as the features stage.
pub(super) fn run(
    args: &DemoArgs,
    run: &ClusterRun,
    prepared: &Prepared,
    out: &mut StageOutcome,
) -> anyhow::Result<()> {
    let step = Duration::from_minutes(1);
    let horizon = prepared.horizon;
    let mut pipeline =
        FeaturePipeline::new(step, Duration::from_minutes(2), fault_windows(), horizon);
    let data = pipeline.supervised(&run.frame, &run.labels)?;
    let split = TimeSplit::at_fraction(data.features.index(), 0.7, horizon, step * 30)?;
    let (train, test) = split.apply(&data)?;
    out.say(format!(
        "the features stage's {} rows and time split (train {} / test {} rows), plus fleet max/mean per metric: {} rows, train {} / test {}",
        prepared.features.nrows(),
        prepared.train.len(),
        prepared.test.len(),
        data.len(),
        train.len(),
        test.len()
    ));
    let trees = if args.quick { 40 } else { 100 };
    let spec = ModelSpec::Forest(
        RandomForest::params()
            .n_trees(trees)
            .max_depth(10)
            .class_weight(ClassWeight::Balanced)
            .seed(args.seed)
            .check()?,
    );
    let alarm = AlarmSpec {
        validation_fraction: 0.3,
        max_false_alarms_per_day: 1.0,
        cooldown: horizon,
    };
    let (predictor, report) = train_predictor(pipeline, &train, &run.labels, &spec, &alarm)?;
    let x = predictor.pipeline.matrix(&test.features)?;
    let p = predictor.model.predict_proba(x.view())?.to_vec();
    let times = test.features.index();
    let fired = predictor.alarm.firings(times, &p)?;
    let events = evaluate_events(times, &fired, &run.labels, horizon)?;
    let theta = predictor.alarm.threshold();

    // θ is chosen only when a later validation part holds a fault; else
    // the default stays, and the account says so.
    let threshold = if report.validation.is_some() {
        format!(
            "threshold {theta:.3} chosen on the next {} rows for <= 1 false alarm/day",
            report.validation_rows
        )
    } else {
        format!(
            "threshold {theta:.3} by default (the training period is too short for a validation part with a fault)"
        )
    };
    out.say(format!(
        "random forest, {trees} trees of depth <= 10, balanced class weights: fitted on {} rows x {} features, {threshold}",
        report.fit_rows,
        predictor.pipeline.columns.len(),
    ));
    let mut figures = BTreeMap::from([
        ("trees", trees as f64),
        ("feature_columns", predictor.pipeline.columns.len() as f64),
        ("fit_rows", report.fit_rows as f64),
        ("validation_rows", report.validation_rows as f64),
        ("test_rows", test.len() as f64),
        ("test_positive_rows", test.positives() as f64),
        ("threshold", theta),
        ("test_faults", events.overall.faults as f64),
        ("predicted_faults", events.overall.predicted as f64),
        ("event_recall", events.overall.recall()),
        ("false_alarms", events.false_alarms as f64),
        ("false_alarms_per_day", events.false_alarms_per_day()),
        ("mean_lead_minutes", events.overall.mean_lead_secs / 60.0),
    ]);
    // Ranking scores need both classes in the test period.
    let ranking = roc_auc(&p, &test.targets).and_then(|r| Ok((r, pr_auc(&p, &test.targets)?)));
    match ranking {
        Ok((roc, pr)) => {
            figures.insert("roc_auc", roc);
            figures.insert("pr_auc", pr);
            out.say(format!(
                "test period ({} rows, {} labelled positive): ROC-AUC {roc:.3}, PR-AUC {pr:.3}",
                test.len(),
                test.positives()
            ));
        }
        Err(e) => out.say(format!("test period: no ranking scores ({e})")),
    }
    out.say(format!(
        "events: {} of {} faults predicted (recall {:.2}), mean lead {:.1} min, {} false alarms ({:.2}/day)",
        events.overall.predicted,
        events.overall.faults,
        events.overall.recall(),
        events.overall.mean_lead_secs / 60.0,
        events.false_alarms,
        events.false_alarms_per_day()
    ));
    for (kind, k) in &events.per_kind {
        out.say(format!(
            "  {kind}: {} of {} predicted, lead {:.1} min",
            k.predicted,
            k.faults,
            k.mean_lead_secs / 60.0
        ));
    }
    out.headline = format!(
        "{} of {} test faults predicted, {:.2} false alarms/day",
        events.overall.predicted,
        events.overall.faults,
        events.false_alarms_per_day()
    );
    out.figures = figures;

    if let Some(&t0) = run.frame.index().first() {
        let points: Vec<(f64, f64)> = times
            .iter()
            .zip(&p)
            .map(|(&t, &p)| (hours_since(t0, t), p))
            .collect();
        let (Some(first), Some(last)) = (points.first().map(|p| p.0), points.last().map(|p| p.0))
        else {
            return Ok(());
        };
        let bands = run
            .labels
            .faults()
            .iter()
            .map(|f| (hours_since(t0, f.start()), hours_since(t0, f.end())))
            .filter(|&(s, _)| s >= first && s <= last)
            .collect();
        out.charts.push(
            Chart::new(
                "Fault probability on the test period",
                "hours since start",
                "P(fault starts within 10 min)",
            )
            .line(Line::new("forest probability", points))
            .line(Line::new(
                "alarm threshold",
                vec![(first, theta), (last, theta)],
            ))
            .bands("labelled fault", bands)
            .y_range(0.0, 1.0),
        );
    }
    // The curves behind the two areas (none when the test period lacks a class).
    if let Ok(points) = sweep(&p, &test.targets) {
        let chance = Line::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]);
        let roc = std::iter::once((0.0, 0.0))
            .chain(points.iter().map(|s| (s.false_positive_rate, s.recall)))
            .collect();
        out.charts.push(
            Chart::new(
                "ROC curve on the test period",
                "false-positive rate",
                "recall",
            )
            .line(Line::new("forest", roc))
            .line(chance)
            .y_range(0.0, 1.0),
        );
        let base_rate = test.positives() as f64 / test.len().max(1) as f64;
        let pr = points.iter().map(|s| (s.recall, s.precision)).collect();
        out.charts.push(
            Chart::new(
                "Precision-recall curve on the test period",
                "recall",
                "precision",
            )
            .line(Line::new("forest", pr))
            .line(Line::new(
                "share of positive rows",
                vec![(0.0, base_rate), (1.0, base_rate)],
            ))
            .y_range(0.0, 1.0),
        );
    }
    Ok(())
}
