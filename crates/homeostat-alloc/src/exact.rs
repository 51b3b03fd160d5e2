//! The exact allocator: the placement as a mixed-integer program solved
//! through good_lp (pure-Rust microlp backend).

use std::time::Instant;

use good_lp::solvers::microlp::microlp;
use good_lp::{Expression, ProblemVariables, ResolutionError, Solution, SolverModel, variable};

use crate::allocator::Allocator;
use crate::error::{Error, Result};
use crate::explain::proven_conflict;
use crate::model::{Instance, Objective, Problem};
use crate::plan::Plan;
use crate::state::State;

/// Unchecked parameters of [`Exact`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExactParams {
    max_binaries: usize,
}

impl ExactParams {
    /// Largest model accepted, in binary variables (one per eligible
    /// workload-node pair, plus one per node); default 400. microlp has no
    /// time limit and its branch and bound grows quickly, so larger problems
    /// are refused with [`Error::TooLarge`] rather than left running.
    #[must_use]
    pub fn max_binaries(mut self, limit: usize) -> Self {
        self.max_binaries = limit;
        self
    }

    /// Validates the parameters.
    pub fn check(self) -> Result<Exact> {
        if self.max_binaries == 0 {
            return Err(Error::InvalidParameter {
                name: "max_binaries",
                reason: "must be at least 1, got 0".into(),
            });
        }
        Ok(Exact(self))
    }
}

/// Solves the placement to proven optimality (small problems).
///
/// Variables: `x[i][j]` (workload `i` on eligible node `j`) and `y[j]`
/// (node `j` used); each workload on exactly one node; per node and
/// resource, placed demand within capacity times `y[j]` (or times the peak
/// utilisation `z` when balancing); at most one member of an anti-affinity
/// group per node.
///
/// ```
/// use homeostat_alloc::{Allocator, Exact, Node, Problem, Workload};
/// let problem = Problem::new(["cpu"])
///     .node(Node::new("a", vec![10.0]))
///     .node(Node::new("b", vec![10.0]))
///     .node(Node::new("c", vec![10.0]))
///     .workload(Workload::new("w0", vec![6.0]))
///     .workload(Workload::new("w1", vec![4.0]))
///     .workload(Workload::new("w2", vec![5.0]))
///     .workload(Workload::new("w3", vec![5.0]));
/// let plan = Exact::params().check()?.allocate(&problem)?;
/// assert_eq!(plan.objective, 2.0);
/// assert_eq!(plan.gap, Some(0.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Exact(ExactParams);

impl Exact {
    /// Default parameters (at most 400 binary variables).
    pub fn params() -> ExactParams {
        ExactParams { max_binaries: 400 }
    }
}

impl Allocator for Exact {
    fn name(&self) -> String {
        "exact-microlp".into()
    }

    fn allocate(&self, problem: &Problem) -> Result<Plan> {
        let started = Instant::now();
        let inst = Instance::new(problem)?;
        let m = problem.nodes.len();
        let size = inst.eligible.iter().map(|e| e.len()).sum::<usize>() + m;
        if size > self.0.max_binaries {
            return Err(Error::TooLarge {
                size,
                limit: self.0.max_binaries,
            });
        }
        if let Some(reason) = proven_conflict(&inst) {
            return Err(Error::Infeasible { reason });
        }
        let assignment = solve(&inst)?;
        let mut state = State::empty(&inst);
        for (i, j) in assignment.into_iter().enumerate() {
            state.place(i, j);
        }
        let objective = state.objective();
        Ok(Plan::from_state(
            self.name(),
            &state,
            Some(objective),
            started.elapsed(),
        ))
    }
}

fn solve(inst: &Instance<'_>) -> Result<Vec<usize>> {
    let p = inst.problem;
    let m = p.nodes.len();
    let dims = inst.dims();
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<(usize, good_lp::Variable)>> = inst
        .eligible
        .iter()
        .map(|nodes| {
            nodes
                .iter()
                .map(|&j| (j, vars.add(variable().binary())))
                .collect()
        })
        .collect();
    let y: Vec<good_lp::Variable> = (0..m).map(|_| vars.add(variable().binary())).collect();
    let z = vars.add(variable().min(0.0));
    let objective: Expression = match p.objective {
        Objective::Nodes => y.iter().map(|&v| Expression::from(v)).sum(),
        Objective::Cost => y.iter().zip(&p.nodes).map(|(&v, n)| n.cost * v).sum(),
        Objective::Balance => z.into(),
        // The cost of staying home is saved; the constant total of the
        // migration costs does not change the optimum.
        Objective::Migrations => x
            .iter()
            .enumerate()
            .filter_map(|(i, xi)| {
                let c = inst.current[i]?;
                let &(_, v) = xi.iter().find(|&&(j, _)| j == c)?;
                Some(-p.workloads[i].migration_cost * v)
            })
            .sum(),
    };
    let mut model = vars.minimise(objective).using(microlp);
    for xi in &x {
        let one: Expression = xi.iter().map(|&(_, v)| Expression::from(v)).sum();
        model.add_constraint(one.eq(1.0));
    }
    let mut on_node: Vec<Vec<(usize, good_lp::Variable)>> = vec![Vec::new(); m];
    for (i, xi) in x.iter().enumerate() {
        for &(j, v) in xi {
            on_node[j].push((i, v));
        }
    }
    for (j, members) in on_node.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        for k in 0..dims {
            let cap = inst.capacity(j)[k];
            let load: Expression = members.iter().map(|&(i, v)| inst.demand(i)[k] * v).sum();
            let limit: Expression = match p.objective {
                Objective::Balance => cap * z,
                Objective::Nodes | Objective::Cost | Objective::Migrations => cap * y[j],
            };
            model.add_constraint(load.clone().leq(limit));
            if p.objective == Objective::Balance {
                model.add_constraint(load.leq(cap));
            }
        }
        if p.objective != Objective::Balance {
            // Links zero-demand workloads to the node's use too.
            for &(_, v) in members {
                model.add_constraint(Expression::from(v).leq(y[j]));
            }
        }
        for g in 0..inst.groups {
            let members_of_g: Vec<good_lp::Variable> = members
                .iter()
                .filter(|&&(i, _)| inst.group[i] == Some(g))
                .map(|&(_, v)| v)
                .collect();
            if members_of_g.len() > 1 {
                let sum: Expression = members_of_g.into_iter().map(Expression::from).sum();
                model.add_constraint(sum.leq(1.0));
            }
        }
    }
    let solution = model.solve().map_err(|e| match e {
        ResolutionError::Infeasible => Error::Infeasible {
            reason: "no assignment satisfies capacity, eligibility and anti-affinity together \
                     (proven by the exact solver; no single aggregate or group constraint is \
                     violated on its own)"
                .into(),
        },
        other => Error::Solver(other.to_string()),
    })?;
    x.iter()
        .enumerate()
        .map(|(i, xi)| {
            xi.iter()
                .max_by(|a, b| solution.value(a.1).total_cmp(&solution.value(b.1)))
                .map(|&(j, _)| j)
                .ok_or_else(|| Error::Solver(format!("workload {i} has no variable")))
        })
        .collect()
}
