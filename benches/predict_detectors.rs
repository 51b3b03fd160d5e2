//! Streaming detector throughput (points per second on one core).
//!
//! Each detector scores 100 000 points of a fixed-seed noisy daily wave
//! with a few spikes, from a fresh state; the element count is the number
//! of points. A second group runs the memory-based detectors and the
//! default one over every series of the shared nab-dev corpus (a fresh
//! detector per series), whose values teach new contexts far more often
//! than the wave; it is skipped, with a message, when the data is absent.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::core::Timestamp;
use homeostat::predict::detect::{DETECTOR_NAMES, detector_by_name};
use homeostat::predict::nab::Corpus;
use rand::{Rng, SeedableRng, rngs::StdRng};

const SEED: u64 = 20_261_203;
const POINTS: usize = 100_000;

fn series() -> (Vec<Timestamp>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let ts = (0..POINTS as i64)
        .map(|i| Timestamp::from_secs(60 * i))
        .collect();
    let xs = (0..POINTS)
        .map(|i| {
            let wave = (i as f64 * std::f64::consts::TAU / 1440.0).sin();
            let spike = if i % 9973 == 0 { 8.0 } else { 0.0 };
            10.0 + wave + rng.r#gen::<f64>() * 0.3 + spike
        })
        .collect();
    (ts, xs)
}

fn bench_detectors(c: &mut Criterion) {
    let (ts, xs) = series();
    let mut group = c.benchmark_group("predict_detectors");
    group.throughput(Throughput::Elements(POINTS as u64));
    group.sample_size(10);
    for name in DETECTOR_NAMES {
        group.bench_with_input(BenchmarkId::new(name, POINTS), &name, |b, name| {
            b.iter(|| {
                let Ok(mut d) = detector_by_name(name) else {
                    return 0.0;
                };
                let mut acc = 0.0;
                for (t, x) in ts.iter().zip(&xs) {
                    acc += d.update(*t, *x);
                }
                black_box(acc)
            });
        });
    }
    group.finish();
}

/// The nab-dev corpus beside the workspace (or under `HOMEOSTAT_DATA`).
fn nab_dev() -> Option<Corpus> {
    let root = std::env::var_os("HOMEOSTAT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let dir = root.join("nab-dev");
    match Corpus::load(&dir.join("data"), &dir.join("labels/combined_windows.json")) {
        Ok(corpus) => Some(corpus),
        Err(e) => {
            eprintln!("SKIPPED predict_detectors_nab: {} ({e})", dir.display());
            None
        }
    }
}

fn bench_detectors_on_nab(c: &mut Criterion) {
    let Some(corpus) = nab_dev() else {
        return;
    };
    let points: usize = corpus.files.iter().map(|f| f.values.len()).sum();
    let mut group = c.benchmark_group("predict_detectors_nab");
    group.throughput(Throughput::Elements(points as u64));
    group.sample_size(10);
    for name in [
        "multiscale",
        "contextual",
        "levels",
        "resonance",
        "fused",
        "fused-contextual",
    ] {
        if let Err(e) = detector_by_name(name) {
            eprintln!("SKIPPED predict_detectors_nab/{name}: {e}");
            continue;
        }
        group.bench_with_input(BenchmarkId::new(name, points), &name, |b, name| {
            b.iter(|| {
                let mut acc = 0.0;
                for file in &corpus.files {
                    let Ok(mut d) = detector_by_name(name) else {
                        return 0.0;
                    };
                    for (t, x) in file.timestamps.iter().zip(&file.values) {
                        acc += d.update(*t, *x);
                    }
                }
                black_box(acc)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_detectors, bench_detectors_on_nab);
criterion_main!(benches);
