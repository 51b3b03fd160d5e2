//! A service guarding its handler with an adaptive concurrency limit.
//!
//! A toy server with 8 cores shares them between the requests it holds
//! (each needs 10 ms of CPU), and clients offer twice what it can serve.
//! The handler asks the limiter for a permit before doing work, sheds the
//! request when there is none, and reports each completion through its
//! permit. Simulated time, one fixed seed: the output is the same on every
//! run.
//!
//! Run: `cargo run -p homeostat-examples --bin adaptive_limit`

use std::collections::VecDeque;

use homeostat::tune::limit::{AdaptiveLimit, Limiter, Permit};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Cores of the server.
const CORES: f64 = 8.0;
/// CPU time of one request, seconds.
const WORK_SECS: f64 = 0.010;
/// Offered load: twice the 800 requests per second the server can serve.
const ARRIVALS_PER_SEC: f64 = 1600.0;
const STEP_SECS: f64 = 0.0005;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limiter = Limiter::new(AdaptiveLimit::params().check()?);
    let mut rng = StdRng::seed_from_u64(7);
    // Requests in service: their remaining work and their permit.
    let mut running: VecDeque<(f64, Permit<'_, AdaptiveLimit>)> = VecDeque::new();
    let (mut served, mut shed) = (0u64, 0u64);
    let mut now = 0.0;
    for step in 1..=(20.0 / STEP_SECS) as u64 {
        now = step as f64 * STEP_SECS;
        // Arrivals in this step (Bernoulli approximation of Poisson).
        if rng.gen_bool(ARRIVALS_PER_SEC * STEP_SECS) {
            match limiter.try_acquire(now) {
                Some(permit) => running.push_back((WORK_SECS, permit)),
                None => shed += 1,
            }
        }
        // Processor sharing: every request progresses at min(1, cores / n).
        let rate = (CORES / running.len().max(1) as f64).min(1.0);
        let mut still = VecDeque::with_capacity(running.len());
        for (left, permit) in running.drain(..) {
            let left = left - rate * STEP_SECS;
            if left <= 0.0 {
                permit.success(now);
                served += 1;
            } else {
                still.push_back((left, permit));
            }
        }
        running = still;
        if step % 4000 == 0 {
            println!(
                "t = {:>4.1} s  limit {:>3}  in flight {:>3}  baseline RTT {}",
                now,
                limiter.limit(),
                limiter.in_flight(),
                limiter
                    .with_algorithm(|a| a.baseline_rtt())
                    .map_or("unknown".to_owned(), |b| format!("{:.1} ms", 1000.0 * b))
            );
        }
    }
    let goodput = served as f64 / now;
    println!(
        "served {served} ({goodput:.0}/s, {:.0} % of the server's capacity), shed {shed}",
        100.0 * goodput / (CORES / WORK_SECS)
    );
    Ok(())
}
