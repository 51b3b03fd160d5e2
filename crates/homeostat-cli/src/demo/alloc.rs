//! Stage 4 of the demo: replicas per service for the simulated peak demand,
//! and their placement on the simulated nodes (homeostat-alloc).

use homeostat::alloc::{
    Allocator, Greedy, GreedyParams, Node, Objective, Plan, Policy, Problem, Workload,
};
use homeostat::sim::cluster::{ClusterRun, ClusterSpec};

use super::chart::{Chart, Line};
use super::{DemoArgs, StageOutcome};

/// Target CPU utilisation of a replica at the peak.
const TARGET_UTILISATION: f64 = 0.6;
/// No service runs fewer replicas than this (one may fail).
const MIN_REPLICAS: usize = 2;

/// Sizes each service of the simulated cluster for its daily peak at 60 %
/// CPU, spreads each service's replicas over distinct nodes, and packs them
/// with every greedy policy; reports nodes used against the lower bound.
pub(super) fn run(
    _args: &DemoArgs,
    run: &ClusterRun,
    out: &mut StageOutcome,
) -> anyhow::Result<()> {
    // The scenario the simulation stage ran; its nodes and services.
    let spec = ClusterSpec::mixed_faults();
    let peak_factor = 1.0 + spec.workload.diurnal_amplitude;
    let mut problem = Problem::new(["cpu", "memory_gib"]);
    for (j, name) in spec.node_names().iter().enumerate() {
        let group = spec
            .nodes
            .iter()
            .flat_map(|g| std::iter::repeat_n(g, g.count as usize))
            .nth(j)
            .ok_or_else(|| anyhow::anyhow!("node {name} has no group"))?;
        problem = problem.node(
            Node::new(
                name.clone(),
                vec![group.cores, group.memory_gib - group.system_memory_gib],
            )
            .with_label("zone", if j % 2 == 0 { "a" } else { "b" }),
        );
    }
    let mut replicas_total = 0;
    for service in &spec.services {
        let observed = observed_peak_rate(run, &service.name, spec.step.as_secs_f64());
        let planned_rate = (service.request_rate * peak_factor).max(observed);
        let peak_cores = planned_rate * service.service_time.mean_secs();
        let cpu_request = if peak_cores < 4.0 { 1.0 } else { 2.0 };
        let replicas =
            ((peak_cores / (TARGET_UTILISATION * cpu_request)).ceil() as usize).max(MIN_REPLICAS);
        out.say(format!(
            "{}: observed 5-min peak {observed:.0} req/s, planned for {planned_rate:.0} req/s = {peak_cores:.1} cores -> {replicas} replicas of {cpu_request} CPU",
            service.name,
        ));
        for r in 0..replicas {
            problem = problem.workload(
                Workload::new(
                    format!("{}-{r}", service.name),
                    vec![cpu_request, service.memory_limit_mib / 1024.0],
                )
                .spread(service.name.clone()),
            );
        }
        replicas_total += replicas;
    }

    let pack =
        |params: GreedyParams| -> anyhow::Result<Plan> { Ok(params.check()?.allocate(&problem)?) };
    let ffd = pack(
        Greedy::params()
            .policy(Policy::FirstFit)
            .local_search(false),
    )?;
    let least = pack(
        Greedy::params()
            .policy(Policy::LeastAllocated)
            .local_search(false),
    )?;
    let best = pack(Greedy::params())?;
    let balanced = Greedy::params()
        .policy(Policy::LeastAllocated)
        .check()?
        .allocate(&problem.clone().minimise(Objective::Balance))?;
    for plan in [&ffd, &least, &best] {
        out.say(format!(
            "{:<16} {} nodes (bound {}, gap {}), {} replicas unplaced",
            plan.solver,
            plan.nodes_used(),
            plan.lower_bound,
            plan.gap
                .map_or("n/a".into(), |g| format!("{:.1} %", 100.0 * g)),
            plan.unplaced.len(),
        ));
    }
    out.say(format!(
        "balancing instead: peak node utilisation {:.1} % (bound {:.1} %)",
        100.0 * balanced.objective,
        100.0 * balanced.lower_bound
    ));
    let binding = best.nodes.iter().filter(|n| !n.binding.is_empty()).count();
    out.say(format!(
        "{binding} of {} used nodes are full in some resource (binding: no further replica fits)",
        best.nodes_used(),
    ));
    let gap = best.gap.unwrap_or(1.0);
    out.headline = format!(
        "{replicas_total} replicas on {} of {} nodes (bound {}, gap {:.1} %)",
        best.nodes_used(),
        problem.nodes.len(),
        best.lower_bound,
        100.0 * gap
    );
    out.figures.insert("replicas", replicas_total as f64);
    out.figures
        .insert("nodes_available", problem.nodes.len() as f64);
    out.figures.insert("nodes_used", best.nodes_used() as f64);
    out.figures.insert("nodes_lower_bound", best.lower_bound);
    out.figures.insert("gap", gap);
    out.figures.insert("unplaced", best.unplaced.len() as f64);
    out.figures
        .insert("nodes_used_ffd", ffd.nodes_used() as f64);
    out.figures
        .insert("nodes_used_least_allocated", least.nodes_used() as f64);
    out.figures
        .insert("peak_utilisation_balanced", balanced.objective);
    out.figures
        .insert("peak_utilisation_bound", balanced.lower_bound);

    // Per-node CPU utilisation of each plan, nodes sorted from the fullest:
    // packing fills few nodes to the brim, spreading fills all a little.
    let mut chart = Chart::new(
        "CPU utilisation per node (nodes sorted from the fullest)",
        "node rank",
        "CPU utilisation",
    )
    .y_range(0.0, 1.0);
    for (name, plan) in [
        ("first fit decreasing", &ffd),
        ("least allocated", &least),
        ("balanced", &balanced),
    ] {
        let utilisation = cpu_utilisation(&problem, plan);
        let points = utilisation
            .iter()
            .enumerate()
            .map(|(rank, &u)| (rank as f64 + 1.0, u))
            .collect();
        chart = chart.line(Line::new(name, points));
    }
    out.charts.push(chart);
    Ok(())
}

/// CPU (resource 0) used over capacity on every node, highest first.
fn cpu_utilisation(problem: &Problem, plan: &Plan) -> Vec<f64> {
    let mut used = vec![0.0; problem.nodes.len()];
    for (workload, node) in problem.workloads.iter().zip(&plan.assignment) {
        if let (Some(node), Some(&cpu)) = (node, workload.demand.first())
            && let Some(slot) = used.get_mut(*node)
        {
            *slot += cpu;
        }
    }
    let mut utilisation: Vec<f64> = used
        .iter()
        .zip(&problem.nodes)
        .map(|(&u, node)| match node.capacity.first() {
            Some(&capacity) if capacity > 0.0 => u / capacity,
            _ => 0.0,
        })
        .collect();
    utilisation.sort_by(|a, b| b.total_cmp(a));
    utilisation
}

/// The highest 5-minute mean request rate of `service` in the simulated
/// trace: the per-replica `http_requests_total` counters, differenced
/// (resets and gaps count as no requests), summed and smoothed.
fn observed_peak_rate(run: &ClusterRun, service: &str, step_secs: f64) -> f64 {
    let values = run.frame.values();
    let columns: Vec<usize> = run
        .frame
        .columns_named("http_requests_total")
        .filter(|(_, key)| key.labels().get("service") == Some(service))
        .map(|(i, _)| i)
        .collect();
    let rows = run.frame.nrows();
    let mut per_row = vec![0.0; rows];
    for &c in &columns {
        let column = values.column(c);
        let mut last = f64::NAN;
        for (row, &v) in column.iter().enumerate() {
            if v.is_nan() {
                continue;
            }
            if !last.is_nan() && v >= last {
                per_row[row] += v - last;
            }
            last = v;
        }
    }
    let window = ((300.0 / step_secs).round() as usize).max(1);
    if rows < window || step_secs <= 0.0 {
        return 0.0;
    }
    per_row
        .windows(window)
        .map(|w| w.iter().sum::<f64>() / (window as f64 * step_secs))
        .fold(0.0, f64::max)
}
