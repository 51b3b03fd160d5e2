//! A memory leak seen two ways: a damped Holt–Winters forecast of a
//! process's memory with the probability of reaching its limit within ten
//! minutes, and a streaming detector on the same series.
//!
//! The series is synthetic and fixed-seed: 400 minutes at one minute with a
//! daily-shaped load and, from hour 5, a leak of 12 MiB per minute.
//!
//! Run: `cargo run -p homeostat-examples --bin forecast_memory`

use homeostat::core::Timestamp;
use homeostat::predict::detect::{Detector, RobustEwma};
use homeostat::predict::forecast::{Forecaster, HoltWinters, prob_exceeds};
use rand::{Rng, SeedableRng, rngs::StdRng};

const LIMIT_MIB: f64 = 2048.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(11);
    let memory: Vec<f64> = (0..400)
        .map(|i| {
            let load = 200.0 * (i as f64 * std::f64::consts::TAU / 720.0).sin();
            let leak = if i >= 300 {
                12.0 * (i - 300) as f64
            } else {
                0.0
            };
            1200.0 + load + leak + rng.r#gen::<f64>() * 20.0
        })
        .collect();

    let mut detector = RobustEwma::params().build()?;
    let mut first_alarm = None;
    println!(
        "minute  memory MiB  forecast+10 min (95% upper)  P(limit within 10 min)  anomaly score"
    );
    for (minute, &m) in memory.iter().enumerate() {
        let score = detector.update(Timestamp::from_secs(60 * minute as i64), m);
        if first_alarm.is_none() && minute >= 60 && score >= 0.3 {
            first_alarm = Some(minute);
        }
        if minute >= 60 && minute % 30 == 0 || (minute >= 300 && minute % 10 == 0) {
            // Refit on the last two hours: the recent trend is what matters.
            let history = &memory[minute.saturating_sub(120)..=minute];
            let fit = HoltWinters::params().damped(true).fit(history)?;
            let f = fit.forecast(10, 0.95)?;
            let p = prob_exceeds(&f, LIMIT_MIB);
            println!(
                "{minute:>6}  {m:>10.0}  {:>10.0} ({:>6.0})            {p:>6.3}               {score:.3}",
                f.mean[9], f.upper[9]
            );
        }
    }
    // A leak is a trend, which a level-tracking detector follows; the
    // forecast's limit probability is the signal that rises with it.
    match first_alarm {
        Some(minute) => println!(
            "first anomaly alarm (score >= 0.3) at minute {minute}; the leak starts at 300"
        ),
        None => println!(
            "no anomaly alarm (score >= 0.3): the detector follows the leak's trend; the forecast flags it"
        ),
    }
    Ok(())
}
