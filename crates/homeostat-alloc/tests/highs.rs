//! The exact GAP solver through HiGHS (feature `highs`): the vendored
//! instance, parameters, OR-Library's gap1 at their proven optima, and
//! (ignored by default) the solve times on gap1–12 and chu1997.
#![cfg(feature = "highs")]
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::path::PathBuf;
use std::time::Duration;

use homeostat_alloc::Error;
use homeostat_alloc::gap::{GapHighs, GapInstance};

const GAP1_0: &str = include_str!("data/gap1-0.txt");

#[test]
fn highs_reaches_the_vendored_optimum() {
    let gap = GapInstance::parse(GAP1_0).unwrap();
    let s = GapHighs::params().check().unwrap().solve(&gap).unwrap();
    assert_eq!(s.objective, 261.0);
    assert_eq!(s.solver, "exact-highs");
    assert_eq!(s.gap, 0.0);
    assert!(s.feasible);
}

#[test]
fn bad_parameters_and_infeasible_instances_are_typed_errors() {
    for gap in [-0.1, 1.0, f64::NAN] {
        assert!(matches!(
            GapHighs::params().mip_gap(gap).check(),
            Err(Error::InvalidParameter {
                name: "mip_gap",
                ..
            })
        ));
    }
    assert!(matches!(
        GapHighs::params().time_limit(Some(Duration::ZERO)).check(),
        Err(Error::InvalidParameter {
            name: "time_limit",
            ..
        })
    ));
    // Two jobs of weight 2 on two agents of capacity 3 fit; three do not.
    let gap = GapInstance::parse("2 3  1 1 1 1 1 1  2 2 2 2 2 2  3 3").unwrap();
    let err = GapHighs::params().check().unwrap().solve(&gap).unwrap_err();
    assert!(matches!(err, Error::Infeasible { .. }), "{err}");
}

fn data() -> Option<PathBuf> {
    let dir = std::env::var_os("HOMEOSTAT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("gap");
    if dir.join("optima.csv").exists() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} not found (set HOMEOSTAT_DATA to the shared data folder)",
            dir.display()
        );
        None
    }
}

/// `(path, optimum)` of the instances whose path starts with `prefix`.
fn optima(dir: &std::path::Path, prefix: &str) -> Vec<(String, f64)> {
    std::fs::read_to_string(dir.join("optima.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[0].starts_with(prefix))
                .then(|| (fields[0].to_owned(), fields[6].parse().unwrap()))
        })
        .collect()
}

#[test]
fn highs_reaches_the_proven_optima_of_gap1() {
    let Some(dir) = data() else { return };
    let solver = GapHighs::params().check().unwrap();
    let instances = optima(&dir, "cattrysse1994/gap1-");
    assert_eq!(instances.len(), 5);
    for (path, optimum) in instances {
        let gap = GapInstance::from_path(dir.join(&path)).unwrap();
        let s = solver.solve(&gap).unwrap();
        assert_eq!(s.objective, optimum, "{path}");
        assert_eq!(s.solver, "exact-highs", "{path}");
    }
}

/// Prints `path,optimum,objective,solver,ms` for gap1–12 and chu1997
/// (run with `--include-ignored`, in release for meaningful times).
#[test]
#[ignore = "minutes: the timing table of docs/benchmarks.md"]
fn highs_times_on_every_instance() {
    let Some(dir) = data() else { return };
    let solver = GapHighs::params()
        .time_limit(Some(Duration::from_secs(60)))
        .check()
        .unwrap();
    let mut reached = 0;
    let mut all = 0;
    for (path, optimum) in optima(&dir, "") {
        let gap = GapInstance::from_path(dir.join(&path)).unwrap();
        let s = solver.solve(&gap).unwrap();
        all += 1;
        if s.objective == optimum {
            reached += 1;
        }
        eprintln!(
            "HIGHS,{path},{optimum},{},{},{:.1}",
            s.objective,
            s.solver,
            s.solve_time.as_secs_f64() * 1e3
        );
    }
    eprintln!("HIGHS optimum reached on {reached} of {all}");
}
