//! `homeostat place`: place the pods of a GPU cluster trace (Alibaba openb
//! CSV format) onto its nodes.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use homeostat::alloc::cluster::{Cluster, ClusterPlacer};
use homeostat::alloc::{Objective, Policy, Unplaced};
use serde::Serialize;

/// Options of `homeostat place`.
#[derive(Debug, Args)]
pub(crate) struct PlaceArgs {
    /// Node list: `sn,cpu_milli,memory_mib,gpu,model`.
    #[arg(long)]
    nodes: PathBuf,
    /// Pod list: `name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,...]`.
    #[arg(long)]
    pods: PathBuf,
    /// `nodes` packs onto as few nodes as the policy manages; `balance`
    /// lets every policy score every node.
    #[arg(long, value_enum, default_value_t = Goal::Nodes)]
    objective: Goal,
    /// pack-shares (least-allocated with `--pack-shares`, the one that
    /// places the most of the openb trace), best-fit (bfd), ffd
    /// (first-fit), least-allocated, most-allocated or balanced
    /// (Kubernetes-style scores).
    #[arg(long, default_value = PACK_SHARES)]
    policy: String,
    /// Pack the shared-GPU pods into groups of at most one GPU before
    /// placing, so that complementary shares (0.81 + 0.16, 0.65 + 0.35)
    /// meet on one GPU; the policy still chooses the nodes.
    #[arg(long)]
    pack_shares: bool,
    /// Skip the repair phase (moving one or two placed pods to make room
    /// for each pod the policy left unplaced).
    #[arg(long)]
    no_repair: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The `--policy` that stands for least-allocated with share packing.
const PACK_SHARES: &str = "pack-shares";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Goal {
    Nodes,
    Balance,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    nodes_file: String,
    pods_file: String,
    policy: &'a str,
    objective: &'a str,
    nodes: usize,
    pods: usize,
    pods_placed: usize,
    pods_unplaced: usize,
    nodes_used: usize,
    lower_bound: usize,
    gap: f64,
    gpu_capacity: f64,
    gpu_allocated: f64,
    gpu_fragmentation: f64,
    fragmentation_ratio: f64,
    peak_utilisation: f64,
    gpu_shortfall: usize,
    time_ms: f64,
    unplaced: &'a [Unplaced],
}

pub(crate) fn run(args: &PlaceArgs) -> anyhow::Result<()> {
    let cluster = Cluster::from_paths(&args.nodes, &args.pods).with_context(|| {
        format!(
            "cannot load {} and {}",
            args.nodes.display(),
            args.pods.display()
        )
    })?;
    let (objective, objective_name) = match args.objective {
        Goal::Nodes => (Objective::Nodes, "nodes"),
        Goal::Balance => (Objective::Balance, "balance"),
    };
    let (policy, pack_shares) = if args.policy == PACK_SHARES {
        (Policy::LeastAllocated, true)
    } else {
        (Policy::from_name(&args.policy)?, args.pack_shares)
    };
    let placer = ClusterPlacer::params()
        .policy(policy)
        .objective(objective)
        .repair(!args.no_repair)
        .pack_shares(pack_shares)
        .check()?;
    let plan = placer.place(&cluster);
    let report = Report {
        nodes_file: args.nodes.display().to_string(),
        pods_file: args.pods.display().to_string(),
        policy: &plan.placer,
        objective: objective_name,
        nodes: cluster.nodes().len(),
        pods: cluster.pods().len(),
        pods_placed: plan.placed,
        pods_unplaced: plan.unplaced.len(),
        nodes_used: plan.nodes_used,
        lower_bound: plan.lower_bound,
        gap: plan.gap,
        gpu_capacity: plan.gpu_capacity,
        gpu_allocated: plan.gpu_allocated,
        gpu_fragmentation: plan.gpu_fragmentation,
        fragmentation_ratio: plan.fragmentation_ratio,
        peak_utilisation: plan.peak_utilisation,
        gpu_shortfall: plan.gpu_shortfall,
        time_ms: plan.solve_time.as_secs_f64() * 1e3,
        unplaced: &plan.unplaced,
    };
    if args.json {
        say!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    say!(
        "{} nodes, {} pods; policy {}, objective {}",
        report.nodes,
        report.pods,
        report.policy,
        report.objective
    );
    say!(
        "placed {} of {} pods on {} nodes (lower bound {}, gap {:.1} %) in {:.1} ms",
        report.pods_placed,
        report.pods,
        report.nodes_used,
        report.lower_bound,
        100.0 * report.gap,
        report.time_ms
    );
    say!(
        "GPUs: {:.1} of {:.0} allocated; {:.1} fragmented ({:.1} % of the idle GPU capacity)",
        report.gpu_allocated,
        report.gpu_capacity,
        report.gpu_fragmentation,
        100.0 * report.fragmentation_ratio
    );
    if report.gpu_shortfall > 0 {
        say!(
            "not every pod can fit: the pods need at least {} GPUs more than the cluster has",
            report.gpu_shortfall
        );
    }
    for u in plan.unplaced.iter().take(10) {
        say!("unplaced {}: {}", u.workload, u.reason);
    }
    if plan.unplaced.len() > 10 {
        say!(
            "... and {} more unplaced (--json lists all)",
            plan.unplaced.len() - 10
        );
    }
    Ok(())
}
