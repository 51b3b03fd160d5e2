//! Running a good_lp model on HiGHS (feature `highs`) while keeping what
//! good_lp's own `solve` drops: the MIP's dual bound, so a solve stopped by
//! the time limit or the MIP gap still reports an honest bound.

use std::collections::HashMap;
use std::time::Duration;

use good_lp::solvers::highs::highs;
use good_lp::{Constraint, Expression, ProblemVariables, SolverModel, Variable};
use highs::{HighsModelStatus, HighsSolutionStatus};

use crate::error::{Error, Result};

/// Why HiGHS stopped with an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MipStop {
    /// Proven optimal (within the solver's default tolerance).
    Optimal,
    /// Stopped at the requested relative MIP gap.
    GapLimit,
    /// Stopped by the time limit (or another work limit).
    TimeLimit,
}

/// The outcome of [`solve_highs`].
#[derive(Debug, Clone)]
pub(crate) struct MipOutcome {
    values: Vec<f64>,
    column: HashMap<Variable, usize>,
    /// Why the search stopped.
    pub(crate) stop: MipStop,
    /// HiGHS's best proven lower bound on the minimum (the objective's
    /// constant excluded), or `-inf` when it proved none.
    pub(crate) dual_bound: f64,
}

impl MipOutcome {
    /// The value of `v` in the incumbent (0 for an unknown variable).
    pub(crate) fn value(&self, v: Variable) -> f64 {
        self.column
            .get(&v)
            .and_then(|&c| self.values.get(c))
            .copied()
            .unwrap_or(0.0)
    }
}

/// Minimises `objective` subject to `constraints` with HiGHS, quietly, within
/// `time_limit` and down to the relative `mip_gap`.
///
/// # Errors
/// [`Error::Infeasible`] (with `infeasible` as the reason) when HiGHS proves
/// there is no solution; [`Error::Solver`] when it fails or stops without
/// any feasible assignment.
pub(crate) fn solve_highs(
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<Constraint>,
    time_limit: Option<Duration>,
    mip_gap: f64,
    infeasible: &str,
) -> Result<MipOutcome> {
    // good_lp gives HiGHS one column per variable, in creation order.
    let column: HashMap<Variable, usize> = vars
        .iter_variables_with_def()
        .enumerate()
        .map(|(c, (v, _))| (v, c))
        .collect();
    let mut problem = vars.minimise(objective).using(highs);
    for c in constraints {
        problem.add_constraint(c);
    }
    let mut model = problem.into_inner();
    model.make_quiet();
    model.set_option("mip_rel_gap", mip_gap);
    if let Some(limit) = time_limit {
        model.set_option("time_limit", limit.as_secs_f64());
    }
    let solved = model.solve();
    let stop = match solved.status() {
        HighsModelStatus::Optimal
        | HighsModelStatus::ObjectiveBound
        | HighsModelStatus::ObjectiveTarget => {
            if solved.mip_gap() > 0.0 && solved.mip_gap().is_finite() {
                MipStop::GapLimit
            } else {
                MipStop::Optimal
            }
        }
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit => MipStop::TimeLimit,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Err(Error::Infeasible {
                reason: infeasible.into(),
            });
        }
        other => return Err(Error::Solver(format!("HiGHS stopped with {other:?}"))),
    };
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        return Err(Error::Solver(format!(
            "HiGHS found no feasible assignment before it stopped ({stop:?})"
        )));
    }
    let dual_bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| !b.is_nan())
        .unwrap_or(f64::NEG_INFINITY);
    Ok(MipOutcome {
        values: solved.get_solution().columns().to_vec(),
        column,
        stop,
        dual_bound,
    })
}
