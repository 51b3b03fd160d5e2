//! `homeostat simulate`: run a scenario and write its metrics and labels.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use homeostat::core::{Duration, Fault, FaultKind, FaultLabels, Scope, Timestamp};
use homeostat::sim::Scenario;
use homeostat::sim::cluster::{self, ClusterSpec};
use homeostat::sim::requests::{self, RequestScenario, RoundRobin, UniformRandom, Unlimited};

use crate::output::{write_json, write_wide_csv};

/// Options of `homeostat simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// A built-in scenario: steady, diurnal, leak, mixed-faults, overload, slow-backend.
    #[arg(long, default_value = "mixed-faults", conflicts_with = "config")]
    scenario: String,
    /// A scenario file (.toml or .json) instead of a built-in scenario.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Simulated time, such as 24h or 90m (default: the scenario's).
    #[arg(long)]
    duration: Option<Duration>,
    /// Scrape / series step, such as 10s (default: the scenario's).
    #[arg(long)]
    step: Option<Duration>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to write the metrics as a wide CSV.
    #[arg(long, default_value = "trace.csv")]
    out: PathBuf,
    /// Where to write the fault labels as JSON.
    #[arg(long, default_value = "labels.json")]
    labels: PathBuf,
    /// Router for request-level scenarios.
    #[arg(long, value_enum, default_value_t = RouterChoice::RoundRobin)]
    router: RouterChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RouterChoice {
    RoundRobin,
    Random,
}

pub(crate) fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let scenario = match &args.config {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::named(&args.scenario)?,
    };
    match scenario {
        Scenario::Cluster(spec) => run_cluster(spec, args),
        Scenario::Requests(spec) => run_requests(spec, args),
        other => anyhow::bail!("this version cannot run scenario {other:?}"),
    }
}

fn run_cluster(mut spec: ClusterSpec, args: &SimulateArgs) -> anyhow::Result<()> {
    if let Some(d) = args.duration {
        spec.duration = d;
    }
    if let Some(s) = args.step {
        spec.step = s;
    }
    let started = std::time::Instant::now();
    let run = cluster::simulate(&spec, args.seed)?;
    let elapsed = started.elapsed();
    write_wide_csv(&run.frame, &args.out)?;
    write_json(&run.labels, &args.labels)?;
    let s = &run.stats;
    say!(
        "simulated {} of {} nodes and {} services at {} in {:.2?} (seed {})",
        spec.duration,
        spec.node_count(),
        spec.services.len(),
        spec.step,
        elapsed,
        args.seed
    );
    say!(
        "{} rows x {} metrics -> {}",
        run.frame.nrows(),
        run.frame.ncols(),
        args.out.display()
    );
    say!(
        "{} faults injected, {} labelled intervals -> {}",
        s.faults_injected,
        run.labels.len(),
        args.labels.display()
    );
    say!(
        "{} requests, {} failed ({:.3} %), {} OOM kills, {} crashes",
        s.requests,
        s.errors,
        100.0 * s.errors as f64 / s.requests.max(1) as f64,
        s.oom_kills,
        s.crashes
    );
    Ok(())
}

fn run_requests(mut spec: RequestScenario, args: &SimulateArgs) -> anyhow::Result<()> {
    if let Some(d) = args.duration {
        spec.duration_secs = d.as_secs_f64();
    }
    if let Some(s) = args.step {
        spec.series_step_ms = u64::try_from(s.as_millis())
            .ok()
            .filter(|&ms| ms > 0)
            .with_context(|| format!("--step {s} must be positive"))?;
    }
    let mut limiter = Unlimited;
    let run = match args.router {
        RouterChoice::RoundRobin => {
            requests::run(&spec, &mut RoundRobin::new(), &mut limiter, args.seed)?
        }
        RouterChoice::Random => requests::run(
            &spec,
            &mut UniformRandom::new(args.seed),
            &mut limiter,
            args.seed,
        )?,
    };
    let start = Timestamp::from_millis(0);
    let frame = run.series(start)?;
    write_wide_csv(&frame, &args.out)?;
    write_json(&slowdown_labels(&spec, start)?, &args.labels)?;
    let summary = run.summary();
    let summary_path = args.out.with_extension("summary.json");
    write_json(&summary, &summary_path).context("cannot write the run summary")?;
    say!(
        "simulated {} requests over {:.0} s on {} backends (router {:?}, seed {})",
        run.records().len(),
        spec.duration_secs,
        spec.backends.len(),
        args.router,
        args.seed
    );
    say!("{}", serde_json::to_string_pretty(&summary)?);
    say!(
        "series -> {}, summary -> {}",
        args.out.display(),
        summary_path.display()
    );
    Ok(())
}

/// The scenario's slowdown windows as labels: a slow backend is a slow node.
fn slowdown_labels(spec: &RequestScenario, start: Timestamp) -> anyhow::Result<FaultLabels> {
    let at = |secs: f64| start + Duration::from_millis((secs * 1000.0).round() as i64);
    let mut faults = Vec::new();
    for backend in &spec.backends {
        for slow in &backend.slowdowns {
            faults.push(Fault::new(
                FaultKind::SlowNode,
                at(slow.start_secs),
                at(slow.end_secs),
                Scope::Node(backend.name.clone()),
            )?);
        }
    }
    Ok(FaultLabels::new(faults)?)
}
