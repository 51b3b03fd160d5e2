//! How evenly power of two choices spreads requests when two threads pick:
//! from one shared balancer (exact pending counts), with one balancer per
//! thread (each thread sees only its own requests), and with weighted
//! random picks (no load at all) as the floor.
//!
//! Each thread keeps `IN_FLIGHT` requests in flight over 100 equal
//! backends, completing its oldest before each new pick. Every 1000 picks
//! the first thread reads the exact counts and notes the most loaded
//! backend's, when both threads have all their requests in flight (a
//! sample taken while the other thread has not started or has finished
//! would count one thread's requests only). The threads run
//! unsynchronised, so figures move a little from run to run.
//!
//! Run with `cargo run --release -p homeostat-examples --bin p2c_threads_balance [IN_FLIGHT]`
//! (default 200).

use std::collections::VecDeque;

use homeostat::balance::{BackendId, Balancer, Error, Outcome, Pick, Request, Strategy};

type Failure = Box<dyn std::error::Error + Send + Sync>;

const BACKENDS: u64 = 100;
const PICKS: u64 = 400_000;
const SAMPLE_EVERY: u64 = 1000;

fn balancer(strategy: Strategy) -> Result<Balancer, Error> {
    Balancer::params(strategy)
        .uniform_backends(BACKENDS)
        .seed(11)
        .build()
}

/// The most loaded backend's pending count over every balancer in `all`
/// (the same backend ids in each), and the count over all backends.
fn most_loaded(all: &[&Balancer]) -> (u64, u64) {
    let mut per_backend = vec![0u64; BACKENDS as usize];
    for lb in all {
        for status in lb.backends() {
            let BackendId(id) = status.id;
            if let Some(count) = per_backend.get_mut(id as usize) {
                *count += status.pending;
            }
        }
    }
    let total = per_backend.iter().sum();
    (per_backend.into_iter().max().unwrap_or(0), total)
}

/// Two threads pick, thread `t` from `pickers[t]`; returns the most loaded
/// backend's count at each sample taken with both threads' requests all
/// in flight.
fn run(pickers: [&Balancer; 2], all: &[&Balancer], in_flight: usize) -> Result<Vec<u64>, Failure> {
    let start = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        let workers: Vec<_> = pickers
            .into_iter()
            .enumerate()
            .map(|(t, lb)| {
                let start = &start;
                s.spawn(move || -> Result<Vec<u64>, Error> {
                    start.wait();
                    let mut held: VecDeque<Pick<&Balancer>> = VecDeque::with_capacity(in_flight);
                    let mut samples = Vec::new();
                    for k in 0..PICKS {
                        if held.len() == in_flight
                            && let Some(oldest) = held.pop_front()
                        {
                            oldest.complete(Outcome::Success);
                        }
                        held.push_back(lb.pick(&Request::new())?);
                        if t == 0 && k % SAMPLE_EVERY == SAMPLE_EVERY - 1 {
                            let (most, total) = most_loaded(all);
                            if total == 2 * in_flight as u64 {
                                samples.push(most);
                            }
                        }
                    }
                    Ok(samples)
                })
            })
            .collect();
        let mut samples = Vec::new();
        for w in workers {
            samples.extend(w.join().map_err(|_| "a picking thread panicked")??);
        }
        Ok(samples)
    })
}

fn main() -> Result<(), Failure> {
    let in_flight: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 200,
    };
    let mean = (2 * in_flight) as f64 / BACKENDS as f64;
    println!(
        "two threads, {in_flight} requests in flight each over {BACKENDS} backends (mean {mean} a backend)"
    );
    println!(
        "{:<34} {:>18} {:>10} {:>8} {:>8}",
        "setup", "most loaded: mean", "p99", "max", "samples"
    );
    let report = |name: &str, mut samples: Vec<u64>| {
        samples.sort_unstable();
        let mean = samples.iter().sum::<u64>() as f64 / samples.len().max(1) as f64;
        let p99 = samples.get(samples.len() * 99 / 100).copied().unwrap_or(0);
        let max = samples.last().copied().unwrap_or(0);
        let n = samples.len();
        println!("{name:<34} {mean:>18.2} {p99:>10} {max:>8} {n:>8}");
    };
    let lb = balancer(Strategy::p2c())?;
    report(
        "P2C, one shared balancer",
        run([&lb, &lb], &[&lb], in_flight)?,
    );
    let own = [balancer(Strategy::p2c())?, balancer(Strategy::p2c())?];
    report(
        "P2C, one balancer per thread",
        run([&own[0], &own[1]], &[&own[0], &own[1]], in_flight)?,
    );
    let lb = balancer(Strategy::WeightedRandom)?;
    report(
        "weighted random (no load)",
        run([&lb, &lb], &[&lb], in_flight)?,
    );
    Ok(())
}
