//! Cluster-mode simulation speed: wall time to simulate a day of a cluster
//! at a 10 s scrape step. The target is 24 h of a 20-node,
//! 5-service cluster in under 2 s.
//!
//! `diurnal` is exactly that cluster (20 nodes, five services, 15 replicas)
//! with daily, weekly and burst demand and no faults; `mixed-faults` adds
//! about eight random faults a day and a memory leak.

// A benchmark that cannot set up its scenario has nothing to measure.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat::core::Duration;
use homeostat_sim::cluster::{ClusterSpec, simulate};

const SEED: u64 = 7;

fn bench_cluster(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim_cluster_24h_10s");
    group.sample_size(10);
    for (name, mut spec) in [
        ("diurnal_20_nodes_5_services", ClusterSpec::diurnal()),
        (
            "mixed_faults_20_nodes_5_services",
            ClusterSpec::mixed_faults(),
        ),
    ] {
        spec.duration = Duration::from_hours(24);
        spec.step = Duration::from_secs(10);
        let steps = (spec.duration.as_millis() / spec.step.as_millis()) as u64;
        // Throughput in simulated scrape steps per second.
        group.throughput(Throughput::Elements(steps));
        group.bench_with_input(
            BenchmarkId::new(name, format!("seed={SEED}")),
            &spec,
            |b, spec| b.iter(|| simulate(black_box(spec), SEED).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_cluster);
criterion_main!(benches);
