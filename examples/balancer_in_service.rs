//! A balancer inside a service: eight worker threads pick a backend for
//! each request and report how it went, while a control thread changes the
//! backend set under them.
//!
//! The "backends" are simulated in-process: each request sleeps for the
//! backend's latency. Backend 3 is slow (2 ms instead of 0.2 ms) and fails
//! a third of its requests. Peak-EWMA steers traffic away from its latency
//! and passive outlier ejection takes it out for its failures; halfway
//! through, the control thread adds backend 6 (with slow start) and
//! removes backend 0, whose requests still in flight complete cleanly.
//!
//! Run with `cargo run -p homeostat-examples --bin balancer_in_service`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use homeostat::balance::{
    BackendId, Balancer, Outcome, OutlierDetection, Request, SlowStart, Strategy,
};

const WORKERS: u64 = 8;
const REQUESTS_PER_WORKER: u64 = 1500;

/// The simulated backend: its latency, and whether this request fails.
fn serve(backend: BackendId, request: u64) -> (Duration, bool) {
    if backend == BackendId(3) {
        (Duration::from_micros(2000), request.is_multiple_of(3))
    } else {
        (Duration::from_micros(200), false)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lb = Arc::new(
        Balancer::params(Strategy::peak_ewma())
            .uniform_backends(6)
            .outlier_detection(OutlierDetection {
                consecutive_failures: Some(3),
                max_ejection_percent: 20.0,
                base_ejection: Duration::from_millis(200),
                ..OutlierDetection::default()
            })
            .slow_start(SlowStart {
                window: Duration::from_millis(300),
                ..SlowStart::default()
            })
            .seed(42)
            .build()?,
    );
    let served = Mutex::new(BTreeMap::<u64, u64>::new());
    let (failed, done) = (AtomicU64::new(0), AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|s| -> Result<(), homeostat::balance::Error> {
        for worker in 0..WORKERS {
            let (lb, served, failed, done) = (&lb, &served, &failed, &done);
            s.spawn(move || {
                let mut mine = BTreeMap::<u64, u64>::new();
                for i in 0..REQUESTS_PER_WORKER {
                    let request = worker * REQUESTS_PER_WORKER + i;
                    let Ok(pick) = lb.pick(&Request::new()) else {
                        continue;
                    };
                    let (latency, fails) = serve(pick.backend(), request);
                    std::thread::sleep(latency);
                    *mine.entry(pick.backend().0).or_default() += 1;
                    if fails {
                        failed.fetch_add(1, Ordering::Relaxed);
                        pick.complete(Outcome::Failure);
                    } else {
                        pick.complete(Outcome::Success);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(mut all) = served.lock() {
                    for (id, n) in mine {
                        *all.entry(id).or_default() += n;
                    }
                }
            });
        }
        // The control plane: halfway through, add one backend, remove another.
        while done.load(Ordering::Relaxed) < WORKERS * REQUESTS_PER_WORKER / 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        lb.add(BackendId(6), 1.0)?;
        lb.remove(BackendId(0))?;
        Ok(())
    })?;
    let total = done.load(Ordering::Relaxed);
    println!(
        "{total} requests from {WORKERS} threads in {:.2?}, {} failed ({:.2} %)",
        started.elapsed(),
        failed.load(Ordering::Relaxed),
        100.0 * failed.load(Ordering::Relaxed) as f64 / total.max(1) as f64
    );
    let served = served.into_inner().unwrap_or_default();
    for (id, n) in &served {
        println!(
            "backend {id}: {n:>5} requests ({:>5.2} %){}",
            100.0 * *n as f64 / total.max(1) as f64,
            match id {
                0 => "  removed halfway",
                3 => "  slow and failing",
                6 => "  added halfway, slow start",
                _ => "",
            }
        );
    }
    for b in lb.backends() {
        println!(
            "now {}: pending {}, ejections {}, Peak-EWMA {:.2} ms",
            b.id,
            b.pending,
            b.ejections,
            1e3 * b.peak_ewma_secs
        );
    }
    Ok(())
}
