//! What an allocator returns: the placement, its objective, a lower bound,
//! the gap, and why things are where they are.

use std::time::Duration;

use crate::bound::lower_bound;
use crate::model::Instance;
use crate::state::State;

/// A placement and how good it is.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Plan {
    /// The allocator that produced the plan.
    pub solver: String,
    /// Node index (into `Problem::nodes`) of each workload, `None` if unplaced.
    pub assignment: Vec<Option<usize>>,
    /// The objective value of the placed workloads.
    pub objective: f64,
    /// A lower bound on the objective of any complete placement.
    pub lower_bound: f64,
    /// `(objective - lower_bound) / objective` (0 when both are 0), or
    /// `None` when some workload is unplaced.
    pub gap: Option<f64>,
    /// Wall-clock time of the solve.
    pub solve_time: Duration,
    /// Every node that received workloads, with its binding resources.
    pub nodes: Vec<NodeReport>,
    /// Workloads left out, each with the reason.
    pub unplaced: Vec<Unplaced>,
}

impl Plan {
    /// Whether every workload was placed.
    pub fn is_complete(&self) -> bool {
        self.unplaced.is_empty()
    }

    /// Number of nodes that received at least one workload.
    pub fn nodes_used(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn from_state(
        solver: impl Into<String>,
        state: &State<'_, '_>,
        bound: Option<f64>,
        solve_time: Duration,
    ) -> Self {
        let inst = state.inst;
        let objective = state.objective();
        let unplaced: Vec<Unplaced> = state
            .unplaced()
            .map(|i| Unplaced {
                workload: inst.problem.workloads[i].name.clone(),
                reason: why_unplaced(state, i),
            })
            .collect();
        let mut lower_bound = bound.unwrap_or_else(|| lower_bound(inst));
        let gap = if unplaced.is_empty() {
            // A feasible objective caps every valid bound; this only trims
            // floating-point excess.
            lower_bound = lower_bound.min(objective);
            Some(if objective > 0.0 {
                ((objective - lower_bound) / objective).max(0.0)
            } else {
                0.0
            })
        } else {
            None
        };
        Self {
            solver: solver.into(),
            assignment: state.assign.clone(),
            objective,
            lower_bound,
            gap,
            solve_time,
            nodes: node_reports(inst, state),
            unplaced,
        }
    }
}

/// One used node: its load and the resources that stop it taking more.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NodeReport {
    /// The node's name.
    pub node: String,
    /// Workloads placed on it.
    pub workloads: usize,
    /// Used over capacity, per resource (0 where the capacity is 0).
    pub utilisation: Vec<f64>,
    /// Resources whose remainder is below the smallest demand for them of
    /// any workload, so no further workload that needs them fits.
    pub binding: Vec<String>,
}

/// A workload the plan could not place.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Unplaced {
    /// The workload's name.
    pub workload: String,
    /// Why no eligible node took it, with counts per cause.
    pub reason: String,
}

fn node_reports(inst: &Instance<'_>, state: &State<'_, '_>) -> Vec<NodeReport> {
    let dims = inst.dims();
    // Smallest positive demand per resource over all workloads.
    let smallest: Vec<f64> = (0..dims)
        .map(|k| {
            inst.problem
                .workloads
                .iter()
                .map(|w| w.demand[k])
                .filter(|&d| d > 0.0)
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    (0..inst.problem.nodes.len())
        .filter(|&j| state.count[j] > 0)
        .map(|j| {
            let cap = inst.capacity(j);
            let binding = (0..dims)
                .filter(|&k| cap[k] - state.used[j][k] < smallest[k] - 1e-9 * cap[k].max(1.0))
                .map(|k| inst.problem.resources[k].clone())
                .collect();
            NodeReport {
                node: inst.problem.nodes[j].name.clone(),
                workloads: state.count[j],
                utilisation: (0..dims).map(|k| state.utilisation(j, k)).collect(),
                binding,
            }
        })
        .collect()
}

/// Counts, over the eligible nodes of `i`, what stops each from taking it.
pub(crate) fn why_unplaced(state: &State<'_, '_>, i: usize) -> String {
    let inst = state.inst;
    let dims = inst.dims();
    let mut short = vec![0usize; dims];
    let mut spread = 0;
    for &j in inst.eligible[i].iter() {
        if !state.can_place(i, j) {
            let full: Vec<usize> = (0..dims)
                .filter(|&k| {
                    state.used[j][k] + inst.demand(i)[k]
                        > inst.capacity(j)[k] * (1.0 + crate::model::EPS)
                })
                .collect();
            if full.is_empty() {
                spread += 1;
            }
            for k in full {
                short[k] += 1;
            }
        }
    }
    let mut parts: Vec<String> = short
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(k, c)| format!("{} short on {c}", inst.problem.resources[k]))
        .collect();
    if spread > 0 {
        parts.push(format!(
            "anti-affinity group {:?} already on {spread}",
            inst.problem.workloads[i]
                .anti_affinity
                .as_deref()
                .unwrap_or("")
        ));
    }
    format!(
        "none of its {} eligible nodes has room: {}",
        inst.eligible[i].len(),
        parts.join(", ")
    )
}
