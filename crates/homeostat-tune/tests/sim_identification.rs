//! Identifying the simulator's utilisation response and controlling it:
//! x = the cluster's mean CPU utilisation, u = the request rate it serves
//! (thousands per second), from homeostat-sim's cluster mode.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_core::Duration;
use homeostat_sim::cluster::{ClusterRun, ClusterSpec, simulate};
use homeostat_tune::control::{Envelope, Enveloped};
use homeostat_tune::state_space::{OneStepMpc, StateSpaceModel};
use ndarray::{Array2, Axis, Slice};

const STEP_SECS: f64 = 10.0;

/// The steady cluster with demand swinging ±50 % and bursts of double
/// demand, so the input moves; no missed scrapes.
fn varying_cluster(hours: i64) -> ClusterSpec {
    let mut spec = ClusterSpec::diurnal();
    spec.nodes = ClusterSpec::steady().nodes;
    spec.services = ClusterSpec::steady().services;
    spec.duration = Duration::from_hours(hours);
    spec.workload.weekend_factor = 1.0;
    spec.scrape.missed_scrape_probability = 0.0;
    spec
}

/// Per transition: the mean node CPU at its start, and the request rate
/// (thousands per second) served during it.
fn utilisation_and_rate(run: &ClusterRun) -> (Vec<f64>, Vec<f64>) {
    let frame = &run.frame;
    let values = frame.values();
    let cpu_cols: Vec<usize> = (0..frame.ncols())
        .filter(|&c| frame.columns()[c].name() == "node_cpu_utilisation")
        .collect();
    let req_cols: Vec<usize> = (0..frame.ncols())
        .filter(|&c| frame.columns()[c].name() == "http_requests_total")
        .collect();
    assert!(!cpu_cols.is_empty() && !req_cols.is_empty());
    let rows = frame.nrows();
    let mut cpu = Vec::with_capacity(rows - 1);
    let mut rate = Vec::with_capacity(rows - 1);
    for t in 0..rows - 1 {
        cpu.push(cpu_cols.iter().map(|&c| values[[t, c]]).sum::<f64>() / cpu_cols.len() as f64);
        let served: f64 = req_cols
            .iter()
            .map(|&c| values[[t + 1, c]] - values[[t, c]])
            .sum();
        rate.push(served / STEP_SECS / 1000.0);
    }
    (cpu, rate)
}

fn column(values: &[f64]) -> Array2<f64> {
    Array2::from_shape_vec((values.len(), 1), values.to_vec()).unwrap()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The identified model in deviations from the training means, with the means.
struct Identified {
    model: StateSpaceModel,
    x_mean: f64,
    u_mean: f64,
}

fn identify(cpu: &[f64], rate: &[f64]) -> Identified {
    let (x_mean, u_mean) = (mean(cpu), mean(rate));
    let x: Vec<f64> = cpu.iter().map(|v| v - x_mean).collect();
    let u: Vec<f64> = rate.iter().map(|v| v - u_mean).collect();
    let model = StateSpaceModel::fit(column(&x).view(), column(&u).view()).unwrap();
    Identified {
        model,
        x_mean,
        u_mean,
    }
}

#[test]
fn identifies_the_utilisation_response_and_predicts_k_steps() {
    let run = simulate(&varying_cluster(12), 42).unwrap();
    let (cpu, rate) = utilisation_and_rate(&run);
    assert!(cpu.iter().chain(&rate).all(|v| v.is_finite()));
    let split = cpu.len() * 2 / 3;
    // Deviations from the training means: the model has no constant term.
    let Identified {
        model,
        x_mean,
        u_mean,
    } = identify(&cpu[..split], &rate[..split]);
    let x: Vec<f64> = cpu.iter().map(|v| v - x_mean).collect();
    let u: Vec<f64> = rate.iter().map(|v| v - u_mean).collect();
    let quality = model.fit_quality();
    let (a, b) = (model.a()[[0, 0]], model.b()[[0, 0]]);
    eprintln!(
        "A = {a:.4}, B = {b:.4} per 1000 req/s, R² = {:.4}, RMSE = {:.4}, x̄ = {x_mean:.3}, ū = {u_mean:.3}",
        quality.r_squared[0], quality.rmse[0]
    );
    assert!(quality.r_squared[0] > 0.9, "{quality:?}");

    // k-step predictions on the held-out third, from each start with the
    // inputs that were applied.
    let test_x = column(&x[split..]);
    let test_u = column(&u[split..]);
    let spread = {
        let m = mean(&x[split..]);
        (x[split..].iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - split) as f64).sqrt()
    };
    let mut previous_rmse = 0.0;
    for k in [1usize, 5, 20] {
        let mut sse = 0.0;
        let mut count = 0;
        for start in 0..test_x.nrows() - k {
            let predicted = model
                .predict(
                    test_x.row(start),
                    test_u.slice_axis(Axis(0), Slice::from(start..start + k)),
                )
                .unwrap();
            let error = predicted[[k - 1, 0]] - test_x[[start + k, 0]];
            sse += error * error;
            count += 1;
        }
        let rmse = (sse / f64::from(count)).sqrt();
        eprintln!("{k}-step RMSE on held-out data: {rmse:.4} (spread {spread:.4})");
        // Bounded: well under the spread of the state, and growing at most
        // slowly with the horizon (the inputs carry the prediction).
        assert!(
            rmse < 0.3 * spread,
            "{k}-step RMSE {rmse} vs spread {spread}"
        );
        assert!(
            rmse < 2.0 * quality.rmse[0].max(previous_rmse),
            "{k}: {rmse}"
        );
        previous_rmse = rmse;
    }
}

/// Closes the loop through the simulator: each decision (the request rate
/// to admit, thousands per second) runs the steady cluster for 30 s at
/// that rate, and the model-predictive controller, inside its envelope,
/// brings the CPU to the target.
#[test]
fn model_predictive_control_holds_the_simulated_cpu_at_a_target() {
    let run = simulate(&varying_cluster(6), 7).unwrap();
    let (cpu, rate) = utilisation_and_rate(&run);
    let identified = identify(&cpu, &rate);
    let target = 0.30;
    let (lowest, highest, step) = (0.1, 1.5, 0.1); // thousands of requests per second
    let mpc = OneStepMpc::params(identified.model.clone(), vec![target - identified.x_mean])
        .initial_input(0.4 - identified.u_mean)
        .check()
        .unwrap();
    let envelope = Envelope::params(lowest - identified.u_mean, highest - identified.u_mean)
        .max_step(step)
        .check()
        .unwrap();
    let mut control = Enveloped::new(mpc, envelope);

    let base = ClusterSpec::steady();
    let base_rate: f64 = base.services.iter().map(|s| s.request_rate).sum();
    let mut applied = Vec::new();
    let mut measured = Vec::new();
    let mut admitted = control.decision() + identified.u_mean;
    for round in 0..20u32 {
        let mut spec = base.clone();
        spec.duration = Duration::from_secs(30);
        spec.scrape.missed_scrape_probability = 0.0;
        for service in &mut spec.services {
            service.request_rate *= admitted * 1000.0 / base_rate;
        }
        let run = simulate(&spec, u64::from(round)).unwrap();
        let (cpu, _) = utilisation_and_rate(&run);
        let x = *cpu.last().unwrap();
        measured.push(x);
        let next = control.decide(&[x - identified.x_mean][..], f64::from(round) * 30.0);
        let next_admitted = next + identified.u_mean;
        assert!((lowest - 1e-9..=highest + 1e-9).contains(&next_admitted));
        assert!((next_admitted - admitted).abs() <= step + 1e-9);
        admitted = next_admitted;
        applied.push(admitted);
    }
    eprintln!("admitted (1000 req/s): {applied:.3?}");
    eprintln!("CPU: {measured:.3?}");
    // From 0.4 (CPU about 0.15) it climbs one step at a time, then holds.
    assert!(applied.windows(2).take(3).all(|w| w[1] > w[0]));
    for &x in &measured[10..] {
        assert!((x - target).abs() < 0.01, "{measured:?}");
    }
}
