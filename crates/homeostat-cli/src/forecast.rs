//! `homeostat forecast`: Holt–Winters forecast of a `timestamp,value`
//! series with prediction intervals.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use homeostat::core::{Duration, Timestamp};
use homeostat::predict::forecast::{Forecaster, HoltWinters, Seasonality, prob_exceeds};
use homeostat::predict::nab::read_series_csv;

/// Seasonal form on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeasonArg {
    None,
    Additive,
    Multiplicative,
}

/// Options of `homeostat forecast`.
#[derive(Debug, Args)]
pub(crate) struct ForecastArgs {
    /// A CSV with `timestamp` and `value` columns, evenly spaced.
    #[arg(long)]
    input: PathBuf,
    /// Forecast horizon: a duration (`1h`, `30m`) or a number of steps.
    #[arg(long)]
    horizon: String,
    /// Season length as a duration (`1d`) or steps; needed with --seasonality.
    #[arg(long)]
    period: Option<String>,
    /// Seasonal form.
    #[arg(long, value_enum, default_value_t = SeasonArg::None)]
    seasonality: SeasonArg,
    /// Damp the trend.
    #[arg(long)]
    damped: bool,
    /// Coverage of the prediction interval.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Also print the probability of reaching this value within the horizon.
    #[arg(long)]
    limit: Option<f64>,
    /// Output CSV (`timestamp,mean,lower,upper`).
    #[arg(long)]
    out: PathBuf,
}

/// Steps in `text`: a plain count, or a duration divided by the data's step.
fn steps(text: &str, step: Duration) -> anyhow::Result<usize> {
    if let Ok(n) = text.trim().parse::<usize>() {
        return Ok(n);
    }
    let d: Duration = text
        .parse()
        .with_context(|| format!("{text:?} is neither a step count nor a duration"))?;
    let n = (d.as_secs_f64() / step.as_secs_f64()).round();
    if !(n >= 1.0 && n.is_finite()) {
        bail!(
            "{text} is shorter than the data's step of {}s",
            step.as_secs_f64()
        );
    }
    Ok(n as usize)
}

pub(crate) fn run(args: &ForecastArgs) -> anyhow::Result<()> {
    let (timestamps, values) = read_series_csv(&args.input)?;
    if timestamps.len() < 3 {
        bail!(
            "{}: {} rows, at least 3 needed",
            args.input.display(),
            timestamps.len()
        );
    }
    // The data's step: the median spacing, robust to a few gaps.
    let mut gaps: Vec<i64> = timestamps
        .windows(2)
        .map(|w| w[1].as_millis() - w[0].as_millis())
        .collect();
    gaps.sort_unstable();
    let step_ms = gaps[gaps.len() / 2].max(1);
    let step = Duration::try_from_secs_f64(step_ms as f64 / 1000.0)?;
    let horizon = steps(&args.horizon, step)?;
    // Gaps in the values are filled with the previous value (documented).
    let mut filled = Vec::with_capacity(values.len());
    let mut last = values
        .iter()
        .copied()
        .find(|v| v.is_finite())
        .unwrap_or(f64::NAN);
    for v in &values {
        if v.is_finite() {
            last = *v;
        }
        filled.push(last);
    }
    let seasonality = match args.seasonality {
        SeasonArg::None => Seasonality::None,
        SeasonArg::Additive => Seasonality::Additive,
        SeasonArg::Multiplicative => Seasonality::Multiplicative,
    };
    let mut params = HoltWinters::params()
        .seasonality(seasonality)
        .damped(args.damped);
    if let Some(p) = &args.period {
        params = params.period(steps(p, step)?);
    }
    let fit = params.fit(&filled)?;
    let f = fit.forecast(horizon, args.level)?;
    let end = timestamps.last().map_or(0, |t| t.as_millis());
    let mut text = String::from("timestamp,mean,lower,upper\n");
    for (h, ((m, lo), hi)) in f.mean.iter().zip(&f.lower).zip(&f.upper).enumerate() {
        let t = Timestamp::from_millis(end + step_ms * (h as i64 + 1));
        writeln!(text, "{t},{m},{lo},{hi}")?;
    }
    std::fs::write(&args.out, text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let (a, b, g, phi) = fit.weights();
    say!(
        "Holt-Winters on {} values (alpha {a:.3}, beta {b:.3}, gamma {g:.3}, phi {phi:.3}); {horizon} steps to {}",
        filled.len(),
        args.out.display()
    );
    if let (Some(m), Some(lo), Some(hi)) = (f.mean.last(), f.lower.last(), f.upper.last()) {
        say!(
            "at the horizon: {m:.4} ({:.0}% interval {lo:.4} .. {hi:.4})",
            args.level * 100.0
        );
    }
    if let Some(limit) = args.limit {
        say!(
            "P(reaches {limit} within the horizon) = {:.3}",
            prob_exceeds(&f, limit)
        );
    }
    Ok(())
}
