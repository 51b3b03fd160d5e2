//! Many threads pick and complete while the set changes under them.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use homeostat_balance::{
    BackendId, Balancer, Error, Outcome, OutlierDetection, Request, SlowStart, Strategy,
};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn balancer_and_owned_picks_are_send_and_sync() {
    assert_send_sync::<Balancer>();
    assert_send_sync::<homeostat_balance::Pick<Arc<Balancer>>>();
    assert_send_sync::<homeostat_balance::Pick<&Balancer>>();
}

/// Four threads pick, hold a few requests and complete them (some fail,
/// some are dropped) while a fifth adds, removes and re-weights backends.
/// Afterwards every backend still in the set has no pending requests, no
/// pick ever failed for a reason other than an empty set, and every pick
/// landed on a backend that was in the set at the time.
#[test]
fn picks_stay_consistent_while_backends_change() {
    for strategy in [
        Strategy::RoundRobin,
        Strategy::SmoothWeightedRoundRobin,
        Strategy::EarliestDeadlineFirst,
        Strategy::WeightedRandom,
        Strategy::p2c(),
        Strategy::peak_ewma(),
        Strategy::bounded_ring_hash(1.25),
        Strategy::maglev(),
        Strategy::Rendezvous,
        Strategy::JumpHash,
    ] {
        let lb = Arc::new(
            Balancer::params(strategy)
                .uniform_backends(8)
                .outlier_detection(OutlierDetection::default())
                .slow_start(SlowStart::default())
                .seed(9)
                .build()
                .unwrap(),
        );
        let stop = AtomicBool::new(false);
        let completed = AtomicU64::new(0);
        std::thread::scope(|s| {
            let churn = s.spawn(|| {
                for round in 0..60u64 {
                    let id = BackendId(100 + round % 5);
                    if lb.add(id, 1.0 + (round % 3) as f64).is_err() {
                        lb.remove(id).unwrap();
                    }
                    lb.set_weight(BackendId(round % 8), 0.5 + (round % 4) as f64)
                        .unwrap();
                    std::thread::yield_now();
                }
                stop.store(true, Ordering::Relaxed);
            });
            let workers: Vec<_> = (0..4u64)
                .map(|t| {
                    let lb = Arc::clone(&lb);
                    let (stop, completed) = (&stop, &completed);
                    s.spawn(move || {
                        let mut held = Vec::new();
                        let mut k = t * 1_000_000;
                        while !stop.load(Ordering::Relaxed) || k < t * 1_000_000 + 5_000 {
                            k += 1;
                            match lb.pick_owned(&Request::with_key(k.wrapping_mul(0x9e37_79b9))) {
                                Ok(pick) => held.push(pick),
                                Err(e) => assert_eq!(e, Error::NoBackends),
                            }
                            if held.len() > 16 {
                                let pick = held.swap_remove((k % 16) as usize);
                                match k % 10 {
                                    0 => drop(pick),
                                    1 => pick.complete(Outcome::Failure),
                                    _ => pick.complete(Outcome::Success),
                                }
                                completed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        drop(held);
                    })
                })
                .collect();
            churn.join().unwrap();
            for w in workers {
                w.join().unwrap();
            }
        });
        assert!(completed.load(Ordering::Relaxed) >= 4 * 4_000, "{strategy}");
        let status = lb.backends();
        assert!(
            status.iter().all(|b| b.pending == 0),
            "{strategy}: {status:?}"
        );
        assert!(status.len() >= 8 && status.len() <= 13);
    }
}

#[test]
fn a_removed_backends_guards_complete_cleanly() {
    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(2)
        .outlier_detection(OutlierDetection {
            consecutive_failures: Some(1),
            max_ejection_percent: 100.0,
            ..OutlierDetection::default()
        })
        .build()
        .unwrap();
    let on_zero = lb.pick(&Request::new()).unwrap();
    assert_eq!(on_zero.backend(), BackendId(0));
    lb.remove(BackendId(0)).unwrap();
    // A failure on the removed backend ejects nothing and counts nowhere.
    on_zero.complete(Outcome::Failure);
    assert_eq!(lb.ejected_count(), 0);
    assert_eq!(lb.backends().len(), 1);
    assert_eq!(lb.backends()[0].pending, 0);
    // Re-adding the id starts from a clean slate.
    lb.add(BackendId(0), 1.0).unwrap();
    assert!(lb.backends().iter().all(|b| b.pending == 0 && !b.ejected));
}

/// Peak-EWMA with the stall floor and the failure penalty under
/// concurrent picks and completions: every request is accounted for, and
/// once all have completed the floors leave finite estimates no larger
/// than the penalty or the run's length.
#[test]
fn stall_floor_and_failure_penalty_under_concurrent_picks() {
    let lb = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(4)
        .peak_ewma_stall_floor(true)
        .peak_ewma_failure_penalty(std::time::Duration::from_millis(50))
        .seed(3)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let lb = &lb;
            s.spawn(move || {
                let mut held = Vec::new();
                for k in 0..5_000u64 {
                    held.push(lb.pick(&Request::new()).unwrap());
                    if held.len() > 3 {
                        let outcome = if (k + t) % 7 == 0 {
                            Outcome::Failure
                        } else {
                            Outcome::Success
                        };
                        held.remove(0).complete(outcome);
                    }
                }
            });
        }
    });
    let limit = started.elapsed().as_secs_f64().max(0.05) + 1e-3;
    for b in lb.backends() {
        assert_eq!(b.pending, 0, "{b:?}");
        assert!(b.peak_ewma_secs.is_finite(), "{b:?}");
        assert!(b.peak_ewma_secs <= limit, "{b:?} {limit}");
    }
}

fn pending_of(lb: &Balancer) -> Vec<(BackendId, u64)> {
    lb.backends().iter().map(|b| (b.id, b.pending)).collect()
}

/// A guard made before the set changed completes on its own backend: found
/// again after a re-weight, and never confused with a new backend that
/// took a removed backend's id.
#[test]
fn guards_find_their_backend_across_set_changes() {
    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(3)
        .build()
        .unwrap();
    let on_zero = lb.pick(&Request::new()).unwrap();
    let on_one = lb.pick(&Request::new()).unwrap();
    assert_eq!(
        (on_zero.backend(), on_one.backend()),
        (BackendId(0), BackendId(1))
    );
    lb.set_weight(BackendId(2), 3.0).unwrap();
    on_one.complete(Outcome::Success);
    assert_eq!(
        pending_of(&lb),
        [(BackendId(0), 1), (BackendId(1), 0), (BackendId(2), 0)]
    );
    // Backend 0 leaves and comes back as a new backend with a request of
    // its own; the old guard must not complete that request.
    lb.remove(BackendId(0)).unwrap();
    lb.add(BackendId(0), 1.0).unwrap();
    let on_new_zero = std::iter::repeat_with(|| lb.pick(&Request::new()).unwrap())
        .take(3)
        .find(|p| p.backend() == BackendId(0))
        .unwrap();
    on_zero.complete(Outcome::Failure);
    let zero = lb
        .backends()
        .into_iter()
        .find(|b| b.id == BackendId(0))
        .unwrap();
    assert_eq!(zero.pending, 1);
    drop(on_new_zero);
    assert!(pending_of(&lb).iter().all(|&(_, p)| p == 0));
}

/// One thread picks from `count` round-robin balancers in turn (balancer
/// `k` has `k + 1` backends), holding every guard, with a backend added to
/// the fourth midway: every pick lands in its own balancer's rotation and
/// every count comes back to zero.
fn pick_in_turn(count: u64) {
    let balancers: Vec<Balancer> = (1..=count)
        .map(|n| {
            Balancer::params(Strategy::RoundRobin)
                .uniform_backends(n)
                .build()
                .unwrap()
        })
        .collect();
    let mut held = Vec::new();
    for round in 0..20u64 {
        if round == 10 {
            balancers[3].add(BackendId(100), 1.0).unwrap();
        }
        for (k, lb) in balancers.iter().enumerate() {
            let n = lb.len() as u64;
            let pick = lb.pick(&Request::new()).unwrap();
            let expected = if k == 3 && round >= 10 {
                // Four backends then a fifth (id 100) from round 10 on:
                // the cursor stands at 10 and goes on over five.
                [0, 1, 2, 3, 100][(round % n) as usize]
            } else {
                round % n
            };
            assert_eq!(
                pick.backend(),
                BackendId(expected),
                "balancer {k}, round {round}"
            );
            held.push(pick);
        }
    }
    assert_eq!(balancers[0].backends()[0].pending, 20);
    drop(held);
    for lb in &balancers {
        assert!(pending_of(lb).iter().all(|&(_, p)| p == 0));
    }
}

/// Four balancers: each stays in the thread's copies, and the change is
/// seen through the generation check.
#[test]
fn one_thread_picks_from_a_few_balancers() {
    pick_in_turn(4);
}

/// Twelve balancers, more than a thread keeps copies of: the rest are read
/// through `arc-swap`, with the same picks.
#[test]
fn one_thread_picks_from_many_balancers() {
    pick_in_turn(12);
}

/// A guard made from a new set on one thread and completed on another
/// that still keeps the previous set: the completion reaches the new
/// backend, whose count comes back to zero.
#[test]
fn a_guard_from_a_newer_set_completes_on_a_thread_with_an_older_copy() {
    let lb = Arc::new(
        Balancer::params(Strategy::p2c())
            .uniform_backends(2)
            .seed(5)
            .build()
            .unwrap(),
    );
    let (to_completer, guards) =
        std::sync::mpsc::channel::<homeostat_balance::Pick<Arc<Balancer>>>();
    let (to_main, ready) = std::sync::mpsc::channel::<()>();
    let completer = {
        let lb = Arc::clone(&lb);
        std::thread::spawn(move || {
            // Keep a copy of the first set.
            drop(lb.pick_owned(&Request::new()).unwrap());
            to_main.send(()).unwrap();
            for pick in guards {
                pick.complete(Outcome::Success);
            }
        })
    };
    ready.recv().unwrap();
    lb.add(BackendId(9), 1.0).unwrap();
    // Picks on this thread until the new backend is chosen, each sent to
    // the thread with the older copy.
    let mut sent_to_new = 0;
    for _ in 0..200 {
        let pick = lb.pick_owned(&Request::new()).unwrap();
        sent_to_new += u64::from(pick.backend() == BackendId(9));
        to_completer.send(pick).unwrap();
    }
    drop(to_completer);
    completer.join().unwrap();
    assert!(sent_to_new > 0);
    assert!(
        pending_of(&lb).iter().all(|&(_, p)| p == 0),
        "{:?}",
        pending_of(&lb)
    );
}

/// A clock that itself picks from another balancer: picks and completions
/// read the clock before they use the thread's set copies, so the inner
/// pick finds them free (were they held, it would read through `arc-swap`),
/// and both balancers stay exact.
#[test]
fn a_pick_inside_a_clock_reading() {
    #[derive(Debug)]
    struct PickingClock {
        inner: Balancer,
        ticks: AtomicU64,
    }
    impl homeostat_balance::Clock for PickingClock {
        fn now_nanos(&self) -> u64 {
            let pick = self.inner.pick(&Request::new()).unwrap();
            pick.complete(Outcome::Success);
            self.ticks.fetch_add(1_000, Ordering::Relaxed)
        }
    }
    let clock = Arc::new(PickingClock {
        inner: Balancer::params(Strategy::RoundRobin)
            .uniform_backends(2)
            .build()
            .unwrap(),
        ticks: AtomicU64::new(0),
    });
    let lb = Balancer::params(Strategy::peak_ewma())
        .uniform_backends(3)
        .clock(clock.clone())
        .seed(3)
        .build()
        .unwrap();
    for _ in 0..10 {
        let pick = lb.pick(&Request::new()).unwrap();
        pick.complete(Outcome::Success);
    }
    assert!(pending_of(&lb).iter().all(|&(_, p)| p == 0));
    assert!(pending_of(&clock.inner).iter().all(|&(_, p)| p == 0));
    assert!(lb.backends().iter().any(|b| b.peak_ewma_secs > 0.0));
}

/// Round robin keeps a pending counter per thread stripe (one on a
/// one-core machine; two threads may share one): a request picked on one
/// thread and completed on another still counts in and out exactly, and
/// the status sums the counters. The counters themselves are tested in
/// `backend.rs`.
#[test]
fn pending_counts_survive_a_change_of_thread() {
    let lb = Arc::new(
        Balancer::params(Strategy::RoundRobin)
            .uniform_backends(2)
            .build()
            .unwrap(),
    );
    let picks: Vec<_> = (0..6)
        .map(|_| lb.pick_owned(&Request::new()).unwrap())
        .collect();
    assert_eq!(pending_of(&lb), [(BackendId(0), 3), (BackendId(1), 3)]);
    let (to_finish, to_keep): (Vec<_>, Vec<_>) =
        picks.into_iter().partition(|p| p.backend() == BackendId(0));
    std::thread::spawn(move || {
        for p in to_finish {
            p.complete(Outcome::Success);
        }
    })
    .join()
    .unwrap();
    assert_eq!(pending_of(&lb), [(BackendId(0), 0), (BackendId(1), 3)]);
    let picker = {
        let lb = Arc::clone(&lb);
        std::thread::spawn(move || lb.pick_owned(&Request::new()).unwrap())
    };
    let from_other_thread = picker.join().unwrap();
    assert_eq!(lb.backends().iter().map(|b| b.pending).sum::<u64>(), 4);
    drop(to_keep);
    drop(from_other_thread);
    assert!(pending_of(&lb).iter().all(|&(_, p)| p == 0));
}
