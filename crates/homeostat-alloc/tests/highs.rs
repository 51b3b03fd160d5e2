//! HiGHS (feature `highs`): the exact GAP solver on the vendored instance,
//! parameters, OR-Library's gap1 at their proven optima, an early stop whose
//! MIP bound stays below the optimum, the placement `Exact` allocator on
//! HiGHS against microlp, and (ignored by default) the solve times on
//! gap1–12 and chu1997.
#![cfg(feature = "highs")]
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::path::PathBuf;
use std::time::Duration;

use homeostat_alloc::gap::{GapHighs, GapInstance};
use homeostat_alloc::{
    Allocator, Error, Exact, ExactBackend, Node, Objective, Plan, Problem, Weights, Workload,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

#[test]
fn a_time_limited_solve_reports_the_mip_bound_below_the_optimum() {
    let Some(dir) = data() else { return };
    // The c-type chu1997 instances are the hardest; 50 ms is far too short
    // to prove the optimum, so HiGHS stops with its incumbent and bound.
    let solver = GapHighs::params()
        .time_limit(Some(Duration::from_millis(50)))
        .check()
        .unwrap();
    for (path, optimum) in optima(&dir, "chu1997/c10") {
        let gap = GapInstance::from_path(dir.join(&path)).unwrap();
        match solver.solve(&gap) {
            Ok(s) => {
                assert!(s.bound <= optimum + 1e-9, "{path}: {} > {optimum}", s.bound);
                assert!(s.objective >= optimum - 1e-9, "{path}");
                assert!(s.bound > 0.0, "{path}: no bound");
                if s.solver == "exact-highs" {
                    assert_eq!(s.objective, optimum, "{path}");
                } else {
                    assert_eq!(s.solver, "highs-time-limit", "{path}");
                    assert!(s.gap > 0.0, "{path}");
                }
            }
            // No incumbent within the limit is a typed error, not a panic.
            Err(e) => assert!(matches!(e, Error::Solver(_)), "{path}: {e}"),
        }
    }
}

fn highs(time_limit: Option<Duration>, mip_gap: f64) -> Exact {
    Exact::params()
        .backend(ExactBackend::Highs)
        .time_limit(time_limit)
        .mip_gap(mip_gap)
        .check()
        .unwrap()
}

fn random_problem(seed: u64, objective: Objective) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut problem = Problem::new(["cpu", "mem"]).minimise(objective);
    for j in 0..5 {
        problem = problem
            .node(Node::new(format!("n{j}"), vec![10.0, 16.0]).with_cost(rng.gen_range(1.0..3.0)));
    }
    for i in 0..7 {
        let mut w = Workload::new(
            format!("w{i}"),
            vec![rng.gen_range(1.0..5.0), rng.gen_range(1.0..6.0)],
        )
        .with_migration_cost(rng.gen_range(1.0..4.0));
        if i % 2 == 0 {
            w = w.currently_on(format!("n{}", rng.gen_range(0..4)));
        }
        problem = problem.workload(w);
    }
    problem
}

#[test]
fn exact_placement_on_highs_matches_microlp() {
    let microlp = Exact::params().max_binaries(2000).check().unwrap();
    let highs = highs(Some(Duration::from_secs(30)), 0.0);
    assert_eq!(highs.name(), "exact-highs");
    for objective in [
        Objective::Nodes,
        Objective::Cost,
        Objective::Balance,
        Objective::Migrations,
        Objective::Weighted(Weights::default().nodes(3.0).balance(2.0).migrations(1.0)),
    ] {
        for seed in 0..2 {
            let problem = random_problem(seed, objective);
            let a = microlp.allocate(&problem).unwrap();
            let b = highs.allocate(&problem).unwrap();
            assert_eq!(b.solver, "exact-highs");
            assert!(b.is_complete());
            assert!(
                (a.objective - b.objective).abs() < 1e-6,
                "{objective:?} seed {seed}: microlp {} highs {}",
                a.objective,
                b.objective
            );
            assert_eq!(b.gap, Some(0.0));
        }
    }
}

fn assert_honest(plan: &Plan) {
    assert!(plan.is_complete());
    assert!(plan.lower_bound <= plan.objective + 1e-9);
    let gap = plan.gap.unwrap();
    assert!((0.0..1.0).contains(&gap), "gap {gap}");
}

#[test]
fn exact_placement_on_highs_stops_at_the_mip_gap_or_time_limit_with_a_bound() {
    // 60 workloads on 30 nodes: 1830 binaries, far beyond microlp's default.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut problem = Problem::new(["cpu"]);
    for j in 0..30 {
        problem = problem.node(Node::new(format!("n{j}"), vec![100.0]));
    }
    for i in 0..60 {
        problem = problem.workload(Workload::new(
            format!("w{i}"),
            vec![rng.gen_range(20.0..50.0)],
        ));
    }
    assert!(matches!(
        Exact::params().check().unwrap().allocate(&problem),
        Err(Error::TooLarge { limit: 400, .. })
    ));
    let loose = highs(Some(Duration::from_secs(20)), 0.2)
        .allocate(&problem)
        .unwrap();
    assert_honest(&loose);
    assert!(loose.gap.unwrap() <= 0.2 + 1e-9, "{:?}", loose.gap);
    assert!(
        ["exact-highs", "highs-gap-limit", "highs-time-limit"].contains(&loose.solver.as_str())
    );
    match highs(Some(Duration::from_millis(30)), 0.0).allocate(&problem) {
        Ok(plan) => assert_honest(&plan),
        Err(e) => assert!(matches!(e, Error::Solver(_)), "{e}"),
    }
}

#[test]
fn exact_placement_on_highs_bad_parameters_and_infeasibility_are_typed_errors() {
    for gap in [-0.1, 1.0, f64::NAN] {
        assert!(matches!(
            Exact::params()
                .backend(ExactBackend::Highs)
                .mip_gap(gap)
                .check(),
            Err(Error::InvalidParameter {
                name: "mip_gap",
                ..
            })
        ));
    }
    assert!(matches!(
        Exact::params().time_limit(Some(Duration::ZERO)).check(),
        Err(Error::InvalidParameter {
            name: "time_limit",
            ..
        })
    ));
    // Three workloads of 6 on two nodes of 10: the capacity total (18 <= 20)
    // allows it, but a node holds only one of them.
    let problem = Problem::new(["cpu"])
        .node(Node::new("a", vec![10.0]))
        .node(Node::new("b", vec![10.0]))
        .workload(Workload::new("w0", vec![6.0]))
        .workload(Workload::new("w1", vec![6.0]))
        .workload(Workload::new("w2", vec![6.0]));
    let err = highs(None, 0.0).allocate(&problem).unwrap_err();
    assert!(matches!(err, Error::Infeasible { .. }), "{err}");
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
