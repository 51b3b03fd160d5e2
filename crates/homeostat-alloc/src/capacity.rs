//! Capacity planning: replicas per service for forecast demand at a target
//! utilisation, and the cheapest mix of node types that holds them, as an
//! integer program (good_lp / microlp).

use std::time::{Duration, Instant};

use good_lp::solvers::microlp::microlp;
use good_lp::{Expression, ProblemVariables, ResolutionError, Solution, SolverModel, variable};

use crate::error::{Error, Result, check_non_negative};
use crate::model::check_len;

/// A service to size.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServiceDemand {
    /// The service's name.
    pub name: String,
    /// Forecast peak demand (for example requests per second).
    pub forecast: f64,
    /// Demand one replica serves at 100 % utilisation (same unit, > 0).
    pub per_replica: f64,
    /// Resources one replica reserves, one per resource of the node types.
    pub resources: Vec<f64>,
    /// Fewest replicas (for redundancy).
    pub min_replicas: u32,
    /// Most replicas allowed, if bounded.
    pub max_replicas: Option<u32>,
}

/// A kind of node that can be bought or started.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NodeType {
    /// The type's name.
    pub name: String,
    /// Capacity per resource.
    pub capacity: Vec<f64>,
    /// Cost of one node.
    pub cost: f64,
    /// How many nodes of this type exist at most.
    pub available: u32,
}

/// Replicas per service and nodes per type.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CapacityPlan {
    /// Replicas of each service, in input order.
    pub replicas: Vec<u32>,
    /// Nodes of each type, in input order.
    pub nodes: Vec<u32>,
    /// Total cost of the nodes.
    pub cost: f64,
    /// Wall-clock time of the solve.
    pub solve_time: Duration,
}

/// Sizes every service for `forecast / (target_utilisation × per_replica)`
/// replicas (at least `min_replicas`), then buys the cheapest nodes whose
/// summed capacity holds all replicas' resources, per resource.
///
/// The capacity model is aggregate (a fluid bound): placing the replicas
/// on the chosen nodes is the [`crate::Allocator`]'s job, which may need a
/// node more when replicas do not pack perfectly.
///
/// ```
/// use homeostat_alloc::capacity::{NodeType, ServiceDemand, plan_capacity};
/// let services = vec![ServiceDemand {
///     name: "api".into(), forecast: 900.0, per_replica: 100.0,
///     resources: vec![2.0, 4.0], min_replicas: 2, max_replicas: None,
/// }];
/// let types = vec![
///     NodeType { name: "small".into(), capacity: vec![4.0, 16.0], cost: 1.0, available: 10 },
///     NodeType { name: "large".into(), capacity: vec![16.0, 64.0], cost: 3.0, available: 10 },
/// ];
/// let plan = plan_capacity(&services, &types, 0.75)?;
/// assert_eq!(plan.replicas, vec![12]); // 900 / (0.75 * 100)
/// // 24 CPU: two small and one large (cost 5) beat two large (6) or six small (6).
/// assert_eq!(plan.nodes, vec![2, 1]);
/// assert_eq!(plan.cost, 5.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan_capacity(
    services: &[ServiceDemand],
    types: &[NodeType],
    target_utilisation: f64,
) -> Result<CapacityPlan> {
    let started = Instant::now();
    if !(target_utilisation > 0.0 && target_utilisation <= 1.0) {
        return Err(Error::InvalidParameter {
            name: "target_utilisation",
            reason: format!("must be in (0, 1], got {target_utilisation}"),
        });
    }
    if services.is_empty() {
        return Err(Error::Empty { what: "services" });
    }
    let Some(first) = types.first() else {
        return Err(Error::Empty { what: "node types" });
    };
    let dims = first.capacity.len();
    let mut needed = Vec::with_capacity(services.len());
    for s in services {
        check_non_negative(&s.name, "forecast", s.forecast)?;
        check_non_negative(&s.name, "per_replica", s.per_replica)?;
        if s.per_replica <= 0.0 {
            return Err(Error::InvalidValue {
                item: s.name.clone(),
                field: "per_replica".into(),
                value: s.per_replica,
            });
        }
        check_len(&s.name, "demand", dims, s.resources.len())?;
        for &r in &s.resources {
            check_non_negative(&s.name, "resources", r)?;
        }
        let raw = (s.forecast / (target_utilisation * s.per_replica) - 1e-9).ceil();
        let replicas = (raw.max(0.0) as u32).max(s.min_replicas);
        if let Some(max) = s.max_replicas
            && replicas > max
        {
            return Err(Error::Infeasible {
                reason: format!(
                    "service {:?} needs {replicas} replicas for forecast {} at {target_utilisation} utilisation, but max_replicas is {max}",
                    s.name, s.forecast
                ),
            });
        }
        needed.push(replicas);
    }
    for t in types {
        check_len(&t.name, "capacity", dims, t.capacity.len())?;
        for &c in &t.capacity {
            check_non_negative(&t.name, "capacity", c)?;
        }
        check_non_negative(&t.name, "cost", t.cost)?;
    }
    let demand: Vec<f64> = (0..dims)
        .map(|k| {
            services
                .iter()
                .zip(&needed)
                .map(|(s, &r)| s.resources[k] * f64::from(r))
                .sum()
        })
        .collect();
    for (k, &d) in demand.iter().enumerate() {
        let most: f64 = types
            .iter()
            .map(|t| t.capacity[k] * f64::from(t.available))
            .sum();
        if d > most * (1.0 + 1e-9) {
            return Err(Error::Infeasible {
                reason: format!(
                    "the replicas need {d} of resource {k}, all available nodes hold {most}"
                ),
            });
        }
    }
    let mut vars = ProblemVariables::new();
    let n: Vec<good_lp::Variable> = types
        .iter()
        .map(|t| vars.add(variable().integer().min(0).max(t.available)))
        .collect();
    // Cost first; among equal costs, fewer nodes.
    let objective: Expression = types
        .iter()
        .zip(&n)
        .map(|(t, &v)| (t.cost + 1e-6) * v)
        .sum();
    let mut model = vars.minimise(objective).using(microlp);
    for (k, &d) in demand.iter().enumerate() {
        let held: Expression = types.iter().zip(&n).map(|(t, &v)| t.capacity[k] * v).sum();
        model.add_constraint(held.geq(d));
    }
    let solution = model.solve().map_err(|e| match e {
        ResolutionError::Infeasible => Error::Infeasible {
            reason: "no mix of the available nodes holds the replicas".into(),
        },
        other => Error::Solver(other.to_string()),
    })?;
    let nodes: Vec<u32> = n
        .iter()
        .map(|&v| solution.value(v).round().max(0.0) as u32)
        .collect();
    let cost = types
        .iter()
        .zip(&nodes)
        .map(|(t, &c)| t.cost * f64::from(c))
        .sum();
    Ok(CapacityPlan {
        replicas: needed,
        nodes,
        cost,
        solve_time: started.elapsed(),
    })
}
