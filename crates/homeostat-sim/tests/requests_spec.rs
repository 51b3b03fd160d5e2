//! Validation and serialisation of request-level scenarios.
#![allow(clippy::unwrap_used)]

use homeostat_sim::requests::{
    self, BackendSpec, Discipline, RequestScenario, RoundRobin, Slowdown, SlowdownEffect, Unlimited,
};
use homeostat_sim::{Error, ServiceTime};

/// Applies `edit` to the slow-backend scenario and returns the field the
/// error names, checking that `run` rejects it the same way.
fn invalid_field(edit: impl FnOnce(&mut RequestScenario)) -> (String, String) {
    let mut scenario = RequestScenario::slow_backend();
    edit(&mut scenario);
    let err = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        scenario.validate().unwrap_err().to_string()
    );
    match err {
        Error::InvalidSpec { field, reason } => (field, reason),
        other => panic!("expected InvalidSpec, got {other:?}"),
    }
}

/// A change to a valid scenario, the field it breaks and the value the
/// error must quote.
type Case = (
    Box<dyn FnOnce(&mut RequestScenario)>,
    &'static str,
    &'static str,
);

#[test]
fn invalid_parameters_are_named_with_their_value() {
    let cases: Vec<Case> = vec![
        (
            Box::new(|s| s.backends[3].workers = 0),
            "backends[3].workers",
            "0",
        ),
        (Box::new(|s| s.arrival_rate = -5.0), "arrival_rate", "-5"),
        (
            Box::new(|s| s.arrival_rate = f64::NAN),
            "arrival_rate",
            "NaN",
        ),
        (Box::new(|s| s.duration_secs = 0.0), "duration_secs", "0"),
        (
            Box::new(|s| s.duration_secs = f64::INFINITY),
            "duration_secs",
            "inf",
        ),
        (
            Box::new(|s| s.backends[2].error_rate = 1.5),
            "backends[2].error_rate",
            "1.5",
        ),
        (Box::new(|s| s.backends.clear()), "backends", "[]"),
        (Box::new(|s| s.timeout_ms = Some(0.0)), "timeout_ms", "0"),
        (Box::new(|s| s.series_step_ms = 0), "series_step_ms", "0"),
        (
            Box::new(|s| s.backends[0].slowdowns[0].end_secs = 10.0),
            "backends[0].slowdowns[0].end_secs",
            "10",
        ),
        (
            Box::new(|s| {
                s.backends[4].slowdowns.push(Slowdown {
                    start_secs: 1.0,
                    end_secs: 2.0,
                    effect: SlowdownEffect::Multiply { factor: f64::NAN },
                })
            }),
            "backends[4].slowdowns[0].effect.factor",
            "NaN",
        ),
        (
            Box::new(|s| s.backends[1].service_time = ServiceTime::Exponential { mean_ms: -1.0 }),
            "backends[1].service_time.mean_ms",
            "-1",
        ),
        (
            Box::new(|s| s.backends[5].name = "backend-4".into()),
            "backends[5].name",
            "backend-4",
        ),
        (
            Box::new(|s| s.backends[6].name.clear()),
            "backends[6].name",
            "\"\"",
        ),
        (
            Box::new(|s| s.arrival_rate = 1e9),
            "arrival_rate",
            "1000000000",
        ),
    ];
    for (edit, field, value) in cases {
        let (got_field, reason) = invalid_field(edit);
        assert_eq!(got_field, field);
        assert!(
            reason.contains(value),
            "{field}: {reason:?} should contain {value:?}"
        );
    }
}

#[test]
fn scenarios_round_trip_through_json() {
    let mut scenario = RequestScenario::slow_backend();
    scenario.timeout_ms = Some(750.0);
    scenario.backends[1].discipline = Discipline::ProcessorSharing;
    scenario.backends[1].error_rate = 0.01;
    scenario.backends[2].slowdowns.push(Slowdown {
        start_secs: 1.0,
        end_secs: 3.0,
        effect: SlowdownEffect::Multiply { factor: 4.0 },
    });
    let json = serde_json::to_string(&scenario).unwrap();
    assert_eq!(
        serde_json::from_str::<RequestScenario>(&json).unwrap(),
        scenario
    );
}

#[test]
fn unknown_fields_are_rejected() {
    let text = r#"
        duration_secs = 1.0
        arrival_rate = 1.0
        backends = [{ name = "a", workers = 1, wokers = 2, service_time = { dist = "constant", ms = 1.0 } }]
    "#;
    let err = toml::from_str::<RequestScenario>(text).unwrap_err();
    assert!(err.to_string().contains("wokers"), "{err}");
}

#[test]
fn backend_defaults() {
    let b = BackendSpec::new("x", 3, ServiceTime::Constant { ms: 1.0 });
    assert_eq!(b.discipline, Discipline::Fcfs);
    assert!(b.slowdowns.is_empty());
    assert!(b.validate("backends[0]").is_ok());
}
