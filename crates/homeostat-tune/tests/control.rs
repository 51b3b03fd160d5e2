//! PID control, parameter search and state-space identification.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_tune::Error;
use homeostat_tune::pid::Pid;
use homeostat_tune::search::{GoldenSection, Phase};
use homeostat_tune::state_space::StateSpaceModel;
use ndarray::{Array1, Array2, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A first-order plant y' = 0.9 y + 0.1 (gain · u) + disturbance.
fn plant(y: f64, u: f64, disturbance: f64) -> f64 {
    0.9 * y + 0.1 * (2.0 * u) + disturbance
}

#[test]
fn pid_tracks_a_setpoint_and_rejects_a_disturbance() {
    let mut pid = Pid::params(0.5, 1.0, 0.05)
        .setpoint(10.0)
        .output_limits(0.0, 100.0)
        .initial_output(0.0)
        .derivative_filter_secs(0.5)
        .check()
        .unwrap();
    let mut y = 0.0;
    for t in 0..600 {
        let disturbance = if t >= 300 { -0.3 } else { 0.0 };
        let u = pid.update(y, f64::from(t) * 0.1).unwrap();
        assert!((0.0..=100.0).contains(&u));
        y = plant(y, u, disturbance);
        if t == 299 {
            assert!((y - 10.0).abs() < 0.05, "before the disturbance: {y}");
        }
    }
    // Integral action removes the steady-state error of the disturbance.
    assert!((y - 10.0).abs() < 0.05, "{y}");
}

#[test]
fn anti_windup_recovers_at_once_after_saturation() {
    let make = || {
        Pid::params(0.2, 2.0, 0.0)
            .setpoint(100.0)
            .output_limits(0.0, 1.0)
            .initial_output(0.0)
            .check()
            .unwrap()
    };
    // An unreachable set-point for 100 s saturates the output high.
    let mut pid = make();
    for t in 0..1000 {
        assert_eq!(pid.update(0.0, f64::from(t) * 0.1).unwrap(), 1.0);
    }
    // The measurement overshoots: the output must leave the limit within a
    // few steps, not after unwinding 100 s of integral.
    let mut steps = 0;
    let mut t = 100.0;
    while pid.update(150.0, t).unwrap() >= 1.0 {
        steps += 1;
        t += 0.1;
        assert!(steps < 10, "the integral wound up");
    }
}

#[test]
fn derivative_acts_on_measurement_so_a_setpoint_step_does_not_kick() {
    let mut pid = Pid::params(0.0, 0.0, 10.0)
        .output_limits(-1e6, 1e6)
        .initial_output(0.0)
        .check()
        .unwrap();
    pid.update(5.0, 0.0).unwrap();
    pid.set_setpoint(1000.0).unwrap();
    assert_eq!(pid.update(5.0, 1.0).unwrap(), 0.0);
    // A measurement jump does move it (against the jump).
    assert!(pid.update(6.0, 2.0).unwrap() < 0.0);
}

#[test]
fn pid_envelope_limits_steps_and_holds_during_cooldown() {
    let mut pid = Pid::params(10.0, 0.0, 0.0)
        .setpoint(100.0)
        .output_limits(0.0, 50.0)
        .initial_output(0.0)
        .max_step(2.0)
        .cooldown_secs(5.0)
        .check()
        .unwrap();
    assert_eq!(pid.update(0.0, 0.0).unwrap(), 2.0);
    assert_eq!(pid.update(0.0, 1.0).unwrap(), 2.0); // cooling down
    assert_eq!(pid.update(0.0, 5.0).unwrap(), 4.0);
}

#[test]
fn pid_rejects_bad_parameters_and_observations() {
    assert!(matches!(
        Pid::params(-1.0, 0.0, 0.0).check(),
        Err(Error::InvalidParameter { name: "kp", .. })
    ));
    assert!(matches!(
        Pid::params(1.0, f64::NAN, 0.0).check(),
        Err(Error::InvalidParameter { name: "ki", .. })
    ));
    assert!(matches!(
        Pid::params(1.0, 0.0, 0.0).output_limits(5.0, 1.0).check(),
        Err(Error::MinAboveMax { .. })
    ));
    assert!(Pid::params(1.0, 0.0, 0.0).max_step(0.0).check().is_err());
    assert!(
        Pid::params(1.0, 0.0, 0.0)
            .max_step(f64::NAN)
            .check()
            .is_err()
    );
    assert!(
        Pid::params(1.0, 0.0, 0.0)
            .output_limits(0.0, 1.0)
            .initial_output(2.0)
            .check()
            .is_err()
    );
    let mut pid = Pid::params(1.0, 1.0, 0.0).check().unwrap();
    let before = pid.clone();
    assert!(matches!(
        pid.update(f64::NAN, 0.0),
        Err(Error::NonFinite { .. })
    ));
    assert!(pid.update(1.0, f64::INFINITY).is_err());
    assert_eq!(pid, before);
}

#[test]
fn golden_section_finds_a_noisy_optimum_freezes_and_reopens_on_drift() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let noise = Normal::new(0.0, 5.0).unwrap();
    // Throughput against batch size, peak 1000 at 48, with noise.
    let mut peak = 48.0;
    let mut search = GoldenSection::params(1.0, 256.0)
        .x_tolerance(2.0)
        .samples_per_point(8)
        .settle_tolerance(0.05)
        .check()
        .unwrap();
    let mut rounds = 0;
    while !search.is_frozen() {
        let x: f64 = search.suggest();
        let value = 1000.0 - (x - peak).powi(2) / 4.0 + noise.sample(&mut rng);
        search.observe(value).unwrap();
        rounds += 1;
        assert!(rounds < 1000, "never froze");
    }
    // Within 8 of the peak: at most 1.6 % below the best throughput, the
    // resolution noise of sd 5 on 8-round averages allows.
    assert!(
        (search.suggest() - peak).abs() < 8.0,
        "{}",
        search.suggest()
    );
    // Frozen: noise alone does not re-open it.
    let frozen_at = search.suggest();
    for _ in 0..100 {
        let value = 1000.0 - (frozen_at - peak).powi(2) / 4.0 + noise.sample(&mut rng);
        search.observe(value).unwrap();
    }
    assert_eq!(search.phase(), Phase::Frozen);
    // The optimum moves: throughput at the frozen knob drops, the search
    // re-opens and finds the new peak.
    peak = 160.0;
    let mut reopened = false;
    for _ in 0..2000 {
        let x = search.suggest();
        let value = 1000.0 - (x - peak).powi(2) / 4.0 + noise.sample(&mut rng);
        search.observe(value).unwrap();
        reopened |= search.phase() == Phase::Searching;
        if reopened && search.is_frozen() {
            break;
        }
    }
    assert!(reopened);
    assert!(search.is_frozen());
    // Within 8 of the peak: at most 1.6 % below the best throughput, the
    // resolution noise of sd 5 on 8-round averages allows.
    assert!(
        (search.suggest() - peak).abs() < 8.0,
        "{}",
        search.suggest()
    );
    // Bad observations and parameters.
    assert!(search.observe(f64::NAN).is_err());
    assert!(matches!(
        GoldenSection::params(10.0, 1.0).check(),
        Err(Error::MinAboveMax { .. })
    ));
    assert!(GoldenSection::params(f64::NAN, 1.0).check().is_err());
    assert!(
        GoldenSection::params(0.0, 1.0)
            .samples_per_point(0)
            .check()
            .is_err()
    );
    let _ = rng.r#gen::<u8>();
}

/// Simulates x(t+1) = A x + B u + noise with random inputs.
fn simulate(
    a: &Array2<f64>,
    b: &Array2<f64>,
    steps: usize,
    noise_sd: f64,
    seed: u64,
) -> (Array2<f64>, Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, noise_sd.max(1e-300)).unwrap();
    let (n, m) = (a.nrows(), b.ncols());
    let mut x = Array2::zeros((steps, n));
    let u = Array2::from_shape_fn((steps, m), |_| rng.gen_range(-1.0..1.0));
    for t in 1..steps {
        let next = a.dot(&x.row(t - 1)) + b.dot(&u.row(t - 1));
        for i in 0..n {
            x[[t, i]] = next[i]
                + if noise_sd > 0.0 {
                    noise.sample(&mut rng)
                } else {
                    0.0
                };
        }
    }
    (x, u)
}

#[test]
fn least_squares_recovers_a_known_system() {
    let a = array![[0.9, 0.1], [-0.2, 0.7]];
    let b = array![[0.5, 0.0], [0.1, 0.3]];
    let (x, u) = simulate(&a, &b, 2000, 0.01, 11);
    let model = StateSpaceModel::fit(x.view(), u.view()).unwrap();
    for (got, want) in model
        .a()
        .iter()
        .zip(a.iter())
        .chain(model.b().iter().zip(b.iter()))
    {
        assert!((got - want).abs() < 0.02, "{got} vs {want}");
    }
    let quality = model.fit_quality();
    assert!(
        quality.r_squared.iter().all(|&r| r > 0.99),
        "{:?}",
        quality.r_squared
    );
    assert!(
        quality.rmse.iter().all(|&e| (e - 0.01).abs() < 0.002),
        "{:?}",
        quality.rmse
    );

    // Noise-free data: exact recovery, and k-step prediction matches.
    let (x, u) = simulate(&a, &b, 50, 0.0, 12);
    let model = StateSpaceModel::fit(x.view(), u.view()).unwrap();
    let predicted = model
        .predict(
            x.row(10),
            u.slice_axis(ndarray::Axis(0), ndarray::Slice::from(10..20)),
        )
        .unwrap();
    for k in 0..10 {
        for i in 0..2 {
            assert!((predicted[[k, i]] - x[[11 + k, i]]).abs() < 1e-9);
        }
    }
}

#[test]
fn one_step_control_reaches_a_target_inside_the_bounds() {
    let model = {
        let a = array![[0.8]];
        let b = array![[0.2]];
        let (x, u) = simulate(&a, &b, 200, 0.0, 3);
        StateSpaceModel::fit(x.view(), u.view()).unwrap()
    };
    let x = Array1::from(vec![0.5]);
    // Reachable: 0.8 * 0.5 + 0.2 u = 0.6 → u = 1.
    let u = model
        .control(
            x.view(),
            array![0.6].view(),
            array![-5.0].view(),
            array![5.0].view(),
            0.0,
        )
        .unwrap();
    assert!((u[0] - 1.0).abs() < 1e-6, "{u}");
    // Out of reach: clamped at the bound.
    let u = model
        .control(
            x.view(),
            array![10.0].view(),
            array![-5.0].view(),
            array![5.0].view(),
            0.0,
        )
        .unwrap();
    assert_eq!(u[0], 5.0);
    assert!(matches!(
        model.control(
            x.view(),
            array![0.6].view(),
            array![1.0].view(),
            array![0.0].view(),
            0.0
        ),
        Err(Error::MinAboveMax { .. })
    ));
    assert!(
        model
            .control(
                x.view(),
                array![f64::NAN].view(),
                array![0.0].view(),
                array![1.0].view(),
                0.0
            )
            .is_err()
    );
}

#[test]
fn identification_rejects_bad_data() {
    let x = Array2::<f64>::zeros((10, 2));
    let u = Array2::<f64>::zeros((9, 1));
    assert!(matches!(
        StateSpaceModel::fit(x.view(), u.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let u = Array2::<f64>::zeros((10, 1));
    // Nothing varies: the model is not determined.
    assert!(matches!(
        StateSpaceModel::fit(x.view(), u.view()),
        Err(Error::Singular { .. })
    ));
    let x = Array2::<f64>::zeros((2, 2));
    let u = Array2::<f64>::zeros((2, 1));
    assert!(matches!(
        StateSpaceModel::fit(x.view(), u.view()),
        Err(Error::NotEnoughData { .. })
    ));
    let mut x = Array2::<f64>::ones((10, 1));
    x[[3, 0]] = f64::NAN;
    let u = Array2::<f64>::ones((10, 1));
    assert!(matches!(
        StateSpaceModel::fit(x.view(), u.view()),
        Err(Error::NonFinite { .. })
    ));
    let empty = Array2::<f64>::zeros((10, 0));
    assert!(StateSpaceModel::fit(empty.view(), u.view()).is_err());
}

#[test]
fn ucb1_finds_the_best_arm_under_noise_and_rejects_bad_input() {
    use homeostat_tune::bandit::Ucb1;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let noise = Normal::new(0.0, 50.0).unwrap();
    let means = [800.0, 950.0, 900.0, 700.0];
    let mut bandit = Ucb1::params(4).scale(50.0).check().unwrap();
    for _ in 0..3000 {
        let arm = bandit.select();
        bandit
            .observe(arm, means[arm] + noise.sample(&mut rng))
            .unwrap();
    }
    assert_eq!(bandit.best(), Some(1));
    assert!(bandit.pulls()[1] > 2000, "{:?}", bandit.pulls());
    assert!(bandit.pulls().iter().all(|&n| n > 0));
    assert!(bandit.observe(9, 1.0).is_err());
    assert!(bandit.observe(0, f64::NAN).is_err());
    assert!(Ucb1::params(0).check().is_err());
    assert!(Ucb1::params(2).scale(0.0).check().is_err());
    assert!(Ucb1::params(2).exploration(f64::INFINITY).check().is_err());
    assert_eq!(Ucb1::params(3).check().unwrap().best(), None);
}

#[test]
fn thompson_sampling_finds_the_best_arm_is_seeded_and_rejects_bad_input() {
    use homeostat_tune::bandit::ThompsonSampling;
    let run = |seed: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let noise = Normal::new(0.0, 50.0).unwrap();
        let means = [800.0, 950.0, 900.0, 700.0];
        let mut bandit = ThompsonSampling::params(4)
            .scale(50.0)
            .seed(seed)
            .check()
            .unwrap();
        let mut choices = Vec::new();
        for _ in 0..3000 {
            let arm = bandit.select();
            choices.push(arm);
            bandit
                .observe(arm, means[arm] + noise.sample(&mut rng))
                .unwrap();
        }
        (bandit, choices)
    };
    let (bandit, choices) = run(11);
    assert_eq!(bandit.best(), Some(1));
    // Thompson sampling explores less than UCB1 here: the best arm gets
    // nearly every round once the posteriors separate.
    assert!(bandit.pulls()[1] > 2700, "{:?}", bandit.pulls());
    assert_eq!(run(11).1, choices, "same seed, same choices");
    assert_ne!(run(12).1, choices, "another seed, other draws");
    let mut bandit = bandit;
    let before = bandit.clone();
    assert!(bandit.observe(4, 1.0).is_err());
    assert!(bandit.observe(0, f64::INFINITY).is_err());
    assert_eq!(bandit, before);
    assert!(ThompsonSampling::params(0).check().is_err());
    assert!(ThompsonSampling::params(2).scale(-1.0).check().is_err());
    assert!(ThompsonSampling::params(2).scale(f64::NAN).check().is_err());
}

#[test]
fn both_bandits_freeze_on_the_best_arm_and_reopen_on_drift() {
    use homeostat_tune::bandit::{Bandit, Solidified, ThompsonSampling, Ucb1};
    use homeostat_tune::solidify::SolidifyParams;
    fn exercise<B: Bandit>(bandit: B, name: &str) {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let noise = Normal::new(0.0, 10.0).unwrap();
        let solidify = SolidifyParams::default()
            .settle_rounds(20)
            .settle_tolerance(0.1)
            .drift_rounds(5)
            .drift_tolerance(0.2);
        let mut solid = Solidified::new(bandit, solidify).unwrap();
        let mut means = [800.0, 950.0, 900.0];
        let mut froze_at = None;
        for round in 0..4000 {
            if round == 2000 {
                means[1] = 600.0; // the frozen setting degrades
            }
            let arm = solid.select();
            solid
                .observe(arm, means[arm] + noise.sample(&mut rng))
                .unwrap();
            if round < 2000 && froze_at.is_none() && solid.frozen_arm().is_some() {
                froze_at = Some(round);
            }
            if (1000..2000).contains(&round) {
                assert_eq!(solid.frozen_arm(), Some(1), "{name} at {round}");
            }
        }
        assert!(froze_at.is_some_and(|r| r < 1000), "{name}: {froze_at:?}");
        assert_eq!(
            solid.frozen_arm(),
            Some(2),
            "{name}: re-opened, settled on 2"
        );
        assert!(solid.observe(7, 1.0).is_err());
        assert!(
            Solidified::new(
                Ucb1::params(2).check().unwrap(),
                SolidifyParams::default().settle_rounds(0)
            )
            .is_err()
        );
    }
    exercise(Ucb1::params(3).scale(10.0).check().unwrap(), "ucb1");
    exercise(
        ThompsonSampling::params(3)
            .scale(10.0)
            .seed(9)
            .check()
            .unwrap(),
        "thompson",
    );
}

#[test]
fn beta_bernoulli_thompson_finds_the_likeliest_success() {
    use homeostat_tune::bandit::{Bandit, ThompsonSampling};
    use rand::{Rng, SeedableRng};
    // Three settings whose requests succeed with probability 0.2, 0.5, 0.6.
    let p = [0.2, 0.5, 0.6];
    let run = |seed: u64| {
        let mut bandit = ThompsonSampling::params(3)
            .bernoulli()
            .seed(seed)
            .check()
            .unwrap();
        let mut world = rand_chacha::ChaCha8Rng::seed_from_u64(99);
        let mut choices = Vec::new();
        for _ in 0..3000 {
            let arm = bandit.select();
            let success = f64::from(u8::from(world.gen_bool(p[arm])));
            bandit.observe(arm, success).unwrap();
            choices.push(arm);
        }
        (bandit, choices)
    };
    let (bandit, choices) = run(5);
    assert_eq!(bandit.best(), Some(2));
    assert!(bandit.pulls()[2] > 1500, "{:?}", bandit.pulls());
    assert!(bandit.pulls()[0] < 200, "{:?}", bandit.pulls());
    assert_eq!(run(5).1, choices, "same seed, same choices");
    // Rewards are successes: outside [0, 1] is a typed error that changes nothing.
    let mut bandit = ThompsonSampling::params(2).bernoulli().check().unwrap();
    assert!(bandit.observe(0, 1.5).is_err());
    assert!(bandit.observe(0, -0.1).is_err());
    assert!(bandit.record(1, f64::NAN).is_err());
    assert_eq!(bandit.pulls(), &[0, 0]);
    assert!(bandit.observe(0, 0.75).is_ok()); // a fraction of successes
}

#[test]
fn affine_fit_recovers_the_constant_term_and_control_uses_it() {
    // x(t+1) = A x + B u + c + noise: the equilibrium at u = 0 is not 0.
    let a = array![[0.9, 0.1], [-0.2, 0.7]];
    let b = array![[0.5, 0.0], [0.1, 0.3]];
    let c = array![0.2, -0.1];
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let noise = Normal::new(0.0, 0.01).unwrap();
    let steps = 2000;
    let u = Array2::from_shape_fn((steps, 2), |_| rng.gen_range(-1.0..1.0));
    let mut x = Array2::zeros((steps, 2));
    for t in 1..steps {
        let next = a.dot(&x.row(t - 1)) + b.dot(&u.row(t - 1)) + &c;
        for i in 0..2 {
            x[[t, i]] = next[i] + noise.sample(&mut rng);
        }
    }
    let model = StateSpaceModel::fit_affine(x.view(), u.view()).unwrap();
    for (got, want) in model
        .a()
        .iter()
        .zip(a.iter())
        .chain(model.b().iter().zip(b.iter()))
        .chain(model.c().iter().zip(c.iter()))
    {
        assert!((got - want).abs() < 0.02, "{got} vs {want}");
    }
    // Without the constant the same data fit worse.
    let plain = StateSpaceModel::fit(x.view(), u.view()).unwrap();
    assert!(plain.c().iter().all(|&v| v == 0.0));
    assert!(plain.fit_quality().rmse[0] > 1.5 * model.fit_quality().rmse[0]);
    // One-step control lands on the target, the constant included.
    let state = array![0.5, 0.5];
    let target = array![1.0, 0.4];
    let wide = array![-10.0, -10.0];
    let input = model
        .control(
            state.view(),
            target.view(),
            wide.view(),
            (-&wide).view(),
            0.0,
        )
        .unwrap();
    let next = model.step(state.view(), input.view()).unwrap();
    for i in 0..2 {
        assert!((next[i] - target[i]).abs() < 1e-6, "{next} vs {target}");
    }
    // An input that never changes cannot be told from the constant.
    let flat = Array2::from_elem((steps, 1), 3.0);
    let x1 = Array2::from_shape_fn((steps, 1), |(t, _)| x[[t, 0]]);
    assert!(matches!(
        StateSpaceModel::fit_affine(x1.view(), flat.view()),
        Err(Error::Singular { .. })
    ));
    // n + m + 1 transitions at least.
    let few = Array2::zeros((4, 2));
    assert!(matches!(
        StateSpaceModel::fit_affine(few.view(), few.view()),
        Err(Error::NotEnoughData { .. })
    ));
}
