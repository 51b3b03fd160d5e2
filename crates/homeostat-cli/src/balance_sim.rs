//! `homeostat balance-sim`: replay a request-level scenario once per
//! balancing strategy and compare latency and success.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use homeostat::balance::{
    BackendId, Balancer, ManualClock, Outcome as PickOutcome, OutlierDetection, Pick, Request,
    Strategy,
};
use homeostat::core::Duration;
use homeostat::sim::Scenario;
use homeostat::sim::requests::{
    self, Completion, Outcome, RequestContext, RequestRun, RequestScenario, Router, RunSummary,
    Unlimited,
};
use serde::Serialize;

/// Options of `homeostat balance-sim`.
#[derive(Debug, Args)]
pub(crate) struct BalanceSimArgs {
    /// A built-in request-level scenario (slow-backend).
    #[arg(long, default_value = "slow-backend", conflicts_with = "config")]
    scenario: String,
    /// A request-level scenario file (.toml or .json) instead.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Strategies to compare, comma separated: rr, swrr, edf, random, p2c,
    /// least-request, peak-ewma, ring-hash, bounded-ring-hash, maglev,
    /// rendezvous, jump-hash.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "rr,swrr,p2c,peak-ewma,ring-hash,maglev"
    )]
    strategies: Vec<String>,
    /// Client timeout, such as 1s or 500ms; `none` waits for every response.
    #[arg(long, default_value = "1s")]
    timeout: String,
    /// Turn on passive outlier ejection (5 consecutive failures, at most
    /// 10 % of the backends) for every strategy.
    #[arg(long)]
    outlier_detection: bool,
    /// Peak-EWMA holds a backend's estimate at least at this latency
    /// (decaying) from a failed request (a timeout) until its next success,
    /// such as 10s; `none` (the default) keeps Finagle's semantics (a
    /// failure counts as the time it took).
    #[arg(long, default_value = "none")]
    failure_penalty: String,
    /// Peak-EWMA takes a busy backend's time since its last success as a
    /// floor of its latency estimate (off by default: Finagle's semantics).
    #[arg(long)]
    stall_floor: bool,
    /// Seed of the simulation and of the random strategies.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One strategy's results on the scenario and on its fault-free twin.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StrategyResult {
    pub(crate) strategy: String,
    pub(crate) requests: u64,
    pub(crate) ok: u64,
    pub(crate) error: u64,
    pub(crate) timeout: u64,
    /// `ok / requests`.
    pub(crate) success_rate: f64,
    pub(crate) p50_secs: f64,
    pub(crate) p90_secs: f64,
    pub(crate) p99_secs: f64,
    pub(crate) p999_secs: f64,
    /// Share of requests sent to the backends that have a slowdown.
    pub(crate) faulty_backend_share: f64,
    /// p99 of the same strategy with every slowdown removed.
    pub(crate) no_fault_p99_secs: f64,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Report<'a> {
    scenario: &'a str,
    seed: u64,
    timeout_secs: Option<f64>,
    outlier_detection: bool,
    failure_penalty_secs: Option<f64>,
    stall_floor: bool,
    strategies: &'a [StrategyResult],
}

pub(crate) fn run(args: &BalanceSimArgs) -> anyhow::Result<()> {
    let scenario = match &args.config {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::named(&args.scenario)?,
    };
    let Scenario::Requests(mut spec) = scenario else {
        anyhow::bail!("balance-sim needs a request-level scenario, such as slow-backend");
    };
    spec.timeout_ms = parse_duration_ms("--timeout", &args.timeout)?;
    let failure_penalty = parse_duration_ms("--failure-penalty", &args.failure_penalty)?
        .map(|ms| std::time::Duration::from_secs_f64(ms / 1e3));
    let strategies = parse_strategies(&args.strategies)?;
    let options = RouterOptions {
        outlier_detection: args.outlier_detection,
        failure_penalty,
        stall_floor: args.stall_floor,
    };
    let results = compare_with(&spec, &strategies, options, args.seed)?;
    if args.json {
        let report = Report {
            scenario: args
                .config
                .as_ref()
                .and_then(|p| p.to_str())
                .unwrap_or(&args.scenario),
            seed: args.seed,
            timeout_secs: spec.timeout_secs(),
            outlier_detection: args.outlier_detection,
            failure_penalty_secs: failure_penalty.map(|d| d.as_secs_f64()),
            stall_floor: args.stall_floor,
            strategies: &results,
        };
        say!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    say!(
        "{} requests/s for {:.0} s on {} backends, timeout {}, seed {}",
        spec.arrival_rate,
        spec.duration_secs,
        spec.backends.len(),
        spec.timeout_secs()
            .map_or("none".to_string(), |t| format!("{t} s")),
        args.seed
    );
    say!(
        "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>13}",
        "strategy",
        "success %",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "faulty %",
        "no-fault p99"
    );
    for r in &results {
        say!(
            "{:<18} {:>9.3} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>11.2} {:>10.1} ms",
            r.strategy,
            100.0 * r.success_rate,
            1e3 * r.p50_secs,
            1e3 * r.p90_secs,
            1e3 * r.p99_secs,
            1e3 * r.p999_secs,
            100.0 * r.faulty_backend_share,
            1e3 * r.no_fault_p99_secs
        );
    }
    Ok(())
}

/// A duration flag in milliseconds; `none` is `None`.
fn parse_duration_ms(flag: &str, text: &str) -> anyhow::Result<Option<f64>> {
    if text == "none" {
        return Ok(None);
    }
    let d: Duration = text
        .parse()
        .with_context(|| format!("{flag} {text:?} is not a duration such as 1s or 500ms"))?;
    let ms = d.as_secs_f64() * 1e3;
    anyhow::ensure!(ms > 0.0, "{flag} {text} must be positive");
    Ok(Some(ms))
}

/// The strategies named, in order; an unknown name is an error listing
/// the known ones.
pub(crate) fn parse_strategies(names: &[String]) -> anyhow::Result<Vec<Strategy>> {
    anyhow::ensure!(!names.is_empty(), "--strategies is empty");
    names
        .iter()
        .map(|name| {
            Strategy::from_name(name.trim()).with_context(|| {
                format!(
                    "unknown strategy {name:?}; known: rr, swrr, edf, random, p2c, least-request, \
                     peak-ewma, ring-hash, bounded-ring-hash, maglev, rendezvous, jump-hash"
                )
            })
        })
        .collect()
}

/// How the simulated client's balancer is set up beyond its strategy.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RouterOptions {
    /// Passive outlier ejection with the default settings.
    pub(crate) outlier_detection: bool,
    /// Peak-EWMA's failure penalty (none: Finagle's semantics).
    pub(crate) failure_penalty: Option<std::time::Duration>,
    /// Peak-EWMA's stall floor (off: Finagle's semantics).
    pub(crate) stall_floor: bool,
}

impl RouterOptions {
    fn ejection(outlier_detection: bool) -> Self {
        RouterOptions {
            outlier_detection,
            failure_penalty: None,
            stall_floor: false,
        }
    }
}

/// Runs `spec` and its fault-free twin once per strategy.
pub(crate) fn compare(
    spec: &RequestScenario,
    strategies: &[Strategy],
    outlier_detection: bool,
    seed: u64,
) -> anyhow::Result<Vec<StrategyResult>> {
    compare_with(
        spec,
        strategies,
        RouterOptions::ejection(outlier_detection),
        seed,
    )
}

/// [`compare`] with every router option.
pub(crate) fn compare_with(
    spec: &RequestScenario,
    strategies: &[Strategy],
    options: RouterOptions,
    seed: u64,
) -> anyhow::Result<Vec<StrategyResult>> {
    let mut healthy = spec.clone();
    for backend in &mut healthy.backends {
        backend.slowdowns.clear();
    }
    let faulty: Vec<bool> = spec
        .backends
        .iter()
        .map(|b| !b.slowdowns.is_empty())
        .collect();
    strategies
        .iter()
        .map(|&strategy| {
            let run = simulate(spec, strategy, options, seed)?;
            let baseline = simulate(&healthy, strategy, options, seed)?;
            Ok(result(strategy, &run, &baseline, &faulty))
        })
        .collect()
}

fn result(
    strategy: Strategy,
    run: &RunSummary,
    baseline: &RunSummary,
    faulty: &[bool],
) -> StrategyResult {
    let latency = |s: &RunSummary, f: fn(&requests::LatencySummary) -> f64| {
        s.latency.as_ref().map_or(f64::NAN, f)
    };
    let faulty_picks: u64 = run
        .backends
        .iter()
        .zip(faulty)
        .filter(|&(_, &f)| f)
        .map(|(b, _)| b.picks)
        .sum();
    StrategyResult {
        strategy: strategy.name().to_string(),
        requests: run.requests,
        ok: run.ok,
        error: run.error,
        timeout: run.timeout,
        success_rate: run.ok as f64 / run.requests.max(1) as f64,
        p50_secs: latency(run, |l| l.p50_secs),
        p90_secs: latency(run, |l| l.p90_secs),
        p99_secs: latency(run, |l| l.p99_secs),
        p999_secs: latency(run, |l| l.p999_secs),
        faulty_backend_share: faulty_picks as f64 / run.requests.max(1) as f64,
        no_fault_p99_secs: latency(baseline, |l| l.p99_secs),
    }
}

fn simulate(
    spec: &RequestScenario,
    strategy: Strategy,
    options: RouterOptions,
    seed: u64,
) -> anyhow::Result<RunSummary> {
    let mut router = BalancerRouter::new(strategy, spec.backends.len(), options, seed)?;
    Ok(requests::run(spec, &mut router, &mut Unlimited, seed)?.summary())
}

/// One run of `spec` routed by a balancer with `strategy`.
pub(crate) fn simulate_run(
    spec: &RequestScenario,
    strategy: Strategy,
    outlier_detection: bool,
    seed: u64,
) -> anyhow::Result<RequestRun> {
    let mut router = BalancerRouter::new(
        strategy,
        spec.backends.len(),
        RouterOptions::ejection(outlier_detection),
        seed,
    )?;
    Ok(requests::run(spec, &mut router, &mut Unlimited, seed)?)
}

/// Drives a [`Balancer`] from the simulator: backend `i` of the scenario
/// is `BackendId(i)`, the balancer's clock follows simulated time, and
/// each request's guard completes at its simulated completion (timeouts
/// and errors as failures).
#[derive(Debug)]
pub(crate) struct BalancerRouter {
    balancer: Arc<Balancer>,
    clock: Arc<ManualClock>,
    in_flight: HashMap<u64, Pick<Arc<Balancer>>>,
}

impl BalancerRouter {
    pub(crate) fn new(
        strategy: Strategy,
        backends: usize,
        options: RouterOptions,
        seed: u64,
    ) -> anyhow::Result<Self> {
        let clock = Arc::new(ManualClock::new());
        let mut params = Balancer::params(strategy)
            .uniform_backends(backends as u64)
            .clock(clock.clone())
            .seed(seed);
        if options.outlier_detection {
            params = params.outlier_detection(OutlierDetection::default());
        }
        if let Some(penalty) = options.failure_penalty {
            params = params.peak_ewma_failure_penalty(penalty);
        }
        params = params.peak_ewma_stall_floor(options.stall_floor);
        Ok(BalancerRouter {
            balancer: Arc::new(params.build()?),
            clock,
            in_flight: HashMap::new(),
        })
    }
}

impl Router for BalancerRouter {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        self.clock.set_secs(ctx.now_secs());
        let pick = self
            .balancer
            .pick_owned(&Request::with_key(ctx.hash_key()))
            .ok()?;
        let BackendId(index) = pick.backend();
        self.in_flight.insert(ctx.id(), pick);
        usize::try_from(index).ok()
    }

    fn on_complete(&mut self, done: &Completion) {
        self.clock.set_secs(done.completion_secs());
        if let Some(pick) = self.in_flight.remove(&done.id) {
            pick.complete(match done.outcome {
                Outcome::Ok => PickOutcome::Success,
                Outcome::Error | Outcome::Timeout => PickOutcome::Failure,
                _ => PickOutcome::Cancelled,
            });
        }
    }
}
