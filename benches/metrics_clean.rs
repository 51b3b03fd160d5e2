//! Cleaning, rates and scaling: resample + fill and `rate` on a 1M-sample
//! series, resample + fill and z-scoring on a 100-metric × 100k-row frame.

// A benchmark whose seeded setup fails should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::core::{Duration, Series, Timestamp};
use homeostat::metrics::clean::{
    Aggregation, FillMethod, fill_frame, fill_series, resample, resample_frame,
};
use homeostat::metrics::rates::RangeFunction;
use homeostat::metrics::{Grid, StandardScaler, Transform};
use homeostat_benches::random_walk_frame;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 20_261_123;
const SAMPLES: usize = 1_000_000;

/// A gauge and a counter sampled every ~10 s (jittered), 1 % missing, with
/// a counter reset every 100 000 samples.
fn series() -> (Series, Series) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut t = 1_700_000_000_000i64;
    let (mut ts, mut gauge, mut counter) = (Vec::new(), Vec::new(), Vec::new());
    let (mut level, mut total) = (0.0f64, 0.0f64);
    for i in 0..SAMPLES {
        t += 10_000 + rng.gen_range(-2_000..2_000);
        level += rng.gen_range(-1.0..1.0);
        total = if i % 100_000 == 0 {
            0.0
        } else {
            total + rng.gen_range(0.0..100.0)
        };
        let missing = rng.gen_ratio(1, 100);
        ts.push(Timestamp::from_millis(t));
        gauge.push(if missing { f64::NAN } else { level });
        counter.push(if missing { f64::NAN } else { total });
    }
    (
        Series::new("gauge", ts.clone(), gauge).unwrap(),
        Series::new("requests_total", ts, counter).unwrap(),
    )
}

fn one_series(c: &mut Criterion) {
    let (gauge, counter) = series();
    let (first, last) = (gauge.timestamps()[0], gauge.timestamps()[SAMPLES - 1]);
    let grid = Grid::covering(first, last, Duration::from_minutes(1)).unwrap();
    let mut group = c.benchmark_group("metrics_series_1M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SAMPLES as u64));
    group.bench_function("resample_1m_mean_then_fill_linear", |b| {
        b.iter(|| {
            let r = resample(black_box(&gauge), &grid, Aggregation::Mean).unwrap();
            fill_series(&r, FillMethod::Linear, Duration::from_minutes(5)).unwrap()
        })
    });
    group.bench_function("rate_5m_every_1m", |b| {
        b.iter(|| {
            RangeFunction::Rate
                .evaluate(black_box(&counter), Duration::from_minutes(5), &grid)
                .unwrap()
        })
    });
    group.finish();
}

fn frame(c: &mut Criterion) {
    let (rows, cols) = (100_000usize, 100usize);
    let frame = random_walk_frame(rows, cols, SEED).unwrap();
    let grid = Grid::covering(
        frame.index()[0],
        frame.index()[rows - 1],
        Duration::from_minutes(1),
    )
    .unwrap();
    let mut group = c.benchmark_group("metrics_frame_100x100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements((rows * cols) as u64));
    group.bench_with_input(
        BenchmarkId::new(
            "resample_1m_mean_then_fill_linear",
            format!("{rows}x{cols}"),
        ),
        &frame,
        |b, frame| {
            b.iter(|| {
                let r = resample_frame(black_box(frame), &grid, Aggregation::Mean).unwrap();
                fill_frame(&r, FillMethod::Linear, Duration::from_minutes(5)).unwrap()
            })
        },
    );
    group.bench_with_input(
        BenchmarkId::new("standard_scaler_fit_transform", format!("{rows}x{cols}")),
        &frame,
        |b, frame| {
            b.iter(|| {
                StandardScaler::new()
                    .fit_transform(black_box(frame))
                    .unwrap()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, one_series, frame);
criterion_main!(benches);
