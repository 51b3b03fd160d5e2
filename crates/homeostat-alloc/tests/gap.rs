//! The generalised assignment problem: parsing, bad files, the heuristic
//! against the exact optimum, and bounds.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_alloc::Error;
use homeostat_alloc::gap::{GapHeuristic, GapInstance, gap_exact, gap_lp_bound};

/// OR-Library's gap1-0 (5 agents, 15 jobs; optimum 261 as a minimisation),
/// small enough to vendor as a test fixture.
const GAP1_0: &str = include_str!("data/gap1-0.txt");

fn random_instance(agents: usize, jobs: usize, seed: u64) -> GapInstance {
    GapInstance::chu_beasley_c(agents, jobs, seed).unwrap()
}

#[test]
fn the_vendored_instance_reaches_its_proven_optimum() {
    let gap = GapInstance::parse(GAP1_0).unwrap();
    assert_eq!((gap.agents(), gap.jobs()), (5, 15));
    let h = GapHeuristic::params().check().unwrap().solve(&gap).unwrap();
    assert!(h.feasible);
    assert_eq!(h.objective, 261.0);
    assert!(h.bound <= 261.0 && h.bound > 240.0, "{}", h.bound);
    assert!(gap.is_feasible(&h.assignment).unwrap());
    assert_eq!(gap.total_cost(&h.assignment).unwrap(), h.objective);
    let exact = gap_exact(&gap, None, 1000).unwrap();
    assert_eq!(exact.objective, 261.0);
    assert_eq!(exact.gap, 0.0);
}

#[test]
fn heuristic_is_deterministic_for_a_seed_and_bounded_below_by_the_lp() {
    for seed in 0..4 {
        let gap = random_instance(4, 16, seed);
        let params = || GapHeuristic::params().seed(seed).iterations(300);
        let a = params().check().unwrap().solve(&gap).unwrap();
        let b = params().check().unwrap().solve(&gap).unwrap();
        assert_eq!(a.assignment, b.assignment);
        let exact = gap_exact(&gap, None, 1000).unwrap();
        let lp = gap_lp_bound(&gap).unwrap();
        assert!(
            lp <= exact.objective + 1e-9,
            "lp {lp} > optimum {}",
            exact.objective
        );
        if a.feasible {
            assert!(a.objective >= exact.objective - 1e-9);
            assert!(
                a.objective <= exact.objective * 1.05,
                "seed {seed}: {} vs {}",
                a.objective,
                exact.objective
            );
        }
    }
}

#[test]
fn bad_files_are_typed_errors() {
    let malformed = |text: &str| matches!(GapInstance::parse(text), Err(Error::Malformed(_)));
    assert!(malformed(""));
    assert!(malformed("2"));
    assert!(malformed("2 x"));
    assert!(malformed("-1 3"));
    assert!(malformed("2 2 1 2 3 4 1 1 1 1 5")); // one capacity short
    assert!(malformed("2 2 1 2 3 4 1 1 1 1 5 5 9")); // one number too many
    assert!(malformed("1 1 one 1 1"));
    assert!(malformed("99999999 99999999"));
    assert!(matches!(
        GapInstance::parse("0 3"),
        Err(Error::Empty { what: "agents" })
    ));
    assert!(matches!(
        GapInstance::parse("2 0 1 1"),
        Err(Error::Empty { what: "jobs" })
    ));
    assert!(matches!(
        GapInstance::parse("1 1 NaN 1 1"),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        GapInstance::parse("1 1 1 -1 1"),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        GapInstance::parse("1 1 1 1 inf"),
        Err(Error::InvalidValue { .. })
    ));
    // A job heavier than every agent.
    let err = GapInstance::parse("2 2  1 1 1 1  1 9 1 9  5 5").unwrap_err();
    assert!(
        matches!(&err, Error::Unplaceable { workload, .. } if workload == "job 1"),
        "{err}"
    );
    assert!(matches!(
        GapInstance::from_path("/nonexistent/gap"),
        Err(Error::Malformed(_))
    ));
    assert!(GapHeuristic::params().iterations(0).check().is_err());
    assert!(
        GapHeuristic::params()
            .time_limit(Some(std::time::Duration::ZERO))
            .check()
            .is_err()
    );
    let gap = GapInstance::parse(GAP1_0).unwrap();
    assert!(gap.total_cost(&[0; 3]).is_err());
    assert!(gap.total_cost(&[9; 15]).is_err());
}

#[test]
fn over_full_instances_are_proven_infeasible() {
    // Each agent holds one job of weight 2 but there are three jobs.
    let gap = GapInstance::parse("2 3  1 1 1 1 1 1  2 2 2 2 2 2  2.5 2.5").unwrap();
    let err = GapHeuristic::params()
        .check()
        .unwrap()
        .solve(&gap)
        .unwrap_err();
    assert!(matches!(err, Error::Infeasible { .. }), "{err}");
    assert!(matches!(
        gap_exact(&gap, None, 100),
        Err(Error::Infeasible { .. })
    ));
    // The heuristic without the LP cannot prove it and says so.
    let h = GapHeuristic::params()
        .lp_bound(false)
        .iterations(50)
        .check()
        .unwrap()
        .solve(&gap)
        .unwrap();
    assert!(!h.feasible);
}

#[test]
fn exact_refuses_large_models() {
    let gap = random_instance(10, 100, 1);
    assert!(matches!(
        gap_exact(&gap, None, 300),
        Err(Error::TooLarge {
            size: 1000,
            limit: 300
        })
    ));
}

#[test]
fn the_lagrangian_bound_proves_the_vendored_optimum_and_the_options_hold() {
    let gap = GapInstance::parse(GAP1_0).unwrap();
    let lp = gap_lp_bound(&gap).unwrap();
    let with = GapHeuristic::params().check().unwrap().solve(&gap).unwrap();
    let without = GapHeuristic::params()
        .lagrangian_iterations(0)
        .check()
        .unwrap()
        .solve(&gap)
        .unwrap();
    assert_eq!(without.bound, lp);
    assert!(with.bound >= lp && with.bound <= 261.0, "{}", with.bound);
    assert_eq!(with.objective, 261.0);
    // A stall of one round stops the search early but keeps a feasible
    // assignment at least as good as the construction's descent.
    let stalled = GapHeuristic::params()
        .stall(1)
        .check()
        .unwrap()
        .solve(&gap)
        .unwrap();
    assert!(stalled.feasible);
    assert!(stalled.objective >= 261.0 && stalled.objective <= 261.0 * 1.05);
    // The bound never exceeds the optimum on random instances either.
    for seed in 0..4 {
        let gap = random_instance(3, 12, seed);
        let exact = gap_exact(&gap, None, 1000).unwrap();
        let h = GapHeuristic::params()
            .seed(seed)
            .check()
            .unwrap()
            .solve(&gap)
            .unwrap();
        assert!(h.bound <= exact.objective + 1e-9, "seed {seed}");
        assert!(h.objective >= exact.objective - 1e-9);
    }
}
