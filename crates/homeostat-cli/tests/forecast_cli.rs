//! `homeostat nab`, `homeostat detect` and `homeostat forecast` as a user runs them.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn homeostat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Five-minute rows from 2014-01-01, a wave with a jump at `spike`.
fn series_csv(rows: usize, spike: Option<usize>) -> String {
    let mut s = String::from("timestamp,value\n");
    for i in 0..rows {
        let (h, m) = ((i * 5) / 60, (i * 5) % 60);
        let (d, h) = (1 + h / 24, h % 24);
        let mut v = 10.0 + (i as f64 * 0.1).sin() + ((i * 7919) % 11) as f64 * 0.05;
        if spike == Some(i) {
            v += 25.0;
        }
        writeln!(s, "2014-01-{d:02} {h:02}:{m:02}:00,{v}").unwrap();
    }
    s
}

/// A two-file NAB-layout corpus with one window around a spike.
fn tiny_corpus(root: &Path) {
    std::fs::create_dir_all(root.join("data/cat")).unwrap();
    std::fs::create_dir_all(root.join("labels")).unwrap();
    std::fs::write(root.join("data/cat/a.csv"), series_csv(2000, Some(1500))).unwrap();
    std::fs::write(root.join("data/cat/b.csv"), series_csv(1500, None)).unwrap();
    // Row 1490 is 2014-01-06 04:10, row 1520 is 2014-01-06 06:40.
    let labels = r#"{"cat/a.csv": [["2014-01-06 04:10:00.000000", "2014-01-06 06:40:00.000000"]], "cat/b.csv": []}"#;
    std::fs::write(root.join("labels/combined_windows.json"), labels).unwrap();
}

#[test]
fn nab_runs_writes_results_and_scores_them_again() {
    let dir = tempfile::tempdir().unwrap();
    tiny_corpus(dir.path());
    let data = dir.path().join("data");
    let out_dir = dir.path().join("results");
    let text = ok(&homeostat(&[
        "nab",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let standard = json["standard"].as_f64().unwrap();
    assert!(standard > 50.0, "the spike is found early: {standard}");
    for key in ["reward_low_FP_rate", "reward_low_FN_rate"] {
        assert!(json[key].as_f64().unwrap().is_finite());
    }
    let results = out_dir.join("fused/cat/fused_a.csv");
    let written = std::fs::read_to_string(&results).unwrap();
    assert!(written.starts_with("timestamp,value,anomaly_score,label\n"));
    assert_eq!(written.lines().count(), 2001);
    assert_eq!(written.lines().filter(|l| l.ends_with(",1")).count(), 31);

    let again = ok(&homeostat(&[
        "nab",
        "--data",
        data.to_str().unwrap(),
        "--score-only",
        out_dir.to_str().unwrap(),
        "--detector",
        "fused",
        "--json",
    ]));
    let again: serde_json::Value = serde_json::from_str(again.trim()).unwrap();
    assert!((again["standard"].as_f64().unwrap() - standard).abs() < 1e-9);
}

#[test]
fn nab_reports_missing_data_and_unknown_detectors() {
    let out = homeostat(&["nab", "--data", "/nonexistent/nab"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    let dir = tempfile::tempdir().unwrap();
    tiny_corpus(dir.path());
    let data = dir.path().join("data");
    let out = homeostat(&[
        "nab",
        "--data",
        data.to_str().unwrap(),
        "--detector",
        "magic",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown \"magic\""));
}

#[test]
fn nab_reproduces_the_official_numenta_score_when_the_data_is_present() {
    let root = std::env::var_os("HOMEOSTAT_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dev = root.join("nab-dev");
    if !dev.join("reference-results").is_dir() {
        eprintln!("SKIPPED: NAB data not found at {}", dev.display());
        return;
    }
    let text = ok(&homeostat(&[
        "nab",
        "--data",
        dev.join("data").to_str().unwrap(),
        "--score-only",
        dev.join("reference-results").to_str().unwrap(),
        "--detector",
        "numenta",
        "--thresholds",
        dev.join("thresholds.json").to_str().unwrap(),
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    for (key, want) in [
        ("standard", 71.21),
        ("reward_low_FP_rate", 64.79),
        ("reward_low_FN_rate", 75.54),
    ] {
        assert!(
            (json[key].as_f64().unwrap() - want).abs() < 0.05,
            "{key}: {json}"
        );
    }
}

#[test]
fn detect_scores_every_row_and_flags_the_spike() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.csv");
    std::fs::write(&input, series_csv(1000, Some(800))).unwrap();
    let out = dir.path().join("scores.csv");
    ok(&homeostat(&[
        "detect",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    let scores: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(scores.len(), 1000);
    let argmax = (0..1000)
        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
        .unwrap();
    // The default detector averages its surprise over 3 values.
    assert!((800..803).contains(&argmax), "{argmax}");
    assert!(scores[800] > scores[..800].iter().cloned().fold(0.0, f64::max));

    std::fs::write(&input, "timestamp,value\nyesterday,1\n").unwrap();
    let bad = homeostat(&[
        "detect",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
}

#[test]
fn every_registered_detector_runs_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.csv");
    // Past the longest warm-up (900 values for the seasonal detector).
    std::fs::write(&input, series_csv(1500, Some(1200))).unwrap();
    let out = dir.path().join("scores.csv");
    for name in homeostat::predict::detect::DETECTOR_NAMES {
        ok(&homeostat(&[
            "detect",
            "--input",
            input.to_str().unwrap(),
            "--detector",
            name,
            "--out",
            out.to_str().unwrap(),
        ]));
        let text = std::fs::read_to_string(&out).unwrap();
        let scores: Vec<f64> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(scores.len(), 1500, "{name}");
        let before = scores[..1200].iter().cloned().fold(0.0, f64::max);
        // `resonance` scores the value that completes its downsampled
        // point (4 values by default), up to 3 values late.
        let late = if name == "resonance" { 4 } else { 1 };
        let spike = scores[1200..1200 + late]
            .iter()
            .cloned()
            .fold(0.0, f64::max);
        assert!(spike > before, "{name}: {spike} vs {before}");
    }
}

#[test]
fn forecast_writes_the_horizon_with_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.csv");
    std::fs::write(&input, series_csv(600, None)).unwrap();
    let out = dir.path().join("f.csv");
    let text = ok(&homeostat(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--horizon",
        "1h",
        "--damped",
        "--limit",
        "100",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(text.contains("P(reaches 100"), "{text}");
    let rows: Vec<Vec<f64>> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 12, "1h of 5-minute steps");
    for r in &rows {
        assert!(r[1] <= r[0] && r[0] <= r[2], "{r:?}");
        assert!((5.0..15.0).contains(&r[0]), "{r:?}");
    }
    let bad = homeostat(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--horizon",
        "soon",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
}

#[test]
fn demo_stage_forecasts_and_detects() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    ok(&homeostat(&[
        "demo",
        "--quick",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    let json = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let stage = &summary["stages"][3];
    assert_eq!(stage["status"], "ok", "{stage}");
    let figures = &stage["figures"];
    assert_eq!(figures["forecast_minutes"], 30.0);
    assert_eq!(figures["nodes_scored"], 20.0);
    let coverage = figures["interval_coverage"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&coverage));
    assert!(figures["faults_found"].as_f64().unwrap() <= figures["faults"].as_f64().unwrap());
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("forecast of the last 30 minutes"));
}

/// Hourly rows over `days` days: a daily wave on a level of 50.
fn daily_csv(days: usize) -> String {
    let mut s = String::from("timestamp,value\n");
    for i in 0..days * 24 {
        let (d, h) = (1 + i / 24, i % 24);
        let v = 50.0
            + 8.0 * (i as f64 * std::f64::consts::TAU / 24.0).sin()
            + ((i * 7919) % 13) as f64 * 0.1;
        writeln!(s, "2014-01-{d:02} {h:02}:00:00,{v}").unwrap();
    }
    s
}

#[test]
fn forecast_models_are_chosen_by_aicc() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("daily.csv");
    std::fs::write(&input, daily_csv(10)).unwrap();
    let out = dir.path().join("f.csv");
    for (model, extra, expect) in [
        ("auto-arima", vec!["--method", "css"], "ARIMA("),
        (
            "holt-winters",
            vec!["--seasonality", "auto"],
            "Holt-Winters",
        ),
        ("auto", vec![], ""),
    ] {
        let mut args = vec![
            "forecast",
            "--input",
            input.to_str().unwrap(),
            "--horizon",
            "1d",
            "--period",
            "1d",
            "--model",
            model,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let text = ok(&homeostat(&args));
        assert!(text.contains(expect), "{model}: {text}");
        let rows: Vec<Vec<f64>> = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').skip(1).map(|c| c.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), 24, "{model}: one day of hourly steps");
        // The forecast follows the daily wave (truth without the noise ≈ +0.6).
        for (h, r) in rows.iter().enumerate() {
            let truth = 50.6 + 8.0 * ((240 + h) as f64 * std::f64::consts::TAU / 24.0).sin();
            assert!(
                (r[0] - truth).abs() < 2.0,
                "{model} h={h}: {r:?} vs {truth}"
            );
            assert!(r[1] <= r[0] && r[0] <= r[2], "{r:?}");
        }
    }
    // Bad input: a NaN-only file and a too-short series fail with a message.
    let short = dir.path().join("short.csv");
    std::fs::write(&short, "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 01:00:00,2\n2014-01-01 02:00:00,3\n2014-01-01 03:00:00,4\n").unwrap();
    let bad = homeostat(&[
        "forecast",
        "--input",
        short.to_str().unwrap(),
        "--horizon",
        "2",
        "--model",
        "auto-arima",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least"));
}
