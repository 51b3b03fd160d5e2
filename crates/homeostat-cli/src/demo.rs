//! `homeostat demo`: run every stage of the loop that this build provides.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use homeostat::core::Duration;
use homeostat::metrics::clean::{align_series, is_counter};
use homeostat::metrics::{Feature, InsideFaults, Supervised, TimeSplit, WindowFeatures};
use homeostat::sim::cluster::{self, ClusterRun, ClusterSpec};
use serde::Serialize;

use crate::output::{write_json, write_wide_csv};

/// Options of `homeostat demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// A shorter run (seconds, not a minute), used as the CI smoke test.
    #[arg(long)]
    quick: bool,
    /// Seed of every random choice; the same seed gives the same output.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory for summary.json and the report (created if missing).
    #[arg(long, default_value = "homeostat-demo")]
    out: PathBuf,
}

/// One stage of the stability loop and what became of it in this run.
#[derive(Debug, Serialize)]
struct StageOutcome {
    stage: &'static str,
    provided_by: &'static str,
    status: StageStatus,
    /// Every figure the stage computed, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    figures: BTreeMap<&'static str, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum StageStatus {
    /// The stage ran; its figures are in the summary.
    Ok,
    /// The crate that runs this stage is not part of this build.
    NotAvailable,
}

/// Everything the demo shows, written to `summary.json`. Wall-clock times
/// are printed but not stored, so the same seed gives the same file.
#[derive(Debug, Serialize)]
struct Summary {
    homeostat_version: &'static str,
    seed: u64,
    quick: bool,
    stages: Vec<StageOutcome>,
}

/// The stages of the loop in order, with the crate that runs each.
const STAGES: [(&str, &str); 7] = [
    ("simulate a cluster with labelled faults", "homeostat-sim"),
    ("clean and align metrics", "homeostat-metrics"),
    ("predict faults", "homeostat-predict"),
    ("forecast demand and detect anomalies", "homeostat-predict"),
    ("plan replicas and placement", "homeostat-alloc"),
    ("balance a slow-backend incident", "homeostat-balance"),
    ("limit concurrency under overload", "homeostat-tune"),
];

pub(crate) fn run(args: &DemoArgs) -> anyhow::Result<()> {
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;
    say!(
        "homeostat demo (seed {}{})",
        args.seed,
        if args.quick { ", quick" } else { "" }
    );
    say!("");

    let mut stages: Vec<StageOutcome> = STAGES
        .iter()
        .map(|&(stage, provided_by)| StageOutcome {
            stage,
            provided_by,
            status: StageStatus::NotAvailable,
            figures: BTreeMap::new(),
        })
        .collect();
    let (figures, run) = simulate_cluster(args)?;
    stages[0].figures = figures;
    stages[0].status = StageStatus::Ok;
    stages[1].figures = prepare_features(&run)?;
    stages[1].status = StageStatus::Ok;

    say!("");
    say!("{:<42} {:<20} status", "stage", "crate");
    for s in &stages {
        let status = match s.status {
            StageStatus::Ok => "ok",
            StageStatus::NotAvailable => "not available in this build",
        };
        say!("{:<42} {:<20} {status}", s.stage, s.provided_by);
    }

    let summary = Summary {
        homeostat_version: env!("CARGO_PKG_VERSION"),
        seed: args.seed,
        quick: args.quick,
        stages,
    };
    let path = args.out.join("summary.json");
    write_json(&summary, &path)?;
    say!("");
    say!("wrote {}", path.display());
    Ok(())
}

/// Stage 1: a day (6 hours with `--quick`, enough for the scheduled leak's
/// first OOM kill) of the mixed-faults cluster.
fn simulate_cluster(args: &DemoArgs) -> anyhow::Result<(BTreeMap<&'static str, f64>, ClusterRun)> {
    let mut spec = ClusterSpec::mixed_faults();
    spec.duration = if args.quick {
        Duration::from_hours(6)
    } else {
        Duration::from_hours(24)
    };
    let started = std::time::Instant::now();
    let run = cluster::simulate(&spec, args.seed)?;
    let elapsed = started.elapsed();
    write_wide_csv(&run.frame, &args.out.join("trace.csv"))?;
    write_json(&run.labels, &args.out.join("labels.json"))?;

    let s = &run.stats;
    let error_rate = s.errors as f64 / s.requests.max(1) as f64;
    let missing =
        run.frame.missing_count() as f64 / (run.frame.nrows() * run.frame.ncols()).max(1) as f64;
    say!(
        "simulate: {} of the mixed-faults cluster ({} nodes, {} services) in {:.2?}",
        spec.duration,
        spec.node_count(),
        spec.services.len(),
        elapsed
    );
    say!(
        "  {} scrapes x {} metrics ({:.2} % missing), {} faults injected, {} labelled intervals",
        run.frame.nrows(),
        run.frame.ncols(),
        100.0 * missing,
        s.faults_injected,
        run.labels.len()
    );
    say!(
        "  {} requests, {:.3} % failed, {} OOM kills, {} crashes",
        s.requests,
        100.0 * error_rate,
        s.oom_kills,
        s.crashes
    );
    let figures = BTreeMap::from([
        ("simulated_hours", spec.duration.as_secs_f64() / 3600.0),
        ("scrapes", run.frame.nrows() as f64),
        ("metrics", run.frame.ncols() as f64),
        ("missing_fraction", missing),
        ("faults_injected", s.faults_injected as f64),
        ("labelled_intervals", run.labels.len() as f64),
        ("requests", s.requests as f64),
        ("error_rate", error_rate),
        ("oom_kills", s.oom_kills as f64),
        ("crashes", s.crashes as f64),
    ]);
    Ok((figures, run))
}

/// Stage 2: the simulated scrapes as a model sees them: one-minute grid,
/// counters as rates, gaps filled, trailing-window features, and targets
/// "a fault starts within 10 minutes" split in time without leakage.
fn prepare_features(run: &ClusterRun) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let started = std::time::Instant::now();
    let step = Duration::from_minutes(1);
    let series = run.frame.to_series();
    let counters = series.iter().filter(|s| is_counter(s.name())).count();
    let clean = align_series(
        &series,
        step,
        Duration::from_minutes(2),
        Duration::from_minutes(2),
    )?;
    let config = WindowFeatures {
        windows: vec![5, 30],
        features: vec![Feature::Mean, Feature::Std, Feature::Max, Feature::Slope],
        ewma_alphas: Vec::new(),
        lags: Vec::new(),
    };
    let features = clean.concat_columns(&config.compute(&clean)?)?;
    let horizon = Duration::from_minutes(10);
    let data = Supervised::align(&features, &run.labels, horizon, InsideFaults::Exclude)?;
    let split = TimeSplit::at_fraction(features.index(), 0.7, horizon, step * 30)?;
    let (train, test) = split.apply(&data)?;
    let elapsed = started.elapsed();
    let missing_before = run.frame.missing_count() as f64 / run.frame.values().len().max(1) as f64;
    let missing_after = clean.missing_count() as f64 / clean.values().len().max(1) as f64;
    say!(
        "prepare: {} series ({} counters as rates) -> {} rows x {} features at {} in {:.2?}",
        series.len(),
        counters,
        features.nrows(),
        features.ncols(),
        step,
        elapsed
    );
    say!(
        "  missing {:.2} % -> {:.2} % after filling; {} rows, {} labelled 'fault within {}'; \
         train {} / test {} rows after purging the split",
        100.0 * missing_before,
        100.0 * missing_after,
        data.len(),
        data.positives(),
        horizon,
        train.len(),
        test.len()
    );
    Ok(BTreeMap::from([
        ("series", series.len() as f64),
        ("counters_as_rates", counters as f64),
        ("rows", features.nrows() as f64),
        ("feature_columns", features.ncols() as f64),
        ("missing_fraction_before", missing_before),
        ("missing_fraction_after", missing_after),
        ("labelled_rows", data.len() as f64),
        ("positive_rows", data.positives() as f64),
        ("train_rows", train.len() as f64),
        ("test_rows", test.len() as f64),
    ]))
}
