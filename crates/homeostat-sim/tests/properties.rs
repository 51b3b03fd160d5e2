//! Invariants over randomly drawn scenarios: the simulator never panics,
//! never produces infinities or negative measurements, keeps counters
//! monotonic between restarts, and gives every request exactly one outcome.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_core::Duration;
use homeostat_sim::ServiceTime;
use homeostat_sim::cluster::{ClusterSpec, RandomFaults, simulate};
use homeostat_sim::requests::{
    self, BackendSpec, Discipline, FixedConcurrency, RequestScenario, RoundRobin,
};
use proptest::prelude::*;

fn service_time() -> impl Strategy<Value = ServiceTime> {
    prop_oneof![
        (1.0f64..200.0).prop_map(|mean_ms| ServiceTime::Exponential { mean_ms }),
        (1.0f64..200.0, 0.0f64..3.0)
            .prop_map(|(mean_ms, cv)| ServiceTime::LogNormal { mean_ms, cv }),
        (1.0f64..200.0, 2.1f64..6.0)
            .prop_map(|(mean_ms, shape)| ServiceTime::Pareto { mean_ms, shape }),
        (0.0f64..200.0).prop_map(|ms| ServiceTime::Constant { ms }),
    ]
}

fn cluster() -> impl Strategy<Value = ClusterSpec> {
    (
        1u32..6,
        1u32..6,
        1u32..32,
        service_time(),
        0.0f64..3000.0,
        0.0f64..50.0,
        0.0f64..0.9,
    )
        .prop_map(
            |(nodes, replicas, workers, st, rate, faults_per_day, amplitude)| {
                let mut spec = ClusterSpec::steady();
                spec.duration = Duration::from_hours(2);
                spec.step = Duration::from_secs(30);
                spec.nodes[0].count = nodes;
                spec.services.truncate(2);
                spec.services[0].replicas = replicas;
                spec.services[0].workers = workers;
                spec.services[0].service_time = st;
                spec.services[0].request_rate = rate;
                spec.workload.diurnal_amplitude = amplitude;
                spec.faults.random = Some(RandomFaults {
                    per_day: faults_per_day,
                    kinds: Vec::new(),
                    min_duration: Duration::from_minutes(5),
                    max_duration: Duration::from_minutes(40),
                });
                spec
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn clusters_produce_sane_measurements(spec in cluster(), seed in any::<u64>()) {
        let run = simulate(&spec, seed).unwrap();
        prop_assert_eq!(run.frame.nrows(), 240);
        for v in run.frame.values() {
            prop_assert!(v.is_nan() || (v.is_finite() && *v >= 0.0), "{}", v);
        }
        for (c, key) in run.frame.columns().iter().enumerate() {
            if key.name() == "node_cpu_utilisation" {
                prop_assert!(run.frame.values().column(c).iter().all(|v| v.is_nan() || *v <= 1.5));
            }
            if key.name().ends_with("_total") && key.name().starts_with("node_") {
                // Node counters never reset (nodes do not reboot).
                let seen: Vec<f64> = run.frame.values().column(c).iter().copied().filter(|v| !v.is_nan()).collect();
                prop_assert!(seen.windows(2).all(|w| w[1] >= w[0]), "{} went down", key);
            }
        }
        // Rows cover (start, end]; an event in the last step starts at `end`.
        let end = spec.start + spec.duration;
        for fault in run.labels.faults() {
            prop_assert!(fault.start() >= spec.start && fault.start() <= end, "{:?}", fault);
        }
        prop_assert!(run.stats.errors <= run.stats.requests);
    }

    #[test]
    fn every_request_gets_exactly_one_outcome(
        rate in 1.0f64..3000.0,
        backends in prop::collection::vec((1u32..16, service_time(), 0.0f64..0.5, any::<bool>()), 1..5),
        timeout_ms in prop::option::of(10.0f64..2000.0),
        max_in_flight in 1u64..200,
        seed in any::<u64>(),
    ) {
        let scenario = RequestScenario {
            duration_secs: 5.0,
            arrival_rate: rate,
            timeout_ms,
            series_step_ms: 500,
            backends: backends
                .into_iter()
                .enumerate()
                .map(|(i, (workers, st, error_rate, ps))| {
                    let mut b = BackendSpec::new(format!("b{i}"), workers, st);
                    b.error_rate = error_rate;
                    b.discipline = if ps { Discipline::ProcessorSharing } else { Discipline::Fcfs };
                    b
                })
                .collect(),
        };
        let run = requests::run(&scenario, &mut RoundRobin::new(), &mut FixedConcurrency(max_in_flight), seed).unwrap();
        let records = run.records();
        for (i, r) in records.iter().enumerate() {
            prop_assert_eq!(r.id, i as u64);
            prop_assert!(r.latency_secs.is_finite() && r.latency_secs >= 0.0);
            if let Some(t) = timeout_ms {
                prop_assert!(r.latency_secs <= t / 1000.0 + 1e-9);
            }
        }
        let s = run.summary();
        prop_assert_eq!(s.ok + s.error + s.timeout + s.rejected, s.requests);
        prop_assert_eq!(s.requests as usize, records.len());
        let frame = run.series(homeostat_core::Timestamp::EPOCH).unwrap();
        let counted: f64 = ["ok", "error", "timeout", "rejected"]
            .iter()
            .map(|o| frame.column(&format!("requests{{outcome=\"{o}\"}}")).unwrap().sum())
            .sum();
        prop_assert_eq!(counted as usize, records.len());
    }
}
