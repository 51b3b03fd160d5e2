//! The histogram random forest: fit (100 trees, depth 10, sqrt features,
//! one thread and all threads), batch `predict_proba` and one-row latency.

// A benchmark whose seeded setup fails should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::predict::{ParamGuard, ProbabilisticClassifier, RandomForest};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 20_261_203;
const FEATURES: usize = 20;

/// Rows of uniform features; the target mixes five of them nonlinearly, with noise.
fn data(rows: usize, seed: u64) -> (Array2<f64>, Array1<bool>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x: Array2<f64> = Array2::from_shape_fn((rows, FEATURES), |_| rng.gen_range(-1.0..1.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let s: f64 = r[0] + r[1] * r[2] * 2.0 - r[3].abs()
                + (3.0 * r[4]).sin()
                + rng.gen_range(-0.3..0.3);
            s > 0.0
        })
        .collect();
    (x, y)
}

fn forest(x: &Array2<f64>, y: &Array1<bool>, trees: usize) -> RandomForest {
    RandomForest::params()
        .n_trees(trees)
        .max_depth(10)
        .seed(SEED)
        .check()
        .unwrap()
        .fit_arrays(x.view(), y.view())
        .unwrap()
}

fn bench_fit(c: &mut Criterion) {
    let (x, y) = data(20_000, SEED);
    let mut group = c.benchmark_group("forest_fit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(x.nrows() as u64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_with_input(
            BenchmarkId::new("100_trees_depth_10_20k_x_20", format!("{threads}_threads")),
            &threads,
            |b, _| b.iter(|| pool.install(|| black_box(forest(&x, &y, 100)))),
        );
    }
    group.finish();
}

fn bench_predict(c: &mut Criterion) {
    let (x, y) = data(20_000, SEED);
    let model = forest(&x, &y, 100);
    let (xt, _) = data(100_000, SEED + 1);
    let mut group = c.benchmark_group("forest_predict_proba");
    group.sample_size(10);
    group.throughput(Throughput::Elements(xt.nrows() as u64));
    group.bench_function(
        BenchmarkId::new("batch_100_trees_depth_10", "100k_rows"),
        |b| b.iter(|| black_box(model.predict_proba(xt.view()).unwrap())),
    );
    group.throughput(Throughput::Elements(1));
    // A different row each call, so the branch predictor cannot learn one path.
    let singles: Vec<Array2<f64>> = (0..1000)
        .map(|i| {
            xt.slice_axis(ndarray::Axis(0), (i..i + 1).into())
                .to_owned()
        })
        .collect();
    let mut next = 0;
    group.bench_function(
        BenchmarkId::new("one_row_100_trees_depth_10", "1_row"),
        |b| {
            b.iter(|| {
                next = (next + 1) % singles.len();
                black_box(model.predict_proba(singles[next].view()).unwrap())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench_fit, bench_predict);
criterion_main!(benches);
