//! Trying a routing policy against the "slow backend" incident before it
//! goes near production, with `homeostat::sim`'s request-level mode.
//!
//! Eleven backends serve about 1000 requests/s at ~167 ms; from 15 s to 45 s
//! one of them takes 2 s per request. Round robin keeps sending it 1/11 of
//! the traffic. A router that prefers the backend with the fewest requests
//! in flight (as the client sees them) notices the pile-up and steers away.
//!
//! Run with `cargo run -p homeostat-examples --bin slow_backend_router`.

use homeostat::sim::requests::{
    self, RequestContext, RequestScenario, RoundRobin, Router, RunSummary, Unlimited,
};

/// Least in flight, ties broken round robin so equal backends share load.
#[derive(Debug, Default)]
struct LeastInFlight {
    next: usize,
}

impl Router for LeastInFlight {
    fn pick(&mut self, ctx: &RequestContext<'_>) -> Option<usize> {
        let n = ctx.backends();
        let in_flight = ctx.in_flight();
        let start = self.next % n.max(1);
        self.next = self.next.wrapping_add(1);
        (0..n)
            .map(|i| (start + i) % n)
            .min_by_key(|&b| in_flight.get(b).copied().unwrap_or(u32::MAX))
    }
}

fn report(name: &str, incident: &RunSummary, slow_share: f64) {
    let latency = incident.latency.as_ref();
    println!(
        "{name:<16} p50 {:>6.0} ms   p99 {:>6.0} ms   slow backend got {:>5.2} % of requests",
        latency.map_or(f64::NAN, |l| l.p50_secs * 1000.0),
        latency.map_or(f64::NAN, |l| l.p99_secs * 1000.0),
        100.0 * slow_share
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = RequestScenario::slow_backend();
    let seed = 42;
    println!("requests arriving during the incident (15 s to 45 s):");
    for (name, run) in [
        (
            "round robin",
            requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, seed)?,
        ),
        (
            "least in flight",
            requests::run(
                &scenario,
                &mut LeastInFlight::default(),
                &mut Unlimited,
                seed,
            )?,
        ),
    ] {
        let incident = run.summary_between(15.0, 45.0);
        let slow = incident.backends.first().map_or(0, |b| b.picks);
        report(
            name,
            &incident,
            slow as f64 / incident.requests.max(1) as f64,
        );
    }
    Ok(())
}
