//! The cluster model behaves like a cluster: determinism, precursors before
//! faults, counters that reset on restart, latency that climbs with load,
//! missed scrapes, and clear errors for bad specs.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_core::{Duration, FaultKind, Frame, Scope, Timestamp};
use homeostat_sim::Error;
use homeostat_sim::cluster::{ClusterSpec, FaultEffect, FaultSpec, Target, simulate};

fn short(mut spec: ClusterSpec, hours: i64) -> ClusterSpec {
    spec.duration = Duration::from_hours(hours);
    spec
}

fn bits(frame: &Frame) -> Vec<u64> {
    frame.values().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn same_seed_same_bytes_different_seed_different_run() {
    let spec = short(ClusterSpec::mixed_faults(), 3);
    let a = simulate(&spec, 11).unwrap();
    let b = simulate(&spec, 11).unwrap();
    assert_eq!(a.frame.index(), b.frame.index());
    assert_eq!(a.frame.columns(), b.frame.columns());
    assert_eq!(bits(&a.frame), bits(&b.frame));
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.stats, b.stats);
    let c = simulate(&spec, 12).unwrap();
    assert_ne!(bits(&a.frame), bits(&c.frame));
}

#[test]
fn grid_and_columns() {
    let spec = short(ClusterSpec::steady(), 1);
    let run = simulate(&spec, 1).unwrap();
    let frame = &run.frame;
    assert_eq!(frame.nrows(), 360);
    assert_eq!(frame.step(), Some(Duration::from_secs(10)));
    // Rows are stamped at the end of the step they describe.
    assert_eq!(frame.index()[0], spec.start + spec.step);
    // 8 nodes x 5 + 11 replicas x 4 + 3 services x 5.
    assert_eq!(frame.ncols(), 8 * 5 + 11 * 4 + 3 * 5);
    for key in [
        r#"node_cpu_utilisation{node="node-0"}"#,
        r#"node_network_receive_bytes_total{node="node-7"}"#,
        r#"http_requests_total{instance="api-1",node="node-5",service="api"}"#,
        r#"up{instance="search-2",node="node-2",service="search"}"#,
        r#"http_request_duration_seconds_p99{service="frontend"}"#,
        r#"service_replicas_up{service="api"}"#,
    ] {
        assert!(frame.column(key).is_some(), "missing {key}");
    }
}

#[test]
fn a_leak_is_visible_long_before_its_oom_kill() {
    let run = simulate(&ClusterSpec::leak(), 3).unwrap();
    let kills: Vec<_> = run
        .labels
        .faults()
        .iter()
        .filter(|f| *f.kind() == FaultKind::MemoryLeak)
        .collect();
    assert!(kills.len() >= 2, "{:?}", run.labels);
    let first = kills[0];
    assert!(matches!(first.scope(), Scope::Replica { service, .. } if service == "api"));
    let memory = run
        .frame
        .series(r#"process_resident_memory_bytes{instance="api-1",node="node-5",service="api"}"#)
        .unwrap();
    let at = |t: Timestamp| {
        let window = memory.slice(t - Duration::from_minutes(2)..=t);
        let values: Vec<f64> = window
            .values()
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    let leak_start = ClusterSpec::leak().start + Duration::from_hours(1);
    let before_leak = at(leak_start);
    let half_hour_before_kill = at(first.start() - Duration::from_minutes(30));
    // 20 MiB/min: half an hour before the kill the replica is far above rest.
    assert!(
        half_hour_before_kill > before_leak + 600.0 * 1024.0 * 1024.0,
        "{before_leak} -> {half_hour_before_kill}"
    );
}

#[test]
fn counters_are_monotonic_except_at_restarts() {
    let run = simulate(&ClusterSpec::leak(), 3).unwrap();
    let key = r#"http_requests_total{instance="api-1",node="node-5",service="api"}"#;
    let series = run.frame.series(key).unwrap();
    let up = run
        .frame
        .series(r#"up{instance="api-1",node="node-5",service="api"}"#)
        .unwrap();
    let observed: Vec<(Timestamp, f64)> = series.iter().filter(|(_, v)| !v.is_nan()).collect();
    let mut resets = 0;
    for pair in observed.windows(2) {
        if pair[1].1 < pair[0].1 {
            resets += 1;
            // A reset only follows a scrape in which the replica was down.
            let between = up.slice(pair[0].0..pair[1].0);
            assert!(
                between.values().contains(&0.0),
                "reset without a restart at {}",
                pair[1].0
            );
        }
    }
    assert!(resets >= 2, "the OOM kills reset the counter");
    // The other replicas' counters never go down.
    let steady = run
        .frame
        .series(r#"http_requests_total{instance="api-2",node="node-6",service="api"}"#)
        .unwrap();
    let values: Vec<f64> = steady
        .values()
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    assert!(values.windows(2).all(|w| w[1] >= w[0]));
}

#[test]
fn latency_climbs_with_utilisation() {
    let p50_at = |rate: f64| {
        let mut spec = short(ClusterSpec::steady(), 1);
        spec.scrape.noise = 0.0;
        spec.services.retain(|s| s.name == "api");
        spec.services[0].request_rate = rate;
        let run = simulate(&spec, 5).unwrap();
        let p50 = run
            .frame
            .column(r#"http_request_duration_seconds_p50{service="api"}"#)
            .unwrap()
            .to_vec();
        let values: Vec<f64> = p50.into_iter().filter(|v| !v.is_nan()).collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    // api: 4 replicas on 8-core nodes, 25 ms of CPU per request.
    let (light, busy, saturated) = (p50_at(200.0), p50_at(1000.0), p50_at(1400.0));
    assert!(
        light < busy && busy < saturated,
        "{light} {busy} {saturated}"
    );
    assert!(saturated > 10.0 * light, "{light} {saturated}");
}

#[test]
fn overload_builds_queues_and_errors_at_the_peak_only() {
    let run = simulate(&ClusterSpec::overload(), 9).unwrap();
    let depth = run
        .frame
        .series(r#"service_queue_depth{service="api"}"#)
        .unwrap();
    let start = ClusterSpec::overload().start;
    let mean = |from: i64, to: i64| {
        let w = depth.slice(start + Duration::from_hours(from)..start + Duration::from_hours(to));
        let v: Vec<f64> = w.values().iter().copied().filter(|v| !v.is_nan()).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(13, 15) > 100.0, "peak queue {}", mean(13, 15));
    assert!(mean(0, 4) < 1.0, "night queue {}", mean(0, 4));
    assert!(run.stats.errors > run.stats.requests / 1000);
}

#[test]
fn missed_scrapes_show_as_nan_at_the_configured_rate() {
    let mut spec = short(ClusterSpec::steady(), 6);
    spec.scrape.missed_scrape_probability = 0.1;
    let run = simulate(&spec, 2).unwrap();
    let cpu = run
        .frame
        .column(r#"node_cpu_utilisation{node="node-3"}"#)
        .unwrap();
    let missing = cpu.iter().filter(|v| v.is_nan()).count() as f64 / cpu.len() as f64;
    assert!((missing - 0.1).abs() < 0.03, "{missing}");
    // `up` is never missing: it reports the scrape's failure instead.
    let up = run
        .frame
        .column(r#"up{instance="api-0",node="node-4",service="api"}"#)
        .unwrap();
    assert!(up.iter().all(|v| *v == 0.0 || *v == 1.0));
}

#[test]
fn every_fault_kind_can_be_injected_and_labelled() {
    let mut spec = short(ClusterSpec::steady(), 4);
    let at = |m: i64| Duration::from_minutes(m);
    let node = |n: &str| Target::Node(n.into());
    let replica = |s: &str, i: u32| Target::Replica {
        service: s.into(),
        index: i,
    };
    spec.faults.scheduled = vec![
        FaultSpec {
            fault: FaultEffect::CpuHog {
                cores: 8.0,
                ramp: at(5),
            },
            target: node("node-0"),
            at: at(10),
            duration: at(30),
        },
        FaultSpec {
            fault: FaultEffect::SlowNode { factor: 4.0 },
            target: node("node-1"),
            at: at(20),
            duration: at(20),
        },
        FaultSpec {
            fault: FaultEffect::NetworkDegradation {
                latency_ms: 200.0,
                loss: 0.05,
            },
            target: node("node-2"),
            at: at(30),
            duration: at(20),
        },
        FaultSpec {
            fault: FaultEffect::DiskFill {
                gib_per_hour: 300.0,
            },
            target: node("node-3"),
            at: at(40),
            duration: at(60),
        },
        FaultSpec {
            fault: FaultEffect::CrashLoop {
                up: Duration::from_secs(20),
            },
            target: replica("frontend", 1),
            at: at(60),
            duration: at(10),
        },
        FaultSpec {
            fault: FaultEffect::DependencyFailure {
                error_rate: 0.5,
                slowdown_ms: 100.0,
                ramp: at(5),
            },
            target: Target::Service("search".into()),
            at: at(90),
            duration: at(15),
        },
        FaultSpec {
            fault: FaultEffect::Crash,
            target: replica("api", 0),
            at: at(120),
            duration: at(1),
        },
        FaultSpec {
            fault: FaultEffect::MemoryLeak {
                mib_per_minute: 100.0,
            },
            target: replica("search", 0),
            at: at(150),
            duration: at(60),
        },
    ];
    let run = simulate(&spec, 4).unwrap();
    let kinds: Vec<String> = run
        .labels
        .faults()
        .iter()
        .map(|f| f.kind().to_string())
        .collect();
    for expected in [
        "cpu_hog",
        "slow_node",
        "network_degradation",
        "disk_full",
        "crash_loop",
        "dependency_failure",
        "crash",
        "memory_leak",
    ] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "no {expected} label in {kinds:?}"
        );
    }
    // Labels mark impact, after any precursor: the hog after its ramp.
    let hog = run
        .labels
        .faults()
        .iter()
        .find(|f| *f.kind() == FaultKind::CpuHog)
        .unwrap();
    assert_eq!(hog.start(), spec.start + at(15));
    // The crash loop crashed the replica repeatedly.
    assert!(run.stats.crashes >= 10, "{:?}", run.stats);
    // Every label lies inside the run.
    let end = spec.start + spec.duration;
    assert!(
        run.labels
            .faults()
            .iter()
            .all(|f| f.start() >= spec.start && f.end() <= end + Duration::from_minutes(1))
    );
}

#[test]
fn bad_specs_are_errors_naming_the_field() {
    type Breaks = Box<dyn Fn(&mut ClusterSpec)>;
    let cases: Vec<(Breaks, &str)> = vec![
        (
            Box::new(|s| s.services[1].replicas = 0),
            "services[1].replicas",
        ),
        (
            Box::new(|s| s.services[0].request_rate = f64::NAN),
            "services[0].request_rate",
        ),
        (Box::new(|s| s.nodes[0].cores = -1.0), "nodes[0].cores"),
        (Box::new(|s| s.step = Duration::from_millis(5)), "step"),
        (Box::new(|s| s.duration = Duration::ZERO), "duration"),
        (Box::new(|s| s.services.clear()), "services"),
        (
            Box::new(|s| s.scrape.missed_scrape_probability = 1.5),
            "scrape.missed_scrape_probability",
        ),
        (
            Box::new(|s| {
                s.faults.scheduled.push(FaultSpec {
                    fault: FaultEffect::MemoryLeak {
                        mib_per_minute: 1.0,
                    },
                    target: Target::Node("node-0".into()),
                    at: Duration::ZERO,
                    duration: Duration::from_hours(1),
                })
            }),
            "faults.scheduled[0].target",
        ),
        (
            Box::new(|s| {
                s.faults.scheduled.push(FaultSpec {
                    fault: FaultEffect::SlowNode { factor: 2.0 },
                    target: Target::Node("node-99".into()),
                    at: Duration::ZERO,
                    duration: Duration::from_hours(1),
                })
            }),
            "faults.scheduled[0].target",
        ),
    ];
    for (breaks, field) in cases {
        let mut spec = ClusterSpec::steady();
        breaks(&mut spec);
        match simulate(&spec, 1) {
            Err(Error::InvalidSpec { field: got, .. }) => assert_eq!(got, field),
            other => panic!("expected an error on {field}, got {other:?}"),
        }
    }
}
