//! Cost of one limit decision: `LimitAlgorithm::on_sample` per algorithm
//! (and for the adaptive limit inside a safety `Envelope`), and a full `Limiter::try_acquire` + `Permit::success` round trip (mutex
//! included).
//!
//! The samples are a fixed-seed stream of 10 000 completions: RTTs of 20 ms
//! with ±50 % uniform noise, one in two hundred dropped, in-flight counts
//! around the limit. Throughput is reported in samples (decisions).

// A benchmark that cannot set up its inputs has nothing to measure.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::tune::control::{Envelope, Enveloped};
use homeostat::tune::limit::{
    AdaptiveLimit, Aimd, FixedLimit, Gradient2, LimitAlgorithm, Limiter, Sample, Vegas,
};
use rand::{Rng, SeedableRng, rngs::StdRng};

const SEED: u64 = 20_261_203;
const SAMPLES: usize = 10_000;

fn samples() -> Vec<Sample> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut now = 0.0;
    (0..SAMPLES)
        .map(|_| {
            now += 0.0005;
            Sample {
                now_secs: now,
                rtt_secs: 0.020 * rng.gen_range(0.5..1.5),
                in_flight: rng.gen_range(10..80),
                dropped: rng.gen_bool(0.005),
            }
        })
        .collect()
}

/// Builds a fresh algorithm for each batch.
type Make = Box<dyn Fn() -> Box<dyn LimitAlgorithm>>;

fn algorithms() -> Vec<(&'static str, Make)> {
    vec![
        (
            "aimd",
            Box::new(|| Box::new(Aimd::params().check().unwrap())),
        ),
        (
            "vegas",
            Box::new(|| Box::new(Vegas::params().check().unwrap())),
        ),
        (
            "gradient2",
            Box::new(|| Box::new(Gradient2::params().check().unwrap())),
        ),
        (
            "homeostat",
            Box::new(|| Box::new(AdaptiveLimit::params().check().unwrap())),
        ),
        (
            "homeostat+envelope",
            Box::new(|| {
                let envelope = Envelope::params(1.0, 1000.0)
                    .max_step(5.0)
                    .cooldown_secs(0.01)
                    .integral()
                    .check()
                    .unwrap();
                Box::new(Enveloped::new(
                    AdaptiveLimit::params().check().unwrap(),
                    envelope,
                ))
            }),
        ),
    ]
}

fn bench_decisions(c: &mut Criterion) {
    let samples = samples();
    let mut group = c.benchmark_group("tune_limit_decision");
    group.throughput(Throughput::Elements(SAMPLES as u64));
    for (name, make) in algorithms() {
        group.bench_function(
            BenchmarkId::new(name, format!("samples={SAMPLES}/seed={SEED}")),
            |b| {
                b.iter_batched_ref(
                    &make,
                    |algorithm| {
                        for sample in &samples {
                            black_box(algorithm.on_sample(black_box(sample)));
                        }
                    },
                    criterion::BatchSize::SmallInput,
                );
            },
        );
    }
    group.bench_function(
        BenchmarkId::new(
            "limiter_acquire_success/homeostat",
            format!("samples={SAMPLES}/seed={SEED}"),
        ),
        |b| {
            b.iter_batched_ref(
                || Limiter::new(AdaptiveLimit::params().check().unwrap()),
                |limiter| {
                    for sample in &samples {
                        if let Some(permit) = limiter.try_acquire(sample.now_secs - sample.rtt_secs)
                        {
                            permit.success(black_box(sample.now_secs));
                        }
                    }
                },
                criterion::BatchSize::SmallInput,
            );
        },
    );
    group.bench_function(
        BenchmarkId::new(
            "limiter_acquire_success/fixed",
            format!("samples={SAMPLES}/seed={SEED}"),
        ),
        |b| {
            let limiter = Limiter::new(FixedLimit::new(100).unwrap());
            b.iter(|| {
                for sample in &samples {
                    if let Some(permit) = limiter.try_acquire(sample.now_secs - sample.rtt_secs) {
                        permit.success(black_box(sample.now_secs));
                    }
                }
            });
        },
    );
    group.finish();
}

criterion_group!(benches, bench_decisions);
criterion_main!(benches);
