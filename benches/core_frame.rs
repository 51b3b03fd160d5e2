//! Building, slicing and selecting large frames, the operations every
//! pipeline stage repeats.

// A benchmark whose seeded setup fails should stop at once, loudly.
#![allow(clippy::unwrap_used)]
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::core::{Duration, Frame, Series, Timestamp};
use homeostat_benches::random_walk_frame;
use std::hint::black_box;

const SEED: u64 = 20_261_123;

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame_from_aligned_series");
    for &(rows, cols) in &[(100_000usize, 8usize), (10_000, 64)] {
        let series: Vec<Series> = random_walk_frame(rows, cols, SEED).unwrap().to_series();
        group.throughput(Throughput::Elements((rows * cols) as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{rows}x{cols}")),
            &series,
            |b, series| b.iter(|| Frame::from_aligned_series(black_box(series.clone())).unwrap()),
        );
    }
    group.finish();
}

fn slice(c: &mut Criterion) {
    let frame = random_walk_frame(1_000_000, 8, SEED).unwrap();
    let start = frame.index()[0];
    let mut group = c.benchmark_group("frame_slice_time");
    for &rows in &[1_000usize, 100_000] {
        let from = start + Duration::from_secs(10) * 400_000;
        let to = from + Duration::from_secs(10) * rows as i64;
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_with_input(
            BenchmarkId::new("1Mx8", rows),
            &(from, to),
            |b, &(from, to)| b.iter(|| frame.slice_time(black_box(from)..black_box(to))),
        );
    }
    group.finish();

    c.bench_function("frame_select/1Mx8/2_columns", |b| {
        b.iter(|| frame.select(black_box(&["m3", "m6"])).unwrap())
    });
}

fn parse(c: &mut Criterion) {
    let texts: Vec<String> = (0..1_000)
        .map(|i| {
            Timestamp::from_secs(1_700_000_000 + i * 37)
                .to_string()
                .replace('T', " ")
                .replace('Z', "")
        })
        .collect();
    let mut group = c.benchmark_group("timestamp_parse");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("naive_utc_x1000", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(Timestamp::parse(black_box(t)).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, build, slice, parse);
criterion_main!(benches);
