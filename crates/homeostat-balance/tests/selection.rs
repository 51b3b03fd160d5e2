//! Each strategy picks what it promises, and bad input gets typed errors.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use homeostat_balance::{
    BackendId, Balancer, Error, LoadSignal, ManualClock, Outcome, Request, Strategy,
};

fn shares(lb: &Balancer, picks: usize) -> HashMap<u64, f64> {
    let mut counts = HashMap::new();
    for _ in 0..picks {
        let pick = lb.pick(&Request::new()).unwrap();
        *counts.entry(pick.backend().0).or_insert(0usize) += 1;
        pick.complete(Outcome::Success);
    }
    counts
        .into_iter()
        .map(|(k, v)| (k, v as f64 / picks as f64))
        .collect()
}

fn weighted(strategy: Strategy, weights: &[f64]) -> Balancer {
    weights
        .iter()
        .enumerate()
        .fold(Balancer::params(strategy).seed(3), |p, (i, &w)| {
            p.backend(BackendId(i as u64), w)
        })
        .build()
        .unwrap()
}

#[test]
fn round_robin_visits_each_backend_in_turn() {
    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(3)
        .build()
        .unwrap();
    let order: Vec<u64> = (0..6)
        .map(|_| lb.pick(&Request::new()).unwrap().backend().0)
        .collect();
    assert_eq!(order, [0, 1, 2, 0, 1, 2]);
}

#[test]
fn smooth_weighted_round_robin_spreads_by_weight() {
    let lb = weighted(Strategy::SmoothWeightedRoundRobin, &[5.0, 1.0, 1.0]);
    let order: Vec<u64> = (0..7)
        .map(|_| lb.pick(&Request::new()).unwrap().backend().0)
        .collect();
    assert_eq!(order, [0, 0, 1, 0, 2, 0, 0]);
}

#[test]
fn earliest_deadline_first_goes_by_deadlines() {
    let lb = weighted(Strategy::EarliestDeadlineFirst, &[4.0, 2.0, 2.0]);
    let order: Vec<u64> = (0..8)
        .map(|_| lb.pick(&Request::new()).unwrap().backend().0)
        .collect();
    // Weights 2 : 1 : 1, deadlines 1/2 (a), then 1 (a, b, c), repeated.
    assert_eq!(order, [0, 0, 1, 2, 0, 0, 1, 2]);
}

#[test]
fn weighted_random_follows_weights_and_the_seed() {
    let lb = weighted(Strategy::WeightedRandom, &[1.0, 2.0, 7.0]);
    let s = shares(&lb, 50_000);
    for (i, expected) in [0.1, 0.2, 0.7].into_iter().enumerate() {
        assert!((s[&(i as u64)] - expected).abs() < 0.01, "{s:?}");
    }
    let a = weighted(Strategy::WeightedRandom, &[1.0, 2.0, 7.0]);
    let b = weighted(Strategy::WeightedRandom, &[1.0, 2.0, 7.0]);
    for _ in 0..100 {
        assert_eq!(
            a.pick(&Request::new()).unwrap().backend(),
            b.pick(&Request::new()).unwrap().backend()
        );
    }
}

/// tower's issue 696: P2C that draws its two candidates uniformly gives
/// the 0.99 backend only about two thirds of the picks. Drawing by weight
/// gives it about 99 %, whether requests complete at once or pile up.
#[test]
fn p2c_is_weight_correct_for_skewed_weights() {
    let weights = [0.99, 0.005, 0.005];
    // Equal-speed backends: every request takes 1 µs on a manual clock. On
    // the real clock a preemption during one request would raise that
    // backend's Peak-EWMA estimate for seconds (as it should), and the
    // shares would depend on the machine's load.
    let on_manual_clock = |strategy| {
        let clock = Arc::new(ManualClock::new());
        let lb = weights
            .iter()
            .enumerate()
            .fold(
                Balancer::params(strategy).seed(3).clock(clock.clone()),
                |p, (i, &w)| p.backend(BackendId(i as u64), w),
            )
            .build()
            .unwrap();
        (lb, clock)
    };
    for strategy in [Strategy::p2c(), Strategy::peak_ewma()] {
        let (lb, clock) = on_manual_clock(strategy);
        let mut first = 0usize;
        let picks = 100_000;
        for _ in 0..picks {
            let pick = lb.pick(&Request::new()).unwrap();
            first += usize::from(pick.backend().0 == 0);
            clock.advance_nanos(1_000);
            pick.complete(Outcome::Success);
        }
        let share = first as f64 / picks as f64;
        assert!(share > 0.98, "{strategy}: {share}");

        // With 50 requests outstanding at a time.
        let (lb, clock) = on_manual_clock(strategy);
        let mut window = std::collections::VecDeque::new();
        let mut first = 0usize;
        for _ in 0..picks {
            clock.advance_nanos(20);
            let pick = lb.pick(&Request::new()).unwrap();
            first += usize::from(pick.backend().0 == 0);
            window.push_back(pick);
            if window.len() > 50 {
                window.pop_front().unwrap().complete(Outcome::Success);
            }
        }
        let share = first as f64 / picks as f64;
        assert!((0.97..=1.0).contains(&share), "{strategy}: {share}");
    }
}

#[test]
fn p2c_and_least_loaded_avoid_the_backend_with_pending_requests() {
    for strategy in [
        Strategy::p2c(),
        Strategy::LeastLoaded {
            load: LoadSignal::PendingRequests,
        },
    ] {
        let lb = weighted(strategy, &[1.0, 1.0]);
        // Hold 10 requests on whichever backend gets them first.
        let held: Vec<_> = (0..10).map(|_| lb.pick(&Request::new()).unwrap()).collect();
        let pending: Vec<u64> = lb.backends().iter().map(|b| b.pending).collect();
        assert_eq!(pending.iter().sum::<u64>(), 10);
        assert!(
            pending[0].abs_diff(pending[1]) <= 2,
            "{strategy}: {pending:?}"
        );
        drop(held);
        assert!(lb.backends().iter().all(|b| b.pending == 0));
    }
}

#[test]
fn peak_ewma_learns_to_avoid_a_slow_backend() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(4)
        .clock(clock.clone())
        .peak_ewma_decay(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut slow_picks = 0;
    for _ in 0..4000 {
        let pick = lb.pick(&Request::new()).unwrap();
        let slow = pick.backend() == BackendId(0);
        slow_picks += usize::from(slow);
        // Backend 0 takes 500 ms, the others 10 ms (sequential requests).
        clock.advance_nanos(if slow { 500_000_000 } else { 10_000_000 });
        pick.complete(Outcome::Success);
    }
    assert!(slow_picks < 40, "{slow_picks}");
    let status = lb.backends();
    assert!(status[0].peak_ewma_secs > 0.1 && status[1].peak_ewma_secs < 0.02);
}

#[test]
fn server_utilisation_steers_after_the_blackout() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::LeastLoaded {
        load: LoadSignal::ServerUtilisation,
    })
    .uniform_backends(2)
    .clock(clock.clone())
    .utilisation_blackout(Duration::from_secs(1))
    .utilisation_expiry(Duration::from_secs(5))
    .build()
    .unwrap();
    lb.report_utilisation(BackendId(0), 0.9).unwrap();
    lb.report_utilisation(BackendId(1), 0.2).unwrap();
    let first = || lb.pick(&Request::new()).unwrap().backend();
    assert_eq!(
        first(),
        BackendId(0),
        "in blackout both count as 1: ties go first"
    );
    clock.set_secs(2.0);
    lb.report_utilisation(BackendId(0), 0.9).unwrap();
    lb.report_utilisation(BackendId(1), 0.2).unwrap();
    assert_eq!(first(), BackendId(1));
    clock.set_secs(10.0);
    assert_eq!(first(), BackendId(0), "expired reports count as 1 again");
    assert!(matches!(
        lb.report_utilisation(BackendId(0), f64::NAN),
        Err(Error::InvalidUtilisation { .. })
    ));
    assert!(matches!(
        lb.report_utilisation(BackendId(9), 0.5),
        Err(Error::UnknownBackend { .. })
    ));
}

#[test]
fn bad_input_gets_typed_errors() {
    for strategy in [
        Strategy::RoundRobin,
        Strategy::SmoothWeightedRoundRobin,
        Strategy::EarliestDeadlineFirst,
        Strategy::WeightedRandom,
        Strategy::p2c(),
        Strategy::peak_ewma(),
        Strategy::ring_hash(),
        Strategy::maglev(),
        Strategy::Rendezvous,
        Strategy::JumpHash,
    ] {
        let lb = Balancer::params(strategy).build().unwrap();
        assert_eq!(
            lb.pick(&Request::with_key(1)).unwrap_err(),
            Error::NoBackends,
            "{strategy}"
        );
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                lb.add(BackendId(1), w),
                Err(Error::InvalidWeight { .. })
            ));
        }
        lb.add(BackendId(1), 1.0).unwrap();
        assert_eq!(
            lb.add(BackendId(1), 1.0).unwrap_err(),
            Error::DuplicateBackend { id: BackendId(1) }
        );
        assert!(matches!(
            lb.remove(BackendId(2)),
            Err(Error::UnknownBackend { .. })
        ));
        assert!(matches!(
            lb.set_weight(BackendId(1), f64::NAN),
            Err(Error::InvalidWeight { .. })
        ));
        if strategy.is_hashing() {
            assert!(matches!(
                lb.pick(&Request::new()),
                Err(Error::MissingKey { .. })
            ));
        }
        assert!(lb.pick(&Request::with_key(5)).is_ok());
    }
    let dup = Balancer::params(Strategy::RoundRobin)
        .backend(BackendId(1), 1.0)
        .backend(BackendId(1), 2.0)
        .build();
    assert!(matches!(dup, Err(Error::DuplicateBackend { .. })));
    let bad = [
        Strategy::PowerOfChoices {
            choices: 1,
            load: LoadSignal::PendingRequests,
        },
        Strategy::Maglev { table_size: 65_536 },
        Strategy::bounded_ring_hash(1.0),
        Strategy::bounded_ring_hash(f64::NAN),
        Strategy::RingHash {
            vnodes: 0,
            load_factor: None,
        },
    ];
    for strategy in bad {
        assert!(matches!(
            Balancer::params(strategy).build(),
            Err(Error::InvalidParam { .. })
        ));
    }
    assert!(
        Balancer::params(Strategy::RoundRobin)
            .panic_threshold_percent(101.0)
            .build()
            .is_err()
    );
    assert!(
        Balancer::params(Strategy::peak_ewma())
            .peak_ewma_decay(Duration::ZERO)
            .build()
            .is_err()
    );
}

#[test]
fn strategy_names_round_trip() {
    for name in [
        "rr",
        "swrr",
        "edf",
        "random",
        "p2c",
        "peak-ewma",
        "least-loaded",
        "ring-hash",
        "bounded-ring-hash",
        "maglev",
        "rendezvous",
        "jump-hash",
    ] {
        assert_eq!(Strategy::from_name(name).unwrap().name(), name);
    }
}

/// The optional Peak-EWMA failure penalty: a failed request counts as at
/// least the penalty, a success or a cancellation as the time it took,
/// and without the option a failure is just its time (Finagle).
#[test]
fn failure_penalty_counts_a_failure_as_at_least_the_penalty() {
    let estimate_after = |penalty: Option<u64>, outcome: Outcome| {
        let clock = Arc::new(ManualClock::new());
        let mut params = Balancer::params(Strategy::peak_ewma())
            .uniform_backends(1)
            .clock(clock.clone());
        if let Some(secs) = penalty {
            params = params.peak_ewma_failure_penalty(Duration::from_secs(secs));
        }
        let lb = params.build().unwrap();
        let pick = lb.pick(&Request::new()).unwrap();
        clock.set_secs(1.0);
        pick.complete(outcome);
        lb.backends()[0].peak_ewma_secs
    };
    assert!((estimate_after(Some(10), Outcome::Failure) - 10.0).abs() < 1e-9);
    assert!((estimate_after(Some(10), Outcome::Success) - 1.0).abs() < 1e-9);
    assert!((estimate_after(Some(10), Outcome::Cancelled) - 1.0).abs() < 1e-9);
    assert!((estimate_after(None, Outcome::Failure) - 1.0).abs() < 1e-9);
    // A penalty shorter than the request changes nothing.
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(1)
        .clock(clock.clone())
        .peak_ewma_failure_penalty(Duration::from_millis(100))
        .build()
        .unwrap();
    let pick = lb.pick(&Request::new()).unwrap();
    clock.set_secs(2.0);
    pick.complete(Outcome::Failure);
    assert!((lb.backends()[0].peak_ewma_secs - 2.0).abs() < 1e-9);
    // A zero penalty is a typed error.
    let err = Balancer::params(Strategy::peak_ewma())
        .peak_ewma_failure_penalty(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidParam { .. }), "{err}");
}

/// The failure penalty holds only until the backend's next success: a
/// healthy backend with one tail timeout is back to its plain estimate.
#[test]
fn failure_penalty_is_cleared_by_the_next_success() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(1)
        .clock(clock.clone())
        .peak_ewma_failure_penalty(Duration::from_secs(10))
        .build()
        .unwrap();
    let pick = lb.pick(&Request::new()).unwrap();
    clock.set_secs(1.0);
    pick.complete(Outcome::Failure);
    assert!((lb.backends()[0].peak_ewma_secs - 10.0).abs() < 1e-9);
    // The penalty decays with the Peak-EWMA time constant (10 s).
    clock.set_secs(11.0);
    let decayed = lb.backends()[0].peak_ewma_secs;
    assert!((decayed - 10.0 * (-1.0f64).exp()).abs() < 1e-6, "{decayed}");
    // A cancellation does not clear it; a success does.
    lb.pick(&Request::new())
        .unwrap()
        .complete(Outcome::Cancelled);
    assert!(lb.backends()[0].peak_ewma_secs > 3.0);
    let pick = lb.pick(&Request::new()).unwrap();
    clock.set_secs(11.5);
    pick.complete(Outcome::Success);
    let plain = lb.backends()[0].peak_ewma_secs;
    assert!(plain < 1.0, "{plain}");
}

/// A Peak-EWMA balancer over two backends that answer in 100 ms, one of
/// which then stalls with a request in flight; returns where the next
/// pick goes and the stalled backend's estimate in seconds.
fn after_a_stall(stall_floor: bool) -> (BackendId, f64, f64) {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::LeastLoaded {
        load: LoadSignal::PeakEwma,
    })
    .uniform_backends(2)
    .clock(clock.clone())
    .peak_ewma_stall_floor(stall_floor)
    .build()
    .unwrap();
    let warm: Vec<_> = (0..2).map(|_| lb.pick(&Request::new()).unwrap()).collect();
    clock.set_secs(0.1);
    for p in warm {
        p.complete(Outcome::Success);
    }
    // Backend 0 wins the tie and stalls with this request in flight.
    let stalled = lb.pick(&Request::new()).unwrap();
    assert_eq!(stalled.backend(), BackendId(0));
    // Much later a fresh request goes to backend 1 (nothing pending).
    clock.set_secs(1.9);
    let fresh = lb.pick(&Request::new()).unwrap();
    assert_eq!(fresh.backend(), BackendId(1));
    clock.set_secs(2.0);
    let status = lb.backends();
    let next = lb.pick(&Request::new()).unwrap().backend();
    drop((stalled, fresh));
    (next, status[0].peak_ewma_secs, status[1].peak_ewma_secs)
}

/// With the stall floor, a busy backend's silence since its busy period
/// began counts as its latency before any failure comes back; without it
/// (Finagle), the two backends look alike and the tie goes to the stalled
/// one.
#[test]
fn stall_floor_steers_away_from_a_silent_backend() {
    let (next, stalled, fresh) = after_a_stall(false);
    assert_eq!(next, BackendId(0));
    let decayed = 0.1 * (-0.19f64).exp();
    assert!((stalled - decayed).abs() < 1e-9, "{stalled}");
    assert!((fresh - decayed).abs() < 1e-9, "{fresh}");

    let (next, stalled, fresh) = after_a_stall(true);
    assert_eq!(next, BackendId(1));
    // Silent since its busy period began at 0.1 s.
    assert!((stalled - 1.9).abs() < 1e-9, "{stalled}");
    // The fresh request's 0.1 s silence equals the decayed estimate at most.
    assert!((fresh - 0.1).abs() < 1e-9, "{fresh}");
}

/// Only a success counts as an answer: a failure ends a request but the
/// silence still counts from the busy period's start, and an idle backend
/// has no floor at all.
#[test]
fn stall_floor_counts_from_the_last_success_and_only_while_busy() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(1)
        .clock(clock.clone())
        .peak_ewma_stall_floor(true)
        .build()
        .unwrap();
    let a = lb.pick(&Request::new()).unwrap();
    let b = lb.pick(&Request::new()).unwrap();
    clock.set_secs(0.5);
    a.complete(Outcome::Failure);
    clock.set_secs(3.0);
    // Silent for 3 s (the failure at 0.5 s is not an answer).
    assert!((lb.backends()[0].peak_ewma_secs - 3.0).abs() < 1e-9);
    b.complete(Outcome::Success);
    // Idle: the plain estimate (the 3 s answer, a new peak).
    assert!((lb.backends()[0].peak_ewma_secs - 3.0).abs() < 1e-9);
    clock.set_secs(13.0);
    let idle = lb.backends()[0].peak_ewma_secs;
    assert!((idle - 3.0 * (-1.0f64).exp()).abs() < 1e-6, "{idle}");
    // A new busy period starts its silence at its first pick.
    let c = lb.pick(&Request::new()).unwrap();
    clock.set_secs(20.0);
    let busy = lb.backends()[0].peak_ewma_secs;
    assert!((busy - 7.0).abs() < 1e-9, "{busy}");
    c.complete(Outcome::Success);
    // Off by default: the same history without the floor reads the plain
    // decayed estimate while busy.
    let plain = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(1)
        .clock(clock.clone())
        .build()
        .unwrap();
    let _busy = plain.pick(&Request::new()).unwrap();
    clock.set_secs(25.0);
    assert_eq!(plain.backends()[0].peak_ewma_secs, 0.0);
}
