//! Request-level simulation throughput (simulated requests per second of wall time).
//!
//! Two fixed-seed scenarios with `RoundRobin` + `Unlimited`: the published
//! slow-backend experiment (11 backends, 1000 requests/s for 60 s) and the
//! same fleet at 100 000 requests/s for 10 s (with 100× the workers, so the
//! load per worker is unchanged). Throughput is reported in simulated
//! requests per second; the element count is the number of requests the
//! seed produces.

// A benchmark that cannot set up its scenario has nothing to measure; abort
// loudly rather than report a number for something else.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeostat_sim::requests::{self, RequestScenario, RoundRobin, Unlimited};

const SEED: u64 = 7;

fn scenarios() -> Vec<(&'static str, RequestScenario)> {
    let slow = RequestScenario::slow_backend();
    let mut fast = RequestScenario::slow_backend();
    fast.arrival_rate = 100_000.0;
    fast.duration_secs = 10.0;
    for backend in &mut fast.backends {
        backend.workers *= 100;
        for slowdown in &mut backend.slowdowns {
            slowdown.start_secs = 2.5;
            slowdown.end_secs = 7.5;
        }
    }
    vec![
        ("slow_backend_1k_rps_60s", slow),
        ("slow_backend_100k_rps_10s", fast),
    ]
}

fn bench_requests(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim_requests");
    group.sample_size(10);
    for (name, scenario) in scenarios() {
        let requests = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, SEED)
            .unwrap()
            .records()
            .len();
        group.throughput(Throughput::Elements(requests as u64));
        group.bench_with_input(
            BenchmarkId::new("round_robin_unlimited", format!("{name}/seed={SEED}")),
            &scenario,
            |b, scenario| {
                b.iter(|| {
                    let run = requests::run(
                        black_box(scenario),
                        &mut RoundRobin::new(),
                        &mut Unlimited,
                        SEED,
                    )
                    .unwrap();
                    black_box(run.records().len())
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_requests);
criterion_main!(benches);
