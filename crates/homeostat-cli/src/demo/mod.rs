//! `homeostat demo`: run every stage of the loop that this build provides.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::output::write_json;

// One module per stage; each returns the figures it shows, by name.
mod prepare;
mod simulate;

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
    let (figures, run) = simulate::simulate_cluster(args)?;
    stages[0].figures = figures;
    stages[0].status = StageStatus::Ok;
    stages[1].figures = prepare::prepare_features(&run)?;
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
