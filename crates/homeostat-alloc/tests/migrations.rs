//! Minimising migrations from the current placement: the greedy with its
//! return-home local search, the exact model, the lower bound, bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_alloc::{Allocator, Error, Exact, Greedy, Node, Objective, Problem, Workload};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn exact() -> Exact {
    Exact::params().max_binaries(2000).check().unwrap()
}

#[test]
fn nothing_moves_when_everything_fits_where_it_is() {
    let problem = Problem::new(["cpu"])
        .node(Node::new("a", vec![10.0]))
        .node(Node::new("b", vec![10.0]))
        // Best fit alone would put both on one node; staying costs nothing.
        .workload(Workload::new("w0", vec![3.0]).currently_on("a"))
        .workload(Workload::new("w1", vec![3.0]).currently_on("b"))
        .workload(Workload::new("new", vec![2.0]))
        .minimise(Objective::Migrations);
    for plan in [
        Greedy::params()
            .check()
            .unwrap()
            .allocate(&problem)
            .unwrap(),
        exact().allocate(&problem).unwrap(),
    ] {
        assert_eq!(plan.objective, 0.0, "{}", plan.solver);
        assert_eq!(plan.assignment[0], Some(0));
        assert_eq!(plan.assignment[1], Some(1));
        assert_eq!(plan.gap, Some(0.0));
    }
}

#[test]
fn an_overloaded_node_sheds_its_cheapest_workload() {
    // a is over capacity (6 + 6 > 10): one must go; moving `cheap` costs 1.
    let problem = Problem::new(["cpu"])
        .node(Node::new("a", vec![10.0]))
        .node(Node::new("b", vec![10.0]))
        .workload(
            Workload::new("cheap", vec![6.0])
                .currently_on("a")
                .with_migration_cost(1.0),
        )
        .workload(
            Workload::new("dear", vec![6.0])
                .currently_on("a")
                .with_migration_cost(5.0),
        )
        .minimise(Objective::Migrations);
    let greedy = Greedy::params()
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap();
    let exact = exact().allocate(&problem).unwrap();
    for plan in [&greedy, &exact] {
        assert_eq!(plan.objective, 1.0, "{}", plan.solver);
        assert_eq!(plan.assignment, vec![Some(1), Some(0)], "{}", plan.solver);
    }
    // Shedding 2 units at the cheapest rate (1 per 6 units) is the bound.
    assert!(
        (greedy.lower_bound - 2.0 / 6.0).abs() < 1e-12,
        "{}",
        greedy.lower_bound
    );
}

#[test]
fn local_search_brings_a_dear_workload_home_by_evicting_a_cheap_one() {
    // `dear` was placed first elsewhere by priority; it can only go home
    // if the cheap newcomer there leaves.
    let problem = Problem::new(["cpu"])
        .node(Node::new("home", vec![10.0]))
        .node(Node::new("other", vec![10.0]))
        .workload(
            Workload::new("squatter", vec![5.0])
                .pin("home")
                .with_priority(5),
        )
        .workload(Workload::new("guest", vec![4.0]).with_priority(9))
        .workload(
            Workload::new("dear", vec![5.0])
                .currently_on("home")
                .with_migration_cost(10.0),
        )
        .minimise(Objective::Migrations);
    let plan = Greedy::params()
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap();
    assert_eq!(plan.objective, 0.0);
    assert_eq!(plan.assignment[2], Some(0));
    assert_eq!(plan.assignment[1], Some(1));
}

#[test]
fn a_workload_whose_node_it_may_no_longer_use_must_move() {
    let problem = Problem::new(["cpu"])
        .node(Node::new("a", vec![10.0]).with_label("disk", "hdd"))
        .node(Node::new("b", vec![10.0]).with_label("disk", "ssd"))
        .workload(
            Workload::new("db", vec![4.0])
                .currently_on("a")
                .require("disk", "ssd")
                .with_migration_cost(3.0),
        )
        .minimise(Objective::Migrations);
    let plan = Greedy::params()
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap();
    assert_eq!(plan.objective, 3.0);
    assert_eq!(plan.lower_bound, 3.0);
    assert_eq!(plan.gap, Some(0.0));
}

#[test]
fn greedy_is_never_below_the_exact_optimum_nor_the_bound_above_it() {
    let mut complete = 0;
    for seed in 0..6 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut problem = Problem::new(["cpu", "memory"]).minimise(Objective::Migrations);
        for j in 0..4 {
            problem = problem.node(Node::new(format!("n{j}"), vec![10.0, 10.0]));
        }
        for i in 0..9 {
            let w = Workload::new(
                format!("w{i}"),
                vec![rng.gen_range(1.0..5.0), rng.gen_range(1.0..5.0)],
            )
            .currently_on(format!("n{}", rng.gen_range(0..4)))
            .with_migration_cost(f64::from(rng.gen_range(1u32..10)));
            problem = problem.workload(w);
        }
        let greedy = Greedy::params()
            .check()
            .unwrap()
            .allocate(&problem)
            .unwrap();
        let best = exact().allocate(&problem).unwrap();
        assert!(greedy.lower_bound <= best.objective + 1e-9, "seed {seed}");
        assert_eq!(best.gap, Some(0.0));
        if greedy.is_complete() {
            complete += 1;
            assert!(greedy.objective >= best.objective - 1e-9, "seed {seed}");
        }
    }
    assert!(complete >= 5, "{complete} of 6 complete");
}

#[test]
fn bad_current_nodes_and_costs_are_typed_errors() {
    let base = || Problem::new(["cpu"]).node(Node::new("a", vec![10.0]));
    let err = base()
        .workload(Workload::new("w", vec![1.0]).currently_on("gone"))
        .validate()
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownNode { workload, node } if workload == "w" && node == "gone"),
        "{err}"
    );
    for cost in [f64::NAN, -1.0, f64::INFINITY] {
        let err = base()
            .workload(Workload::new("w", vec![1.0]).with_migration_cost(cost))
            .validate()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { field, .. } if field == "migration_cost"),
            "{err}"
        );
    }
}
