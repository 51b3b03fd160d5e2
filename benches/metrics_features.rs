//! Trailing-window features: streaming push per row and batch over a wide
//! frame.

// A benchmark whose seeded setup fails should stop at once, loudly.
#![allow(clippy::unwrap_used)]
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::core::{SeriesKey, Timestamp};
use homeostat_benches::random_walk_frame;
use homeostat_metrics::{Feature, StreamingWindowFeatures, WindowFeatures};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;

const SEED: u64 = 20_261_123;

fn constant_time(windows: Vec<usize>) -> WindowFeatures {
    WindowFeatures {
        windows,
        features: vec![Feature::Mean, Feature::Std, Feature::Min, Feature::Max],
        ewma_alphas: vec![],
        lags: vec![],
    }
}

/// One metric, 1M rows 10 s apart, a random walk with 1% missing values.
fn streaming(c: &mut Criterion) {
    const ROWS: usize = 1_000_000;
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut level = 0.0f64;
    let series: Vec<f64> = (0..ROWS)
        .map(|_| {
            level += rng.gen_range(-1.0..1.0);
            if rng.gen_ratio(1, 100) {
                f64::NAN
            } else {
                level
            }
        })
        .collect();
    let mut group = c.benchmark_group("metrics_streaming_mean_std_min_max");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    for window in [30usize, 300] {
        let config = constant_time(vec![window]);
        group.bench_with_input(
            BenchmarkId::new("1M_rows_window", window),
            &config,
            |b, config| {
                b.iter(|| {
                    let key = SeriesKey::new("m0").unwrap();
                    let mut stream = StreamingWindowFeatures::new(config, vec![key]).unwrap();
                    let mut out = [0.0; 4];
                    for (i, &x) in series.iter().enumerate() {
                        let t = Timestamp::from_secs(1_700_000_000 + 10 * i as i64);
                        stream.push_into(t, &[black_box(x)], &mut out).unwrap();
                    }
                    out
                })
            },
        );
    }
    group.finish();
}

/// 100 metrics × 100k rows, mean/std/min/max over a 30-row window.
fn batch(c: &mut Criterion) {
    let (rows, cols) = (100_000usize, 100usize);
    let frame = random_walk_frame(rows, cols, SEED).unwrap();
    let config = constant_time(vec![30]);
    let mut group = c.benchmark_group("metrics_batch_mean_std_min_max");
    group.sample_size(10);
    group.throughput(Throughput::Elements((rows * cols) as u64));
    group.bench_with_input(
        BenchmarkId::new("window_30", format!("{rows}x{cols}")),
        &frame,
        |b, frame| b.iter(|| config.compute(black_box(frame)).unwrap()),
    );
    group.finish();
}

criterion_group!(benches, streaming, batch);
criterion_main!(benches);
