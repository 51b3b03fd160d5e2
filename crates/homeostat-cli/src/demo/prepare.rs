//! Stage 1 of the demo: the simulated scrapes as features (homeostat-metrics).

use std::collections::BTreeMap;

use homeostat::core::Duration;
use homeostat::metrics::clean::{align_series, is_counter};
use homeostat::metrics::{Feature, InsideFaults, Supervised, TimeSplit, WindowFeatures};
use homeostat::sim::cluster::ClusterRun;

/// Stage 2: the simulated scrapes as a model sees them: one-minute grid,
/// counters as rates, gaps filled, trailing-window features, and targets
/// "a fault starts within 10 minutes" split in time without leakage.
pub(super) fn prepare_features(run: &ClusterRun) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let started = std::time::Instant::now();
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
    let elapsed = started.elapsed();
    let missing_before = run.frame.missing_count() as f64 / run.frame.values().len().max(1) as f64;
    let missing_after = clean.missing_count() as f64 / clean.values().len().max(1) as f64;
    say!(
        "prepare: {} series ({} counters as rates) -> {} rows x {} features at {} in {:.2?}",
        series.len(),
        counters,
        features.nrows(),
        features.ncols(),
        step,
        elapsed
    );
    say!(
        "  missing {:.2} % -> {:.2} % after filling; {} rows, {} labelled 'fault within {}'; \
         train {} / test {} rows after purging the split",
        100.0 * missing_before,
        100.0 * missing_after,
        data.len(),
        data.positives(),
        horizon,
        train.len(),
        test.len()
    );
    Ok(BTreeMap::from([
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
    ]))
}
