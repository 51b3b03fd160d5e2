//! Capacity planning: the integer program against brute force, and bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_alloc::Error;
use homeostat_alloc::capacity::{NodeType, ServiceDemand, plan_capacity};

fn service(name: &str, forecast: f64, per_replica: f64, resources: Vec<f64>) -> ServiceDemand {
    ServiceDemand {
        name: name.into(),
        forecast,
        per_replica,
        resources,
        min_replicas: 2,
        max_replicas: None,
    }
}

fn node_type(name: &str, capacity: Vec<f64>, cost: f64, available: u32) -> NodeType {
    NodeType {
        name: name.into(),
        capacity,
        cost,
        available,
    }
}

#[test]
fn the_plan_is_the_cheapest_mix_found_by_brute_force() {
    let services = vec![
        service("web", 1200.0, 100.0, vec![1.0, 2.0]),
        service("db", 10.0, 100.0, vec![4.0, 30.0]),
        service("cache", 500.0, 400.0, vec![0.5, 12.0]),
    ];
    let types = vec![
        node_type("cpu", vec![16.0, 32.0], 4.0, 6),
        node_type("mem", vec![8.0, 128.0], 5.0, 6),
        node_type("small", vec![4.0, 16.0], 1.5, 6),
    ];
    let plan = plan_capacity(&services, &types, 0.8).unwrap();
    // 1200/80 = 15, max(2, 1) = 2, ceil(500/320) = 2.
    assert_eq!(plan.replicas, vec![15, 2, 2]);
    let need = [15.0 + 8.0 + 1.0, 30.0 + 60.0 + 24.0];
    let mut best = f64::INFINITY;
    for a in 0..=6u32 {
        for b in 0..=6u32 {
            for c in 0..=6u32 {
                let cpu = 16.0 * f64::from(a) + 8.0 * f64::from(b) + 4.0 * f64::from(c);
                let mem = 32.0 * f64::from(a) + 128.0 * f64::from(b) + 16.0 * f64::from(c);
                if cpu >= need[0] && mem >= need[1] {
                    best = best.min(4.0 * f64::from(a) + 5.0 * f64::from(b) + 1.5 * f64::from(c));
                }
            }
        }
    }
    assert!((plan.cost - best).abs() < 1e-9, "{} vs {best}", plan.cost);
}

#[test]
fn bad_input_and_impossible_demand_are_typed_errors() {
    let types = vec![node_type("n", vec![4.0], 1.0, 2)];
    let ok = vec![service("s", 100.0, 100.0, vec![1.0])];
    assert!(matches!(
        plan_capacity(&ok, &types, 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        plan_capacity(&ok, &types, f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        plan_capacity(&[], &types, 0.5),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        plan_capacity(&ok, &[], 0.5),
        Err(Error::Empty { .. })
    ));
    let nan = vec![service("s", f64::NAN, 100.0, vec![1.0])];
    assert!(matches!(
        plan_capacity(&nan, &types, 0.5),
        Err(Error::InvalidValue { .. })
    ));
    let zero = vec![service("s", 1.0, 0.0, vec![1.0])];
    assert!(matches!(
        plan_capacity(&zero, &types, 0.5),
        Err(Error::InvalidValue { .. })
    ));
    let dims = vec![service("s", 1.0, 1.0, vec![1.0, 1.0])];
    assert!(matches!(
        plan_capacity(&dims, &types, 0.5),
        Err(Error::DimensionMismatch { .. })
    ));
    // 100 replicas of 1 CPU on at most 8 CPU.
    let big = vec![service("s", 5000.0, 50.0, vec![1.0])];
    let err = plan_capacity(&big, &types, 1.0).unwrap_err();
    assert!(
        matches!(err, Error::Infeasible { .. }) && err.to_string().contains("100"),
        "{err}"
    );
    let mut capped = service("s", 1000.0, 100.0, vec![0.1]);
    capped.max_replicas = Some(5);
    let err = plan_capacity(&[capped], &types, 1.0).unwrap_err();
    assert!(err.to_string().contains("max_replicas is 5"), "{err}");
}
