//! Outlier ejection, its limits, the panic threshold and slow start.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use homeostat_balance::{
    BackendId, Balancer, Error, FailurePercentageDetector, ManualClock, Outcome, OutlierDetection,
    Request, SlowStart, Strategy, SuccessRateDetector,
};

fn outlier(max_percent: f64) -> OutlierDetection {
    OutlierDetection {
        consecutive_failures: Some(3),
        max_ejection_percent: max_percent,
        ..OutlierDetection::default()
    }
}

/// Sends `n` requests, failing those that land on a backend in `bad`.
fn drive(lb: &Balancer, n: usize, bad: &[u64]) -> Vec<u64> {
    (0..n)
        .map(|_| {
            let pick = lb.pick(&Request::new()).unwrap();
            let id = pick.backend().0;
            pick.complete(if bad.contains(&id) {
                Outcome::Failure
            } else {
                Outcome::Success
            });
            id
        })
        .collect()
}

#[test]
fn consecutive_failures_eject_for_growing_times() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(10)
        .clock(clock.clone())
        .outlier_detection(outlier(10.0))
        .build()
        .unwrap();
    drive(&lb, 30, &[4]);
    assert_eq!(lb.ejected_count(), 1);
    assert!(lb.backends()[4].ejected);
    assert!(
        !drive(&lb, 100, &[4]).contains(&4),
        "ejected backends get nothing"
    );

    // The first ejection lasts 30 s; the second 60 s.
    clock.set_secs(31.0);
    assert!(!lb.backends()[4].ejected);
    drive(&lb, 30, &[4]);
    assert!(lb.backends()[4].ejected && lb.backends()[4].ejections == 2);
    clock.set_secs(31.0 + 59.0);
    assert!(lb.backends()[4].ejected, "still out after 59 s");
    clock.set_secs(31.0 + 61.0);
    assert!(!lb.backends()[4].ejected);
}

/// Envoy's issue 27066: more backends ejected than max_ejection_percent
/// allows. Here every backend fails, from 8 threads at once, while a
/// watcher checks the count the whole time.
#[test]
fn max_ejection_percent_is_never_exceeded_under_concurrent_failures() {
    for (backends, percent, allowed) in [(10, 30.0, 3), (5, 10.0, 0), (3, 100.0 / 3.0, 1)] {
        let lb = Balancer::params(Strategy::RoundRobin)
            .uniform_backends(backends)
            .outlier_detection(outlier(percent))
            .panic_threshold_percent(0.0)
            .build()
            .unwrap();
        let stop = AtomicBool::new(false);
        let worst = AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    worst.fetch_max(lb.ejected_count(), Ordering::Relaxed);
                    let flagged = lb.backends().iter().filter(|b| b.ejected).count();
                    worst.fetch_max(flagged, Ordering::Relaxed);
                }
            });
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        for _ in 0..5_000 {
                            if let Ok(pick) = lb.pick(&Request::new()) {
                                pick.complete(Outcome::Failure);
                            }
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert_eq!(lb.ejected_count(), allowed, "{backends} at {percent} %");
        assert!(worst.load(Ordering::Relaxed) <= allowed);
    }
}

#[test]
fn panic_threshold_balances_over_all_when_too_few_are_healthy() {
    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(4)
        .outlier_detection(outlier(100.0))
        .panic_threshold_percent(50.0)
        .build()
        .unwrap();
    drive(&lb, 40, &[0, 1]);
    assert_eq!(lb.ejected_count(), 2);
    // Two of four healthy is not below 50 %: health is respected.
    assert!(drive(&lb, 20, &[]).iter().all(|&id| id >= 2));
    drive(&lb, 40, &[2]);
    assert_eq!(lb.ejected_count(), 3);
    // One of four healthy is below 50 %: everyone takes traffic again.
    let ids = drive(&lb, 40, &[]);
    assert!((0..4).all(|b| ids.contains(&b)));

    // With no panic threshold, all ejected is an error, not a panic.
    let lb = Balancer::params(Strategy::p2c())
        .uniform_backends(2)
        .outlier_detection(outlier(100.0))
        .panic_threshold_percent(0.0)
        .build()
        .unwrap();
    for _ in 0..20 {
        if let Ok(pick) = lb.pick(&Request::new()) {
            pick.complete(Outcome::Failure);
        }
    }
    assert_eq!(
        lb.pick(&Request::new()).unwrap_err(),
        Error::AllEjected { backends: 2 }
    );
}

#[test]
fn success_rate_and_failure_percentage_detectors_eject_at_the_interval() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(10)
        .clock(clock.clone())
        .outlier_detection(OutlierDetection {
            consecutive_failures: None,
            success_rate: Some(SuccessRateDetector::default()),
            max_ejection_percent: 50.0,
            ..OutlierDetection::default()
        })
        .build()
        .unwrap();
    // Backend 7 fails one request in three: not consecutive, but its
    // success rate is far below the others'.
    let mut k = 0u64;
    for _ in 0..3000 {
        let pick = lb.pick(&Request::new()).unwrap();
        let fail = pick.backend().0 == 7 && k.is_multiple_of(3);
        k += u64::from(pick.backend().0 == 7);
        pick.complete(if fail {
            Outcome::Failure
        } else {
            Outcome::Success
        });
    }
    assert_eq!(lb.ejected_count(), 0, "no check before the interval ends");
    clock.set_secs(10.0);
    lb.evaluate_outliers();
    let ejected: Vec<u64> = lb
        .backends()
        .iter()
        .filter(|b| b.ejected)
        .map(|b| b.id.0)
        .collect();
    assert_eq!(ejected, [7]);

    let lb = Balancer::params(Strategy::RoundRobin)
        .uniform_backends(10)
        .clock(clock.clone())
        .outlier_detection(OutlierDetection {
            consecutive_failures: None,
            failure_percentage: Some(FailurePercentageDetector {
                threshold_percent: 50.0,
                ..FailurePercentageDetector::default()
            }),
            max_ejection_percent: 20.0,
            ..OutlierDetection::default()
        })
        .build()
        .unwrap();
    drive(&lb, 2000, &[1, 2, 3]);
    clock.set_secs(20.0);
    // The interval check also runs from a completion once it is due.
    drive(&lb, 1, &[]);
    assert_eq!(lb.ejected_count(), 2, "three fail but 20 % of 10 is 2");
}

#[test]
fn slow_start_ramps_a_new_backend_up() {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::WeightedRandom)
        .uniform_backends(3)
        .clock(clock.clone())
        .slow_start(SlowStart {
            window: Duration::from_secs(100),
            aggression: 1.0,
            min_weight_fraction: 0.05,
        })
        .build()
        .unwrap();
    lb.add(BackendId(3), 1.0).unwrap();
    let share_of_new = |lb: &Balancer| {
        drive(lb, 20_000, &[]).iter().filter(|&&id| id == 3).count() as f64 / 20_000.0
    };
    // At 0 s the new backend has 5 % of its weight: 0.05 / 3.05 of picks.
    assert!((share_of_new(&lb) - 0.05 / 3.05).abs() < 0.006);
    clock.set_secs(50.0);
    assert!((share_of_new(&lb) - 0.5 / 3.5).abs() < 0.01);
    clock.set_secs(100.0);
    assert!((share_of_new(&lb) - 0.25).abs() < 0.01);
}

#[test]
fn invalid_health_parameters_are_rejected() {
    let bad = [
        OutlierDetection {
            consecutive_failures: Some(0),
            ..OutlierDetection::default()
        },
        OutlierDetection {
            max_ejection_percent: f64::NAN,
            ..OutlierDetection::default()
        },
        OutlierDetection {
            interval: Duration::ZERO,
            ..OutlierDetection::default()
        },
        OutlierDetection {
            success_rate: Some(SuccessRateDetector {
                stdev_factor: -1.0,
                ..SuccessRateDetector::default()
            }),
            ..OutlierDetection::default()
        },
    ];
    for o in bad {
        let built = Balancer::params(Strategy::RoundRobin)
            .outlier_detection(o)
            .build();
        assert!(matches!(built, Err(Error::InvalidParam { .. })));
    }
    let built = Balancer::params(Strategy::RoundRobin)
        .slow_start(SlowStart {
            min_weight_fraction: 0.0,
            ..SlowStart::default()
        })
        .build();
    assert!(matches!(built, Err(Error::InvalidParam { .. })));
}
