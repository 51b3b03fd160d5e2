//! The exact allocator: the placement as a mixed-integer program solved
//! through good_lp, with the pure-Rust microlp backend or (feature `highs`)
//! HiGHS with a time limit and a MIP gap.

use std::time::{Duration, Instant};

use good_lp::solvers::microlp::microlp;
use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable,
    variable,
};

use crate::allocator::Allocator;
use crate::error::{Error, Result};
use crate::explain::proven_conflict;
use crate::model::{Instance, Problem};
use crate::plan::Plan;
use crate::state::State;

/// The MIP solver behind [`Exact`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExactBackend {
    /// good_lp's pure-Rust microlp: no system dependency, no time limit,
    /// small models only.
    #[default]
    Microlp,
    /// HiGHS (feature `highs`): honours the time limit and the MIP gap, and
    /// reports its proven bound when it stops early.
    #[cfg(feature = "highs")]
    Highs,
}

/// Unchecked parameters of [`Exact`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExactParams {
    max_binaries: Option<usize>,
    backend: ExactBackend,
    time_limit: Option<Duration>,
    mip_gap: f64,
}

impl ExactParams {
    /// Largest model accepted, in binary variables (one per eligible
    /// workload-node pair, plus one per node); default 400 with microlp,
    /// 200 000 with HiGHS. microlp has no time limit and its branch and
    /// bound grows quickly, so larger problems are refused with
    /// [`Error::TooLarge`] rather than left running.
    #[must_use]
    pub fn max_binaries(mut self, limit: usize) -> Self {
        self.max_binaries = Some(limit);
        self
    }

    /// The MIP solver (default [`ExactBackend::Microlp`]).
    #[must_use]
    pub fn backend(mut self, backend: ExactBackend) -> Self {
        self.backend = backend;
        self
    }

    /// Wall-clock budget of HiGHS (default 60 s; `None` for none). When it
    /// runs out, the best placement found so far is returned with HiGHS's
    /// proven bound. microlp has no time limit and ignores it.
    #[must_use]
    pub fn time_limit(mut self, limit: Option<Duration>) -> Self {
        self.time_limit = limit;
        self
    }

    /// Relative MIP gap at which HiGHS stops (default 0: proven optimal).
    /// microlp always solves to optimality and ignores it.
    #[must_use]
    pub fn mip_gap(mut self, gap: f64) -> Self {
        self.mip_gap = gap;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `max_binaries` 0, a zero time limit,
    /// or a MIP gap that is negative, not finite or at least 1.
    pub fn check(self) -> Result<Exact> {
        if self.max_binaries == Some(0) {
            return Err(Error::InvalidParameter {
                name: "max_binaries",
                reason: "must be at least 1, got 0".into(),
            });
        }
        if self.time_limit.is_some_and(|t| t.is_zero()) {
            return Err(Error::InvalidParameter {
                name: "time_limit",
                reason: "must be positive, got 0".into(),
            });
        }
        if !(self.mip_gap.is_finite() && (0.0..1.0).contains(&self.mip_gap)) {
            return Err(Error::InvalidParameter {
                name: "mip_gap",
                reason: format!("must be in [0, 1), got {}", self.mip_gap),
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
    /// Default parameters: microlp, at most 400 binary variables (HiGHS:
    /// 200 000, 60 s, MIP gap 0).
    pub fn params() -> ExactParams {
        ExactParams {
            max_binaries: None,
            backend: ExactBackend::Microlp,
            time_limit: Some(Duration::from_secs(60)),
            mip_gap: 0.0,
        }
    }

    fn max_binaries(&self) -> usize {
        self.0.max_binaries.unwrap_or(match self.0.backend {
            ExactBackend::Microlp => 400,
            #[cfg(feature = "highs")]
            ExactBackend::Highs => 200_000,
        })
    }
}

impl Allocator for Exact {
    fn name(&self) -> String {
        match self.0.backend {
            ExactBackend::Microlp => "exact-microlp".into(),
            #[cfg(feature = "highs")]
            ExactBackend::Highs => "exact-highs".into(),
        }
    }

    fn allocate(&self, problem: &Problem) -> Result<Plan> {
        let started = Instant::now();
        let inst = Instance::new(problem)?;
        let m = problem.nodes.len();
        let size = inst.eligible.iter().map(|e| e.len()).sum::<usize>() + m;
        let limit = self.max_binaries();
        if size > limit {
            return Err(Error::TooLarge { size, limit });
        }
        if let Some(reason) = proven_conflict(&inst) {
            return Err(Error::Infeasible { reason });
        }
        let model = formulate(&inst);
        let (assignment, bound, name) = match self.0.backend {
            ExactBackend::Microlp => (solve_microlp(model)?, None, self.name()),
            #[cfg(feature = "highs")]
            ExactBackend::Highs => self.solve_highs(&inst, model)?,
        };
        let mut state = State::empty(&inst);
        for (i, j) in assignment.into_iter().enumerate() {
            state.place(i, j);
        }
        // Proven optimal unless HiGHS says otherwise.
        let bound = bound.unwrap_or_else(|| state.objective());
        Ok(Plan::from_state(
            name,
            &state,
            Some(bound),
            started.elapsed(),
        ))
    }
}

/// The integer program of a placement, independent of the solver.
struct Model {
    vars: ProblemVariables,
    /// Eligible `(node, variable)` pairs of each workload.
    x: Vec<Vec<(usize, Variable)>>,
    objective: Expression,
    /// What the plan's objective adds to the MIP's (the migration costs of
    /// the workloads with a current node).
    #[cfg_attr(not(feature = "highs"), allow(dead_code))]
    offset: f64,
    constraints: Vec<Constraint>,
}

const INFEASIBLE: &str = "no assignment satisfies capacity, eligibility and anti-affinity together \
                          (proven by the exact solver; no single aggregate or group constraint is \
                          violated on its own)";

fn formulate(inst: &Instance<'_>) -> Model {
    let p = inst.problem;
    let m = p.nodes.len();
    let dims = inst.dims();
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<(usize, Variable)>> = inst
        .eligible
        .iter()
        .map(|nodes| {
            nodes
                .iter()
                .map(|&j| (j, vars.add(variable().binary())))
                .collect()
        })
        .collect();
    let y: Vec<Variable> = (0..m).map(|_| vars.add(variable().binary())).collect();
    let z = vars.add(variable().min(0.0));
    let w = p.objective.weights();
    let saved: Expression = x
        .iter()
        .enumerate()
        .filter_map(|(i, xi)| {
            let c = inst.current[i]?;
            let &(_, v) = xi.iter().find(|&&(j, _)| j == c)?;
            Some(p.workloads[i].migration_cost * v)
        })
        .sum();
    // Migrations enter as minus the cost saved by staying home; the constant
    // total of the migration costs (the offset) does not change the optimum.
    let objective: Expression = y
        .iter()
        .zip(&p.nodes)
        .map(|(&v, n)| (w.nodes + w.cost * n.cost) * v)
        .sum::<Expression>()
        + w.balance * z
        - w.migrations * saved;
    let offset = w.migrations
        * (0..x.len())
            .filter(|&i| inst.current[i].is_some())
            .map(|i| p.workloads[i].migration_cost)
            .sum::<f64>();
    // Node-use variables bound the load unless only balance is minimised.
    let use_y = w.packs();
    let mut constraints = Vec::new();
    for xi in &x {
        let one: Expression = xi.iter().map(|&(_, v)| Expression::from(v)).sum();
        constraints.push(one.eq(1.0));
    }
    let mut on_node: Vec<Vec<(usize, Variable)>> = vec![Vec::new(); m];
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
            if w.balance > 0.0 {
                constraints.push(load.clone().leq(cap * z));
            }
            if use_y {
                constraints.push(load.leq(cap * y[j]));
            } else {
                constraints.push(load.leq(cap));
            }
        }
        if use_y {
            // Links zero-demand workloads to the node's use too.
            for &(_, v) in members {
                constraints.push(Expression::from(v).leq(y[j]));
            }
        }
        for g in 0..inst.groups {
            let members_of_g: Vec<Variable> = members
                .iter()
                .filter(|&&(i, _)| inst.group[i] == Some(g))
                .map(|&(_, v)| v)
                .collect();
            if members_of_g.len() > 1 {
                let sum: Expression = members_of_g.into_iter().map(Expression::from).sum();
                constraints.push(sum.leq(1.0));
            }
        }
    }
    Model {
        vars,
        x,
        objective,
        offset,
        constraints,
    }
}

fn solve_microlp(model: Model) -> Result<Vec<usize>> {
    let mut problem = model.vars.minimise(model.objective).using(microlp);
    for c in model.constraints {
        problem.add_constraint(c);
    }
    let solution = problem.solve().map_err(|e| match e {
        ResolutionError::Infeasible => Error::Infeasible {
            reason: INFEASIBLE.into(),
        },
        other => Error::Solver(other.to_string()),
    })?;
    read_assignment(&model.x, |v| solution.value(v))
}

#[cfg(feature = "highs")]
impl Exact {
    /// The assignment, HiGHS's bound when it stopped before proving
    /// optimality, and the solver's name.
    fn solve_highs(
        &self,
        inst: &Instance<'_>,
        model: Model,
    ) -> Result<(Vec<usize>, Option<f64>, String)> {
        use crate::mip::{MipStop, solve_highs};
        let outcome = solve_highs(
            model.vars,
            model.objective,
            model.constraints,
            self.0.time_limit,
            self.0.mip_gap,
            INFEASIBLE,
        )?;
        let assignment = read_assignment(&model.x, |v| outcome.value(v))?;
        let (bound, name) = match outcome.stop {
            MipStop::Optimal => (None, "exact-highs"),
            MipStop::GapLimit => (Some(outcome.dual_bound + model.offset), "highs-gap-limit"),
            MipStop::TimeLimit => (Some(outcome.dual_bound + model.offset), "highs-time-limit"),
        };
        // A bound HiGHS did not prove falls back to the combinatorial one.
        let bound = bound.map(|b| {
            if b.is_finite() {
                b.max(crate::bound::lower_bound(inst))
            } else {
                crate::bound::lower_bound(inst)
            }
        });
        Ok((assignment, bound, name.into()))
    }
}

/// Each workload's node: its variable closest to 1.
fn read_assignment(
    x: &[Vec<(usize, Variable)>],
    value: impl Fn(Variable) -> f64,
) -> Result<Vec<usize>> {
    x.iter()
        .enumerate()
        .map(|(i, xi)| {
            xi.iter()
                .max_by(|a, b| value(a.1).total_cmp(&value(b.1)))
                .map(|&(j, _)| j)
                .ok_or_else(|| Error::Solver(format!("workload {i} has no variable")))
        })
        .collect()
}
