//! `homeostat detect`: score a `timestamp,value` series with a streaming
//! anomaly detector.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use homeostat::predict::detect::{DEFAULT_DETECTOR, Detector, detector_by_name};
use homeostat::predict::nab::read_series_csv;

/// Options of `homeostat detect`.
#[derive(Debug, Args)]
pub(crate) struct DetectArgs {
    /// A CSV with `timestamp` and `value` columns.
    #[arg(long)]
    input: PathBuf,
    /// A name from the detector registry: multiscale, ewma-mad,
    /// windowed-gaussian, robust-z, cusum, page-hinkley, seasonal,
    /// forecast-residual, ensemble, contextual, resonance, levels,
    /// fused or fused-contextual.
    #[arg(long, default_value = DEFAULT_DETECTOR)]
    detector: String,
    /// Output CSV (`timestamp,value,anomaly_score`).
    #[arg(long)]
    out: PathBuf,
    /// Also print the rows scoring at least this.
    #[arg(long)]
    threshold: Option<f64>,
}

pub(crate) fn run(args: &DetectArgs) -> anyhow::Result<()> {
    let (timestamps, values) = read_series_csv(&args.input)?;
    let mut detector = detector_by_name(&args.detector)?;
    let scores = detector.score_all(&timestamps, &values);
    let mut text = String::from("timestamp,value,anomaly_score\n");
    for ((t, v), s) in timestamps.iter().zip(&values).zip(&scores) {
        let v = if v.is_nan() {
            String::new()
        } else {
            v.to_string()
        };
        writeln!(text, "{t},{v},{s}")?;
    }
    std::fs::write(&args.out, text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let top = scores.iter().cloned().fold(0.0, f64::max);
    say!(
        "{}: {} rows scored with {}, highest score {top:.4}; wrote {}",
        args.input.display(),
        scores.len(),
        args.detector,
        args.out.display()
    );
    if let Some(threshold) = args.threshold {
        for ((t, v), s) in timestamps.iter().zip(&values).zip(&scores) {
            if *s >= threshold {
                say!("{t} {v} {s:.4}");
            }
        }
    }
    Ok(())
}
