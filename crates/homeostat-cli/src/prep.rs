//! `homeostat prep`: from a metrics file to aligned, clean feature columns.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use homeostat::core::{Duplicates, Duration, Order, Series, Timestamp};
use homeostat::metrics::clean::{align_series, is_counter};
use homeostat::metrics::ingest::prometheus::{Format, ScrapeCollector};
use homeostat::metrics::ingest::{csv as csv_ingest, promjson};
use homeostat::metrics::{Feature, WindowFeatures};

use crate::output::write_wide_csv;

/// Options of `homeostat prep`.
#[derive(Debug, Args)]
pub(crate) struct PrepArgs {
    /// The metrics file to read.
    #[arg(long)]
    input: PathBuf,
    /// Its format; `auto` decides from the extension and the CSV header.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    format: InputFormat,
    /// The output grid step.
    #[arg(long, default_value = "10s")]
    step: Duration,
    /// Gaps up to this long are filled by linear interpolation.
    #[arg(long, default_value = "1m")]
    max_gap: Duration,
    /// Look-back window of the per-second rate computed for counters.
    #[arg(long, default_value = "1m")]
    rate_range: Duration,
    /// Time of the scrape, for Prometheus text samples that carry no
    /// timestamp (default: the file's modification time).
    #[arg(long)]
    scrape_time: Option<Timestamp>,
    /// What to do with a repeated timestamp in CSV input.
    #[arg(long, value_enum, default_value_t = OnDuplicate::Reject)]
    on_duplicate: OnDuplicate,
    /// Sort CSV rows by time instead of rejecting rows that go back in time.
    #[arg(long)]
    sort: bool,
    /// Trailing windows for the window features, in rows of the output grid
    /// (`6,30`) or as durations that are whole multiples of `--step`
    /// (`5m,15m,1h`); `none` writes the clean columns only.
    #[arg(long, default_value = "6,30")]
    windows: String,
    /// Window features to compute (mean, std, min, max, p50, p90, p99, last,
    /// slope, rate, zscore, missing).
    #[arg(long, default_value = "mean,std,min,max,p90,slope,zscore")]
    features: String,
    /// Where to write the feature columns (wide CSV).
    #[arg(long, default_value = "features.csv")]
    out: PathBuf,
}

/// Policies for repeated timestamps (core's `Duplicates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnDuplicate {
    /// Fail, naming the line.
    Reject,
    /// Keep the first value.
    KeepFirst,
    /// Keep the last value.
    KeepLast,
    /// Average the values.
    Mean,
}

/// Input formats `prep` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    /// Decide from the extension (.json, .prom/.txt) and the CSV header.
    Auto,
    /// Long CSV: `timestamp,metric,value[,label=value...]`.
    Csv,
    /// Wide CSV: `timestamp,m1,m2,...`.
    Wide,
    /// Prometheus text exposition or OpenMetrics (one scrape).
    Prom,
    /// Prometheus HTTP API `query_range` JSON.
    Promjson,
    /// NAB `timestamp,value`.
    Nab,
}

pub(crate) fn run(args: &PrepArgs) -> anyhow::Result<()> {
    let format = resolve_format(args.format, &args.input)?;
    let series = read_series(format, args)?;
    anyhow::ensure!(
        !series.is_empty(),
        "{} holds no series",
        args.input.display()
    );
    let clean = align_series(&series, args.step, args.max_gap, args.rate_range)?;
    let frame = match window_features(args)? {
        Some(features) => clean.concat_columns(&features.compute(&clean)?)?,
        None => clean,
    };
    write_wide_csv(&frame, &args.out)?;
    let counters = series.iter().filter(|s| is_counter(s.name())).count();
    say!(
        "read {} series ({} counters as rate over {}) from {} as {:?}",
        series.len(),
        counters,
        args.rate_range,
        args.input.display(),
        format
    );
    say!(
        "{} rows x {} columns at {} ({} missing after filling gaps up to {}) -> {}",
        frame.nrows(),
        frame.ncols(),
        args.step,
        frame.missing_count(),
        args.max_gap,
        args.out.display()
    );
    Ok(())
}

/// The window-feature configuration from `--windows` and `--features`.
fn window_features(args: &PrepArgs) -> anyhow::Result<Option<WindowFeatures>> {
    if args.windows.trim() == "none" {
        return Ok(None);
    }
    let windows = args
        .windows
        .split(',')
        .map(|w| window_rows(w.trim(), args.step))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let features = args
        .features
        .split(',')
        .map(|name| {
            let name = name.trim();
            Feature::ALL
                .into_iter()
                .find(|f| f.name() == name)
                .with_context(|| {
                    let known: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
                    format!(
                        "--features: unknown feature {name:?}; known: {}",
                        known.join(", ")
                    )
                })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config = WindowFeatures {
        windows,
        features,
        ewma_alphas: Vec::new(),
        lags: Vec::new(),
    };
    config.validate()?;
    Ok(Some(config))
}

/// One `--windows` entry: a number of rows, or a duration converted to rows
/// of the output grid.
fn window_rows(window: &str, step: Duration) -> anyhow::Result<usize> {
    if let Ok(rows) = window.parse::<usize>() {
        return Ok(rows);
    }
    let duration: Duration = window.parse().with_context(|| {
        format!("--windows: {window:?} is neither a number of rows nor a duration like 5m")
    })?;
    let rows = WindowFeatures::window_rows(&[duration], step)
        .with_context(|| format!("--windows: {window} on the --step {step} grid"))?;
    Ok(rows.first().copied().unwrap_or(0))
}

fn resolve_format(format: InputFormat, path: &Path) -> anyhow::Result<InputFormat> {
    if format != InputFormat::Auto {
        return Ok(format);
    }
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    Ok(match extension {
        "json" => InputFormat::Promjson,
        "prom" | "txt" | "metrics" => InputFormat::Prom,
        "csv" => {
            let mut header = String::new();
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            std::io::BufRead::read_line(&mut BufReader::new(file), &mut header)?;
            let fields: Vec<String> = header
                .trim()
                .split(',')
                .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
                .collect();
            match fields.as_slice() {
                [t, v] if t == "timestamp" && v == "value" => InputFormat::Nab,
                [_, m, v, ..] if m == "metric" && v == "value" => InputFormat::Csv,
                _ => InputFormat::Wide,
            }
        }
        _ => anyhow::bail!(
            "cannot tell the format of {} from its extension; pass --format",
            path.display()
        ),
    })
}

fn read_series(format: InputFormat, args: &PrepArgs) -> anyhow::Result<Vec<Series>> {
    let path = &args.input;
    let open = || -> anyhow::Result<BufReader<File>> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(BufReader::new(file))
    };
    let options = csv_ingest::CsvOptions::new()
        .order(if args.sort {
            Order::Sort
        } else {
            Order::RequireSorted
        })
        .duplicates(match args.on_duplicate {
            OnDuplicate::Reject => Duplicates::Reject,
            OnDuplicate::KeepFirst => Duplicates::KeepFirst,
            OnDuplicate::KeepLast => Duplicates::KeepLast,
            OnDuplicate::Mean => Duplicates::Mean,
        });
    let context = || format!("cannot read {}", path.display());
    Ok(match format {
        InputFormat::Csv => csv_ingest::read_long(open()?, options).with_context(context)?,
        InputFormat::Wide => csv_ingest::read_wide(open()?, options)
            .with_context(context)?
            .to_series(),
        InputFormat::Nab => {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("value");
            vec![csv_ingest::read_nab(open()?, name, options).with_context(context)?]
        }
        InputFormat::Promjson => promjson::from_reader(open()?).with_context(context)?,
        InputFormat::Prom => {
            let scrape_time = match args.scrape_time {
                Some(t) => t,
                None => modified_time(path)?,
            };
            let mut collector = ScrapeCollector::new(Format::PrometheusText);
            collector
                .add_scrape(open()?, scrape_time)
                .with_context(context)?;
            collector.into_series().with_context(context)?
        }
        InputFormat::Auto => anyhow::bail!("the format was not resolved"),
    })
}

fn modified_time(path: &Path) -> anyhow::Result<Timestamp> {
    let modified = std::fs::metadata(path)?.modified()?;
    let since_epoch = modified
        .duration_since(std::time::UNIX_EPOCH)
        .context("the file's modification time is before 1970")?;
    Ok(Timestamp::from_millis(i64::try_from(
        since_epoch.as_millis(),
    )?))
}
