//! From scraped samples to a training set for fault prediction, with
//! `homeostat::core` alone.
//!
//! A service scrapes two gauges every 10 s for an hour. Samples arrive out of
//! order and one scrape is repeated; a memory leak is labelled from minute 40.
//! We build clean series, align them in a frame, label every row with "does a
//! fault start within the next 5 minutes?", and hand the complete rows to
//! linfa.
//!
//! Run with `cargo run -p homeostat-examples --bin frame_and_labels`.

use homeostat::core::{
    Duplicates, Duration, Fault, FaultKind, FaultLabels, Frame, Order, Scope, Series, Timestamp,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start: Timestamp = "2026-11-23 12:00:00".parse()?;
    let step: Duration = "10s".parse()?;
    let leak_start = start + "40m".parse::<Duration>()?;
    let mut rng = StdRng::seed_from_u64(7);

    // Raw scrapes: memory climbs after the leak starts; every 17th scrape is
    // missing, and the order is shuffled the way a batch export delivers it.
    let mut memory = Vec::new();
    let mut cpu = Vec::new();
    for i in 0..360 {
        let t = start + step * i;
        let leaking = t >= leak_start;
        let mem = 0.40
            + rng.gen_range(-0.01..0.01)
            + if leaking {
                0.002 * (i - 240) as f64
            } else {
                0.0
            };
        memory.push((t, if i % 17 == 0 { f64::NAN } else { mem }));
        cpu.push((t, 0.30 + rng.gen_range(-0.05..0.05)));
    }
    memory.push(memory[100]); // a repeated scrape
    memory.reverse();

    // The caller states how to treat disorder and repeats; core never guesses.
    let memory = Series::builder("memory_utilisation")?
        .order(Order::Sort)
        .duplicates(Duplicates::KeepLast)
        .build_from_points(memory)?;
    let cpu = Series::builder("cpu_utilisation")?.build_from_points(cpu)?;
    println!(
        "memory: {} points, {} missing; cpu: {} points",
        memory.len(),
        memory.missing_count(),
        cpu.len()
    );

    let frame = Frame::from_aligned_series([memory, cpu])?;
    println!(
        "frame: {:?} rows x columns, step {:?}",
        frame.shape(),
        frame.step().map(|s| s.to_string())
    );

    let labels = FaultLabels::new(vec![Fault::new(
        FaultKind::MemoryLeak,
        leak_start,
        start + "1h".parse::<Duration>()?,
        Scope::Replica {
            service: "api".into(),
            node: "n1".into(),
        },
    )?])?;
    let horizon: Duration = "5m".parse()?;
    let targets = labels.horizon_targets(frame.index(), horizon);
    let positives = targets.iter().filter(|&&y| y).count();
    println!(
        "rows labelled 'fault within {horizon}': {positives} of {}",
        targets.len()
    );

    let (dataset, kept) = frame.to_complete_dataset(ndarray::Array1::from(targets))?;
    println!(
        "linfa dataset: {} complete rows of {} features {:?}",
        kept.len(),
        dataset.feature_names().len(),
        dataset.feature_names()
    );

    // The last ten minutes before the leak, as a separate frame.
    let before = frame.slice_time(leak_start - Duration::from_minutes(10)..leak_start);
    let mean_memory = before
        .try_column("memory_utilisation")?
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0), |(s, n), v| (s + v, n + 1));
    println!(
        "mean memory in the 10 minutes before the leak: {:.3} over {} samples",
        mean_memory.0 / mean_memory.1 as f64,
        mean_memory.1
    );
    Ok(())
}
