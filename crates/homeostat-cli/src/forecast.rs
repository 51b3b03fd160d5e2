//! `homeostat forecast`: Holt–Winters, seasonal ARIMA or the better of the
//! two by AICc, forecasting a `timestamp,value` series with prediction
//! intervals.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use homeostat::core::{Duration, Timestamp};
use homeostat::predict::forecast::{
    ArimaMethod, AutoFit, Forecaster, HoltWinters, Seasonality, auto_arima, auto_ets,
    auto_forecast, prob_exceeds,
};
use homeostat::predict::nab::read_series_csv;

/// Seasonal form on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeasonArg {
    None,
    Additive,
    Multiplicative,
    /// Every Holt–Winters variant (trend, damping, season), best AICc.
    Auto,
}

/// The model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModelArg {
    /// Holt–Winters with the form given by --seasonality and --damped.
    HoltWinters,
    /// Seasonal ARIMA, order chosen by a stepwise AICc search.
    AutoArima,
    /// The better of auto-arima and every Holt–Winters variant by AICc.
    Auto,
}

/// ARIMA estimation method.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    Css,
    Ml,
    CssMl,
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
    /// Model family.
    #[arg(long, value_enum, default_value_t = ModelArg::HoltWinters)]
    model: ModelArg,
    /// ARIMA estimation method (auto-arima and auto).
    #[arg(long, value_enum, default_value_t = MethodArg::CssMl)]
    method: MethodArg,
    /// Seasonal form (holt-winters).
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
    let period = match &args.period {
        Some(p) => Some(steps(p, step)?),
        None => None,
    };
    let (model, description) = fit_model(args, period, &filled)?;
    let f = model.forecast(horizon, args.level)?;
    let end = timestamps.last().map_or(0, |t| t.as_millis());
    let mut text = String::from("timestamp,mean,lower,upper\n");
    for (h, ((m, lo), hi)) in f.mean.iter().zip(&f.lower).zip(&f.upper).enumerate() {
        let t = Timestamp::from_millis(end + step_ms * (h as i64 + 1));
        writeln!(text, "{t},{m},{lo},{hi}")?;
    }
    std::fs::write(&args.out, text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    say!(
        "{description} on {} values; {horizon} steps to {}",
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

/// Fits the model the options ask for; returns it with a one-line
/// description of what was fitted.
fn fit_model(
    args: &ForecastArgs,
    period: Option<usize>,
    y: &[f64],
) -> anyhow::Result<(AutoFit, String)> {
    let method = match args.method {
        MethodArg::Css => ArimaMethod::Css,
        MethodArg::Ml => ArimaMethod::Ml,
        MethodArg::CssMl => ArimaMethod::CssMl,
    };
    let m = period.unwrap_or(1);
    let model = match (args.model, args.seasonality) {
        (ModelArg::AutoArima, _) => {
            AutoFit::Arima(Box::new(auto_arima().period(m).method(method).fit(y)?))
        }
        (ModelArg::Auto, _) => auto_forecast(y, m)?,
        (ModelArg::HoltWinters, SeasonArg::Auto) => {
            AutoFit::HoltWinters(auto_ets().period(m).fit(y)?)
        }
        (ModelArg::HoltWinters, season) => {
            let seasonality = match season {
                SeasonArg::Additive => Seasonality::Additive,
                SeasonArg::Multiplicative => Seasonality::Multiplicative,
                SeasonArg::None | SeasonArg::Auto => Seasonality::None,
            };
            let mut params = HoltWinters::params()
                .seasonality(seasonality)
                .damped(args.damped);
            if let Some(p) = period {
                params = params.period(p);
            }
            AutoFit::HoltWinters(params.fit(y)?)
        }
    };
    let description = model.to_string();
    Ok((model, description))
}
