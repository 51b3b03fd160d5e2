//! Stage 3 of the demo: forecast a node's memory and detect anomalies on
//! every node's CPU (homeostat-predict's forecasts and detectors).

use std::collections::BTreeMap;

use homeostat::core::Fault;
use homeostat::core::{Frame, Timestamp};
use homeostat::predict::detect::{DEFAULT_DETECTOR, detector_by_name};
use homeostat::predict::forecast::{Forecaster, HoltWinters, auto_forecast};
use homeostat::sim::cluster::ClusterRun;

use super::chart::{Chart, Line, hours_since};
use super::{DemoArgs, StageOutcome};

/// One minute of 10-second scrapes.
const MINUTE_MS: i64 = 60_000;
/// Forecast horizon and the detector's alarm threshold (about the threshold
/// NAB's optimiser picks for the default detector; never tuned on labels here).
const HORIZON_MIN: usize = 30;
const ALARM: f64 = 0.3;
const SLACK_MIN: i64 = 2;

/// A column averaged per minute, gaps carried forward; `None` if it is
/// entirely missing.
fn per_minute(frame: &Frame, column: usize) -> Option<(Vec<Timestamp>, Vec<f64>)> {
    let t0 = frame.index().first()?.as_millis();
    let values = frame.values();
    let mut sums: BTreeMap<i64, (f64, usize)> = BTreeMap::new();
    for (row, t) in frame.index().iter().enumerate() {
        let v = values[(row, column)];
        let slot = sums
            .entry((t.as_millis() - t0) / MINUTE_MS)
            .or_insert((0.0, 0));
        if v.is_finite() {
            slot.0 += v;
            slot.1 += 1;
        }
    }
    let mut last = f64::NAN;
    let (mut ts, mut xs) = (Vec::new(), Vec::new());
    for (minute, (sum, n)) in sums {
        if n > 0 {
            last = sum / n as f64;
        }
        ts.push(Timestamp::from_millis(t0 + minute * MINUTE_MS));
        xs.push(last);
    }
    let first = xs.iter().position(|v| v.is_finite())?;
    // Back-fill a leading gap with the first value seen.
    let fill = xs[first];
    xs.iter_mut().take(first).for_each(|v| *v = fill);
    Some((ts, xs))
}

pub(super) fn run(
    _args: &DemoArgs,
    run: &ClusterRun,
    out: &mut StageOutcome,
) -> anyhow::Result<()> {
    let frame = &run.frame;
    let values = frame.values();

    // Forecast: the node whose memory peaked highest, trained on all but
    // the last half hour, scored on it.
    let mut memory: Vec<(f64, usize, String)> = frame
        .columns_named("node_memory_used_bytes")
        .map(|(i, key)| {
            let peak = values
                .column(i)
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(f64::MIN, f64::max);
            (peak, i, key.labels().get("node").unwrap_or("?").to_string())
        })
        .collect();
    memory.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some((_, column, node)) = memory.first().cloned() else {
        anyhow::bail!("the simulated frame has no node_memory_used_bytes column");
    };
    let Some((mem_t, mem_bytes)) = per_minute(frame, column) else {
        anyhow::bail!("{node}'s memory is never observed");
    };
    let gib: Vec<f64> = mem_bytes.iter().map(|b| b / (1u64 << 30) as f64).collect();
    if gib.len() < HORIZON_MIN + 60 {
        anyhow::bail!(
            "{} minutes of memory, at least {} needed",
            gib.len(),
            HORIZON_MIN + 60
        );
    }
    let split = gib.len() - HORIZON_MIN;
    let (train, test) = gib.split_at(split);
    // Damped Holt-Winters is the forecast shown; the automatic choice
    // (ARIMA or Holt-Winters by AICc) is reported beside it. On the default
    // day the automatic choice is an ARIMA with drift whose 30-minute error
    // is about twice damped Holt-Winters', so it is not the one charted.
    // No seasonal period: the run is at most a day at one minute.
    let forecast = HoltWinters::params()
        .damped(true)
        .fit(train)?
        .forecast(HORIZON_MIN, 0.95)?;
    let chosen = auto_forecast(train, 1)?;
    let automatic = chosen.forecast(HORIZON_MIN, 0.95)?;
    let mae = |pred: &[f64]| {
        pred.iter()
            .zip(test)
            .map(|(p, y)| (p - y).abs())
            .sum::<f64>()
            / test.len() as f64
    };
    let damped_mae = mae(&forecast.mean);
    let auto_mae = mae(&automatic.mean);
    let last = train.last().copied().unwrap_or(0.0);
    let naive_mae = mae(&vec![last; HORIZON_MIN]);
    let covered = test
        .iter()
        .zip(forecast.lower.iter().zip(&forecast.upper))
        .filter(|(y, (lo, hi))| **lo <= **y && **y <= **hi)
        .count() as f64
        / test.len() as f64;

    // Detection: each detector on every node's CPU at one minute.
    let faults = run.labels.faults();
    let default = evaluate(DEFAULT_DETECTOR, frame, faults)?;
    // The two baselines with summary figures; the registry holds more.
    let others = ["ewma-mad", "windowed-gaussian"]
        .iter()
        .map(|n| evaluate(n, frame, faults))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let Evaluation {
        node_scores,
        found,
        mut delays,
        peaks,
        false_alarms,
        ..
    } = default;
    let hours = mem_t.len() as f64 / 60.0;
    delays.sort_by(f64::total_cmp);
    let median_delay = delays.get(delays.len() / 2).copied().unwrap_or(f64::NAN);
    let recall = if faults.is_empty() {
        0.0
    } else {
        found as f64 / faults.len() as f64
    };

    out.say(format!(
        "Holt-Winters (damped) on {node}'s memory: {} minutes to fit, {HORIZON_MIN} to forecast; \
         MAE {damped_mae:.3} GiB vs {naive_mae:.3} GiB for the last value and {auto_mae:.3} GiB for the automatic choice, {chosen}; \
         95% interval covers {:.0}% of the held-out minutes",
        train.len(),
        100.0 * covered
    ));
    out.say(format!(
        "{DEFAULT_DETECTOR} detector on {} nodes' CPU at one minute, alarm at score >= {ALARM}: \
         {found} of {} labelled faults found (median {} min after the start), {false_alarms} alarm-minutes outside faults \
         ({:.2} per node-hour)",
        node_scores.len(),
        faults.len(),
        if median_delay.is_finite() { format!("{median_delay:.0}") } else { "-".into() },
        false_alarms as f64 / (hours * node_scores.len().max(1) as f64)
    ));
    out.say(format!(
        "highest score near each fault: {}",
        peaks.join(", ")
    ));
    for e in &others {
        out.say(format!(
            "{} for comparison: {} of {} faults found, {} alarm-minutes outside faults; peaks {}",
            e.name,
            e.found,
            faults.len(),
            e.false_alarms,
            e.peaks.join(", ")
        ));
    }
    let best_other = others.iter().max_by_key(|e| e.found);
    out.headline = format!(
        "memory MAE {:.0}% of naive; faults found: {DEFAULT_DETECTOR} {found}/{}{}",
        100.0 * damped_mae / naive_mae.max(1e-12),
        faults.len(),
        best_other.map_or(String::new(), |e| format!(", {} {}", e.name, e.found))
    );
    out.figures = BTreeMap::from([
        ("forecast_minutes", HORIZON_MIN as f64),
        ("forecast_mae_gib", damped_mae),
        ("auto_forecast_mae_gib", auto_mae),
        ("naive_mae_gib", naive_mae),
        ("interval_coverage", covered),
        ("nodes_scored", node_scores.len() as f64),
        ("faults", faults.len() as f64),
        ("faults_found", found as f64),
        ("fault_recall", recall),
        ("false_alarm_minutes", false_alarms as f64),
    ]);
    for e in &others {
        let (f, a) = match e.name {
            "ewma-mad" => ("faults_found_ewma_mad", "false_alarm_minutes_ewma_mad"),
            _ => (
                "faults_found_windowed_gaussian",
                "false_alarm_minutes_windowed_gaussian",
            ),
        };
        out.figures.insert(f, e.found as f64);
        out.figures.insert(a, e.false_alarms as f64);
    }
    if median_delay.is_finite() {
        out.figures.insert("median_delay_minutes", median_delay);
    }

    // Charts: the memory forecast against what happened, and the detector
    // score of the node with the most alarms over the fault windows.
    let t0 = mem_t[0];
    let hours_of = |ts: &[Timestamp]| ts.iter().map(|t| hours_since(t0, *t)).collect::<Vec<f64>>();
    let h = hours_of(&mem_t);
    let pair = |xs: &[f64], ys: &[f64]| {
        xs.iter()
            .copied()
            .zip(ys.iter().copied())
            .collect::<Vec<_>>()
    };
    let tail = &h[split..];
    out.charts.push(
        Chart::new(
            format!("Memory of {node}: forecast of the last {HORIZON_MIN} minutes"),
            "hours since start",
            "memory used (GiB)",
        )
        .line(Line::new("observed", pair(&h, &gib)))
        .line(Line::new("forecast", pair(tail, &forecast.mean)))
        .line(Line::new("95% lower", pair(tail, &forecast.lower)))
        .line(Line::new("95% upper", pair(tail, &forecast.upper))),
    );
    if let Some((n, ts, s)) = node_scores
        .iter()
        .max_by_key(|(_, _, s)| s.iter().filter(|v| **v >= ALARM).count())
    {
        let bands = faults
            .iter()
            .filter(|f| f.scope().involves_node(n))
            .map(|f| (hours_since(t0, f.start()), hours_since(t0, f.end())))
            .collect();
        out.charts.push(
            Chart::new(
                format!("Anomaly score of {n}'s CPU"),
                "hours since start",
                "anomaly score",
            )
            .line(Line::new("anomaly score", pair(&hours_of(ts), s)))
            .line(Line::new(
                "alarm threshold",
                vec![(0.0, ALARM), (h.last().copied().unwrap_or(1.0), ALARM)],
            ))
            .bands(format!("fault involving {n}"), bands)
            .y_range(0.0, 1.0),
        );
    }
    Ok(())
}

/// One detector's alarms on every node's CPU against the labelled faults.
#[derive(Debug)]
struct Evaluation {
    name: &'static str,
    node_scores: Vec<(String, Vec<Timestamp>, Vec<f64>)>,
    found: usize,
    delays: Vec<f64>,
    peaks: Vec<String>,
    false_alarms: usize,
}

/// Runs detector `name` on each node's CPU (one minute) and counts a fault
/// found when a node it involves alarms (score >= ALARM) near it.
fn evaluate(name: &'static str, frame: &Frame, faults: &[Fault]) -> anyhow::Result<Evaluation> {
    let mut node_scores: Vec<(String, Vec<Timestamp>, Vec<f64>)> = Vec::new();
    for (i, key) in frame.columns_named("node_cpu_utilisation") {
        let Some((ts, xs)) = per_minute(frame, i) else {
            continue;
        };
        let scores = detector_by_name(name)?.score_all(&ts, &xs);
        node_scores.push((
            key.labels().get("node").unwrap_or("?").to_string(),
            ts,
            scores,
        ));
    }
    // Labels and one-minute bins do not line up to the second: an alarm
    // counts from SLACK_MIN before a fault's start to SLACK_MIN after its end.
    let slack = SLACK_MIN * MINUTE_MS;
    let near = |f: &Fault, t: Timestamp| {
        t.as_millis() >= f.start().as_millis() - slack
            && t.as_millis() <= f.end().as_millis() + slack
    };
    // A fault scoped to a service (no node named) may show on any node.
    let watches = |f: &Fault, n: &str| {
        f.scope().involves_node(n)
            || !node_scores
                .iter()
                .any(|(m, _, _)| f.scope().involves_node(m))
    };
    let (mut found, mut delays, mut peaks) = (0usize, Vec::new(), Vec::new());
    for fault in faults {
        let in_window = || {
            node_scores
                .iter()
                .filter(|(n, _, _)| watches(fault, n))
                .flat_map(|(_, ts, s)| ts.iter().zip(s).filter(|(t, _)| near(fault, **t)))
        };
        let peak = in_window().map(|(_, v)| *v).fold(0.0, f64::max);
        peaks.push(format!("{} {peak:.2}", fault.kind().as_str()));
        if let Some(t) = in_window()
            .filter(|(_, v)| **v >= ALARM)
            .map(|(t, _)| *t)
            .min()
        {
            found += 1;
            delays.push((t.as_millis() - fault.start().as_millis()) as f64 / MINUTE_MS as f64);
        }
    }
    let false_alarms = node_scores
        .iter()
        .map(|(n, ts, s)| {
            ts.iter()
                .zip(s)
                .filter(|(t, v)| {
                    **v >= ALARM && !faults.iter().any(|f| watches(f, n) && near(f, **t))
                })
                .count()
        })
        .sum();
    Ok(Evaluation {
        name,
        node_scores,
        found,
        delays,
        peaks,
        false_alarms,
    })
}
