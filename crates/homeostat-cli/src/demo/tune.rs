//! Stage 6 of the demo: concurrency limiters under overload (homeostat-tune
//! on homeostat-sim's request-level mode).

use homeostat::sim::requests::RequestScenario;

use super::chart::{Chart, Line};
use super::{DemoArgs, StageOutcome};
use crate::tune_sim::{self, LimiterReport};

/// The limiters compared, by their `tune-sim` names, with the names of
/// their figures: goodput share, p99 in ms, mean limit.
const FIGURES: [(&str, [&str; 3]); 5] = [
    (
        "static-50",
        [
            "static50_goodput_share",
            "static50_p99_ms",
            "static50_mean_limit",
        ],
    ),
    (
        "aimd",
        ["aimd_goodput_share", "aimd_p99_ms", "aimd_mean_limit"],
    ),
    (
        "vegas",
        ["vegas_goodput_share", "vegas_p99_ms", "vegas_mean_limit"],
    ),
    (
        "gradient2",
        [
            "gradient2_goodput_share",
            "gradient2_p99_ms",
            "gradient2_mean_limit",
        ],
    ),
    (
        "homeostat",
        [
            "homeostat_goodput_share",
            "homeostat_p99_ms",
            "homeostat_mean_limit",
        ],
    ),
];

/// The overload scenario (30 s with `--quick`, one capacity change; 60 s
/// otherwise, two), every limiter, goodput / p99 / limit as figures and a
/// chart of the limit trajectories.
pub(super) fn run(args: &DemoArgs, out: &mut StageOutcome) -> anyhow::Result<()> {
    let mut scenario = RequestScenario::overload();
    if args.quick {
        scenario.duration_secs = 30.0;
    }
    let names: Vec<String> = FIGURES.iter().map(|&(n, _)| n.to_owned()).collect();
    let comparison = tune_sim::compare("overload", &scenario, &names, args.seed)?;
    out.say(format!(
        "{} s of arrivals at {} req/s, twice the server's capacity of {} req/s (halved from 20 s to 40 s)",
        comparison.duration_secs, comparison.arrival_rate, comparison.capacity_rps
    ));
    for r in &comparison.limiters {
        out.say(format!(
            "{:<10} goodput {:>5.1} % of capacity, p99 {:>6.1} ms ({:.2}x unloaded), limit {}..{} (mean {:.0})",
            r.limiter,
            100.0 * r.goodput_share,
            r.p99_ms,
            r.p99_over_unloaded,
            r.limit.min,
            r.limit.max,
            r.limit.mean
        ));
        let Some(&(_, [goodput, p99, limit])) = FIGURES.iter().find(|(name, _)| *name == r.limiter)
        else {
            continue;
        };
        out.figures.insert(goodput, finite(r.goodput_share));
        out.figures.insert(p99, finite(r.p99_ms));
        out.figures.insert(limit, finite(r.limit.mean));
    }
    let ours = comparison
        .limiters
        .iter()
        .find(|r| r.limiter == "homeostat");
    if let Some(r) = ours {
        out.figures
            .insert("homeostat_p99_over_unloaded", finite(r.p99_over_unloaded));
        let converged = r
            .convergence_secs
            .first()
            .copied()
            .flatten()
            .unwrap_or(scenario.duration_secs);
        out.figures.insert("homeostat_convergence_secs", converged);
        out.headline = format!(
            "homeostat limit: goodput {:.1} % of capacity, p99 {:.2}x unloaded",
            100.0 * r.goodput_share,
            r.p99_over_unloaded
        );
    }
    out.charts.push(chart(&comparison.limiters));
    Ok(())
}

/// NaN (no successful request) is recorded as 0 so figures stay finite.
fn finite(value: f64) -> f64 {
    if value.is_finite() { value } else { 0.0 }
}

fn chart(reports: &[LimiterReport]) -> Chart {
    let mut chart = Chart::new(
        "Concurrency limit under overload",
        "seconds of simulated time",
        "limit (requests in flight)",
    )
    .bands("capacity halved", vec![(20.0, 40.0)]);
    for r in reports {
        let points = r
            .trajectory
            .iter()
            .map(|&(t, limit)| (t, f64::from(limit)))
            .collect();
        chart = chart.line(Line::new(r.limiter.clone(), points));
    }
    chart
}
