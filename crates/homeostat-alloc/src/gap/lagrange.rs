//! A Lagrangian lower bound for the GAP: the one-agent-per-job constraints
//! move into the objective with a multiplier per job, which leaves one 0-1
//! knapsack per agent. With integer weights each knapsack is solved exactly
//! by dynamic programming over the capacity, so every multiplier vector
//! gives a valid bound; subgradient steps search for a high one. The
//! knapsacks lack the integrality property, so the best such bound is at
//! least the LP relaxation's.

use super::GapInstance;
use crate::error::{Error, Result};

/// Largest `jobs × (capacity + 1)` table of one agent's knapsack; above it
/// (or with fractional weights) the Lagrangian bound is not computed.
pub const MAX_KNAPSACK_CELLS: usize = 4_000_000;

/// The best Lagrangian bound found and its multipliers.
#[derive(Debug, Clone, PartialEq)]
pub struct LagrangianBound {
    /// A lower bound on the optimum, rounded up when all costs are integers.
    pub bound: f64,
    /// The relaxation's value at the multipliers, before the per-job
    /// penalties (each job's smallest [`LagrangianBound::pair_bound`]) and
    /// rounding.
    pub value: f64,
    /// The multiplier of each job's assignment constraint at the bound.
    pub multipliers: Vec<f64>,
    /// Whether the relaxation's solution at the bound assigns every job to
    /// exactly one agent: then it is an optimal assignment.
    pub proven_optimal: Option<Vec<usize>>,
    /// Subgradient steps taken.
    pub iterations: usize,
    /// Whether all costs are integers (then only a whole unit improves).
    integral: bool,
}

impl LagrangianBound {
    /// A lower bound on the cost of any assignment that puts `job` on
    /// `agent`: the relaxation's value plus the pair's positive reduced
    /// cost `cost - multiplier` (the agent's knapsack must then hold the
    /// job, and the rest of it costs at least the knapsack's minimum).
    pub fn pair_bound(&self, gap: &GapInstance, agent: usize, job: usize) -> f64 {
        self.value + (gap.cost(agent, job) - self.multipliers[job]).max(0.0)
    }

    /// Whether some assignment with `job` on `agent` may cost less than
    /// `upper` (with integer costs: at most `upper - 1`).
    pub fn may_improve(&self, gap: &GapInstance, agent: usize, job: usize, upper: f64) -> bool {
        gap.weight(agent, job) <= gap.capacity()[agent]
            && self.pair_bound(gap, agent, job) < upper - self.margin()
    }

    /// How much cheaper than a known cost an assignment must be to count
    /// as better: a whole unit (less rounding slack) with integer costs.
    pub(super) fn margin(&self) -> f64 {
        if self.integral { 1.0 - 1e-6 } else { 1e-9 }
    }
}

/// The bound strengthened by penalties: every job goes to some agent, so
/// the cost is at least the smallest [`LagrangianBound::pair_bound`] of
/// each job, and at least the largest of these over the jobs. At a node of
/// the branch and bound only the free jobs and their allowed agents count
/// (a free job with none left makes the node infeasible: infinity).
fn penalised(relaxation: &Relaxation<'_>, value: f64, u: &[f64], at: Option<&Restriction>) -> f64 {
    let gap = relaxation.gap;
    (0..gap.jobs())
        .filter(|&j| at.is_none_or(|r| r.free[j]))
        .map(|j| {
            (0..gap.agents())
                .filter(|&i| relaxation.allows(i, j, at))
                .map(|i| value + (gap.cost(i, j) - u[j]).max(0.0))
                .fold(f64::INFINITY, f64::min)
        })
        .fold(value, f64::max)
}

/// A node of the branch and bound: jobs fixed to agents, pairs ruled out,
/// and what the fixed jobs leave of each agent's capacity.
#[derive(Debug, Clone)]
pub(super) struct Restriction {
    /// Integer capacity left to each agent by the fixed jobs.
    pub(super) capacity: Vec<usize>,
    /// Whether pair `agent * jobs + job` may be used (false for every pair
    /// of a fixed job).
    pub(super) allowed: Vec<bool>,
    /// Whether each job is still free.
    pub(super) free: Vec<bool>,
    /// The agent of each fixed job (meaningless for free jobs).
    pub(super) agent: Vec<usize>,
    /// Total cost of the fixed jobs.
    pub(super) fixed_cost: f64,
}

/// The relaxation with its reusable dynamic-programming buffers.
pub(super) struct Relaxation<'g> {
    gap: &'g GapInstance,
    /// Integer capacity of each agent.
    pub(super) capacity: Vec<usize>,
    /// Integer weight `weight[agent * jobs + job]`.
    pub(super) weight: Vec<usize>,
    best: Vec<f64>,
    /// The next item's table, written from `best` (then the two swap).
    next: Vec<f64>,
    take: Vec<bool>,
    items: Vec<usize>,
    /// Knapsack table cells filled so far: the relaxation's cost.
    pub(super) cells: u64,
}

impl<'g> Relaxation<'g> {
    /// `None` when a weight or capacity is not an integer, or a knapsack
    /// table would exceed [`MAX_KNAPSACK_CELLS`].
    pub(super) fn new(gap: &'g GapInstance) -> Option<Self> {
        let as_int = |v: f64| (v.fract() == 0.0 && (0.0..1e9).contains(&v)).then_some(v as usize);
        let capacity: Vec<usize> = gap
            .capacity()
            .iter()
            .map(|&c| as_int(c.floor()))
            .collect::<Option<_>>()?;
        let (m, n) = (gap.agents(), gap.jobs());
        let mut weight = Vec::with_capacity(m * n);
        for i in 0..m {
            for j in 0..n {
                weight.push(as_int(gap.weight(i, j))?);
            }
        }
        let widest = capacity.iter().copied().max().unwrap_or(0);
        if n.saturating_mul(widest.saturating_add(1)) > MAX_KNAPSACK_CELLS {
            return None;
        }
        Some(Self {
            gap,
            capacity,
            weight,
            best: Vec::new(),
            next: Vec::new(),
            take: Vec::new(),
            items: Vec::new(),
            cells: 0,
        })
    }

    /// Whether job `j` may go to agent `i`: it fits the agent's capacity
    /// (what the node leaves of it) and the node allows the pair.
    fn allows(&self, i: usize, j: usize, at: Option<&Restriction>) -> bool {
        let n = self.gap.jobs();
        match at {
            None => self.weight[i * n + j] <= self.capacity[i],
            Some(r) => r.allowed[i * n + j] && self.weight[i * n + j] <= r.capacity[i],
        }
    }

    /// The relaxation's value at multipliers `u` (at node `at`, if any),
    /// and how many agents take each job (`count`; 1 for fixed jobs) and
    /// the last agent that took it (`agent`).
    pub(super) fn evaluate(
        &mut self,
        u: &[f64],
        count: &mut [u32],
        agent: &mut [usize],
        at: Option<&Restriction>,
    ) -> f64 {
        let gap = self.gap;
        let n = gap.jobs();
        count.fill(0);
        let mut value = match at {
            None => u.iter().sum(),
            Some(r) => {
                for j in (0..n).filter(|&j| !r.free[j]) {
                    count[j] = 1;
                    agent[j] = r.agent[j];
                }
                r.fixed_cost + (0..n).filter(|&j| r.free[j]).map(|j| u[j]).sum::<f64>()
            }
        };
        for i in 0..gap.agents() {
            let cap = at.map_or(self.capacity[i], |r| r.capacity[i]);
            // Only jobs with a positive profit u_j - c_ij are worth taking.
            let mut items = std::mem::take(&mut self.items);
            items.clear();
            items.extend((0..n).filter(|&j| u[j] - gap.cost(i, j) > 0.0 && self.allows(i, j, at)));
            self.items = items;
            let k = self.items.len();
            self.best.clear();
            self.best.resize(cap + 1, 0.0);
            self.next.resize(cap + 1, 0.0);
            self.take.clear();
            self.take.resize(k * (cap + 1), false);
            self.cells += (k * (cap + 1)) as u64;
            for (t, &j) in self.items.iter().enumerate() {
                let (w, p) = (self.weight[i * n + j], u[j] - gap.cost(i, j));
                let row = &mut self.take[t * (cap + 1)..(t + 1) * (cap + 1)];
                // From the previous item's table into a second one: no
                // cell reads one written for this item, so the loop has
                // no carried dependency and compiles to vector code.
                let (old, new) = (&self.best[..=cap], &mut self.next[..=cap]);
                new[..w].copy_from_slice(&old[..w]);
                let cells = new[w..].iter_mut().zip(&mut row[w..]);
                for ((new, taken), (&keep, &base)) in cells.zip(old[w..].iter().zip(old)) {
                    let with = base + p;
                    let better = with > keep;
                    *new = if better { with } else { keep };
                    *taken = better;
                }
                std::mem::swap(&mut self.best, &mut self.next);
            }
            value -= self.best[cap];
            let mut c = cap;
            for t in (0..k).rev() {
                if self.take[t * (cap + 1) + c] {
                    let j = self.items[t];
                    count[j] += 1;
                    agent[j] = i;
                    c -= self.weight[i * n + j];
                }
            }
        }
        value
    }
}

/// The Lagrangian bound after at most `iterations` subgradient steps
/// (Polyak steps towards `upper`, a known solution's cost, when given).
///
/// Returns `Ok(None)` when the bound does not apply: a weight or capacity
/// that is not an integer (capacities are rounded down, which is exact for
/// integer weights), or a knapsack table above [`MAX_KNAPSACK_CELLS`].
///
/// ```
/// use homeostat_alloc::gap::{GapInstance, gap_lagrangian_bound};
/// let gap = GapInstance::parse("2 3  1 1 5  4 4 1   1 1 1  1 1 1   2 1")?;
/// let lagrange = gap_lagrangian_bound(&gap, None, 100)?.expect("integer weights");
/// assert_eq!(lagrange.bound, 3.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] when `upper` is not finite.
pub fn gap_lagrangian_bound(
    gap: &GapInstance,
    upper: Option<f64>,
    iterations: usize,
) -> Result<Option<LagrangianBound>> {
    observed_bound(gap, upper, iterations, &mut |_| {})
}

/// A relaxed solution seen during the subgradient steps: how many agents
/// take each job and the last agent that took it.
pub(super) struct RelaxedSolution<'a> {
    pub(super) count: &'a [u32],
    pub(super) agent: &'a [usize],
}

/// [`gap_lagrangian_bound`], showing `observe` the relaxed solution of
/// every step (the raw material of a Lagrangian heuristic).
pub(super) fn observed_bound(
    gap: &GapInstance,
    upper: Option<f64>,
    iterations: usize,
    observe: &mut dyn FnMut(RelaxedSolution<'_>),
) -> Result<Option<LagrangianBound>> {
    if let Some(u) = upper
        && !u.is_finite()
    {
        return Err(Error::InvalidParameter {
            name: "upper",
            reason: format!("must be finite, got {u}"),
        });
    }
    let Some(mut relaxation) = Relaxation::new(gap) else {
        return Ok(None);
    };
    let (m, n) = (gap.agents(), gap.jobs());
    // Start at each job's cheapest cost: the relaxation then takes nothing
    // and its value is the sum of the cheapest costs.
    let u: Vec<f64> = (0..n)
        .map(|j| {
            (0..m)
                .filter(|&i| relaxation.weight[i * n + j] <= relaxation.capacity[i])
                .map(|i| gap.cost(i, j))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    if u.iter().any(|c| !c.is_finite()) {
        // A job fits on no agent: the GAP is infeasible, no finite bound.
        return Ok(None);
    }
    let steps = Steps {
        upper,
        iterations,
        lambda: 2.0,
    };
    Ok(Some(ascend(&mut relaxation, u, &steps, None, observe)))
}

/// How the subgradient steps run: Polyak steps of first size `lambda`
/// towards `upper` (a known solution's cost) when given, at most
/// `iterations` of them.
pub(super) struct Steps {
    pub(super) upper: Option<f64>,
    pub(super) iterations: usize,
    pub(super) lambda: f64,
}

/// Subgradient steps from multipliers `u`, at node `at` or at the root:
/// the best bound found. Stops early once the bound reaches `upper` or the
/// relaxed solution assigns every job once (then optimal). `observe` sees
/// each step's relaxed solution.
pub(super) fn ascend(
    relaxation: &mut Relaxation<'_>,
    mut u: Vec<f64>,
    steps: &Steps,
    at: Option<&Restriction>,
    observe: &mut dyn FnMut(RelaxedSolution<'_>),
) -> LagrangianBound {
    let Steps {
        upper,
        iterations,
        mut lambda,
    } = *steps;
    let gap = relaxation.gap;
    let n = gap.jobs();
    let integral = gap.integral_costs();
    let round = |v: f64| {
        if integral { (v - 1e-6).ceil() } else { v }
    };
    let mut count = vec![0u32; n];
    let mut agent = vec![0usize; n];
    let mut best = LagrangianBound {
        bound: f64::NEG_INFINITY,
        value: f64::NEG_INFINITY,
        multipliers: u.clone(),
        proven_optimal: None,
        iterations: 0,
        integral,
    };
    let mut best_raw = f64::NEG_INFINITY;
    let mut stale = 0;
    for step in 0..iterations.max(1) {
        let value = relaxation.evaluate(&u, &mut count, &mut agent, at);
        observe(RelaxedSolution {
            count: &count,
            agent: &agent,
        });
        best.iterations = step + 1;
        best.bound = best.bound.max(round(penalised(relaxation, value, &u, at)));
        if value > best_raw + 1e-9 {
            best_raw = value;
            best.value = value;
            best.multipliers.clone_from(&u);
            stale = 0;
        } else {
            stale += 1;
            if stale >= 20 {
                lambda /= 2.0;
                stale = 0;
            }
        }
        let norm: f64 = count.iter().map(|&c| (1.0 - f64::from(c)).powi(2)).sum();
        if norm == 0.0 {
            // Every job taken exactly once: the relaxed solution is
            // feasible for the GAP and its cost equals the bound.
            best.proven_optimal = Some(agent.clone());
            best.bound = round(value);
            best.value = value;
            best.multipliers.clone_from(&u);
            break;
        }
        if upper.is_some_and(|up| best.bound >= up - 1e-9) || lambda < 1e-4 {
            break;
        }
        let target = upper.unwrap_or(value.abs() * 1.05 + 1.0).max(value + 1e-6);
        let t = lambda * (target - value) / norm;
        for j in 0..n {
            u[j] += t * (1.0 - f64::from(count[j]));
        }
    }
    best
}
