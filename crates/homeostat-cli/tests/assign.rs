//! `homeostat assign` on a GAP file: the JSON report and bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::process::Command;

/// OR-Library's gap1-0 (optimum 261 as a minimisation), vendored by the
/// allocation crate's tests.
const GAP1_0: &str = include_str!("../../homeostat-alloc/tests/data/gap1-0.txt");

fn homeostat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
}

#[test]
fn assign_prints_one_json_object_with_the_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap1-0");
    std::fs::write(&path, GAP1_0).unwrap();
    for solver in ["heuristic", "auto"] {
        let out = homeostat()
            .args(["assign", "--solver", solver, "--json", "--gap"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["objective"], 261.0, "{report}");
        assert_eq!(report["feasible"], true);
        let bound = report["bound"].as_f64().unwrap();
        assert!(bound <= 261.0 && bound > 0.0);
        assert!(report["gap"].as_f64().unwrap() >= 0.0);
        assert!(report["time_ms"].as_f64().unwrap() >= 0.0);
        assert!(report["solver"].is_string());
        assert_eq!(report["assignment"].as_array().unwrap().len(), 15);
    }
    // Text output names the cost and the bound.
    let out = homeostat()
        .args(["assign", "--solver", "heuristic", "--gap"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("cost 261") && text.contains("bound"),
        "{text}"
    );
}

#[test]
fn assign_rejects_malformed_files_and_oversized_exact_models() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    std::fs::write(&bad, "2 3 1 2 3").unwrap();
    let out = homeostat()
        .args(["assign", "--gap"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed instance"), "{err}");

    if cfg!(feature = "highs") {
        // HiGHS has a time limit instead of a size limit.
        return;
    }
    let path = dir.path().join("gap1-0");
    std::fs::write(&path, GAP1_0).unwrap();
    let out = homeostat()
        .args([
            "assign",
            "--solver",
            "exact",
            "--max-binaries",
            "10",
            "--gap",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("too large for the exact solver"), "{err}");
}

#[cfg(feature = "highs")]
#[test]
fn assign_exact_runs_on_highs_with_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap1-0");
    std::fs::write(&path, GAP1_0).unwrap();
    let out = homeostat()
        .args([
            "assign",
            "--solver",
            "exact",
            "--time-limit",
            "10s",
            "--max-binaries",
            "10",
            "--json",
            "--gap",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["solver"], "exact-highs", "{report}");
    assert_eq!(report["objective"], 261.0);
    assert_eq!(report["bound"], 261.0);
    assert_eq!(report["gap"], 0.0);
}
