//! `homeostat tune-sim`: limiters compared under overload.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::process::Command;

fn homeostat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
}

#[test]
fn tune_sim_compares_limiters_under_overload() {
    let dir = tempfile::tempdir().unwrap();
    let trajectories = dir.path().join("limits.csv");
    // The first 25 s: one capacity change, at 20 s.
    let out = homeostat()
        .args([
            "tune-sim",
            "--scenario",
            "overload",
            "--limiters",
            "static-50,aimd,vegas,gradient2,homeostat",
            "--duration-secs",
            "25",
            "--seed",
            "3",
            "--json",
            "--trajectories",
        ])
        .arg(&trajectories)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let limiters = json["limiters"].as_array().unwrap();
    assert_eq!(limiters.len(), 5);
    let get = |name: &str, field: &str| {
        limiters.iter().find(|l| l["limiter"] == name).unwrap()[field]
            .as_f64()
            .unwrap()
    };
    // Arrivals at twice the capacity: about half must be rejected by any
    // limiter that keeps the server near capacity.
    for name in ["static-50", "aimd", "gradient2", "homeostat"] {
        assert!(get(name, "goodput_share") > 0.9, "{name}");
        assert!(get(name, "rejection_rate") > 0.4, "{name}");
    }
    // AIMD only backs off on drops: its limit runs to its maximum of 200
    // and the latency with it.
    assert!(get("aimd", "p99_over_unloaded") > 3.0);
    // Ours holds goodput and keeps p99 within twice the unloaded p99.
    assert!(get("homeostat", "goodput_share") > 0.95);
    assert!(get("homeostat", "p99_over_unloaded") < 2.0);
    let converged = &limiters
        .iter()
        .find(|l| l["limiter"] == "homeostat")
        .unwrap()["convergence_secs"][0];
    assert!(converged.as_f64().is_some_and(|s| s <= 10.0), "{converged}");

    let csv = std::fs::read_to_string(&trajectories).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("secs,static-50,aimd,vegas,gradient2,homeostat")
    );
    assert!(lines.count() >= 250); // every 100 ms over 25 s

    // Same seed, same output.
    let again = homeostat()
        .args([
            "tune-sim",
            "--limiters",
            "vegas,homeostat",
            "--duration-secs",
            "5",
            "--json",
        ])
        .output()
        .unwrap();
    let twice = homeostat()
        .args([
            "tune-sim",
            "--limiters",
            "vegas,homeostat",
            "--duration-secs",
            "5",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(again.stdout, twice.stdout);
}

#[test]
fn tune_sim_rejects_unknown_limiters_and_scenarios() {
    for args in [
        ["--limiters", "magic"],
        ["--limiters", "static-0"],
        ["--limiters", "static-x"],
        ["--scenario", "nope"],
    ] {
        let out = homeostat().arg("tune-sim").args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error:"), "{err}");
    }
    let out = homeostat()
        .args(["tune-sim", "--duration-secs", "-1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
