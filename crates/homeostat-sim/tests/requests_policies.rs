//! Routers, limiters, timeouts and determinism of the request-level mode.
#![allow(clippy::unwrap_used)]

use homeostat_core::Timestamp;
use homeostat_sim::ServiceTime;
use homeostat_sim::requests::{
    self, BackendSpec, Completion, Discipline, FixedConcurrency, Limiter, Outcome, RequestContext,
    RequestRun, RequestScenario, RoundRobin, Router, Slowdown, SlowdownEffect, UniformRandom,
    Unlimited,
};

/// Sends each request to the backend with the fewest client-side requests
/// in flight, breaking ties from a random starting point (the request's
/// hash key) so no backend is favoured.
struct LeastInFlight;

impl Router for LeastInFlight {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        let counts = ctx.in_flight();
        let n = counts.len();
        let first = (ctx.hash_key() % n as u64) as usize;
        (0..n).map(|k| (first + k) % n).min_by_key(|&i| counts[i])
    }
}

fn p99_between(run: &RequestRun, from: f64, to: f64) -> f64 {
    run.summary_between(from, to).latency.unwrap().p99_secs
}

#[test]
fn round_robin_suffers_the_slow_backend_and_least_in_flight_avoids_it() {
    let scenario = RequestScenario::slow_backend();
    let rr = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 1).unwrap();
    let lif = requests::run(&scenario, &mut LeastInFlight, &mut Unlimited, 1).unwrap();

    // Before the slowdown both see the healthy latency (p99 ~ 0.45 s).
    for run in [&rr, &lif] {
        let before = p99_between(run, 2.0, 14.0);
        assert!(
            (0.3..0.7).contains(&before),
            "p99 before the slowdown {before}"
        );
    }
    // During it, 1/11 of round robin's requests take the pinned 2 s.
    let rr_p99 = p99_between(&rr, 15.0, 45.0);
    assert!((1.95..2.2).contains(&rr_p99), "round robin p99 {rr_p99}");
    let rr_picks = rr.summary_between(15.0, 45.0).backends[0].picks as f64;
    let total = rr.summary_between(15.0, 45.0).requests as f64;
    assert!((rr_picks / total - 1.0 / 11.0).abs() < 0.001);
    // Least-in-flight sends the slow backend under 2 % of the traffic (it
    // still gets about 1 %: its in-flight count keeps coming back down to
    // the others'), so its p99 is well under the pinned 2 s (about 0.7 s).
    let lif_p99 = p99_between(&lif, 15.0, 45.0);
    assert!(
        lif_p99 < 1.0 && lif_p99 < rr_p99 / 2.0,
        "least-in-flight p99 {lif_p99}"
    );
    let lif_share = lif.summary_between(15.0, 45.0).backends[0].picks as f64 / total;
    assert!(lif_share < 0.02, "slow backend share {lif_share}");
}

#[test]
fn same_seed_gives_identical_records_and_different_seeds_differ() {
    let mut scenario = RequestScenario::slow_backend();
    scenario.duration_secs = 20.0;
    scenario.timeout_ms = Some(1500.0);
    scenario.backends[1].error_rate = 0.05;
    scenario.backends[2].discipline = Discipline::ProcessorSharing;
    scenario.backends[0].slowdowns[0].start_secs = 5.0;
    let bytes = |seed: u64| {
        let mut router = UniformRandom::new(seed);
        let run = requests::run(&scenario, &mut router, &mut Unlimited, seed).unwrap();
        serde_json::to_vec(run.records()).unwrap()
    };
    let first = bytes(5);
    assert_eq!(first, bytes(5));
    assert_ne!(first, bytes(6));
}

#[test]
fn records_are_in_arrival_order_and_complete() {
    let run = requests::run(
        &RequestScenario::slow_backend(),
        &mut RoundRobin::new(),
        &mut Unlimited,
        3,
    )
    .unwrap();
    let records = run.records();
    assert!(records.iter().enumerate().all(|(i, r)| r.id == i as u64));
    assert!(
        records
            .windows(2)
            .all(|w| w[0].arrival_secs <= w[1].arrival_secs)
    );
    assert!(
        records
            .iter()
            .all(|r| r.arrival_secs < 60.0 && r.latency_secs > 0.0)
    );
    let n = records.len() as f64;
    assert!(
        (n - 60_000.0).abs() < 5.0 * 60_000f64.sqrt(),
        "{n} requests"
    );
}

/// Records every callback with its simulated time.
#[derive(Default)]
struct Recorder {
    completions: Vec<Completion>,
}

impl Router for Recorder {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        Some(ctx.id() as usize % ctx.backends())
    }
    fn on_complete(&mut self, done: &Completion) {
        self.completions.push(*done);
    }
}

#[test]
fn callbacks_fire_in_simulated_time_order() {
    let mut scenario = RequestScenario::slow_backend();
    scenario.duration_secs = 20.0;
    scenario.timeout_ms = Some(1000.0);
    scenario.backends[0].slowdowns[0].start_secs = 5.0;
    let mut router = Recorder::default();
    let run = requests::run(&scenario, &mut router, &mut Unlimited, 9).unwrap();
    assert_eq!(router.completions.len(), run.records().len());
    let times: Vec<f64> = router
        .completions
        .iter()
        .map(Completion::completion_secs)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1] + 1e-9));
}

#[test]
fn a_slow_backend_past_the_timeout_times_out_at_exactly_the_timeout() {
    let mut backend = BackendSpec::new("slow", 64, ServiceTime::Constant { ms: 10.0 });
    backend.slowdowns.push(Slowdown {
        start_secs: 0.0,
        end_secs: 100.0,
        effect: SlowdownEffect::Pinned { latency_ms: 2000.0 },
    });
    let healthy = BackendSpec::new("fast", 64, ServiceTime::Constant { ms: 10.0 });
    let scenario = RequestScenario {
        duration_secs: 10.0,
        arrival_rate: 20.0,
        timeout_ms: Some(1000.0),
        series_step_ms: 1000,
        backends: vec![backend, healthy],
    };
    let run = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 2).unwrap();
    let summary = run.summary();
    assert!(summary.timeout > 50 && summary.ok > 50);
    for record in run.records() {
        match record.backend {
            Some(0) => {
                assert_eq!(record.outcome, Outcome::Timeout);
                assert_eq!(record.latency_secs, 1.0);
            }
            _ => {
                assert_eq!(record.outcome, Outcome::Ok);
                assert!((record.latency_secs - 0.010).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn timeouts_free_the_client_slot_but_not_the_server() {
    // One worker, 300 ms per request, 500 ms timeout, 10 requests/s: the
    // server stays saturated by abandoned work, so later requests wait
    // behind it and time out too.
    let mut scenario = RequestScenario::single_queue(10.0, 300.0, 1, Discipline::Fcfs, 30.0);
    scenario.backends[0].service_time = ServiceTime::Constant { ms: 300.0 };
    scenario.timeout_ms = Some(500.0);
    let run = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 4).unwrap();
    let summary = run.summary();
    assert!(
        summary.timeout as f64 > 0.5 * summary.requests as f64,
        "{summary:?}"
    );
    assert!(run.records().iter().all(|r| r.latency_secs <= 0.5));
}

#[test]
fn the_limiter_rejects_without_consulting_the_router() {
    struct CountingRouter(u64);
    impl Router for CountingRouter {
        fn pick(&mut self, _ctx: &RequestContext<'_>) -> Option<usize> {
            self.0 += 1;
            Some(0)
        }
    }
    // Overloaded M/M/1 (lambda 200/s, mu 100/s) behind a limit of 5.
    let scenario = RequestScenario::single_queue(200.0, 10.0, 1, Discipline::Fcfs, 20.0);
    let mut router = CountingRouter(0);
    let mut limiter = FixedConcurrency(5);
    let run = requests::run(&scenario, &mut router, &mut limiter, 8).unwrap();
    let summary = run.summary();
    assert!(summary.rejected > 1000, "{summary:?}");
    assert_eq!(router.0, summary.requests - summary.rejected);
    for record in run
        .records()
        .iter()
        .filter(|r| r.outcome == Outcome::Rejected)
    {
        assert_eq!((record.backend, record.latency_secs), (None, 0.0));
    }
    // At most 5 in flight, so at most 4 ahead of anyone: a bounded wait.
    let max_ok = summary.latency.unwrap().max_secs;
    assert!(max_ok < 0.5, "max latency {max_ok}");
}

#[test]
fn a_limiter_sees_every_completion_including_rejections() {
    struct Tally {
        admitted: u64,
        completed: u64,
    }
    impl Limiter for Tally {
        fn admit(&mut self, ctx: &RequestContext<'_>) -> bool {
            let admit = ctx.id() % 3 != 0;
            self.admitted += u64::from(admit);
            admit
        }
        fn on_complete(&mut self, _done: &Completion) {
            self.completed += 1;
        }
    }
    let scenario = RequestScenario::single_queue(100.0, 5.0, 2, Discipline::Fcfs, 10.0);
    let mut tally = Tally {
        admitted: 0,
        completed: 0,
    };
    let run = requests::run(&scenario, &mut RoundRobin::new(), &mut tally, 1).unwrap();
    assert_eq!(tally.completed, run.records().len() as u64);
    assert_eq!(tally.admitted, run.summary().ok);
}

#[test]
fn a_router_without_a_valid_pick_fails_the_request() {
    struct Bad;
    impl Router for Bad {
        fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
            match ctx.id() % 3 {
                0 => None,
                1 => Some(ctx.backends()), // out of range
                _ => Some(usize::MAX),
            }
        }
    }
    let scenario = RequestScenario::single_queue(100.0, 5.0, 2, Discipline::Fcfs, 5.0);
    let run = requests::run(&scenario, &mut Bad, &mut Unlimited, 1).unwrap();
    assert!(!run.records().is_empty());
    assert!(
        run.records()
            .iter()
            .all(|r| r.outcome == Outcome::Error && r.backend.is_none() && r.latency_secs == 0.0)
    );
}

#[test]
fn error_rate_fails_about_that_fraction() {
    let mut scenario = RequestScenario::single_queue(1000.0, 5.0, 16, Discipline::Fcfs, 20.0);
    scenario.backends[0].error_rate = 0.1;
    let run = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 1).unwrap();
    let s = run.summary();
    let fraction = s.error as f64 / s.requests as f64;
    assert!((fraction - 0.1).abs() < 0.01, "{fraction}");
}

#[test]
fn multiply_slowdowns_scale_service_times_in_the_window() {
    let mut scenario = RequestScenario::single_queue(50.0, 10.0, 64, Discipline::Fcfs, 20.0);
    scenario.backends[0].service_time = ServiceTime::Constant { ms: 10.0 };
    scenario.backends[0].slowdowns.push(Slowdown {
        start_secs: 5.0,
        end_secs: 10.0,
        effect: SlowdownEffect::Multiply { factor: 3.0 },
    });
    let run = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 1).unwrap();
    for r in run.records() {
        let expected = if (5.0..10.0).contains(&r.arrival_secs) {
            0.030
        } else {
            0.010
        };
        assert!((r.latency_secs - expected).abs() < 1e-9, "{r:?}");
    }
}

#[test]
fn series_counts_add_up_and_have_the_documented_columns() {
    let run = requests::run(
        &RequestScenario::slow_backend(),
        &mut RoundRobin::new(),
        &mut Unlimited,
        1,
    )
    .unwrap();
    let start = Timestamp::from_secs(1_700_000_000);
    let frame = run.series(start).unwrap();
    // Rows are stamped at the end of their interval (1 s by default).
    assert_eq!(
        frame.index()[0],
        start + homeostat_core::Duration::from_secs(1)
    );
    assert!(frame.nrows() >= 60 && frame.nrows() <= 63);
    let ok: f64 = frame.column(r#"requests{outcome="ok"}"#).unwrap().sum();
    assert_eq!(ok as usize, run.records().len());
    let to_zero: f64 = frame
        .column(r#"backend_requests{backend="backend-0"}"#)
        .unwrap()
        .sum();
    assert_eq!(to_zero as u64, run.summary().backends[0].picks);
    let p99 = frame.column("latency_p99_seconds").unwrap();
    assert!(p99[30] > 1.9 && p99[5] < 0.7, "{} {}", p99[30], p99[5]);
    assert!(frame.column("latency_p50_seconds").is_some());
    assert_eq!(
        frame
            .column(r#"requests{outcome="timeout"}"#)
            .unwrap()
            .sum(),
        0.0
    );
}

#[test]
fn uniform_random_spreads_evenly() {
    let scenario = RequestScenario::slow_backend();
    let run = requests::run(&scenario, &mut UniformRandom::new(3), &mut Unlimited, 3).unwrap();
    let summary = run.summary();
    let expected = summary.requests as f64 / 11.0;
    for b in &summary.backends {
        assert!(
            (b.picks as f64 - expected).abs() < 5.0 * expected.sqrt(),
            "{b:?}"
        );
    }
}

#[test]
fn overload_collapses_without_a_limit_and_holds_capacity_with_one() {
    // The first 15 s of the overload scenario: before its capacity change.
    let mut scenario = RequestScenario::overload();
    scenario.duration_secs = 15.0;
    let capacity = RequestScenario::OVERLOAD_CAPACITY_RPS;
    let goodput = |run: &RequestRun| run.summary_between(5.0, 15.0).ok as f64 / 10.0;

    let unlimited = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 3).unwrap();
    // The server's queue grows without bound and requests time out.
    assert!(
        goodput(&unlimited) < 0.5 * capacity,
        "{}",
        goodput(&unlimited)
    );

    let limited = requests::run(
        &scenario,
        &mut RoundRobin::new(),
        &mut FixedConcurrency(40),
        3,
    )
    .unwrap();
    let summary = limited.summary_between(5.0, 15.0);
    assert!(goodput(&limited) > 0.95 * capacity, "{}", goodput(&limited));
    assert_eq!(summary.timeout, 0);
    assert!(summary.rejected > summary.ok / 2);
}
