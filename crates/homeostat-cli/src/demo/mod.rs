//! `homeostat demo`: run every stage of the loop that this build provides.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::output::write_json;
use chart::Chart;

// One module per stage; each fills its `StageOutcome`.
mod alloc;
mod balance;
mod forecast;
mod predict;
mod prepare;
mod simulate;
mod tune;

mod chart;
mod report;

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
    /// One line for the terminal's summary table.
    #[serde(skip)]
    headline: String,
    /// What the stage printed, in order; also the report's text.
    #[serde(skip)]
    lines: Vec<String>,
    /// The report's charts.
    #[serde(skip)]
    charts: Vec<Chart>,
}

impl StageOutcome {
    /// Records a line of the stage's account (printed when the stage ends).
    fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }
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

    let mut stages: Vec<StageOutcome> = STAGES
        .iter()
        .map(|&(stage, provided_by)| StageOutcome {
            stage,
            provided_by,
            status: StageStatus::NotAvailable,
            figures: BTreeMap::new(),
            headline: String::new(),
            lines: Vec::new(),
            charts: Vec::new(),
        })
        .collect();
    let total = stages.len();
    let mut progress = Progress::new(total);

    let run = progress.stage(&mut stages[0], |out| simulate::run(args, out))?;
    let prepared = progress.stage(&mut stages[1], |out| prepare::run(&run, out))?;
    progress.stage(&mut stages[2], |out| {
        predict::run(args, &run, &prepared, out)
    })?;
    progress.stage(&mut stages[3], |out| forecast::run(args, &run, out))?;
    progress.stage(&mut stages[4], |out| alloc::run(args, &run, out))?;
    progress.stage(&mut stages[5], |out| balance::run(args, out))?;
    progress.stage(&mut stages[6], |out| tune::run(args, out))?;

    say!("");
    say!("{:<42} {:<18} result", "stage", "crate");
    for s in &stages {
        let result = match s.status {
            StageStatus::Ok => s.headline.as_str(),
            StageStatus::NotAvailable => "not available in this build",
        };
        say!("{:<42} {:<18} {result}", s.stage, s.provided_by);
    }

    let summary = Summary {
        homeostat_version: env!("CARGO_PKG_VERSION"),
        seed: args.seed,
        quick: args.quick,
        stages,
    };
    let json = args.out.join("summary.json");
    write_json(&summary, &json)?;
    let html = args.out.join("report.html");
    report::write_report(&summary, &html)?;
    say!("");
    say!("wrote {} and {}", json.display(), html.display());
    Ok(())
}

/// A spinner per stage on stderr (hidden when stderr is not a terminal);
/// each stage's account is printed when it ends, so the two never interleave.
#[derive(Debug)]
struct Progress {
    total: usize,
    done: usize,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self { total, done: 0 }
    }

    /// Runs one stage: `body` fills `outcome`; on success the stage is
    /// marked as run and its lines are printed with the time it took.
    fn stage<T>(
        &mut self,
        outcome: &mut StageOutcome,
        body: impl FnOnce(&mut StageOutcome) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.done += 1;
        let bar = ProgressBar::new_spinner()
            .with_message(format!("[{}/{}] {}", self.done, self.total, outcome.stage));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let started = Instant::now();
        let result = body(outcome);
        let elapsed = started.elapsed();
        bar.finish_and_clear();
        let value = result.with_context(|| format!("demo stage {:?} failed", outcome.stage))?;
        outcome.status = StageStatus::Ok;
        say!("");
        say!(
            "[{}/{}] {} ({elapsed:.2?})",
            self.done,
            self.total,
            outcome.stage
        );
        for line in &outcome.lines {
            say!("  {line}");
        }
        Ok(value)
    }
}
