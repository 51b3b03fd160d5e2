//! GAP through good_lp (microlp): the LP relaxation as a bound, and the
//! integer program for small instances.

// Agent × job matrices read most plainly with index loops.
#![allow(clippy::needless_range_loop)]

use std::time::Instant;

use good_lp::solvers::microlp::microlp;
use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable,
    variable,
};

use super::{GapInstance, GapSolution, relative_gap};
use crate::error::{Error, Result};

/// The variables, matrix of `x[agent][job]` and cost of [`formulation`].
pub(super) type Formulation = (
    ProblemVariables,
    Vec<Vec<Option<Variable>>>,
    Expression,
    Vec<Constraint>,
);

/// Variables `x[agent][job]` in [0, 1] (binary when `integer`), each job
/// assigned once, each agent within capacity; jobs heavier than an agent's
/// capacity get no variable for it. Optionally the cost is capped (`upper`).
/// Independent of the solver.
pub(super) fn formulation(gap: &GapInstance, integer: bool, upper: Option<f64>) -> Formulation {
    let (m, n) = (gap.agents(), gap.jobs());
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<Option<Variable>>> = (0..m)
        .map(|i| {
            (0..n)
                .map(|j| {
                    (gap.weight(i, j) <= gap.capacity()[i]).then(|| {
                        if integer {
                            vars.add(variable().binary())
                        } else {
                            vars.add(variable().min(0.0).max(1.0))
                        }
                    })
                })
                .collect()
        })
        .collect();
    let cost: Expression = (0..m)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter_map(|(i, j)| x[i][j].map(|v| gap.cost(i, j) * v))
        .sum();
    let mut constraints = Vec::with_capacity(n + m + 1);
    for j in 0..n {
        let once: Expression = (0..m).filter_map(|i| x[i][j]).map(Expression::from).sum();
        constraints.push(once.eq(1.0));
    }
    for i in 0..m {
        let load: Expression = (0..n)
            .filter_map(|j| x[i][j].map(|v| gap.weight(i, j) * v))
            .sum();
        constraints.push(load.leq(gap.capacity()[i]));
    }
    if let Some(upper) = upper {
        constraints.push(cost.clone().leq(upper));
    }
    (vars, x, cost, constraints)
}

/// [`formulation`] for microlp.
fn model(
    gap: &GapInstance,
    integer: bool,
    upper: Option<f64>,
) -> Result<(
    Vec<Vec<Option<Variable>>>,
    good_lp::solvers::microlp::MicroLpProblem,
)> {
    let (vars, x, cost, constraints) = formulation(gap, integer, upper);
    let mut problem = vars.minimise(cost).using(microlp);
    for c in constraints {
        problem.add_constraint(c);
    }
    Ok((x, problem))
}

/// The job's agent: the variable closest to 1.
pub(super) fn read_assignment(
    gap: &GapInstance,
    x: &[Vec<Option<Variable>>],
    value: impl Fn(Variable) -> f64,
) -> Result<Vec<usize>> {
    (0..gap.jobs())
        .map(|j| {
            (0..gap.agents())
                .filter_map(|i| x[i][j].map(|v| (i, value(v))))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
                .ok_or_else(|| Error::Solver(format!("job {j} has no variable")))
        })
        .collect()
}

/// Why no assignment exists, when a solver proves it.
pub(super) const INFEASIBLE: &str =
    "the agents' capacities cannot hold every job (proven by the LP / MIP solver)";

fn solver_error(e: ResolutionError) -> Error {
    match e {
        ResolutionError::Infeasible => Error::Infeasible {
            reason: INFEASIBLE.into(),
        },
        other => Error::Solver(other.to_string()),
    }
}

/// The LP-relaxation lower bound, rounded up when all costs are integers.
///
/// # Errors
/// [`Error::Infeasible`] when even the relaxation has no solution.
pub fn gap_lp_bound(gap: &GapInstance) -> Result<f64> {
    let (x, problem) = model(gap, false, None)?;
    let solution = problem.solve().map_err(solver_error)?;
    let mut bound = 0.0;
    for (i, row) in x.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if let Some(v) = v {
                bound += gap.cost(i, j) * solution.value(*v);
            }
        }
    }
    Ok(if gap.integral_costs() {
        (bound - 1e-6).ceil()
    } else {
        bound
    })
}

/// Solves the GAP exactly as a binary program (microlp branch and bound).
///
/// `upper` (for example a heuristic's cost) prunes the search. microlp has
/// no time limit: keep this to small instances (`max_binaries`).
///
/// # Errors
/// [`Error::TooLarge`] above `max_binaries` variables, [`Error::Infeasible`]
/// when no assignment fits (or none at most `upper`).
pub fn gap_exact(
    gap: &GapInstance,
    upper: Option<f64>,
    max_binaries: usize,
) -> Result<GapSolution> {
    let started = Instant::now();
    let size = gap.agents() * gap.jobs();
    if size > max_binaries {
        return Err(Error::TooLarge {
            size,
            limit: max_binaries,
        });
    }
    // A little slack so the cap does not cut off the optimum by rounding.
    let (x, problem) = model(gap, true, upper.map(|u| u + 1e-6 * u.abs().max(1.0)))?;
    let solution = problem.solve().map_err(solver_error)?;
    let assignment = read_assignment(gap, &x, |v| solution.value(v))?;
    let objective = gap.total_cost(&assignment)?;
    Ok(GapSolution {
        solver: "exact-microlp".into(),
        feasible: gap.is_feasible(&assignment)?,
        assignment,
        objective,
        bound: objective,
        gap: relative_gap(objective, objective),
        solve_time: started.elapsed(),
    })
}
