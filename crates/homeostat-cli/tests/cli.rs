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
    // The simulator has landed: its stage ran and reports what it computed.
    let sim = &stages[0];
    assert_eq!(sim["status"], "ok");
    assert_eq!(sim["figures"]["scrapes"], 6.0 * 360.0);
    assert!(sim["figures"]["labelled_intervals"].as_f64().unwrap() >= 1.0);
    assert!(sim["figures"]["requests"].as_f64().unwrap() > 1e6);
    assert!(out_dir.join("trace.csv").exists() && out_dir.join("labels.json").exists());
    // So has the metrics crate: the features stage ran on the simulated trace.
    let prep = &stages[1];
    assert_eq!(prep["status"], "ok");
    assert_eq!(prep["figures"]["rows"], 360.0);
    assert!(prep["figures"]["feature_columns"].as_f64().unwrap() > 185.0);
    // The balancer replays the slow-backend incident per strategy.
    let balance = &stages[5];
    assert_eq!(balance["status"], "ok");
    let rr = balance["figures"]["rr_success_rate"].as_f64().unwrap();
    let ewma = balance["figures"]["peak_ewma_ejection_success_rate"]
        .as_f64()
        .unwrap();
    assert!(rr < 0.97 && ewma >= 0.999, "{rr} {ewma}");
    // And the fault models: a forest scored on the later part of the run.
    let predict = &stages[2];
    assert_eq!(predict["status"], "ok");
    let recall = predict["figures"]["event_recall"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&recall));
    assert!(predict["figures"]["test_rows"].as_f64().unwrap() > 0.0);
    // And the allocation crate: every replica placed, no fewer nodes than the bound.
    let alloc = &stages[4];
    assert_eq!(alloc["status"], "ok");
    assert_eq!(alloc["figures"]["unplaced"], 0.0);
    let used = alloc["figures"]["nodes_used"].as_f64().unwrap();
    assert!(alloc["figures"]["nodes_lower_bound"].as_f64().unwrap() <= used);

    // The report is one self-contained page: a section per stage, the
    // simulator's and the features' charts inline, nothing fetched or run.
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for i in 0..7 {
        assert!(
            html.contains(&format!("id=\"stage-{i}\"")),
            "no section for stage {i}"
        );
    }
    assert!(
        html.matches("<svg").count() >= 3,
        "charts of stages 0 and 1"
    );
    assert!(html.contains("Node CPU utilisation") && html.contains("labelled fault"));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
}

#[test]
fn same_seed_same_summary_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let out_dir = dir.path().join(name);
        let status = homeostat()
            .args(["demo", "--quick", "--out"])
            .arg(&out_dir)
            .status()
            .unwrap();
        assert!(status.success());
        (
            std::fs::read(out_dir.join("summary.json")).unwrap(),
            std::fs::read(out_dir.join("report.html")).unwrap(),
        )
    };
    let (a, b) = (run("a"), run("b"));
    assert_eq!(a.0, b.0, "summary.json differs between runs");
    assert!(a.1 == b.1, "report.html differs between runs");
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

#[test]
fn simulate_writes_a_wide_csv_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, labels) = (dir.path().join("trace.csv"), dir.path().join("labels.json"));
    let out = homeostat()
        .args([
            "simulate",
            "--scenario",
            "leak",
            "--duration",
            "2h",
            "--step",
            "30s",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("timestamp,"));
    assert!(
        header.contains(
            r#""http_requests_total{instance=""api-1"",node=""node-5"",service=""api""}""#
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 240);
    assert!(rows[0].starts_with("2026-01-05T00:00:30Z,"));
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&labels).unwrap()).unwrap();
    let faults = labels["faults"].as_array().unwrap();
    // The leak starts at 1 h and needs about 77 minutes to reach the OOM.
    assert!(faults.is_empty() || faults[0]["kind"] == "memory_leak");
}

#[test]
fn simulate_runs_request_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("series.csv");
    let out = homeostat()
        .args([
            "simulate",
            "--scenario",
            "slow-backend",
            "--duration",
            "20s",
            "--out",
        ])
        .arg(&csv)
        .arg("--labels")
        .arg(dir.path().join("labels.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("series.summary.json")).unwrap(),
    )
    .unwrap();
    assert!(summary["requests"].as_u64().unwrap() > 15_000);
    assert_eq!(summary["backends"].as_array().unwrap().len(), 11);
}

#[test]
fn simulate_reports_bad_scenarios_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "[cluster]\nduration = \"1h\"\nnodes = []\nservices = []\nbogus = 1\n",
    )
    .unwrap();
    let out = homeostat()
        .arg("simulate")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("bogus") && stderr.contains("line 5"),
        "{stderr}"
    );

    let out = homeostat()
        .args(["simulate", "--duration", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = homeostat()
        .args(["simulate", "--scenario", "chaos"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("mixed-faults")
    );
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = homeostat()
        .args(["demo", "--quick", "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, as with `| head -1`
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn prep_turns_a_simulated_trace_into_aligned_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (trace, features) = (
        dir.path().join("trace.csv"),
        dir.path().join("features.csv"),
    );
    let status = homeostat()
        .args([
            "simulate",
            "--scenario",
            "steady",
            "--duration",
            "30m",
            "--out",
        ])
        .arg(&trace)
        .arg("--labels")
        .arg(dir.path().join("labels.json"))
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let out = homeostat()
        .args(["prep", "--step", "1m", "--input"])
        .arg(&trace)
        .arg("--out")
        .arg(&features)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&features).unwrap();
    let header = text.lines().next().unwrap();
    // Counters become per-second rates; gauges keep their names.
    assert!(
        header.contains(
            r#""rate(http_requests_total[1m]){instance=""api-0"",node=""node-4"",service=""api""}""#
        ),
        "{header}"
    );
    assert!(header.contains(r#""node_cpu_utilisation{node=""node-0""}""#));
    // Window features follow, named metric:feature_window.
    assert!(
        header.contains(r#""node_cpu_utilisation:p90_30{node=""node-0""}""#),
        "{header}"
    );
    assert_eq!(text.lines().count(), 1 + 30);
}

#[test]
fn prep_reads_prometheus_text_and_query_json() {
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("scrape.prom");
    std::fs::write(
        &prom,
        "# TYPE up gauge\nup{job=\"api\"} 1 1700000000000\nup{job=\"api\"} 0 1700000060000\n",
    )
    .unwrap();
    let out = homeostat()
        .args(["prep", "--step", "30s", "--input"])
        .arg(&prom)
        .arg("--out")
        .arg(dir.path().join("a.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let json = dir.path().join("range.json");
    std::fs::write(
        &json,
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"http_requests_total","job":"api"},"values":[[1700000000,"10"],[1700000030,"40"],[1700000060,"70"]]}]}}"#,
    )
    .unwrap();
    let out = homeostat()
        .args(["prep", "--step", "30s", "--rate-range", "1m", "--input"])
        .arg(&json)
        .arg("--out")
        .arg(dir.path().join("b.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("b.csv")).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("rate(http_requests_total[1m])")
    );
    // 30 requests every 30 s: the last row's rate is 1 per second.
    let last: f64 = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((last - 1.0).abs() < 1e-9, "{text}");
}

#[test]
fn prep_names_the_bad_line_of_a_malformed_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:01:00,oops\n",
    )
    .unwrap();
    let out = homeostat()
        .arg("prep")
        .arg("--input")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 3") && stderr.contains("oops"),
        "{stderr}"
    );
}
