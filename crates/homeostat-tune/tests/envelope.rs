//! Every controller, wrapped in the one envelope: whatever it observes, no
//! decision leaves the envelope, no step is too large, and the cooldown
//! holds.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_tune::Error;
use homeostat_tune::bandit::{Solidified, ThompsonSampling, Ucb1};
use homeostat_tune::control::{Controller, Envelope, Enveloped};
use homeostat_tune::limit::{
    AdaptiveLimit, Aimd, Gradient2, LimitAlgorithm, Limiter, Sample, Vegas,
};
use homeostat_tune::pid::Pid;
use homeostat_tune::search::GoldenSection;
use homeostat_tune::solidify::SolidifyParams;
use homeostat_tune::state_space::{OneStepMpc, StateSpaceModel};
use ndarray::Array2;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -2.0..10.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => -1e300..1e300f64,
        1 => Just(0.0),
    ]
}

/// Time steps: mostly forward, sometimes standing still, going back or
/// not a number.
fn any_dt() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 0.0..3.0f64,
        1 => Just(0.0),
        1 => -5.0..0.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
    ]
}

fn any_envelope() -> impl Strategy<Value = Envelope> {
    (
        -50i32..50,
        0u32..200,
        prop_oneof![Just(f64::INFINITY), 1.0..20.0f64],
        prop_oneof![Just(0.0), 0.0..10.0f64],
        any::<bool>(),
    )
        .prop_map(|(min, span, step, cooldown, integral)| {
            let params = Envelope::params(f64::from(min), f64::from(min) + f64::from(span))
                .max_step(step)
                .cooldown_secs(cooldown);
            let params = if integral { params.integral() } else { params };
            params.check().unwrap()
        })
}

/// Runs `controller` in `envelope` over the observations, each made at the
/// clock advanced by its time step, and checks every decision.
fn check_run<C, O>(
    name: &str,
    controller: C,
    envelope: Envelope,
    observations: &[(O, f64)],
) -> Result<(), TestCaseError>
where
    C: Controller,
    O: std::borrow::Borrow<C::Observation>,
{
    let mut enveloped = Enveloped::new(controller, envelope);
    let mut previous = enveloped.decision();
    let mut last_change = f64::NEG_INFINITY;
    let mut now = 0.0_f64;
    prop_assert!(envelope.min() <= previous && previous <= envelope.max());
    for (observation, dt) in observations {
        now += dt;
        let decision = enveloped.decide(observation.borrow(), now);
        prop_assert_eq!(decision, enveloped.decision());
        prop_assert!(
            envelope.min() <= decision && decision <= envelope.max(),
            "{name}: {decision} outside [{}, {}]",
            envelope.min(),
            envelope.max()
        );
        if envelope.is_integral() {
            prop_assert_eq!(decision.fract(), 0.0, "{}: {} not whole", name, decision);
        }
        if decision != previous {
            prop_assert!(
                (decision - previous).abs() <= envelope.max_step(),
                "{name}: step {previous} -> {decision} above {}",
                envelope.max_step()
            );
            prop_assert!(now.is_finite(), "{name}: changed at time {now}");
            prop_assert!(
                now - last_change >= envelope.cooldown_secs(),
                "{name}: changed at {now}, {} s after the last change",
                now - last_change
            );
            last_change = now;
        }
        previous = decision;
    }
    Ok(())
}

fn any_sample() -> impl Strategy<Value = Sample> {
    (any_f64(), any_f64(), any::<u32>(), any::<bool>()).prop_map(
        |(now_secs, rtt_secs, in_flight, dropped)| Sample {
            now_secs,
            rtt_secs,
            in_flight,
            dropped,
        },
    )
}

/// A two-state, one-input model fitted on a known system.
fn model() -> StateSpaceModel {
    let steps = 40;
    let u = Array2::from_shape_fn((steps, 1), |(t, _)| ((t * 7) % 5) as f64 - 2.0);
    let mut x = Array2::zeros((steps, 2));
    for t in 1..steps {
        x[[t, 0]] = 0.8 * x[[t - 1, 0]] + 0.1 * x[[t - 1, 1]] + 0.5 * u[[t - 1, 0]];
        x[[t, 1]] = -0.1 * x[[t - 1, 0]] + 0.6 * x[[t - 1, 1]] + 0.2 * u[[t - 1, 0]];
    }
    StateSpaceModel::fit(x.view(), u.view()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn limit_algorithms_stay_in_their_envelope(
        envelope in any_envelope(),
        run in proptest::collection::vec((any_sample(), any_dt()), 1..200),
    ) {
        check_run("aimd", Aimd::params().check().unwrap(), envelope, &run)?;
        check_run("vegas", Vegas::params().check().unwrap(), envelope, &run)?;
        check_run("gradient2", Gradient2::params().check().unwrap(), envelope, &run)?;
        check_run("adaptive", AdaptiveLimit::params().check().unwrap(), envelope, &run)?;
    }

    #[test]
    fn scalar_controllers_stay_in_their_envelope(
        envelope in any_envelope(),
        run in proptest::collection::vec((any_f64(), any_dt()), 1..200),
    ) {
        let pid = Pid::params(3.0, 0.5, 0.2).setpoint(1.0).derivative_filter_secs(1.0).check().unwrap();
        check_run("pid", pid, envelope, &run)?;
        let reverse = Pid::params(50.0, 10.0, 0.0).reverse_acting().output_limits(-5.0, 5.0).max_step(0.5).check().unwrap();
        check_run("pid (own envelope too)", reverse, envelope, &run)?;
        let search = GoldenSection::params(-10.0, 60.0).samples_per_point(1).check().unwrap();
        check_run("golden section", search, envelope, &run)?;
        check_run("ucb1", Ucb1::params(5).check().unwrap(), envelope, &run)?;
        let thompson = ThompsonSampling::params(5).seed(3).check().unwrap();
        check_run("thompson", thompson.clone(), envelope, &run)?;
        let solid = Solidified::new(thompson, SolidifyParams::default().settle_rounds(2)).unwrap();
        check_run("solidified thompson", solid, envelope, &run)?;
    }

    #[test]
    fn model_predictive_control_stays_in_its_envelope(
        envelope in any_envelope(),
        target in (any_f64(), any_f64()),
        run in proptest::collection::vec(((any_f64(), any_f64()), any_dt()), 1..100),
    ) {
        let mpc = OneStepMpc::params(model(), vec![target.0, target.1]).effort(0.01).check();
        let Ok(mpc) = mpc else {
            // Only a non-finite target may be refused.
            prop_assert!(!target.0.is_finite() || !target.1.is_finite());
            return Ok(());
        };
        let states: Vec<(Vec<f64>, f64)> = run.iter().map(|((a, b), dt)| (vec![*a, *b], *dt)).collect();
        check_run("mpc", mpc, envelope, &states)?;
    }
}

#[test]
fn bad_envelopes_are_typed_errors() {
    let invalid = |result: Result<Envelope, Error>, expected: &str| match result {
        Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, expected),
        other => panic!("{expected}: {other:?}"),
    };
    invalid(Envelope::params(f64::NAN, 1.0).check(), "min");
    invalid(Envelope::params(0.0, f64::INFINITY).check(), "max");
    invalid(Envelope::params(0.0, 1.0).max_step(0.0).check(), "max_step");
    invalid(
        Envelope::params(0.0, 1.0).max_step(-1.0).check(),
        "max_step",
    );
    invalid(
        Envelope::params(0.0, 1.0).max_step(f64::NAN).check(),
        "max_step",
    );
    invalid(
        Envelope::params(0.0, 1.0).max_step(0.5).integral().check(),
        "max_step",
    );
    invalid(Envelope::params(0.5, 1.0).integral().check(), "min");
    invalid(
        Envelope::params(0.0, 1.0).cooldown_secs(-1.0).check(),
        "cooldown_secs",
    );
    assert!(matches!(
        Envelope::params(2.0, 1.0).check(),
        Err(Error::MinAboveMax { .. })
    ));
}

#[test]
fn an_enveloped_limit_drives_a_limiter_and_cools_down() {
    let envelope = Envelope::params(5.0, 30.0)
        .max_step(2.0)
        .cooldown_secs(1.0)
        .integral()
        .check()
        .unwrap();
    let algorithm = Enveloped::new(Aimd::params().min_limit(5).check().unwrap(), envelope);
    assert_eq!(algorithm.limit(), 20);
    let limiter = Limiter::new(algorithm);
    // Drops at once: AIMD wants 18 then 16; the envelope allows the first
    // (two less) and holds the second for the cooldown.
    limiter.try_acquire(0.0).unwrap().dropped(0.5);
    assert_eq!(limiter.limit(), 18);
    limiter.try_acquire(0.5).unwrap().dropped(0.6);
    assert_eq!(limiter.limit(), 18);
    limiter.try_acquire(0.6).unwrap().dropped(1.6);
    assert_eq!(limiter.limit(), 16);
    let admitted: Vec<_> = (0..40).filter_map(|_| limiter.try_acquire(2.0)).collect();
    assert_eq!(admitted.len(), 16);
}

#[test]
fn pid_tracks_the_applied_output_without_winding_up() {
    // The envelope caps the output at 5 while the PID (limits ±1e9) asks
    // for more; once the error changes sign it comes down at once.
    let pid = Pid::params(1.0, 1.0, 0.0).setpoint(10.0).check().unwrap();
    let envelope = Envelope::params(0.0, 5.0).check().unwrap();
    let mut control = Enveloped::new(pid, envelope);
    for t in 0..100 {
        assert_eq!(control.decide(&0.0, f64::from(t)), 5.0);
    }
    let after = control.decide(&20.0, 100.0);
    assert!(after < 5.0, "{after}");
}
