//! Scenario files: the shipped examples parse and run; mistakes are errors
//! that name the field and its position.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_sim::cluster::{FaultEffect, simulate};
use homeostat_sim::requests::{self, RoundRobin, Unlimited};
use homeostat_sim::{Error, Scenario};

fn shipped(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

#[test]
fn the_shipped_toml_cluster_parses_and_runs() {
    let Scenario::Cluster(spec) = Scenario::from_file(shipped("web-stack-with-leak.toml")).unwrap()
    else {
        panic!("expected a cluster scenario");
    };
    assert_eq!(spec.node_count(), 8);
    assert_eq!(spec.node_names()[6], "db-0");
    assert!(matches!(
        spec.faults.scheduled[0].fault,
        FaultEffect::MemoryLeak { .. }
    ));
    let run = simulate(&spec, 3).unwrap();
    assert_eq!(run.frame.nrows(), 12 * 240);
    assert!(run.stats.oom_kills >= 1, "{:?}", run.stats);
}

#[test]
fn the_shipped_json_request_scenario_parses_and_runs() {
    let Scenario::Requests(spec) = Scenario::from_file(shipped("two-backends.json")).unwrap()
    else {
        panic!("expected a request scenario");
    };
    let run = requests::run(&spec, &mut RoundRobin::new(), &mut Unlimited, 1).unwrap();
    let summary = run.summary();
    assert!(run.records().len() > 10_000);
    assert!(summary.error > 0 && summary.timeout > 0, "{summary:?}");
}

#[test]
fn unknown_fields_name_the_field_and_the_line() {
    let text = std::fs::read_to_string(shipped("web-stack-with-leak.toml")).unwrap();
    let bad = text.replace("memory_limit_mib = 1536.0", "memory_limt_mib = 1536.0");
    let err = Scenario::from_toml_str(&bad).unwrap_err().to_string();
    assert!(err.contains("memory_limt_mib"), "{err}");
    let line = text
        .lines()
        .position(|l| l.starts_with("memory_limit_mib"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("line {line}")), "{err}");

    let err =
        Scenario::from_json_str(r#"{"requests": {"duration_secs": 1.0, "arival_rate": 5.0}}"#)
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("arival_rate") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn bad_values_and_shapes_are_clear_errors() {
    let base = std::fs::read_to_string(shipped("web-stack-with-leak.toml")).unwrap();
    // A value of the wrong type.
    let err =
        Scenario::from_toml_str(&base.replace("replicas = 3", "replicas = \"three\"")).unwrap_err();
    assert!(matches!(err, Error::ScenarioFile { .. }), "{err}");
    // A malformed duration names the text.
    let err =
        Scenario::from_toml_str(&base.replace("duration = \"12h\"", "duration = \"12 hours\""))
            .unwrap_err();
    assert!(err.to_string().contains("12 hours"), "{err}");
    // Parsed but invalid: the field path comes from validation.
    let err = Scenario::from_toml_str(&base.replace("workers = 16", "workers = 0")).unwrap_err();
    assert!(
        matches!(err, Error::InvalidSpec { ref field, .. } if field == "services[1].workers"),
        "{err}"
    );
    // Exactly one of [cluster] and [requests].
    assert!(Scenario::from_toml_str("").is_err());
    // Not a scenario file at all.
    let err = Scenario::from_file(shipped("../Cargo.toml")).unwrap_err();
    assert!(err.to_string().contains("Cargo.toml"), "{err}");
    let err = Scenario::from_file(shipped("no-such-file.toml")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    let err =
        Scenario::from_file(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap_err();
    assert!(err.to_string().contains(".toml or .json"), "{err}");
}

#[test]
fn every_named_scenario_exists_and_unknown_names_list_them() {
    for name in Scenario::NAMES {
        Scenario::named(name).unwrap().validate().unwrap();
    }
    let err = Scenario::named("chaos").unwrap_err().to_string();
    assert!(
        err.contains("chaos") && err.contains("mixed-faults"),
        "{err}"
    );
}
