//! Fault prediction end to end on the simulator: several days of the
//! mixed-faults cluster, features, a balanced random forest, a threshold
//! chosen on a validation period of several days for a false-alarm budget,
//! and the honest scores per fault kind on the last days, then the model
//! saved and loaded back.
//!
//! `cargo run --release -p homeostat-examples --bin predict_faults -- --days 14 --seed 42`
//! (defaults: one day, seed 42, limit features on, a forest, all kinds).
//! `--limits off` leaves out the limit-crossing features, `--model gbdt`
//! trains gradient-boosted trees, and `--learn memory_leak,disk_full,...`
//! makes the targets count only those kinds (θ and the scores still count
//! every fault). The figures in docs/benchmarks.md use
//! `--days 14 --model gbdt --learn memory_leak,disk_full,cpu_hog,dependency_failure`.
//!
//! The run is split in time: the first 70 % trains (its last 30 % chooses
//! θ for at most one false alarm a day), the last 30 % tests, with a purge
//! of one horizon and an embargo of the longest feature window at each cut.

use std::collections::BTreeMap;

use homeostat::core::Duration;
use homeostat::metrics::{Feature, TimeSplit, WindowFeatures};
use homeostat::predict::eval::{evaluate_events, pr_auc, roc_auc};
use homeostat::predict::persist::{load, save};
use homeostat::predict::{
    AlarmSpec, ClassWeight, FaultPredictor, FeaturePipeline, GradientBoosting, Limit, ModelSpec,
    ParamGuard, ProbabilisticClassifier, RandomForest, train_predictor,
};
use homeostat::sim::cluster::{self, ClusterSpec};

/// Command-line options: `--days N` (default 1), `--seed S` (default 42)
/// and `--limits on|off` (default on: limit-crossing features).
struct Options {
    days: i64,
    seed: u64,
    limits: bool,
    gbdt: bool,
    /// Fault kinds the model learns to warn about (empty: all).
    learn: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        days: 1,
        seed: 42,
        limits: true,
        gbdt: false,
        learn: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--days" => {
                o.days = value
                    .parse()
                    .ok()
                    .filter(|&d| d >= 1)
                    .ok_or_else(|| format!("--days {value}: a whole number of days >= 1"))?
            }
            "--seed" => {
                o.seed = value
                    .parse()
                    .map_err(|_| format!("--seed {value}: an unsigned integer"))?
            }
            "--limits" => {
                o.limits = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err(format!("--limits {value}: on or off")),
                }
            }
            "--model" => {
                o.gbdt = match value.as_str() {
                    "forest" => false,
                    "gbdt" => true,
                    _ => return Err(format!("--model {value}: forest or gbdt")),
                }
            }
            "--learn" => {
                o.learn = match value.as_str() {
                    "all" => Vec::new(),
                    kinds => kinds.split(',').map(str::to_string).collect(),
                }
            }
            _ => {
                return Err(format!(
                    "unknown option {flag} (expected --days N, --seed S, --limits on|off, --model forest|gbdt, --learn all|KIND,KIND...)"
                ));
            }
        }
    }
    Ok(o)
}

/// The limits an operator knows from the deployment: each replica's memory
/// limit, each node's disk size and memory, and CPU saturation; the trend
/// over the last 10 minutes says how likely each series reaches its limit.
fn limits(spec: &ClusterSpec) -> Vec<Limit> {
    const MIB: f64 = 1024.0 * 1024.0;
    const GIB: f64 = 1024.0 * MIB;
    let smallest = |values: Vec<f64>| values.into_iter().fold(f64::INFINITY, f64::min);
    let memory = smallest(spec.services.iter().map(|s| s.memory_limit_mib).collect());
    let disk = smallest(spec.nodes.iter().map(|g| g.disk_gib).collect());
    let node_memory = smallest(spec.nodes.iter().map(|g| g.memory_gib).collect());
    vec![
        Limit::new("process_resident_memory_bytes", memory * MIB, 10),
        Limit::new("node_disk_used_bytes", disk * GIB, 10),
        Limit::new("node_memory_used_bytes", node_memory * GIB, 10),
        Limit::new("node_cpu_utilisation", 1.0, 10),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let mut spec = ClusterSpec::mixed_faults();
    spec.duration = Duration::from_hours(24 * o.days);
    let run = cluster::simulate(&spec, o.seed)?;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for fault in run.labels.faults() {
        *kinds.entry(fault.kind().to_string()).or_default() += 1;
    }
    println!(
        "simulated {} days (seed {}, limit features {}, {}, learning {}): {} scrapes x {} metrics, {} labelled faults {:?}",
        o.days,
        o.seed,
        if o.limits { "on" } else { "off" },
        if o.gbdt { "gbdt" } else { "forest" },
        if o.learn.is_empty() {
            "all kinds".to_string()
        } else {
            o.learn.join(",")
        },
        run.frame.nrows(),
        run.frame.ncols(),
        run.labels.len(),
        kinds
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
    if o.limits {
        pipeline = pipeline.with_limits(limits(&spec));
    }
    // The targets: a fault of a learnt kind starts within the horizon. The
    // threshold and the scores below still count every fault.
    let learnt = run
        .labels
        .filter(|f| o.learn.is_empty() || o.learn.iter().any(|k| *k == f.kind().to_string()));
    let data = pipeline.supervised(&run.frame, &learnt)?;
    let split = TimeSplit::at_fraction(data.features.index(), 0.7, horizon, step * 30)?;
    let (train, test) = split.apply(&data)?;
    println!(
        "{} rows x {} features; train {} / test {} rows",
        data.len(),
        pipeline.columns.len(),
        train.len(),
        test.len()
    );

    let model = if o.gbdt {
        ModelSpec::Gbdt(
            GradientBoosting::params()
                .class_weight(ClassWeight::Balanced)
                .seed(o.seed)
                .check()?,
        )
    } else {
        ModelSpec::Forest(
            RandomForest::params()
                .n_trees(100)
                .max_depth(10)
                .class_weight(ClassWeight::Balanced)
                .seed(o.seed)
                .check()?,
        )
    };
    let alarm = AlarmSpec {
        validation_fraction: 0.3,
        max_false_alarms_per_day: 1.0,
        cooldown: horizon,
    };
    let (predictor, report) = train_predictor(pipeline, &train, &run.labels, &model, &alarm)?;
    let validation_days = report.validation.as_ref().map_or(0.0, |v| v.days);
    println!(
        "fitted on {} rows; threshold {:.3} chosen on {} later rows ({validation_days:.1} days)",
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
        "test period {:.1} days: {} alarms, {} false ({:.2}/day)",
        events.days,
        events.alarms,
        events.false_alarms,
        events.false_alarms_per_day()
    );
    println!(
        "{:<22} {:>6} {:>9} {:>6} {:>9}",
        "kind", "faults", "predicted", "recall", "lead min"
    );
    let rows = events
        .per_kind
        .iter()
        .map(|(k, r)| (k.as_str(), r))
        .chain([("all", &events.overall)]);
    for (kind, r) in rows {
        println!(
            "{kind:<22} {:>6} {:>9} {:>6.2} {:>9.1}",
            r.faults,
            r.predicted,
            r.recall(),
            r.mean_lead_secs / 60.0
        );
    }

    if !o.learn.is_empty() {
        let (mut faults, mut predicted) = (0, 0);
        for (_, r) in events.per_kind.iter().filter(|(k, _)| o.learn.contains(k)) {
            faults += r.faults;
            predicted += r.predicted;
        }
        println!(
            "learnt kinds: {predicted} of {faults} predicted (recall {:.2})",
            if faults > 0 {
                predicted as f64 / faults as f64
            } else {
                0.0
            }
        );
    }

    let mut bytes = Vec::new();
    save(&predictor, &mut bytes)?;
    let back: FaultPredictor = load(bytes.as_slice())?;
    let again = back
        .model
        .predict_proba(back.pipeline.matrix(&test.features)?.view())?;
    if again.to_vec() != p {
        return Err("the reloaded model predicts differently".into());
    }
    println!("saved and reloaded the model ({} KiB)", bytes.len() / 1024);
    Ok(())
}
