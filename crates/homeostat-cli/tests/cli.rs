//! The `homeostat` binary as a user runs it.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::process::Command;

fn homeostat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
}

#[test]
fn version_and_help_work() {
    let out = homeostat().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim(),
        format!("homeostat {}", env!("CARGO_PKG_VERSION"))
    );

    let out = homeostat().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("demo"));
}

#[test]
fn quick_demo_writes_a_summary_with_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let out = homeostat()
        .args(["demo", "--quick", "--seed", "7", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let json = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["quick"], true);
    let stages = summary["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 7);
    for stage in stages {
        assert!(stage["stage"].is_string() && stage["provided_by"].is_string());
        assert!(stage["status"].is_string());
    }
}

#[test]
fn same_seed_same_summary() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let out_dir = dir.path().join(name);
        let status = homeostat()
            .args(["demo", "--quick", "--out"])
            .arg(&out_dir)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read(out_dir.join("summary.json")).unwrap()
    };
    assert_eq!(run("a"), run("b"));
}

#[test]
fn bad_arguments_fail_with_usage_errors() {
    let out = homeostat()
        .args(["demo", "--seed", "abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--seed"));

    let out = homeostat().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unwritable_output_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = homeostat()
        .args(["demo", "--quick", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: cannot create output directory"),
        "{stderr}"
    );
}
