//! The Homeostat side of `benches/compare/metrics_vs_pandas.py`: reads a
//! wide CSV, runs the comparison pipeline (resample 10 s -> 1 min mean,
//! linear interpolation, z-score, rolling mean / std / min / max / p90 over
//! 5, 15 and 60 rows) and writes the features as CSV. Prints the wall time
//! of reading and of the pipeline as JSON, so the script can compare the
//! pipeline alone with pandas'.
//!
//! Usage: `metrics_pipeline INPUT.csv OUTPUT.csv`

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use homeostat::core::Duration;
use homeostat::metrics::clean::{Aggregation, FillGaps, FillMethod, Resample};
use homeostat::metrics::ingest::csv::{CsvOptions, read_wide};
use homeostat::metrics::{Feature, Pipeline, StandardScaler, Step, Transform, WindowFeatures};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        return Err("usage: metrics_pipeline INPUT.csv OUTPUT.csv".into());
    };

    let started = Instant::now();
    let raw = read_wide(BufReader::new(File::open(input)?), CsvOptions::new())?;
    let read_secs = started.elapsed().as_secs_f64();

    // The steps of `Pipeline::fit_transform`, run once and timed one by one.
    let pipeline = Pipeline::new(vec![
        Step::Resample(Resample::new(Duration::from_minutes(1), Aggregation::Mean)),
        Step::FillGaps(FillGaps::new(FillMethod::Linear, Duration::from_hours(1))),
        Step::StandardScale(StandardScaler::new()),
        Step::WindowFeatures(WindowFeatures {
            windows: vec![5, 15, 60],
            features: vec![
                Feature::Mean,
                Feature::Std,
                Feature::Min,
                Feature::Max,
                Feature::P90,
            ],
            ewma_alphas: Vec::new(),
            lags: Vec::new(),
        }),
    ]);
    let mut stage_secs = Vec::new();
    let mut features = raw.clone();
    let cpu_started = thread_cpu_secs();
    for step in pipeline.steps() {
        let mut step = step.clone();
        let started = Instant::now();
        features = step.fit_transform(&features)?;
        stage_secs.push(started.elapsed().as_secs_f64());
    }
    let pipeline_cpu_secs = match (cpu_started, thread_cpu_secs()) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let pipeline_secs: f64 = stage_secs.iter().sum();
    let stage_secs: Vec<String> = stage_secs.iter().map(|s| format!("{s:.4}")).collect();

    let mut out = BufWriter::new(File::create(output)?);
    let names: Vec<String> = features.columns().iter().map(ToString::to_string).collect();
    writeln!(out, "timestamp_ms,{}", names.join(","))?;
    for (row, t) in features.index().iter().enumerate() {
        write!(out, "{}", t.as_millis())?;
        if let Some(values) = features.row(row) {
            for v in values {
                write!(out, ",{v}")?;
            }
        }
        writeln!(out)?;
    }
    out.flush()?;
    println!(
        "{{\"read_secs\": {read_secs}, \"pipeline_secs\": {pipeline_secs}, \"pipeline_cpu_secs\": {pipeline_cpu_secs}, \"stage_secs\": [{}], \"input_rows\": {}, \"input_columns\": {}, \"output_rows\": {}, \"output_columns\": {}}}",
        stage_secs.join(", "),
        raw.nrows(),
        raw.ncols(),
        features.nrows(),
        features.ncols()
    );
    Ok(())
}

/// CPU time of this thread in seconds (Linux: the first field of
/// `/proc/thread-self/schedstat`, in ns), which, unlike wall time, does not
/// count the time other processes of a busy machine held the core.
fn thread_cpu_secs() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
