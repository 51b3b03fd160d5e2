//! Holding a cluster's CPU at a target with a model learnt from its logs.
//!
//! 1. Simulate six hours of the steady cluster under a daily swing with
//!    bursts, and log x = mean node CPU and u = requests served per second.
//! 2. Identify `x(t+1) = A·x(t) + B·u(t)` (in deviations from the means) by
//!    least squares and report the fit.
//! 3. Close the loop: each 30 s the one-step model-predictive controller
//!    chooses how many requests per second to admit, inside a safety
//!    envelope (0.1 to 1.5 thousand per second, at most 0.1 thousand more
//!    or less per decision), and the simulator runs 30 s at that rate.
//!
//! Fixed seeds: the output is the same on every run.
//!
//! Run: `cargo run -p homeostat-examples --bin cpu_by_model`

use homeostat::core::Duration;
use homeostat::sim::cluster::{ClusterRun, ClusterSpec, simulate};
use homeostat::tune::control::{Envelope, Enveloped};
use homeostat::tune::state_space::{OneStepMpc, StateSpaceModel};
use ndarray::Array2;

const STEP_SECS: f64 = 10.0;
const TARGET_CPU: f64 = 0.30;

/// Per step: mean node CPU at its start, and the rate served during it
/// (thousands of requests per second).
fn cpu_and_rate(run: &ClusterRun) -> (Vec<f64>, Vec<f64>) {
    let frame = &run.frame;
    let values = frame.values();
    let columns_named = |name: &str| -> Vec<usize> {
        (0..frame.ncols())
            .filter(|&c| frame.columns()[c].name() == name)
            .collect()
    };
    let (cpu_cols, request_cols) = (
        columns_named("node_cpu_utilisation"),
        columns_named("http_requests_total"),
    );
    let mut cpu = Vec::new();
    let mut rate = Vec::new();
    for t in 0..frame.nrows().saturating_sub(1) {
        cpu.push(cpu_cols.iter().map(|&c| values[[t, c]]).sum::<f64>() / cpu_cols.len() as f64);
        let served: f64 = request_cols
            .iter()
            .map(|&c| values[[t + 1, c]] - values[[t, c]])
            .sum();
        rate.push(served / STEP_SECS / 1000.0);
    }
    (cpu, rate)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Logs with a moving input.
    let mut spec = ClusterSpec::diurnal();
    spec.nodes = ClusterSpec::steady().nodes;
    spec.services = ClusterSpec::steady().services;
    spec.duration = Duration::from_hours(6);
    spec.workload.weekend_factor = 1.0;
    spec.scrape.missed_scrape_probability = 0.0;
    let (cpu, rate) = cpu_and_rate(&simulate(&spec, 7)?);
    if cpu.iter().chain(&rate).any(|v| !v.is_finite()) {
        return Err("the simulated logs have gaps".into());
    }

    // 2. Identification in deviations from the means (the model has no
    //    constant term).
    let (x_mean, u_mean) = (mean(&cpu), mean(&rate));
    let x = Array2::from_shape_fn((cpu.len(), 1), |(t, _)| cpu[t] - x_mean);
    let u = Array2::from_shape_fn((rate.len(), 1), |(t, _)| rate[t] - u_mean);
    let model = StateSpaceModel::fit(x.view(), u.view())?;
    let quality = model.fit_quality();
    println!(
        "identified from {} steps: A = {:.3}, B = {:.3} CPU per 1000 req/s, R² = {:.4}, RMSE = {:.4}",
        quality.transitions,
        model.a()[[0, 0]],
        model.b()[[0, 0]],
        quality.r_squared[0],
        quality.rmse[0]
    );

    // 3. The loop, through the simulator.
    let mpc = OneStepMpc::params(model, vec![TARGET_CPU - x_mean])
        .initial_input(0.4 - u_mean)
        .check()?;
    let envelope = Envelope::params(0.1 - u_mean, 1.5 - u_mean)
        .max_step(0.1)
        .check()?;
    let mut control = Enveloped::new(mpc, envelope);
    let base = ClusterSpec::steady();
    let base_rate: f64 = base.services.iter().map(|s| s.request_rate).sum();
    println!("target CPU {TARGET_CPU:.2}\n  time   admitted (req/s)   CPU");
    for round in 0..12u32 {
        let admitted = control.decision() + u_mean;
        let mut step = base.clone();
        step.duration = Duration::from_secs(30);
        step.scrape.missed_scrape_probability = 0.0;
        for service in &mut step.services {
            service.request_rate *= admitted * 1000.0 / base_rate;
        }
        let (cpu, _) = cpu_and_rate(&simulate(&step, u64::from(round))?);
        let measured = cpu.last().copied().unwrap_or(f64::NAN);
        println!(
            "{:>5} s   {:>16.0}   {measured:.3}",
            round * 30,
            admitted * 1000.0
        );
        control.decide(&[measured - x_mean][..], f64::from(round) * 30.0);
    }
    Ok(())
}
