//! An agent's view of `homeostat::metrics`: collect Prometheus scrapes of a
//! service, put them on a one-minute grid (counters as rates), and compute
//! trailing-window features, first over the history in batch, then row by
//! row as a running agent would, with the same numbers.
//!
//! The scraped service leaks memory (about 6 MiB a minute on top of a noisy
//! 900 MiB) under a 2 GiB limit; the memory slope feature says how long it
//! has left.
//!
//! Run with `cargo run -p homeostat-examples --bin scrape_to_features`.

use homeostat::core::{Duration, Frame, Timestamp};
use homeostat::metrics::clean::align_series;
use homeostat::metrics::ingest::prometheus::{Format, ScrapeCollector};
use homeostat::metrics::{Feature, StreamingWindowFeatures, WindowFeatures};

const MIB: f64 = 1024.0 * 1024.0;
const LIMIT_BYTES: f64 = 2048.0 * MIB;
const MEMORY: &str = "process_resident_memory_bytes";

/// What the service's `/metrics` endpoint returns at scrape `i` (every 15 s):
/// a request counter with a daily-ish wave, CPU, and leaking memory. The
/// noise is a fixed pseudo-random sequence, so every run prints the same.
fn exposition(i: u64) -> String {
    let noise = |salt: u64| {
        let h = (i ^ salt)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
        (h >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let minutes = i as f64 / 4.0;
    let rps = 200.0 + 50.0 * (minutes / 90.0).sin();
    let requests = (i as f64 * 15.0 * rps).round();
    let cpu = 0.35 + 0.1 * (minutes / 90.0).sin() + 0.02 * noise(1);
    let memory = (900.0 + 6.0 * minutes + 8.0 * noise(2)) * MIB;
    format!(
        "# HELP http_requests_total Requests served.\n\
         # TYPE http_requests_total counter\n\
         http_requests_total{{job=\"checkout\"}} {requests}\n\
         # TYPE process_cpu_utilisation gauge\n\
         process_cpu_utilisation{{job=\"checkout\"}} {cpu:.4}\n\
         # TYPE {MEMORY} gauge\n\
         {MEMORY}{{job=\"checkout\"}} {memory:.0}\n"
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Two hours of scrapes every 15 s; one in 40 is lost, as happens.
    let start = Timestamp::parse("2026-11-23T08:00:00Z")?;
    let mut collector = ScrapeCollector::new(Format::PrometheusText);
    for i in (0..480u64).filter(|i| i % 40 != 17) {
        let at = start + Duration::from_secs(15 * i as i64);
        collector.add_str(&exposition(i), at)?;
    }
    println!(
        "collected {} scrapes of {} series",
        collector.scrapes(),
        collector.series_count()
    );

    // One-minute grid: gauges averaged, the counter as rate(...[2m]), gaps
    // of up to two minutes interpolated.
    let series = collector.into_series()?;
    let minute = Duration::from_minutes(1);
    let grid = align_series(&series, minute, minute * 2, minute * 2)?;
    for key in grid.columns() {
        println!("  column {key}");
    }

    // Batch: 10- and 30-minute windows over the history.
    let config = WindowFeatures {
        windows: vec![10, 30],
        features: vec![Feature::Mean, Feature::Max, Feature::Slope],
        ewma_alphas: vec![],
        lags: vec![],
    };
    let batch = config.compute(&grid)?;

    // Streaming: the same features one row at a time, as an agent that
    // aligns each minute and pushes it; its state stays bounded.
    let mut live = StreamingWindowFeatures::new(&config, grid.columns().to_vec())?;
    let mut latest = Vec::new();
    for (row, &t) in grid.index().iter().enumerate() {
        let values: Vec<f64> = grid.row(row).map(|r| r.to_vec()).unwrap_or_default();
        latest = live.push(t, &values)?;
    }
    let last_row = batch.nrows() - 1;
    let agree = latest.iter().enumerate().all(|(c, &x)| {
        let y = batch.values()[[last_row, c]];
        (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
    });
    println!(
        "streaming and batch agree on the last row: {agree} ({} values of state per window set)",
        live.state_len()
    );

    report_memory(&grid, &batch)?;
    Ok(())
}

/// Time to the memory limit from the 30-minute slope at the last row.
fn report_memory(grid: &Frame, features: &Frame) -> Result<(), Box<dyn std::error::Error>> {
    let labels = r#"{job="checkout"}"#;
    let last = grid.nrows() - 1;
    let memory = grid
        .value(last, &format!("{MEMORY}{labels}"))
        .ok_or("no memory column")?;
    let slope = features
        .value(last, &format!("{MEMORY}:slope_30{labels}"))
        .ok_or("no slope column")?;
    println!(
        "memory {:.0} MiB of {:.0} MiB, growing {:.2} MiB/min over the last 30 minutes",
        memory / MIB,
        LIMIT_BYTES / MIB,
        slope * 60.0 / MIB
    );
    if slope > 0.0 {
        let minutes_left = (LIMIT_BYTES - memory) / slope / 60.0;
        println!("at this rate the limit is reached in {minutes_left:.0} minutes");
    }
    Ok(())
}
