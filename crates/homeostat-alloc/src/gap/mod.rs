//! The generalised assignment problem (GAP): each job to exactly one agent,
//! agents' capacities respected, total cost minimised.

mod branch;
mod heuristic;
#[cfg(feature = "highs")]
mod highs;
mod instance;
mod lagrange;
mod lp;
mod repair;

pub use heuristic::{GapHeuristic, GapHeuristicParams};
#[cfg(feature = "highs")]
pub use highs::{GapHighs, GapHighsParams};
pub use instance::GapInstance;
pub use lagrange::{LagrangianBound, MAX_KNAPSACK_CELLS, gap_lagrangian_bound};
pub use lp::{gap_exact, gap_lp_bound};

use std::time::Duration;

/// A GAP assignment and how good it is.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GapSolution {
    /// The method that produced it.
    pub solver: String,
    /// Agent of each job.
    pub assignment: Vec<usize>,
    /// Total cost of the assignment.
    pub objective: f64,
    /// Whether every agent is within its capacity.
    pub feasible: bool,
    /// A lower bound on the optimum.
    pub bound: f64,
    /// `(objective - bound) / objective` (0 when both are 0).
    pub gap: f64,
    /// Wall-clock time of the solve.
    pub solve_time: Duration,
}

pub(crate) fn relative_gap(objective: f64, bound: f64) -> f64 {
    if objective.abs() > 0.0 {
        ((objective - bound) / objective.abs()).max(0.0)
    } else {
        0.0
    }
}
