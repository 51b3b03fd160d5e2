//! Stage 0 of the demo: a cluster with labelled faults (homeostat-sim).

use std::collections::BTreeMap;

use homeostat::core::{Duration, FaultLabels, Frame};
use homeostat::sim::cluster::{self, ClusterRun, ClusterSpec};

use super::chart::{Chart, Line, hours_since};
use super::{DemoArgs, StageOutcome};
use crate::output::{write_json, write_wide_csv};

/// A day (6 hours with `--quick`, enough for the scheduled leak's first OOM
/// kill) of the mixed-faults cluster, written to `trace.csv` and
/// `labels.json`.
pub(super) fn run(args: &DemoArgs, out: &mut StageOutcome) -> anyhow::Result<ClusterRun> {
    let mut spec = ClusterSpec::mixed_faults();
    spec.duration = if args.quick {
        Duration::from_hours(6)
    } else {
        Duration::from_hours(24)
    };
    let run = cluster::simulate(&spec, args.seed)?;
    write_wide_csv(&run.frame, &args.out.join("trace.csv"))?;
    write_json(&run.labels, &args.out.join("labels.json"))?;

    let s = &run.stats;
    let error_rate = s.errors as f64 / s.requests.max(1) as f64;
    let missing =
        run.frame.missing_count() as f64 / (run.frame.nrows() * run.frame.ncols()).max(1) as f64;
    out.say(format!(
        "{} of the mixed-faults cluster: {} nodes, {} services",
        spec.duration,
        spec.node_count(),
        spec.services.len()
    ));
    out.say(format!(
        "{} scrapes x {} metrics ({:.2} % missing), {} faults injected, {} labelled intervals",
        run.frame.nrows(),
        run.frame.ncols(),
        100.0 * missing,
        s.faults_injected,
        run.labels.len()
    ));
    out.say(format!(
        "{} requests, {:.3} % failed, {} OOM kills, {} crashes",
        s.requests,
        100.0 * error_rate,
        s.oom_kills,
        s.crashes
    ));
    out.headline = format!(
        "{} faults injected, {:.2} % of requests failed",
        s.faults_injected,
        100.0 * error_rate
    );
    out.figures = BTreeMap::from([
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
    out.charts = charts(&run.frame, &run.labels);
    Ok(run)
}

/// Node CPU (mean and hottest node) and the memory of the nodes whose
/// memory peaked highest, over the labelled fault windows.
fn charts(frame: &Frame, labels: &FaultLabels) -> Vec<Chart> {
    let Some(&t0) = frame.index().first() else {
        return Vec::new();
    };
    let hours: Vec<f64> = frame.index().iter().map(|&t| hours_since(t0, t)).collect();
    let bands: Vec<(f64, f64)> = labels
        .faults()
        .iter()
        .map(|f| (hours_since(t0, f.start()), hours_since(t0, f.end())))
        .collect();

    let cpu: Vec<usize> = frame
        .columns_named("node_cpu_utilisation")
        .map(|(i, _)| i)
        .collect();
    let values = frame.values();
    let (mut mean, mut max) = (Vec::new(), Vec::new());
    for (row, &x) in hours.iter().enumerate() {
        let present: Vec<f64> = cpu
            .iter()
            .map(|&c| values[(row, c)])
            .filter(|v| !v.is_nan())
            .collect();
        let (m, top) = if present.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            let sum: f64 = present.iter().sum();
            (
                sum / present.len() as f64,
                present.iter().copied().fold(f64::MIN, f64::max),
            )
        };
        mean.push((x, 100.0 * m));
        max.push((x, 100.0 * top));
    }
    let cpu_chart = Chart::new(
        "Node CPU utilisation",
        "hours since start",
        "CPU utilisation (%)",
    )
    .line(Line::new("mean over nodes", mean))
    .line(Line::new("hottest node", max))
    .bands("labelled fault", bands.clone())
    .y_range(0.0, 105.0);

    let mut memory: Vec<(f64, usize, &str)> = frame
        .columns_named("node_memory_used_bytes")
        .map(|(i, key)| {
            let peak = values
                .column(i)
                .iter()
                .copied()
                .filter(|v| !v.is_nan())
                .fold(f64::MIN, f64::max);
            (peak, i, key.labels().get("node").unwrap_or("?"))
        })
        .collect();
    memory.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut memory_chart = Chart::new(
        "Memory used by the three nodes that peaked highest",
        "hours since start",
        "memory used (GiB)",
    )
    .bands("labelled fault", bands);
    for &(_, column, node) in memory.iter().take(3) {
        let points = hours
            .iter()
            .zip(values.column(column))
            .map(|(&x, &v)| (x, v / GIB))
            .collect();
        memory_chart = memory_chart.line(Line::new(node, points));
    }
    vec![cpu_chart, memory_chart]
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
