//! `homeostat prep --windows` with durations as well as rows.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::path::Path;
use std::process::{Command, Output};

fn homeostat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
}

/// A NAB-style file of 20 one-minute samples.
fn write_input(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("cpu.csv");
    let mut text = String::from("timestamp,value\n");
    for minute in 0..20 {
        text.push_str(&format!("2026-01-01 00:{minute:02}:00,{}\n", minute % 5));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn prep(dir: &Path, windows: &str) -> (Output, String) {
    let input = write_input(dir);
    let out_path = dir.join(format!("features-{}.csv", windows.replace(',', "_")));
    let out = homeostat()
        .args([
            "prep",
            "--step",
            "1m",
            "--features",
            "mean,max",
            "--windows",
            windows,
        ])
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    let header = std::fs::read_to_string(&out_path)
        .map(|text| text.lines().next().unwrap_or("").to_owned())
        .unwrap_or_default();
    (out, header)
}

#[test]
fn duration_windows_are_converted_with_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let (out, header) = prep(dir.path(), "5m,15m");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(header.contains("cpu:mean_5"), "{header}");
    assert!(header.contains("cpu:max_15"), "{header}");
    // Rows and durations mix, and give the same columns.
    let (out, mixed) = prep(dir.path(), "5,15m");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mixed, header);
}

#[test]
fn windows_that_do_not_fit_the_step_are_rejected_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = prep(dir.path(), "90s");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("90s") && stderr.contains("whole number"),
        "{stderr}"
    );
    let (out, _) = prep(dir.path(), "five");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("\"five\""), "{stderr}");
}
