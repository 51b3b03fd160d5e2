//! Placement: validity of every policy's plans, bounds against the exact
//! optimum, explanations, and typed errors for bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_alloc::{
    Allocator, Error, Exact, Greedy, Node, Objective, Policy, Problem, Workload,
};
use proptest::prelude::*;

fn uniform(nodes: usize, cap: f64, sizes: &[f64]) -> Problem {
    let mut p = Problem::new(["cpu"]);
    for j in 0..nodes {
        p = p.node(Node::new(format!("n{j}"), vec![cap]));
    }
    for (i, &s) in sizes.iter().enumerate() {
        p = p.workload(Workload::new(format!("w{i}"), vec![s]));
    }
    p
}

/// Every constraint of the problem holds for the plan's placed workloads.
fn assert_valid(problem: &Problem, assignment: &[Option<usize>]) {
    let dims = problem.resources.len();
    let mut used = vec![vec![0.0; dims]; problem.nodes.len()];
    let mut groups = std::collections::HashSet::new();
    for (w, a) in problem.workloads.iter().zip(assignment) {
        let Some(j) = *a else { continue };
        let node = &problem.nodes[j];
        for (k, d) in w.demand.iter().enumerate() {
            used[j][k] += d;
        }
        for (key, v) in &w.required_labels {
            assert_eq!(node.labels.get(key), Some(v), "{} on {}", w.name, node.name);
        }
        for (key, v) in &w.forbidden_labels {
            assert_ne!(node.labels.get(key), Some(v), "{} on {}", w.name, node.name);
        }
        if let Some(pin) = &w.pinned {
            assert_eq!(pin, &node.name);
        }
        if let Some(allowed) = &w.allowed_nodes {
            assert!(allowed.contains(&node.name));
        }
        if let Some(g) = &w.anti_affinity {
            assert!(
                groups.insert((g.clone(), j)),
                "group {g} twice on {}",
                node.name
            );
        }
    }
    for (j, node) in problem.nodes.iter().enumerate() {
        for (u, c) in used[j].iter().zip(&node.capacity) {
            assert!(*u <= c + 1e-9, "{} over capacity", node.name);
        }
    }
}

#[test]
fn every_policy_places_a_feasible_problem_validly() {
    let problem = Problem::new(["cpu", "memory"])
        .node(Node::new("a", vec![8.0, 16.0]).with_label("zone", "x"))
        .node(Node::new("b", vec![8.0, 16.0]).with_label("zone", "y"))
        .node(
            Node::new("c", vec![4.0, 32.0])
                .with_label("zone", "y")
                .with_label("disk", "ssd"),
        )
        .workload(Workload::new("web-0", vec![2.0, 2.0]).spread("web"))
        .workload(Workload::new("web-1", vec![2.0, 2.0]).spread("web"))
        .workload(Workload::new("web-2", vec![2.0, 2.0]).spread("web"))
        .workload(Workload::new("db", vec![2.0, 20.0]).require("disk", "ssd"))
        .workload(Workload::new("batch", vec![4.0, 4.0]).forbid("zone", "y"))
        .workload(Workload::new("cache", vec![1.0, 4.0]).pin("b"))
        .workload(Workload::new("tool", vec![1.0, 1.0]).allow_only(["a", "b"]));
    for policy in Policy::ALL {
        for objective in [Objective::Nodes, Objective::Cost, Objective::Balance] {
            let p = problem.clone().minimise(objective);
            let plan = Greedy::with_policy(policy).allocate(&p).unwrap();
            assert!(
                plan.is_complete(),
                "{policy:?} {objective:?}: {:?}",
                plan.unplaced
            );
            assert_valid(&p, &plan.assignment);
            assert!(plan.lower_bound <= plan.objective + 1e-9);
            let gap = plan.gap.unwrap();
            assert!((0.0..=1.0).contains(&gap));
        }
    }
}

#[test]
fn local_search_closes_nodes_the_spreading_policy_opened() {
    let problem = uniform(6, 10.0, &[3.0, 3.0, 3.0, 3.0, 3.0, 3.0]);
    let spread = Greedy::params()
        .policy(Policy::LeastAllocated)
        .local_search(false)
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap();
    assert_eq!(spread.nodes_used(), 6);
    let improved = Greedy::with_policy(Policy::LeastAllocated)
        .allocate(&problem)
        .unwrap();
    assert_eq!(improved.nodes_used(), 2);
    assert_eq!(improved.lower_bound, 2.0);
    assert_eq!(improved.gap, Some(0.0));
}

#[test]
fn balancing_lowers_the_peak_to_the_bound() {
    let problem = uniform(2, 10.0, &[4.0, 4.0, 2.0, 2.0]).minimise(Objective::Balance);
    let plan = Greedy::with_policy(Policy::MostAllocated)
        .allocate(&problem)
        .unwrap();
    assert!((plan.objective - 0.6).abs() < 1e-9, "{}", plan.objective);
    assert!((plan.lower_bound - 0.6).abs() < 1e-9);
}

#[test]
fn exact_matches_or_beats_heuristics_and_respects_the_bound() {
    let problem = Problem::new(["cpu", "memory"])
        .node(Node::new("a", vec![10.0, 10.0]).with_cost(3.0))
        .node(Node::new("b", vec![10.0, 10.0]).with_cost(1.0))
        .node(Node::new("c", vec![20.0, 20.0]).with_cost(2.5))
        .workload(Workload::new("w0", vec![6.0, 2.0]))
        .workload(Workload::new("w1", vec![4.0, 7.0]))
        .workload(Workload::new("w2", vec![5.0, 5.0]))
        .workload(Workload::new("w3", vec![3.0, 3.0]))
        .minimise(Objective::Cost);
    let exact = Exact::params().check().unwrap().allocate(&problem).unwrap();
    assert_valid(&problem, &exact.assignment);
    assert_eq!(exact.gap, Some(0.0));
    for policy in Policy::ALL {
        let plan = Greedy::with_policy(policy).allocate(&problem).unwrap();
        assert!(plan.objective >= exact.objective - 1e-9);
        assert!(plan.lower_bound <= exact.objective + 1e-9);
    }
}

#[test]
fn plans_explain_binding_resources_and_unplaced_workloads() {
    // Two nodes of 10; three workloads of 6 cannot all fit (not provable
    // from the totals: 18 <= 20).
    let problem = uniform(2, 10.0, &[6.0, 6.0, 6.0]);
    let plan = Greedy::params()
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap();
    assert!(!plan.is_complete());
    assert_eq!(plan.gap, None);
    assert_eq!(plan.unplaced.len(), 1);
    assert!(
        plan.unplaced[0].reason.contains("cpu short on 2"),
        "{}",
        plan.unplaced[0].reason
    );
    assert!(plan.nodes.iter().all(|n| n.binding == ["cpu"]));
    // The exact solver proves it.
    let err = Exact::params()
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap_err();
    assert!(matches!(err, Error::Infeasible { .. }), "{err}");
}

#[test]
fn bad_input_is_a_typed_error_naming_the_culprit() {
    let ok = uniform(1, 10.0, &[1.0]);
    let greedy = Greedy::params().check().unwrap();

    let mut nan = ok.clone();
    nan.workloads[0].demand[0] = f64::NAN;
    let err = greedy.allocate(&nan).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { item, .. } if item == "w0"),
        "{err}"
    );

    let mut negative = ok.clone();
    negative.nodes[0].capacity[0] = -1.0;
    assert!(matches!(
        greedy.allocate(&negative),
        Err(Error::InvalidValue { .. })
    ));

    let mut inf = ok.clone();
    inf.nodes[0].cost = f64::INFINITY;
    assert!(matches!(
        greedy.allocate(&inf),
        Err(Error::InvalidValue { .. })
    ));

    let mut short = ok.clone();
    short.workloads[0].demand = vec![];
    assert!(matches!(
        greedy.allocate(&short),
        Err(Error::DimensionMismatch { .. })
    ));

    assert!(matches!(
        greedy.allocate(&Problem::new(["cpu"])),
        Err(Error::Empty { what: "nodes" })
    ));
    assert!(matches!(
        greedy.allocate(&uniform(1, 1.0, &[])),
        Err(Error::Empty { what: "workloads" })
    ));
    assert!(matches!(
        greedy.allocate(&Problem::default()),
        Err(Error::Empty { what: "resources" })
    ));

    let dup = ok.clone().node(Node::new("n0", vec![1.0]));
    assert!(matches!(greedy.allocate(&dup), Err(Error::DuplicateName(n)) if n == "n0"));

    let too_big = uniform(2, 10.0, &[11.0]);
    let err = greedy.allocate(&too_big).unwrap_err();
    assert!(
        err.to_string()
            .contains("cpu demand 11 exceeds the largest cpu capacity 10"),
        "{err}"
    );

    let unknown = uniform(1, 10.0, &[]).workload(Workload::new("w", vec![1.0]).pin("ghost"));
    assert!(
        matches!(greedy.allocate(&unknown), Err(Error::UnknownNode { node, .. }) if node == "ghost")
    );

    let no_label =
        uniform(1, 10.0, &[]).workload(Workload::new("w", vec![1.0]).require("gpu", "a100"));
    let err = greedy.allocate(&no_label).unwrap_err();
    assert!(
        matches!(err, Error::Unplaceable { .. }) && err.to_string().contains("gpu"),
        "{err}"
    );

    assert!(matches!(
        Greedy::params().max_rounds(0).check(),
        Err(Error::InvalidParameter {
            name: "max_rounds",
            ..
        })
    ));
    assert!(matches!(
        Policy::from_name("nope"),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn contradictory_constraints_are_named() {
    let greedy = Greedy::params().check().unwrap();
    // Three replicas that must spread over two nodes.
    let mut spread = uniform(2, 10.0, &[]);
    for i in 0..3 {
        spread = spread.workload(Workload::new(format!("r{i}"), vec![1.0]).spread("web"));
    }
    let err = greedy.allocate(&spread).unwrap_err();
    assert!(
        err.to_string()
            .contains("anti-affinity group \"web\" has 3 workloads but only 2 eligible nodes"),
        "{err}"
    );

    // Total demand over total capacity.
    let err = greedy
        .allocate(&uniform(2, 10.0, &[8.0, 8.0, 8.0]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("total cpu demand 24 exceeds the total cpu capacity 20"),
        "{err}"
    );

    // Two pinned workloads that overload their node.
    let pinned = uniform(2, 10.0, &[])
        .workload(Workload::new("a", vec![6.0]).pin("n0"))
        .workload(Workload::new("b", vec![6.0]).pin("n0"));
    let err = greedy.allocate(&pinned).unwrap_err();
    assert!(
        err.to_string()
            .contains("[\"a\", \"b\"] may only run on [\"n0\"]"),
        "{err}"
    );
}

#[test]
fn exact_refuses_oversized_models() {
    let problem = uniform(20, 10.0, &[1.0; 30]);
    let err = Exact::params()
        .check()
        .unwrap()
        .allocate(&problem)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                size: 620,
                limit: 400
            }
        ),
        "{err}"
    );
    assert!(Exact::params().max_binaries(0).check().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// On random small problems: the exact optimum lies between the bound
    /// and every heuristic's objective, and every plan is valid.
    #[test]
    fn bound_le_exact_le_heuristic(
        sizes in prop::collection::vec((1u32..8, 1u32..8), 1..7),
        nodes in 2usize..4,
    ) {
        let mut p = Problem::new(["cpu", "memory"]);
        for j in 0..nodes {
            p = p.node(Node::new(format!("n{j}"), vec![10.0, 10.0]));
        }
        for (i, (c, m)) in sizes.iter().enumerate() {
            p = p.workload(Workload::new(format!("w{i}"), vec![f64::from(*c), f64::from(*m)]));
        }
        let exact = Exact::params().check().unwrap().allocate(&p);
        for policy in Policy::ALL {
            match Greedy::with_policy(policy).allocate(&p) {
                Ok(plan) => {
                    assert_valid(&p, &plan.assignment);
                    if let Ok(e) = &exact {
                        prop_assert!(plan.lower_bound <= e.objective + 1e-9);
                        if plan.is_complete() {
                            prop_assert!(plan.objective >= e.objective - 1e-9);
                        }
                    }
                }
                Err(err) => prop_assert!(matches!(err, Error::Infeasible { .. }), "{}", err),
            }
        }
        if let Ok(e) = exact {
            assert_valid(&p, &e.assignment);
            prop_assert!(e.is_complete());
        }
    }
}
