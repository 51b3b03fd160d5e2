//! Model checks of the balancer's lock-free parts with loom: every
//! interleaving of two threads (within loom's bounds) is explored.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p homeostat-balance --test
//! loom --release` (the `.ci/run` step uses its own target directory).
//! Without `--cfg loom` this file compiles to nothing.
#![cfg(loom)]
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::sync::Arc;
use std::time::Duration;

use homeostat_balance::{BackendId, Balancer, ManualClock, Outcome, Request, Strategy};
use loom::thread;

fn balancer(strategy: Strategy, n: u64, clock: Arc<ManualClock>) -> Arc<Balancer> {
    Arc::new(
        Balancer::params(strategy)
            .uniform_backends(n)
            .clock(clock)
            .peak_ewma_decay(Duration::from_secs(1000))
            .seed(1)
            .build()
            .unwrap(),
    )
}

fn pending(lb: &Balancer) -> Vec<u64> {
    lb.backends().iter().map(|b| b.pending).collect()
}

/// Two threads pick and complete (one explicitly, one by dropping the
/// guard) while the main thread watches: the pending counts never lose an
/// increment or a decrement, and end at zero.
#[test]
fn pending_counts_and_guard_completion() {
    loom::model(|| {
        let lb = balancer(Strategy::p2c(), 2, Arc::new(ManualClock::new()));
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let lb = Arc::clone(&lb);
                thread::spawn(move || {
                    let pick = lb.pick_owned(&Request::new()).unwrap();
                    if t == 0 {
                        pick.complete(Outcome::Success);
                    } else {
                        drop(pick);
                    }
                })
            })
            .collect();
        let seen: u64 = pending(&lb).iter().sum();
        assert!(seen <= 2, "{seen} pending with two requests");
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(pending(&lb), [0, 0]);
    });
}

/// Round-robin picks from two threads always land on a backend of the set
/// and are accounted; two threads that share a stripe may take the same
/// step (documented), so two picks over two backends hit one or both.
#[test]
fn round_robin_cursor() {
    loom::model(|| {
        let lb = balancer(Strategy::RoundRobin, 2, Arc::new(ManualClock::new()));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let lb = Arc::clone(&lb);
                thread::spawn(move || {
                    let pick = lb.pick(&Request::new()).unwrap();
                    let id = pick.backend();
                    pick.complete(Outcome::Success);
                    id
                })
            })
            .collect();
        let mut ids: Vec<BackendId> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        ids.sort();
        assert!(
            ids == [BackendId(0), BackendId(1)] || ids == [BackendId(0), BackendId(0)],
            "{ids:?}"
        );
        assert_eq!(pending(&lb), [0, 0]);
    });
}

/// Two completions of different latencies fold into the Peak-EWMA
/// estimate at the same instant, in either order: the peak is kept (a lost
/// update would leave the smaller latency), up to the decay over the race
/// window (here a 1000 s time constant: under 0.1 %).
#[test]
fn peak_ewma_estimate_update() {
    loom::model(|| {
        let clock = Arc::new(ManualClock::new());
        let lb = balancer(Strategy::peak_ewma(), 1, Arc::clone(&clock));
        let slow = lb.pick_owned(&Request::new()).unwrap();
        clock.set_secs(0.5);
        let fast = lb.pick_owned(&Request::new()).unwrap();
        clock.set_secs(1.0);
        let a = thread::spawn(move || slow.complete(Outcome::Success));
        let b = thread::spawn(move || fast.complete(Outcome::Success));
        a.join().unwrap();
        b.join().unwrap();
        let status = &lb.backends()[0];
        assert_eq!(status.pending, 0);
        let est = status.peak_ewma_secs;
        assert!((0.999..=1.0 + 1e-9).contains(&est), "estimate {est} s");
    });
}

/// A pick races the removal of its backend: the guard completes on the
/// removed backend without effect, the set keeps exact counts for the
/// backends still in it, and no pick fails while one backend remains.
#[test]
fn set_swap_with_in_flight_guards() {
    loom::model(|| {
        let lb = balancer(Strategy::RoundRobin, 2, Arc::new(ManualClock::new()));
        let held = lb.pick_owned(&Request::new()).unwrap();
        let picker = {
            let lb = Arc::clone(&lb);
            thread::spawn(move || {
                let pick = lb.pick(&Request::new()).unwrap();
                let id = pick.backend();
                pick.complete(Outcome::Failure);
                id
            })
        };
        let remover = {
            let lb = Arc::clone(&lb);
            thread::spawn(move || lb.remove(BackendId(0)).unwrap())
        };
        let id = picker.join().unwrap();
        remover.join().unwrap();
        assert!(id == BackendId(0) || id == BackendId(1));
        assert_eq!(held.backend(), BackendId(0));
        held.complete(Outcome::Success);
        let left = lb.backends();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, BackendId(1));
        assert_eq!(left[0].pending, 0);
    });
}

/// Peak-EWMA's stall floor and failure penalty under two threads that pick
/// and complete at once (one success, one failure): the counts end at
/// zero, the penalty is either held or cleared (the order decides), and a
/// later busy period's silence counts from its own start in every
/// interleaving (up to two preemptions: the full model takes minutes).
#[test]
fn stall_floor_and_failure_penalty_stamps() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let clock = Arc::new(ManualClock::new());
        clock.set_secs(5.0);
        let lb = Arc::new(
            Balancer::params(Strategy::peak_ewma())
                .uniform_backends(1)
                .clock(clock.clone())
                .peak_ewma_decay(Duration::from_secs(1000))
                .peak_ewma_failure_penalty(Duration::from_secs(1))
                .peak_ewma_stall_floor(true)
                .build()
                .unwrap(),
        );
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let lb = Arc::clone(&lb);
                thread::spawn(move || {
                    let pick = lb.pick_owned(&Request::new()).unwrap();
                    pick.complete(if t == 0 {
                        Outcome::Success
                    } else {
                        Outcome::Failure
                    });
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(pending(&lb), [0]);
        let idle = lb.backends()[0].peak_ewma_secs;
        assert!(idle == 0.0 || (idle - 1.0).abs() < 1e-9, "{idle}");
        let busy = lb.pick(&Request::new()).unwrap();
        clock.set_secs(7.0);
        let estimate = lb.backends()[0].peak_ewma_secs;
        assert!((estimate - 2.0).abs() < 1e-9, "{estimate}");
        drop(busy);
    });
}
