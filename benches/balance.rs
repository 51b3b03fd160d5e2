//! Balancer hot path: pick + complete with 100 backends, one thread and two.
//!
//! Each strategy is measured next to a bare `AtomicU64::fetch_add` loop (the
//! floor: the least a shared-counter pick can cost), in the same run, so the
//! ratios hold on any machine. Picks use the default clock (the CPU's
//! time-stamp counter); `peak_ewma_system_clock` repeats Peak-EWMA with the
//! operating system's clock. The
//! two-thread figures time the same total number of picks split over two
//! threads (criterion's `iter_custom`), so throughput scaling is the
//! one-thread time divided by the two-thread time. `maglev_lookup` times
//! `Balancer::lookup` alone (the table slot of a key, no guard);
//! `peak_ewma_manual_clock` and the `*_clock_two_reads` rows split
//! Peak-EWMA's cost between the balancer and the clock, and
//! `peak_ewma_manual_clock_plus_counter_reads` shows what the counter's
//! reads cost in the middle of a request rather than alone.

// A benchmark that cannot set up its balancer has nothing to measure.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use homeostat::balance::{
    Balancer, Clock, ManualClock, MonotonicClock, Outcome, Request, Strategy, TscClock,
};

const BACKENDS: u64 = 100;

/// A counter alone on its cache line (two lines, against the adjacent-line
/// prefetcher).
#[derive(Default)]
#[repr(align(128))]
struct CachePadded(AtomicU64);

fn balancer(strategy: Strategy) -> Balancer {
    Balancer::params(strategy)
        .uniform_backends(BACKENDS)
        .seed(7)
        .build()
        .unwrap()
}

/// Peak-EWMA over the benchmark's backends, on `clock`.
fn peak_ewma_on(clock: Arc<dyn Clock>) -> Balancer {
    Balancer::params(Strategy::peak_ewma())
        .uniform_backends(BACKENDS)
        .seed(7)
        .clock(clock)
        .build()
        .unwrap()
}

fn strategies() -> [(&'static str, Strategy); 5] {
    [
        ("rr", Strategy::RoundRobin),
        ("swrr", Strategy::SmoothWeightedRoundRobin),
        ("p2c", Strategy::p2c()),
        ("peak_ewma", Strategy::peak_ewma()),
        ("maglev", Strategy::maglev()),
    ]
}

fn pick_complete(lb: &Balancer, k: u64) {
    let pick = lb.pick(&Request::with_key(k)).unwrap();
    black_box(pick.backend());
    pick.complete(Outcome::Success);
}

fn bench_one_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("balance_pick_complete");
    let floor = AtomicU64::new(0);
    group.bench_function(BenchmarkId::new("atomic_fetch_add_floor", BACKENDS), |b| {
        b.iter(|| black_box(floor.fetch_add(1, Ordering::Relaxed)))
    });
    for (name, strategy) in strategies() {
        let lb = balancer(strategy);
        let mut k = 0u64;
        group.bench_function(BenchmarkId::new(name, BACKENDS), |b| {
            b.iter(|| {
                k = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
                pick_complete(&lb, k)
            })
        });
    }
    // Peak-EWMA without a real clock: a manual clock the loop moves by
    // 1 µs a request (one atomic add), to separate the balancer's own cost
    // from the two clock reads a request needs.
    let clock = Arc::new(ManualClock::new());
    let lb = peak_ewma_on(clock.clone());
    group.bench_function(BenchmarkId::new("peak_ewma_manual_clock", BACKENDS), |b| {
        b.iter(|| {
            let pick = lb.pick(&Request::new()).unwrap();
            black_box(pick.backend());
            clock.advance_nanos(1000);
            pick.complete(Outcome::Success);
        })
    });
    // The same with two reads of the counter clock added where a request
    // makes them, their results unused: what the reads cost among the
    // request's locked instructions, against `tsc_clock_two_reads` alone.
    let lb = peak_ewma_on(clock.clone());
    let counter = TscClock::new();
    group.bench_function(
        BenchmarkId::new("peak_ewma_manual_clock_plus_counter_reads", BACKENDS),
        |b| {
            b.iter(|| {
                black_box(counter.now_nanos());
                let pick = lb.pick(&Request::new()).unwrap();
                black_box(pick.backend());
                clock.advance_nanos(1000);
                black_box(counter.now_nanos());
                pick.complete(Outcome::Success);
            })
        },
    );
    // Peak-EWMA on the operating system's clock (the default before the
    // time-stamp counter).
    let lb = peak_ewma_on(Arc::new(MonotonicClock::new()));
    group.bench_function(BenchmarkId::new("peak_ewma_system_clock", BACKENDS), |b| {
        b.iter(|| pick_complete(&lb, 0))
    });
    // Each clock alone, read twice as a request does.
    let system = MonotonicClock::new();
    group.bench_function("monotonic_clock_two_reads", |b| {
        b.iter(|| black_box(system.now_nanos()) + black_box(system.now_nanos()))
    });
    let counter = TscClock::new();
    group.bench_function("tsc_clock_two_reads", |b| {
        b.iter(|| black_box(counter.now_nanos()) + black_box(counter.now_nanos()))
    });

    // The Maglev lookup alone: the key's table slot, no guard.
    let lb = balancer(Strategy::maglev());
    let mut k = 0u64;
    group.bench_function(BenchmarkId::new("maglev_lookup", BACKENDS), |b| {
        b.iter(|| {
            k = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
            black_box(lb.lookup(&Request::with_key(k)).unwrap())
        })
    });
    group.finish();
}

/// `iters` picks split over one thread per balancer (the balancers may be
/// one and the same); the wall time of the whole.
fn timed_threads(balancers: &[&Balancer], iters: u64) -> Duration {
    let per_thread = iters / balancers.len() as u64;
    let start = Instant::now();
    std::thread::scope(|s| {
        for (t, &lb) in (0u64..).zip(balancers) {
            s.spawn(move || {
                let mut k = t << 40;
                for _ in 0..per_thread {
                    k = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    pick_complete(lb, k);
                }
            });
        }
    });
    start.elapsed()
}

/// `iters` additions split over one thread per counter (the counters may be
/// one and the same); the wall time of the whole.
fn timed_adds(counters: &[&AtomicU64], iters: u64) -> Duration {
    let per_thread = iters / counters.len() as u64;
    let start = Instant::now();
    std::thread::scope(|s| {
        for &counter in counters {
            s.spawn(move || {
                for _ in 0..per_thread {
                    black_box(counter.fetch_add(1, Ordering::Relaxed));
                }
            });
        }
    });
    start.elapsed()
}

fn bench_two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("balance_threads");
    for (name, strategy) in [("rr", Strategy::RoundRobin), ("p2c", Strategy::p2c())] {
        let lb = balancer(strategy);
        for threads in [1u64, 2] {
            let shared: Vec<&Balancer> = (0..threads).map(|_| &lb).collect();
            group.bench_function(BenchmarkId::new(name, format!("{threads}_threads")), |b| {
                b.iter_custom(|iters| timed_threads(&shared, iters.max(threads)))
            });
        }
    }
    // Round robin and P2C with a balancer of their own per thread: the same
    // code with nothing shared between the threads (not the backends'
    // pending counts either), so their ratios are what the code could gain
    // here, and what a service gains by keeping one balancer per thread.
    for (name, strategy) in [
        ("rr_balancer_per_thread", Strategy::RoundRobin),
        ("p2c_balancer_per_thread", Strategy::p2c()),
    ] {
        let own: Vec<Balancer> = (0..2).map(|_| balancer(strategy)).collect();
        for threads in [1usize, 2] {
            let per_thread: Vec<&Balancer> = own.iter().take(threads).collect();
            group.bench_function(BenchmarkId::new(name, format!("{threads}_threads")), |b| {
                b.iter_custom(|iters| timed_threads(&per_thread, iters.max(threads as u64)))
            });
        }
    }
    // The shared-counter floor (every thread adds to one counter), and what
    // two threads can gain on this machine at all: each thread adds to a
    // counter of its own (on its own cache line), so nothing is shared.
    let shared = CachePadded::default();
    let own: Vec<CachePadded> = (0..2).map(|_| CachePadded::default()).collect();
    for (name, own_counters) in [
        ("atomic_fetch_add_floor", false),
        ("atomic_fetch_add_own_counter", true),
    ] {
        for threads in [1u64, 2] {
            let counters: Vec<&AtomicU64> = (0..threads as usize)
                .map(|t| if own_counters { &own[t].0 } else { &shared.0 })
                .collect();
            group.bench_function(BenchmarkId::new(name, format!("{threads}_threads")), |b| {
                b.iter_custom(|iters| timed_adds(&counters, iters.max(threads)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_one_thread, bench_two_threads);
criterion_main!(benches);
