//! Stage 5 of the demo: the slow-backend incident under several balancing
//! strategies (homeostat-balance, replayed by homeostat-sim).

use homeostat::balance::Strategy;
use homeostat::sim::requests::{Outcome, RequestRun, RequestScenario};

use super::chart::{Chart, Line};
use super::{DemoArgs, StageOutcome};
use crate::balance_sim::{StrategyResult, compare, simulate_run};

/// The strategies compared, with the figure names of their success rate and
/// p99; the last one runs with passive outlier ejection.
const COMPARED: [(&str, &str, &str, bool); 6] = [
    ("rr", "rr_success_rate", "rr_p99_secs", false),
    ("swrr", "swrr_success_rate", "swrr_p99_secs", false),
    ("p2c", "p2c_success_rate", "p2c_p99_secs", false),
    ("maglev", "maglev_success_rate", "maglev_p99_secs", false),
    (
        "peak-ewma",
        "peak_ewma_success_rate",
        "peak_ewma_p99_secs",
        false,
    ),
    (
        "peak-ewma",
        "peak_ewma_ejection_success_rate",
        "peak_ewma_ejection_p99_secs",
        true,
    ),
];

/// 60 s of 1000 requests/s over 11 backends, one of which answers in 2 s
/// from 15 s to 45 s, with a 1 s client timeout (30 s with `--quick`).
pub(super) fn run(args: &DemoArgs, out: &mut StageOutcome) -> anyhow::Result<()> {
    let mut spec = RequestScenario::slow_backend();
    spec.timeout_ms = Some(1000.0);
    if args.quick {
        // The same incident, cut to its first 15 s and 15 s before them.
        spec.duration_secs = 30.0;
    }
    let mut results: Vec<(StrategyResult, bool)> = Vec::new();
    for &(name, _, _, ejection) in &COMPARED {
        let strategy =
            Strategy::from_name(name).ok_or_else(|| anyhow::anyhow!("unknown strategy {name}"))?;
        let result = compare(&spec, &[strategy], ejection, args.seed)?;
        results.extend(result.into_iter().map(|r| (r, ejection)));
    }
    out.say(format!(
        "{:.0} s at {} requests/s over {} backends; backend-0 answers in 2 s from 15 s on; client timeout 1 s",
        spec.duration_secs,
        spec.arrival_rate,
        spec.backends.len()
    ));
    for ((result, ejection), &(_, rate_key, p99_key, _)) in results.iter().zip(&COMPARED) {
        out.say(format!(
            "{:<30} {:>7.3} % ok   p99 {:>6.1} ms (no fault {:>6.1} ms)   slow backend got {:>5.2} %",
            format!(
                "{}{}",
                result.strategy,
                if *ejection { " + outlier ejection" } else { "" }
            ),
            100.0 * result.success_rate,
            1e3 * result.p99_secs,
            1e3 * result.no_fault_p99_secs,
            100.0 * result.faulty_backend_share
        ));
        out.figures.insert(rate_key, result.success_rate);
        out.figures.insert(p99_key, result.p99_secs);
    }
    let (rr, best) = (results.first().map(|r| &r.0), results.last().map(|r| &r.0));
    if let (Some(rr), Some(best)) = (rr, best) {
        out.figures
            .insert("no_fault_p99_secs", best.no_fault_p99_secs);
        out.figures.insert(
            "peak_ewma_ejection_p99_ratio",
            best.p99_secs / best.no_fault_p99_secs,
        );
        out.headline = format!(
            "Peak-EWMA + ejection {:.2} % ok vs round robin {:.2} %",
            100.0 * best.success_rate,
            100.0 * rr.success_rate
        );
    }
    let rr = simulate_run(&spec, Strategy::RoundRobin, false, args.seed)?;
    let ewma = simulate_run(&spec, Strategy::peak_ewma(), true, args.seed)?;
    out.charts.push(failure_chart(&spec, &rr, &ewma));
    out.charts.push(latency_cdf_chart(&rr, &ewma));
    Ok(())
}

/// Requests failing per second (timeouts and errors, by completion time)
/// under round robin and under Peak-EWMA with outlier ejection.
fn failure_chart(spec: &RequestScenario, rr: &RequestRun, ewma: &RequestRun) -> Chart {
    let bands = spec
        .backends
        .iter()
        .flat_map(|b| b.slowdowns.iter().map(|s| (s.start_secs, s.end_secs)))
        .collect();
    Chart::new(
        "Failed requests per second in the slow-backend incident",
        "simulated seconds",
        "failed requests / s",
    )
    .line(Line::new("round robin", failures_per_second(rr)))
    .line(Line::new(
        "Peak-EWMA + outlier ejection",
        failures_per_second(ewma),
    ))
    .bands("backend-0 slowed to 2 s", bands)
}

/// The share of requests answered within each latency (a timed-out
/// request counts at the timeout), under both strategies.
fn latency_cdf_chart(rr: &RequestRun, ewma: &RequestRun) -> Chart {
    Chart::new(
        "Latency distribution in the slow-backend incident",
        "latency (ms)",
        "share of requests at or below",
    )
    .line(Line::new("round robin", latency_cdf(rr)))
    .line(Line::new("Peak-EWMA + outlier ejection", latency_cdf(ewma)))
    .y_range(0.0, 1.0)
}

/// 400 points of the empirical CDF: enough for the chart, small in the report.
fn latency_cdf(run: &RequestRun) -> Vec<(f64, f64)> {
    let mut ms: Vec<f64> = run.records().iter().map(|r| r.latency_secs * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    if n == 0 {
        return Vec::new();
    }
    (1..=400)
        .map(|k| {
            let rank = (k * n).div_ceil(400).clamp(1, n);
            (ms[rank - 1], rank as f64 / n as f64)
        })
        .collect()
}

fn failures_per_second(run: &RequestRun) -> Vec<(f64, f64)> {
    let end = run
        .records()
        .iter()
        .map(|r| r.completion_secs())
        .fold(0.0, f64::max);
    let mut counts = vec![0.0; end.ceil() as usize + 1];
    for r in run.records() {
        if matches!(r.outcome, Outcome::Timeout | Outcome::Error)
            && let Some(c) = counts.get_mut(r.completion_secs() as usize)
        {
            *c += 1.0;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(s, c)| (s as f64, c))
        .collect()
}
