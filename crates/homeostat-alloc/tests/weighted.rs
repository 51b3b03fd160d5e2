//! Weighted combinations of objectives: a single weight reproduces the plain
//! objective, the weights trade nodes against migrations as they should,
//! the greedy never beats the exact optimum and the bound never exceeds it,
//! and bad weights are typed errors.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_alloc::{
    Allocator, Error, Exact, Greedy, Node, Objective, Problem, Weights, Workload,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn exact() -> Exact {
    Exact::params().max_binaries(2000).check().unwrap()
}

fn greedy() -> Greedy {
    Greedy::params().check().unwrap()
}

fn random_problem(seed: u64) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut problem = Problem::new(["cpu", "mem"]);
    for j in 0..4 {
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
fn a_single_weight_reproduces_the_plain_objective() {
    for objective in [
        Objective::Nodes,
        Objective::Cost,
        Objective::Balance,
        Objective::Migrations,
    ] {
        let plain = random_problem(3).minimise(objective);
        let weighted = plain
            .clone()
            .minimise(Objective::Weighted(objective.weights()));
        let a = exact().allocate(&plain).unwrap();
        let b = exact().allocate(&weighted).unwrap();
        assert!((a.objective - b.objective).abs() < 1e-9, "{objective:?}");
        let a = greedy().allocate(&plain).unwrap();
        let b = greedy().allocate(&weighted).unwrap();
        assert!(
            (a.lower_bound - b.lower_bound).abs() < 1e-9,
            "{objective:?}"
        );
    }
}

/// Three workloads of 4 running on three nodes of 10: two nodes would do.
fn spread_out() -> Problem {
    let mut problem = Problem::new(["cpu"]);
    for j in 0..3 {
        problem = problem.node(Node::new(format!("n{j}"), vec![10.0]));
    }
    for i in 0..3 {
        problem = problem
            .workload(Workload::new(format!("w{i}"), vec![4.0]).currently_on(format!("n{i}")));
    }
    problem
}

#[test]
fn the_weights_trade_nodes_against_migrations() {
    // A node is worth ten migrations: consolidate onto two nodes.
    let consolidate = spread_out().minimise(Objective::Weighted(
        Weights::default().nodes(10.0).migrations(1.0),
    ));
    // A node is worth a tenth of a migration: stay put.
    let stay = spread_out().minimise(Objective::Weighted(
        Weights::default().nodes(0.1).migrations(1.0),
    ));
    let plan = exact().allocate(&consolidate).unwrap();
    assert_eq!(plan.nodes_used(), 2);
    assert!((plan.objective - 21.0).abs() < 1e-9, "{}", plan.objective);
    let g = greedy().allocate(&consolidate).unwrap();
    assert_eq!(g.nodes_used(), 2, "the greedy consolidates too");
    let plan = exact().allocate(&stay).unwrap();
    assert_eq!(plan.nodes_used(), 3);
    assert!((plan.objective - 0.3).abs() < 1e-9, "{}", plan.objective);
    let g = greedy().allocate(&stay).unwrap();
    assert!(
        (g.objective - 0.3).abs() < 1e-9,
        "the greedy stays: {}",
        g.objective
    );
}

#[test]
fn greedy_is_never_below_the_exact_optimum_nor_the_bound_above_it() {
    let mixes = [
        Weights::default().nodes(5.0).migrations(1.0),
        Weights::default().cost(1.0).balance(4.0),
        Weights::default().nodes(1.0).balance(2.0).migrations(0.5),
        Weights::default()
            .nodes(1.0)
            .cost(1.0)
            .balance(1.0)
            .migrations(1.0),
    ];
    for seed in 0..4 {
        for w in mixes {
            let problem = random_problem(seed).minimise(Objective::Weighted(w));
            let best = exact().allocate(&problem).unwrap();
            let g = greedy().allocate(&problem).unwrap();
            assert!(g.is_complete());
            assert!(
                g.objective >= best.objective - 1e-6,
                "seed {seed} {w:?}: greedy {} < exact {}",
                g.objective,
                best.objective
            );
            assert!(
                g.lower_bound <= best.objective + 1e-6,
                "seed {seed} {w:?}: bound {} > optimum {}",
                g.lower_bound,
                best.objective
            );
            assert_eq!(best.gap, Some(0.0));
        }
    }
}

#[test]
fn bad_weights_are_typed_errors() {
    for w in [
        Weights::default(),
        Weights::default().nodes(f64::NAN),
        Weights::default().nodes(1.0).migrations(-1.0),
        Weights::default().balance(f64::INFINITY),
    ] {
        let problem = spread_out().minimise(Objective::Weighted(w));
        for err in [
            problem.validate().unwrap_err(),
            greedy().allocate(&problem).unwrap_err(),
            exact().allocate(&problem).unwrap_err(),
        ] {
            assert!(
                matches!(
                    err,
                    Error::InvalidParameter {
                        name: "objective",
                        ..
                    }
                ),
                "{w:?}: {err}"
            );
        }
    }
}
