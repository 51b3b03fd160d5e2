//! Allocation speed: the GAP heuristic (regret construction, iterated local
//! search, LP bound) on generated instances shaped like OR-Library's
//! gap1–12 and Chu–Beasley type c, and greedy placement with local search
//! on a generated two-resource cluster.
//!
//! The targets: a gap1–12 instance in < 50 ms, a 100–200 job
//! instance in < 1 s; 50 000 workloads on 5 000 nodes in < 5 s (the
//! `alloc_scale` group; `alloc_place` measures a tenth of each).

// A benchmark that cannot set up its instance has nothing to measure.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use homeostat::alloc::gap::{GapHeuristic, GapInstance};
use homeostat::alloc::{Allocator, Greedy, Node, Policy, Problem, Workload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 11;

fn cluster(workloads: usize, nodes: usize) -> Problem {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut p = Problem::new(["cpu", "memory"]);
    for j in 0..nodes {
        let big = j % 4 == 0;
        p = p.node(Node::new(
            format!("n{j}"),
            if big {
                vec![64.0, 256.0]
            } else {
                vec![32.0, 128.0]
            },
        ));
    }
    for i in 0..workloads {
        let cpu = f64::from(rng.gen_range(1u32..8)) / 2.0;
        let mem = cpu * f64::from(rng.gen_range(1u32..8));
        p = p.workload(Workload::new(format!("w{i}"), vec![cpu, mem]));
    }
    p
}

fn bench_gap(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_gap_heuristic");
    group.sample_size(10);
    for (agents, jobs) in [(10, 60), (10, 100), (20, 200)] {
        let gap = GapInstance::chu_beasley_c(agents, jobs, SEED).unwrap();
        let solver = GapHeuristic::params().check().unwrap();
        group.bench_with_input(
            BenchmarkId::new(format!("{agents}x{jobs}"), "2000_iterations"),
            &gap,
            |b, gap| b.iter(|| solver.solve(black_box(gap)).unwrap()),
        );
    }
    group.finish();
}

fn bench_place(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_place");
    group.sample_size(10);
    let problem = cluster(5_000, 500);
    for policy in [Policy::FirstFit, Policy::BestFit, Policy::MostAllocated] {
        let greedy = Greedy::with_policy(policy);
        group.bench_with_input(
            BenchmarkId::new(greedy.name(), "5000_workloads_500_nodes"),
            &problem,
            |b, problem| b.iter(|| greedy.allocate(black_box(problem)).unwrap()),
        );
    }
    group.finish();
}

/// The scale target: 50 000 workloads on 5 000 nodes, < 5 s.
fn bench_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_scale");
    group.sample_size(10);
    let problem = cluster(50_000, 5_000);
    for policy in [Policy::BestFit, Policy::FirstFit] {
        let greedy = Greedy::with_policy(policy);
        group.bench_with_input(
            BenchmarkId::new(greedy.name(), "50000_workloads_5000_nodes"),
            &problem,
            |b, problem| b.iter(|| greedy.allocate(black_box(problem)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_gap, bench_place, bench_scale);
criterion_main!(benches);
