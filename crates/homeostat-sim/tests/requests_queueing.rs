//! The request-level simulator against queueing theory: FCFS M/M/1 and
//! M/M/c mean response times (Erlang C), and M/M/1 processor sharing.
//!
//! Seeds are fixed, so these are deterministic; the tolerances are several
//! standard errors of the estimate (queue-length autocorrelation included)
//! at the sample sizes used.
#![allow(clippy::unwrap_used)]

use homeostat_sim::queueing::MmcQueue;
use homeostat_sim::requests::{
    self, Discipline, Outcome, RequestRun, RequestScenario, RoundRobin, Unlimited,
};

fn simulate(
    lambda: f64,
    mean_service_ms: f64,
    workers: u32,
    discipline: Discipline,
    requests: f64,
    seed: u64,
) -> RequestRun {
    let scenario = RequestScenario::single_queue(
        lambda,
        mean_service_ms,
        workers,
        discipline,
        requests / lambda,
    );
    requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, seed).unwrap()
}

/// Mean response time of the requests that arrived after a warm-up.
fn mean_response(run: &RequestRun, warmup_secs: f64) -> (f64, usize) {
    let latencies: Vec<f64> = run
        .records()
        .iter()
        .filter(|r| r.arrival_secs >= warmup_secs)
        .inspect(|r| assert_eq!(r.outcome, Outcome::Ok))
        .map(|r| r.latency_secs)
        .collect();
    (
        latencies.iter().sum::<f64>() / latencies.len() as f64,
        latencies.len(),
    )
}

fn assert_close(what: &str, measured: f64, expected: f64, rel_tol: f64) {
    let rel = measured / expected - 1.0;
    assert!(
        rel.abs() < rel_tol,
        "{what}: measured {measured:.6} s, theory {expected:.6} s ({:+.2} %)",
        rel * 100.0
    );
}

#[test]
fn mm1_fcfs_matches_the_closed_form() {
    // lambda = 80/s, mu = 100/s: W = 1 / (mu - lambda) = 50 ms, Wq = 40 ms.
    let run = simulate(80.0, 10.0, 1, Discipline::Fcfs, 600_000.0, 11);
    let (measured, n) = mean_response(&run, 10.0);
    assert!(n > 550_000);
    let theory = MmcQueue::new(80.0, 100.0, 1);
    assert_close(
        "M/M/1 mean response",
        measured,
        theory.mean_response().unwrap(),
        0.04,
    );
    // The wait alone, subtracting the known mean service time.
    assert_close(
        "M/M/1 mean wait",
        measured - 0.010,
        theory.mean_wait().unwrap(),
        0.05,
    );
}

#[test]
fn mmc_fcfs_matches_erlang_c() {
    // c = 4, lambda = 320/s, mu = 100/s: rho = 0.8, P(wait) = 0.596.
    let run = simulate(320.0, 10.0, 4, Discipline::Fcfs, 600_000.0, 12);
    let (measured, _) = mean_response(&run, 10.0);
    let theory = MmcQueue::new(320.0, 100.0, 4);
    assert_close(
        "M/M/4 mean response",
        measured,
        theory.mean_response().unwrap(),
        0.03,
    );
    assert_close(
        "M/M/4 mean wait",
        measured - 0.010,
        theory.mean_wait().unwrap(),
        0.06,
    );
}

#[test]
fn mm1_processor_sharing_matches_the_closed_form() {
    // M/M/1-PS: W = 1 / (mu - lambda), the same mean as FCFS.
    let run = simulate(80.0, 10.0, 1, Discipline::ProcessorSharing, 600_000.0, 13);
    let (measured, _) = mean_response(&run, 10.0);
    assert_close(
        "M/M/1-PS mean response",
        measured,
        1.0 / (100.0 - 80.0),
        0.04,
    );
}

#[test]
fn processor_sharing_under_light_load_is_just_the_service_time() {
    // Four cores, rarely more than four jobs: each runs at full speed.
    let run = simulate(40.0, 10.0, 4, Discipline::ProcessorSharing, 100_000.0, 14);
    let (measured, _) = mean_response(&run, 1.0);
    // M/M/c-PS mean response: E[N]/lambda with E[N] from the M/M/c chain;
    // at this load it is within 0.1 % of the service time.
    assert_close("lightly loaded PS", measured, 0.010, 0.02);
}
