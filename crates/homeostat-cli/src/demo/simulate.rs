//! Stage 0 of the demo: a cluster with labelled faults (homeostat-sim).

use std::collections::BTreeMap;

use homeostat::core::Duration;
use homeostat::sim::cluster::{self, ClusterRun, ClusterSpec};

use super::DemoArgs;
use crate::output::{write_json, write_wide_csv};

/// Stage 1: a day (6 hours with `--quick`, enough for the scheduled leak's
/// first OOM kill) of the mixed-faults cluster.
pub(super) fn simulate_cluster(
    args: &DemoArgs,
) -> anyhow::Result<(BTreeMap<&'static str, f64>, ClusterRun)> {
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
