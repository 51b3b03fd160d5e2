//! `homeostat`: the command-line front of the Homeostat toolkit.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` that returns an error instead of panicking when stdout is
/// closed (for example `homeostat demo | head`); `main` treats a broken pipe
/// as a normal end.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod assign;
mod balance_sim;
mod demo;
mod detect;
mod forecast;
mod models;
mod nab;
mod output;
mod place;
mod prep;
mod simulate;
mod tune_sim;

/// Keep services stable: predict faults, allocate resources, balance load and
/// tune runtime parameters.
#[derive(Debug, Parser)]
#[command(name = "homeostat", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a generalised assignment problem (OR-Library file): cost, bound and gap.
    Assign(assign::AssignArgs),
    /// Run the whole stability loop on the built-in simulator and write a report.
    Demo(demo::DemoArgs),
    /// Turn a metrics file (CSV, Prometheus text or query JSON) into clean, aligned columns.
    Prep(prep::PrepArgs),
    /// Simulate a cluster (metrics with labelled faults) or a request-level experiment.
    Simulate(simulate::SimulateArgs),
    /// Compare balancing strategies on a request-level scenario (latency quantiles, success rate).
    BalanceSim(balance_sim::BalanceSimArgs),
    /// Compare concurrency limiters under overload on the request-level simulator.
    TuneSim(tune_sim::TuneSimArgs),
    /// Fault models: train, predict, evaluate, fit-eval.
    #[command(flatten)]
    Models(models::ModelCommand),
    /// Score a series with a streaming anomaly detector.
    Detect(detect::DetectArgs),
    /// Forecast a series with Holt-Winters and prediction intervals.
    Forecast(forecast::ForecastArgs),
    /// Run or score a detector on a Numenta Anomaly Benchmark corpus.
    Nab(nab::NabArgs),
    /// Place a GPU cluster's pods (openb CSV): nodes used, lower bound, GPU fragmentation.
    Place(place::PlaceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Assign(args) => assign::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Prep(args) => prep::run(&args),
        Command::BalanceSim(args) => balance_sim::run(&args),
        Command::TuneSim(args) => tune_sim::run(&args),
        Command::Models(command) => models::run(&command),
        Command::Detect(args) => detect::run(&args),
        Command::Forecast(args) => forecast::run(&args),
        Command::Nab(args) => nab::run(&args),
        Command::Place(args) => place::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether the error is stdout having been closed by the reader.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
