//! `homeostat demo`: run every stage of the loop that this build provides.

use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

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
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum StageStatus {
    /// The crate that runs this stage is not part of this build.
    NotAvailable,
}

/// Everything the demo shows, written to `summary.json`.
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
    let stages: Vec<StageOutcome> = STAGES
        .iter()
        .map(|&(stage, provided_by)| StageOutcome {
            stage,
            provided_by,
            status: StageStatus::NotAvailable,
        })
        .collect();

    println!(
        "homeostat demo (seed {}{})",
        args.seed,
        if args.quick { ", quick" } else { "" }
    );
    println!();
    println!("{:<42} {:<20} status", "stage", "crate");
    for s in &stages {
        println!(
            "{:<42} {:<20} not available in this build",
            s.stage, s.provided_by
        );
    }

    let summary = Summary {
        homeostat_version: env!("CARGO_PKG_VERSION"),
        seed: args.seed,
        quick: args.quick,
        stages,
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;
    let path = args.out.join("summary.json");
    let json = serde_json::to_string_pretty(&summary)?;
    fs::write(&path, json + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    println!();
    println!("wrote {}", path.display());
    Ok(())
}
