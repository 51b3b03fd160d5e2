//! `homeostat tune-sim`: concurrency limiters compared under overload on
//! the request-level simulator.

use anyhow::Context;
use clap::Args;
use homeostat::sim::requests::{
    self, Completion, Limiter, Outcome, RequestContext, RequestRun, RequestScenario, RoundRobin,
    Unlimited,
};
use homeostat::tune::limit::{
    AdaptiveLimit, Aimd, FixedLimit, Gradient2, LimitAlgorithm, Sample, Vegas,
};
use serde::Serialize;

/// Options of `homeostat tune-sim`.
#[derive(Debug, Args)]
pub(crate) struct TuneSimArgs {
    /// The request-level scenario: overload (arrivals at twice the capacity,
    /// capacity halved from 20 s to 40 s).
    #[arg(long, default_value = "overload")]
    scenario: String,
    /// Comma-separated limiters: static-N (a fixed limit of N), aimd, vegas,
    /// gradient2, homeostat.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "static-50,aimd,vegas,gradient2,homeostat"
    )]
    limiters: Vec<String>,
    /// Length of the arrival window in seconds (default: the scenario's).
    #[arg(long)]
    duration_secs: Option<f64>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write each limiter's limit every 100 ms of simulated time to
    /// this CSV file (columns secs, then one per limiter).
    #[arg(long)]
    trajectories: Option<std::path::PathBuf>,
}

/// What one limiter achieved.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LimiterReport {
    pub(crate) limiter: String,
    /// Successful requests per second over the arrival window.
    pub(crate) goodput_rps: f64,
    /// Successful requests over what the server could serve in the window.
    pub(crate) goodput_share: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// Largest ratio, over the capacity phases, of the phase's p99 to the
    /// unloaded server's p99 in the same phase.
    pub(crate) p99_over_unloaded: f64,
    pub(crate) rejection_rate: f64,
    pub(crate) timeout_rate: f64,
    pub(crate) limit: LimitSummary,
    /// Seconds after each capacity change until every later second of the
    /// phase has goodput >= 90 % of the capacity and p99 <= 2x the unloaded
    /// p99; `None` if that never happens.
    pub(crate) convergence_secs: Vec<Option<f64>>,
    /// (simulated seconds, limit) every 100 ms.
    #[serde(skip)]
    pub(crate) trajectory: Vec<(f64, u32)>,
}

/// The limit over the run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LimitSummary {
    pub(crate) min: u32,
    pub(crate) mean: f64,
    pub(crate) max: u32,
    pub(crate) last: u32,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Comparison {
    pub(crate) scenario: String,
    pub(crate) seed: u64,
    pub(crate) duration_secs: f64,
    pub(crate) arrival_rate: f64,
    pub(crate) capacity_rps: f64,
    pub(crate) unloaded_p99_ms: Vec<f64>,
    pub(crate) limiters: Vec<LimiterReport>,
}

pub(crate) fn run(args: &TuneSimArgs) -> anyhow::Result<()> {
    let mut scenario = scenario_named(&args.scenario)?;
    if let Some(secs) = args.duration_secs {
        scenario.duration_secs = secs;
    }
    let comparison = compare(&args.scenario, &scenario, &args.limiters, args.seed)?;
    if let Some(path) = &args.trajectories {
        write_trajectories(&comparison, path)?;
    }
    if args.json {
        say!("{}", serde_json::to_string_pretty(&comparison)?);
        return Ok(());
    }
    say!(
        "{} for {} s at {} req/s (capacity {} req/s), seed {}; unloaded p99 {} ms",
        comparison.scenario,
        comparison.duration_secs,
        comparison.arrival_rate,
        comparison.capacity_rps,
        comparison.seed,
        comparison
            .unloaded_p99_ms
            .iter()
            .map(|p| format!("{p:.1}"))
            .collect::<Vec<_>>()
            .join(" / ")
    );
    say!(
        "{:<12} {:>9} {:>7} {:>8} {:>8} {:>8} {:>8} {:>16} {:>12}",
        "limiter",
        "goodput",
        "share",
        "p50 ms",
        "p99 ms",
        "p99/unl",
        "reject",
        "limit min/mean/max",
        "converge s"
    );
    for r in &comparison.limiters {
        let converge = r
            .convergence_secs
            .iter()
            .map(|c| c.map_or("never".to_owned(), |s| format!("{s:.0}")))
            .collect::<Vec<_>>()
            .join(",");
        say!(
            "{:<12} {:>9.0} {:>6.1}% {:>8.1} {:>8.1} {:>8.2} {:>7.1}% {:>16} {:>12}",
            r.limiter,
            r.goodput_rps,
            100.0 * r.goodput_share,
            r.p50_ms,
            r.p99_ms,
            r.p99_over_unloaded,
            100.0 * r.rejection_rate,
            format!("{}/{:.0}/{}", r.limit.min, r.limit.mean, r.limit.max),
            converge
        );
    }
    Ok(())
}

/// Writes the limit trajectories side by side as CSV.
fn write_trajectories(comparison: &Comparison, path: &std::path::Path) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut header = vec!["secs".to_owned()];
    header.extend(comparison.limiters.iter().map(|r| r.limiter.clone()));
    writer.write_record(&header)?;
    let rows = comparison
        .limiters
        .iter()
        .map(|r| r.trajectory.len())
        .max()
        .unwrap_or(0);
    for i in 0..rows {
        let mut row = vec![format!("{:.1}", i as f64 * TRAJECTORY_STEP_SECS)];
        for r in &comparison.limiters {
            row.push(
                r.trajectory
                    .get(i)
                    .map_or(String::new(), |p| p.1.to_string()),
            );
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// The request-level scenarios `tune-sim` knows.
pub(crate) fn scenario_named(name: &str) -> anyhow::Result<RequestScenario> {
    match name {
        "overload" => Ok(RequestScenario::overload()),
        other => anyhow::bail!("unknown tune-sim scenario {other:?}; known: overload"),
    }
}

/// A limiter by its command-line name.
pub(crate) fn limiter_named(name: &str, seed: u64) -> anyhow::Result<Box<dyn LimitAlgorithm>> {
    Ok(match name {
        "aimd" => Box::new(Aimd::params().check()?),
        "vegas" => Box::new(Vegas::params().seed(seed).check()?),
        "gradient2" => Box::new(Gradient2::params().check()?),
        "homeostat" => Box::new(AdaptiveLimit::params().check()?),
        other => {
            let Some(n) = other.strip_prefix("static-") else {
                anyhow::bail!(
                    "unknown limiter {other:?}; known: static-N, aimd, vegas, gradient2, homeostat"
                );
            };
            let n: u32 = n
                .parse()
                .with_context(|| format!("limiter {other:?}: N must be a positive integer"))?;
            Box::new(FixedLimit::new(n)?)
        }
    })
}

/// Runs every limiter on `scenario` with `seed`, plus an unloaded reference
/// run for the p99 baseline.
pub(crate) fn compare(
    name: &str,
    scenario: &RequestScenario,
    limiters: &[String],
    seed: u64,
) -> anyhow::Result<Comparison> {
    anyhow::ensure!(!limiters.is_empty(), "no limiters to compare");
    scenario.validate()?;
    let phases = Phases::of(scenario);
    let mut unloaded = scenario.clone();
    unloaded.arrival_rate = 0.1 * phases.capacity_at(0.0);
    let reference = requests::run(&unloaded, &mut RoundRobin::new(), &mut Unlimited, seed)?;
    let unloaded_p99: Vec<f64> = phases
        .spans
        .iter()
        .map(|&(from, to, _)| p99(&reference, from, to))
        .collect();
    let mut reports = Vec::with_capacity(limiters.len());
    for name in limiters {
        let mut adapter = SimLimiter::new(limiter_named(name, seed)?);
        let run = requests::run(scenario, &mut RoundRobin::new(), &mut adapter, seed)?;
        reports.push(report(
            name,
            &run,
            &phases,
            &unloaded_p99,
            adapter.trajectory,
        ));
    }
    Ok(Comparison {
        scenario: name.to_owned(),
        seed,
        duration_secs: scenario.duration_secs,
        arrival_rate: scenario.arrival_rate,
        capacity_rps: phases.capacity_at(0.0),
        unloaded_p99_ms: unloaded_p99.iter().map(|p| 1000.0 * p).collect(),
        limiters: reports,
    })
}

/// p99 latency (seconds) of the successful requests arriving in `[from, to)`.
fn p99(run: &RequestRun, from: f64, to: f64) -> f64 {
    run.summary_between(from, to)
        .latency
        .map_or(f64::NAN, |l| l.p99_secs)
}

/// Spans of constant capacity: (from, to, requests per second).
#[derive(Debug)]
struct Phases {
    spans: Vec<(f64, f64, f64)>,
}

impl Phases {
    /// Capacity is workers / mean service time summed over backends, with
    /// each backend's multiplying slowdowns applied.
    fn of(scenario: &RequestScenario) -> Self {
        let end = scenario.duration_secs;
        let mut cuts = vec![0.0, end];
        for b in &scenario.backends {
            for s in &b.slowdowns {
                cuts.extend(
                    [s.start_secs, s.end_secs]
                        .into_iter()
                        .filter(|&t| t > 0.0 && t < end),
                );
            }
        }
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let mut spans: Vec<(f64, f64, f64)> = Vec::new();
        for pair in cuts.windows(2) {
            let (from, to) = (pair[0], pair[1]);
            let capacity = capacity_at(scenario, 0.5 * (from + to));
            match spans.last_mut() {
                Some(last) if last.2 == capacity => last.1 = to,
                _ => spans.push((from, to, capacity)),
            }
        }
        Phases { spans }
    }

    fn capacity_at(&self, t: f64) -> f64 {
        self.spans
            .iter()
            .find(|s| t >= s.0 && t < s.1)
            .map_or(0.0, |s| s.2)
    }
}

fn capacity_at(scenario: &RequestScenario, t: f64) -> f64 {
    use homeostat::sim::requests::SlowdownEffect;
    scenario
        .backends
        .iter()
        .map(|b| {
            let factor: f64 = b
                .slowdowns
                .iter()
                .filter(|s| s.covers(t))
                .map(|s| match s.effect {
                    SlowdownEffect::Multiply { factor } => factor,
                    SlowdownEffect::Pinned { latency_ms } => {
                        latency_ms / 1000.0 / b.service_time.mean_secs()
                    }
                    _ => 1.0,
                })
                .product();
            f64::from(b.workers) / (b.service_time.mean_secs() * factor)
        })
        .sum()
}

fn report(
    name: &str,
    run: &RequestRun,
    phases: &Phases,
    unloaded_p99: &[f64],
    trajectory: Vec<(f64, u32)>,
) -> LimiterReport {
    let scenario = run.scenario();
    let duration = scenario.duration_secs;
    let summary = run.summary_between(0.0, duration);
    let served_capacity: f64 = phases.spans.iter().map(|s| (s.1 - s.0) * s.2).sum();
    let latency = summary.latency.as_ref();
    let p99_over_unloaded = phases
        .spans
        .iter()
        .zip(unloaded_p99)
        .map(|(&(from, to, _), &base)| p99(run, from, to) / base)
        .filter(|r| r.is_finite())
        .fold(0.0, f64::max);
    let requests = summary.requests.max(1) as f64;
    let limits: Vec<u32> = trajectory.iter().map(|p| p.1).collect();
    let limit = LimitSummary {
        min: limits.iter().copied().min().unwrap_or(0),
        mean: limits.iter().map(|&l| f64::from(l)).sum::<f64>() / limits.len().max(1) as f64,
        max: limits.iter().copied().max().unwrap_or(0),
        last: limits.last().copied().unwrap_or(0),
    };
    let convergence_secs = phases
        .spans
        .iter()
        .zip(unloaded_p99)
        .skip(1)
        .map(|(&(from, to, capacity), &base)| converged_after(run, from, to, capacity, base))
        .collect();
    LimiterReport {
        limiter: name.to_owned(),
        goodput_rps: summary.ok as f64 / duration,
        goodput_share: summary.ok as f64 / served_capacity,
        p50_ms: latency.map_or(f64::NAN, |l| 1000.0 * l.p50_secs),
        p99_ms: latency.map_or(f64::NAN, |l| 1000.0 * l.p99_secs),
        p99_over_unloaded,
        rejection_rate: summary.rejected as f64 / requests,
        timeout_rate: summary.timeout as f64 / requests,
        limit,
        convergence_secs,
        trajectory,
    }
}

/// Seconds after `from` until every later whole second of `[from, to)`
/// meets the targets.
fn converged_after(
    run: &RequestRun,
    from: f64,
    to: f64,
    capacity: f64,
    base_p99: f64,
) -> Option<f64> {
    let seconds = (to - from).floor() as usize;
    let good: Vec<bool> = (0..seconds)
        .map(|k| {
            let start = from + k as f64;
            let s = run.summary_between(start, start + 1.0);
            let p99 = s.latency.map_or(f64::INFINITY, |l| l.p99_secs);
            s.ok as f64 >= 0.9 * capacity && p99 <= 2.0 * base_p99
        })
        .collect();
    let first_bad_from_end = good.iter().rposition(|&g| !g);
    match first_bad_from_end {
        None => Some(0.0),
        Some(k) if k + 1 < seconds => Some((k + 1) as f64),
        Some(_) => None,
    }
}

/// A [`LimitAlgorithm`] driving the simulator's admission: the client's
/// in-flight count against the limit, a sample per completion (timeouts
/// as drops, server errors ignored), and the limit every 100 ms.
struct SimLimiter {
    algorithm: Box<dyn LimitAlgorithm>,
    at_admission: Vec<u32>,
    trajectory: Vec<(f64, u32)>,
}

/// Step of the recorded limit trajectory, seconds.
const TRAJECTORY_STEP_SECS: f64 = 0.1;

impl std::fmt::Debug for SimLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimLimiter")
            .field("limit", &self.algorithm.limit())
            .finish_non_exhaustive()
    }
}

impl SimLimiter {
    fn new(algorithm: Box<dyn LimitAlgorithm>) -> Self {
        let limit = algorithm.limit();
        SimLimiter {
            algorithm,
            at_admission: Vec::new(),
            trajectory: vec![(0.0, limit)],
        }
    }

    fn record(&mut self, now: f64) {
        let limit = self.algorithm.limit();
        while let Some(&(last, _)) = self.trajectory.last()
            && now >= last + TRAJECTORY_STEP_SECS
        {
            self.trajectory.push((last + TRAJECTORY_STEP_SECS, limit));
        }
    }
}

impl Limiter for SimLimiter {
    fn admit(&mut self, ctx: &RequestContext<'_>) -> bool {
        self.record(ctx.now_secs());
        let in_flight = ctx.total_in_flight();
        if in_flight >= u64::from(self.algorithm.limit()) {
            return false;
        }
        let id = ctx.id() as usize;
        if self.at_admission.len() <= id {
            self.at_admission.resize(id + 1, 0);
        }
        self.at_admission[id] = u32::try_from(in_flight + 1).unwrap_or(u32::MAX);
        true
    }

    fn on_complete(&mut self, done: &Completion) {
        let now = done.completion_secs();
        let in_flight = self
            .at_admission
            .get(done.id as usize)
            .copied()
            .unwrap_or(1);
        let sample = match done.outcome {
            Outcome::Ok => Sample::ok(now, done.latency_secs, in_flight),
            Outcome::Timeout => Sample::dropped(now, done.latency_secs, in_flight),
            _ => return, // rejections never ran; server errors say nothing of capacity
        };
        self.algorithm.on_sample(&sample);
        self.record(now);
    }
}
