//! The Lagrangian GAP bound: valid (never above the optimum) on small
//! random instances and, when the data set is present, on all 78
//! OR-Library instances with proven optima; at least as tight as the LP on
//! the vendored instance; documented refusals and bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::path::PathBuf;

use homeostat_alloc::Error;
use homeostat_alloc::gap::{GapInstance, gap_exact, gap_lagrangian_bound, gap_lp_bound};

const GAP1_0: &str = include_str!("data/gap1-0.txt");

#[test]
fn the_bound_is_valid_and_at_least_the_lp_on_the_vendored_instance() {
    let gap = GapInstance::parse(GAP1_0).unwrap();
    let lagrange = gap_lagrangian_bound(&gap, Some(261.0), 500)
        .unwrap()
        .unwrap();
    let lp = gap_lp_bound(&gap).unwrap();
    assert!(lagrange.bound <= 261.0, "{}", lagrange.bound);
    assert!(lagrange.bound >= lp, "{} < lp {lp}", lagrange.bound);
    assert_eq!(lagrange.multipliers.len(), gap.jobs());
    assert!(lagrange.iterations >= 1 && lagrange.iterations <= 500);
}

#[test]
fn the_bound_never_exceeds_the_exact_optimum_on_random_instances() {
    for seed in 0..6 {
        let gap = GapInstance::chu_beasley_c(3, 12, seed).unwrap();
        let exact = gap_exact(&gap, None, 1000).unwrap();
        for upper in [None, Some(exact.objective), Some(exact.objective * 1.2)] {
            let b = gap_lagrangian_bound(&gap, upper, 200).unwrap().unwrap();
            assert!(
                b.bound <= exact.objective + 1e-9,
                "seed {seed}: bound {} > optimum {}",
                b.bound,
                exact.objective
            );
            if let Some(a) = b.proven_optimal {
                assert!(gap.is_feasible(&a).unwrap());
                assert_eq!(gap.total_cost(&a).unwrap(), exact.objective);
            }
        }
    }
}

#[test]
fn a_relaxation_that_assigns_every_job_once_is_a_proven_optimum() {
    // Each job's cheapest agent has room for it: the relaxation's solution
    // is feasible at once.
    let gap = GapInstance::parse("2 3  1 1 5  4 4 1   1 1 1  1 1 1   2 1").unwrap();
    let b = gap_lagrangian_bound(&gap, None, 50).unwrap().unwrap();
    assert_eq!(b.bound, 3.0);
    assert_eq!(b.proven_optimal, Some(vec![0, 0, 1]));
}

#[test]
fn fractional_weights_infeasible_jobs_and_bad_upper_bounds_are_handled() {
    // Fractional weights: no exact knapsack, documented as `None`.
    let gap = GapInstance::parse("2 2  1 2 2 1  0.5 1 1 0.5  1 1").unwrap();
    assert_eq!(gap_lagrangian_bound(&gap, None, 10).unwrap(), None);
    // Fractional capacities with integer weights round down.
    let gap = GapInstance::parse("2 2  1 2 2 1  1 1 1 1  1.5 1.5").unwrap();
    assert_eq!(
        gap_lagrangian_bound(&gap, None, 10).unwrap().unwrap().bound,
        2.0
    );
    // A knapsack table above the limit: documented as `None`.
    let gap = GapInstance::parse("1 1  1  1  9000000").unwrap();
    assert_eq!(gap_lagrangian_bound(&gap, None, 10).unwrap(), None);
    for upper in [f64::NAN, f64::INFINITY] {
        let gap = GapInstance::parse(GAP1_0).unwrap();
        assert!(matches!(
            gap_lagrangian_bound(&gap, Some(upper), 10),
            Err(Error::InvalidParameter { name: "upper", .. })
        ));
    }
}

/// The GAP data folder (`HOMEOSTAT_DATA`, or `../shared/data` beside the
/// project), or `None` after saying the test is skipped.
fn data() -> Option<PathBuf> {
    let dir = std::env::var_os("HOMEOSTAT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("gap");
    let found = dir.join("optima.csv").exists();
    if !found {
        eprintln!("skipped: no {}", dir.display());
    }
    found.then_some(dir)
}

/// `(path, optimum)` of every instance in `optima.csv`.
fn optima(dir: &std::path::Path) -> Vec<(String, f64)> {
    std::fs::read_to_string(dir.join("optima.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[0].to_string(), fields[6].parse().unwrap())
        })
        .collect()
}

/// All 78 instances (slow in a debug build: run with `--release
/// --include-ignored`). `LAGRANGE_ITERATIONS` sets the subgradient steps.
#[test]
#[ignore = "reads ../shared/data; run in release"]
fn the_bound_never_exceeds_the_proven_optima() {
    let Some(dir) = data() else {
        return;
    };
    let iterations: usize = std::env::var("LAGRANGE_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let instances = optima(&dir);
    assert_eq!(instances.len(), 78);
    let mut tight = 0;
    for (path, optimum) in &instances {
        let gap = GapInstance::from_path(dir.join(path)).unwrap();
        let started = std::time::Instant::now();
        // With the optimum as the step target, the strongest use of it.
        let b = gap_lagrangian_bound(&gap, Some(*optimum), iterations)
            .unwrap()
            .unwrap();
        assert!(b.bound <= *optimum, "{path}: {} > {optimum}", b.bound);
        tight += usize::from(b.bound == *optimum);
        eprintln!(
            "{path}: optimum {optimum} bound {} steps {} {:.1} ms",
            b.bound,
            b.iterations,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    eprintln!("bound equal to the optimum on {tight} of 78");
}

/// The heuristic with its default branch and bound on all 78 instances: the
/// reported bound never exceeds the proven optimum, the assignment is
/// feasible, never below it and within 1 % of it, and a bound equal to the
/// objective (a proof of optimality) only for an optimal assignment; every
/// gap1–12 optimum is reached (the targets, held as of this test).
#[test]
#[ignore = "reads ../shared/data; run in release"]
fn the_heuristic_bound_with_branching_never_exceeds_the_proven_optima() {
    let Some(dir) = data() else {
        return;
    };
    let heuristic = homeostat_alloc::gap::GapHeuristic::params()
        .check()
        .unwrap();
    let mut proven = 0;
    for (path, optimum) in &optima(&dir) {
        let gap = GapInstance::from_path(dir.join(path)).unwrap();
        let s = heuristic.solve(&gap).unwrap();
        assert!(s.feasible, "{path}");
        assert!(s.bound <= *optimum, "{path}: bound {} > {optimum}", s.bound);
        assert!(
            s.objective >= *optimum,
            "{path}: {} < {optimum}",
            s.objective
        );
        assert!(
            s.objective <= optimum * 1.01,
            "{path}: {} over 1 % above {optimum}",
            s.objective
        );
        if path.starts_with("cattrysse1994") {
            assert_eq!(s.objective, *optimum, "{path}");
        }
        if s.bound == s.objective {
            assert_eq!(s.objective, *optimum, "{path}");
            proven += 1;
        }
    }
    eprintln!("proven optimal on {proven} of 78");
}
