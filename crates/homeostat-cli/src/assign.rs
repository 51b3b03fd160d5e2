//! `homeostat assign`: solve a generalised assignment problem (OR-Library file).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
#[cfg(feature = "highs")]
use homeostat::alloc::gap::GapHighs;
#[cfg(not(feature = "highs"))]
use homeostat::alloc::gap::gap_exact;
use homeostat::alloc::gap::{GapHeuristic, GapInstance, GapSolution};
use homeostat::core::Duration;
use serde::Serialize;

/// Options of `homeostat assign`.
#[derive(Debug, Args)]
pub(crate) struct AssignArgs {
    /// The instance, in OR-Library's GAP format (minimisation of cost).
    #[arg(long)]
    gap: PathBuf,
    /// `heuristic` (regret + iterated local search, with LP and Lagrangian
    /// bounds),
    /// `exact` (integer program: HiGHS when built with the `highs` feature,
    /// otherwise microlp on small instances only) or `auto` (the heuristic,
    /// then the exact solver to close a remaining gap: with HiGHS on any
    /// instance, with microlp when it is small enough).
    #[arg(long, value_enum, default_value_t = Solver::Auto)]
    solver: Solver,
    /// Wall-clock budget (e.g. `10s`, `500ms`) of the heuristic's search and
    /// of HiGHS (default 60 s for HiGHS); microlp has none.
    #[arg(long)]
    time_limit: Option<Duration>,
    /// Iterations of the heuristic's local search.
    #[arg(long, default_value_t = 2000)]
    iterations: usize,
    /// Subgradient steps of the heuristic's Lagrangian bound (0: off).
    #[arg(long, default_value_t = 300)]
    lagrangian_iterations: usize,
    /// Stop the heuristic's search after this many rounds without a better
    /// assignment (0: off).
    #[arg(long, default_value_t = 600)]
    stall: usize,
    /// Knapsack table cells the heuristic's branch and bound over the
    /// Lagrangian relaxation may fill to prove its best assignment optimal
    /// (0: off).
    #[arg(long, default_value_t = 60_000_000)]
    branch_cells: u64,
    /// Seed of the heuristic's random moves.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Largest integer program (binary variables) microlp takes.
    #[arg(long, default_value_t = 300)]
    max_binaries: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Solver {
    Auto,
    Heuristic,
    Exact,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    instance: String,
    agents: usize,
    jobs: usize,
    solver: &'a str,
    objective: f64,
    bound: f64,
    gap: f64,
    time_ms: f64,
    feasible: bool,
    assignment: &'a [usize],
}

pub(crate) fn run(args: &AssignArgs) -> anyhow::Result<()> {
    let gap = GapInstance::from_path(&args.gap)
        .with_context(|| format!("cannot load {}", args.gap.display()))?;
    let heuristic = || -> anyhow::Result<GapSolution> {
        let limit = args
            .time_limit
            .map(|d| std::time::Duration::from_secs_f64(d.as_secs_f64()));
        Ok(GapHeuristic::params()
            .iterations(args.iterations)
            .seed(args.seed)
            .lagrangian_iterations(args.lagrangian_iterations)
            .stall(args.stall)
            .branch_cells(args.branch_cells)
            .time_limit(limit)
            .check()?
            .solve(&gap)?)
    };
    let solution = match args.solver {
        Solver::Heuristic => heuristic()?,
        Solver::Exact => exact(&gap, args, None)?,
        Solver::Auto => {
            let h = heuristic()?;
            let small = cfg!(feature = "highs") || gap.agents() * gap.jobs() <= args.max_binaries;
            if h.gap > 0.0 && small {
                let mut exact = exact(&gap, args, Some(&h))?;
                exact.solve_time += h.solve_time;
                exact.solver = format!("{}+{}", h.solver, exact.solver);
                exact
            } else {
                h
            }
        }
    };
    let report = Report {
        instance: args.gap.display().to_string(),
        agents: gap.agents(),
        jobs: gap.jobs(),
        solver: &solution.solver,
        objective: solution.objective,
        bound: solution.bound,
        gap: solution.gap,
        time_ms: solution.solve_time.as_secs_f64() * 1e3,
        feasible: solution.feasible,
        assignment: &solution.assignment,
    };
    if args.json {
        say!("{}", serde_json::to_string(&report)?);
    } else {
        say!(
            "{}: {} agents, {} jobs",
            report.instance,
            report.agents,
            report.jobs
        );
        say!(
            "{}: cost {} (bound {}, gap {:.3} %), {}, {:.1} ms",
            report.solver,
            report.objective,
            report.bound,
            100.0 * report.gap,
            if report.feasible {
                "feasible"
            } else {
                "NOT feasible: some agent is over capacity"
            },
            report.time_ms
        );
    }
    Ok(())
}

/// The exact solve: HiGHS within the time limit, improving on `start` (the
/// heuristic's solution) or returning it with the tighter bound.
#[cfg(feature = "highs")]
fn exact(
    gap: &GapInstance,
    args: &AssignArgs,
    start: Option<&GapSolution>,
) -> anyhow::Result<GapSolution> {
    let limit = args
        .time_limit
        .map_or(std::time::Duration::from_secs(60), |d| {
            std::time::Duration::from_secs_f64(d.as_secs_f64())
        });
    let mut s = GapHighs::params()
        .time_limit(Some(limit))
        .check()?
        .solve(gap)?;
    if let Some(h) = start.filter(|h| h.feasible && h.objective < s.objective) {
        // HiGHS stopped early with a worse incumbent: keep the heuristic's
        // assignment, with the better of the two bounds.
        let bound = s.bound.max(h.bound).min(h.objective);
        s.assignment.clone_from(&h.assignment);
        s.objective = h.objective;
        s.feasible = true;
        s.bound = bound;
        s.gap = if h.objective.abs() > 0.0 {
            ((h.objective - bound) / h.objective.abs()).max(0.0)
        } else {
            0.0
        };
    }
    Ok(s)
}

/// The exact solve: microlp's branch and bound, pruned by `start`'s cost.
#[cfg(not(feature = "highs"))]
fn exact(
    gap: &GapInstance,
    args: &AssignArgs,
    start: Option<&GapSolution>,
) -> anyhow::Result<GapSolution> {
    let upper = start.filter(|h| h.feasible).map(|h| h.objective);
    Ok(gap_exact(gap, upper, args.max_binaries)?)
}
