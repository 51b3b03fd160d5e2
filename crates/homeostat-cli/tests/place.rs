//! `homeostat place` on openb-format CSV files: the JSON report and bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::process::Command;

/// A small cluster in the openb format, from the allocation crate's tests.
const NODES: &str = include_str!("../../homeostat-alloc/tests/data/openb-small-nodes.csv");
const PODS: &str = include_str!("../../homeostat-alloc/tests/data/openb-small-pods.csv");

fn homeostat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
}

#[test]
fn place_prints_one_json_object_per_policy() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("nodes.csv");
    let pods = dir.path().join("pods.csv");
    std::fs::write(&nodes, NODES).unwrap();
    std::fs::write(&pods, PODS).unwrap();
    let mut used = Vec::new();
    for policy in [
        "pack-shares",
        "best-fit",
        "ffd",
        "least-allocated",
        "most-allocated",
        "balanced",
    ] {
        for objective in ["nodes", "balance"] {
            let out = homeostat()
                .args([
                    "place",
                    "--json",
                    "--policy",
                    policy,
                    "--objective",
                    objective,
                ])
                .arg("--nodes")
                .arg(&nodes)
                .arg("--pods")
                .arg(&pods)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(r["pods"], 15, "{r}");
            if policy == "pack-shares" {
                assert_eq!(r["policy"], "least-allocated+pack-shares");
            }
            assert_eq!(r["pods_placed"], 14, "{r}");
            assert_eq!(r["pods_unplaced"], 1);
            assert_eq!(r["unplaced"][0]["workload"], "p-14");
            assert!(
                r["unplaced"][0]["reason"]
                    .as_str()
                    .unwrap()
                    .contains("GPU model")
            );
            let nodes_used = r["nodes_used"].as_u64().unwrap();
            assert!(r["lower_bound"].as_u64().unwrap() <= nodes_used);
            assert!(r["gpu_fragmentation"].as_f64().unwrap() >= 0.0);
            assert!(r["time_ms"].as_f64().unwrap() >= 0.0);
            assert_eq!(r["gpu_shortfall"], 0, "{r}");
            if objective == "nodes" {
                used.push((policy, nodes_used));
            }
        }
    }
    // Packing beats spreading on nodes used.
    let of = |p: &str| used.iter().find(|(q, _)| *q == p).unwrap().1;
    assert!(of("best-fit") < of("least-allocated"), "{used:?}");
    // Text output.
    let out = homeostat()
        .args(["place", "--nodes"])
        .arg(&nodes)
        .arg("--pods")
        .arg(&pods)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("placed 14 of 15 pods") && text.contains("unplaced p-14"),
        "{text}"
    );
    // Without the repair: p-14 fits no node's GPU model either way.
    let out = homeostat()
        .args(["place", "--json", "--no-repair", "--nodes"])
        .arg(&nodes)
        .arg("--pods")
        .arg(&pods)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["pods_placed"], 14, "{r}");
}

#[test]
fn place_rejects_malformed_files_with_the_line_and_unknown_policies() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("nodes.csv");
    let pods = dir.path().join("pods.csv");
    std::fs::write(&nodes, NODES).unwrap();
    std::fs::write(
        &pods,
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\na,1000,1024,0,0,\nb,1000,lots,0,0,\n",
    )
    .unwrap();
    let run = |policy: &str| {
        homeostat()
            .args(["place", "--policy", policy, "--nodes"])
            .arg(&nodes)
            .arg("--pods")
            .arg(&pods)
            .output()
            .unwrap()
    };
    let out = run("best-fit");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pods.csv:3") && err.contains("memory_mib"),
        "{err}"
    );
    std::fs::write(&pods, PODS).unwrap();
    let out = run("worst-fit");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown policy"), "{err}");
}
