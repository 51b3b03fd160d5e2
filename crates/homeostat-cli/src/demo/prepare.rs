//! Stage 1 of the demo: the simulated scrapes as features (homeostat-metrics).

use std::collections::BTreeMap;

use homeostat::core::{Duration, Frame};
use homeostat::metrics::clean::{align_series, is_counter};
use homeostat::metrics::{Feature, InsideFaults, Supervised, TimeSplit, WindowFeatures};
use homeostat::sim::cluster::ClusterRun;

use super::StageOutcome;
use super::chart::{Chart, Line, hours_since};

/// What the later stages learn from: the feature frame, and the labelled
/// rows split in time.
#[derive(Debug)]
pub(super) struct Prepared {
    pub(super) features: Frame,
    pub(super) horizon: Duration,
    pub(super) train: Supervised,
    pub(super) test: Supervised,
}

/// The simulated scrapes as a model sees them: one-minute grid, counters as
/// rates, gaps filled, trailing-window features, and targets "a fault starts
/// within 10 minutes" split in time without leakage.
pub(super) fn run(run: &ClusterRun, out: &mut StageOutcome) -> anyhow::Result<Prepared> {
    let step = Duration::from_minutes(1);
    let series = run.frame.to_series();
    let counters = series.iter().filter(|s| is_counter(s.name())).count();
    let clean = align_series(
        &series,
        step,
        Duration::from_minutes(2),
        Duration::from_minutes(2),
    )?;
    let config = WindowFeatures {
        windows: vec![5, 30],
        features: vec![Feature::Mean, Feature::Std, Feature::Max, Feature::Slope],
        ewma_alphas: Vec::new(),
        lags: Vec::new(),
    };
    let features = clean.concat_columns(&config.compute(&clean)?)?;
    let horizon = Duration::from_minutes(10);
    let data = Supervised::align(&features, &run.labels, horizon, InsideFaults::Exclude)?;
    let split = TimeSplit::at_fraction(features.index(), 0.7, horizon, step * 30)?;
    let (train, test) = split.apply(&data)?;
    let missing_before = run.frame.missing_count() as f64 / run.frame.values().len().max(1) as f64;
    let missing_after = clean.missing_count() as f64 / clean.values().len().max(1) as f64;
    out.say(format!(
        "{} series ({} counters as rates) -> {} rows x {} features at {}",
        series.len(),
        counters,
        features.nrows(),
        features.ncols(),
        step,
    ));
    out.say(format!(
        "missing {:.2} % -> {:.2} % after filling; {} rows, {} labelled 'fault within {}'; \
         train {} / test {} rows after purging the split",
        100.0 * missing_before,
        100.0 * missing_after,
        data.len(),
        data.positives(),
        horizon,
        train.len(),
        test.len()
    ));
    out.headline = format!(
        "{} rows x {} features, {} positive",
        features.nrows(),
        features.ncols(),
        data.positives()
    );
    out.figures = BTreeMap::from([
        ("series", series.len() as f64),
        ("counters_as_rates", counters as f64),
        ("rows", features.nrows() as f64),
        ("feature_columns", features.ncols() as f64),
        ("missing_fraction_before", missing_before),
        ("missing_fraction_after", missing_after),
        ("labelled_rows", data.len() as f64),
        ("positive_rows", data.positives() as f64),
        ("train_rows", train.len() as f64),
        ("test_rows", test.len() as f64),
    ]);
    out.charts.extend(feature_chart(&features, run));
    Ok(Prepared {
        features,
        horizon,
        train,
        test,
    })
}

/// One node's CPU on the one-minute grid beside its 30-minute mean and max:
/// what a window feature looks like against the raw signal.
fn feature_chart(features: &Frame, run: &ClusterRun) -> Option<Chart> {
    let t0 = *features.index().first()?;
    let node = "node-0";
    let key = |suffix: &str| format!("node_cpu_utilisation{suffix}{{node=\"{node}\"}}");
    let hours: Vec<f64> = features
        .index()
        .iter()
        .map(|&t| hours_since(t0, t))
        .collect();
    let line = |suffix: &str, name: &str| -> Option<Line> {
        let column = features.column(&key(suffix))?;
        let points = hours
            .iter()
            .zip(column)
            .map(|(&x, &v)| (x, 100.0 * v))
            .collect();
        Some(Line::new(name, points))
    };
    let bands = run
        .labels
        .faults()
        .iter()
        .filter(|f| f.scope().involves_node(node))
        .map(|f| (hours_since(t0, f.start()), hours_since(t0, f.end())))
        .collect();
    Some(
        Chart::new(
            format!("Window features of {node}'s CPU"),
            "hours since start",
            "CPU utilisation (%)",
        )
        .line(line("", "one-minute value")?)
        .line(line(":mean_30", "30-minute mean")?)
        .line(line(":max_30", "30-minute max")?)
        .bands(format!("fault involving {node}"), bands),
    )
}
