//! A GAP heuristic: regret construction, then iterated local search over
//! shift and swap moves with an adaptive penalty on capacity overload. A
//! Lagrangian bound, computed after a few search rounds, lets the search
//! stop as soon as its best assignment is proven optimal; the relaxed
//! solutions of its steps, repaired, are further starts for the descent.

// Agent × job matrices read most plainly with index loops.
#![allow(clippy::needless_range_loop)]

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::branch::branch_and_bound;
use super::repair::{lagrangian_starts, smallest_share};
use super::{GapInstance, GapSolution, LagrangianBound, gap_lp_bound, relative_gap};
use crate::error::{Error, Result};

/// Unchecked parameters of [`GapHeuristic`].
#[derive(Debug, Clone, PartialEq)]
pub struct GapHeuristicParams {
    iterations: usize,
    seed: u64,
    time_limit: Option<Duration>,
    lp_bound: bool,
    lagrangian: usize,
    stall: usize,
    branch_cells: u64,
}

impl GapHeuristicParams {
    /// Perturbation + descent rounds of the iterated local search
    /// (default 2000, at least 1). The search stops early at the bound.
    #[must_use]
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// Seed of the perturbations (default 0); same seed, same solution.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Wall-clock budget (default none). When it cuts the search short the
    /// result depends on the machine's speed, so it is off by default.
    #[must_use]
    pub fn time_limit(mut self, limit: Option<Duration>) -> Self {
        self.time_limit = limit;
        self
    }

    /// Whether to compute the LP-relaxation bound (default true); otherwise
    /// the bound is each job's cheapest agent, summed.
    #[must_use]
    pub fn lp_bound(mut self, on: bool) -> Self {
        self.lp_bound = on;
        self
    }

    /// Subgradient steps of the Lagrangian bound (default 300; 0 turns it
    /// off). The bound applies to integer weights (see
    /// [`gap_lagrangian_bound`](super::gap_lagrangian_bound)); the solution
    /// reports the larger of it and the LP bound.
    #[must_use]
    pub fn lagrangian_iterations(mut self, iterations: usize) -> Self {
        self.lagrangian = iterations;
        self
    }

    /// Stop after this many search rounds without a better assignment
    /// (default 600; 0: off, the search runs its iterations or meets the
    /// bound). Deterministic, unlike the time limit. On the OR-Library
    /// instances 600 keeps every gap1–12 optimum and halves the longest
    /// chu1997 runs, for one instance 0.04 % further from its optimum.
    #[must_use]
    pub fn stall(mut self, rounds: usize) -> Self {
        self.stall = rounds;
        self
    }

    /// Knapsack table cells the branch and bound may fill (default
    /// 60 000 000, tens of milliseconds; 0 turns it off). It runs right
    /// after the Lagrangian bound and again once the search has gone 100
    /// rounds without a better assignment (once per best cost), if the best
    /// one costs at most two units more than the Lagrangian bound: each node
    /// re-solves the knapsack relaxation with some jobs fixed to agents and
    /// some pairs ruled out. When it explores the whole tree within the
    /// budget, the best assignment is proven optimal (the reported bound
    /// equals it) and the search stops; it may also find a cheaper one.
    /// The budget counts work, not time, so results stay deterministic.
    #[must_use]
    pub fn branch_cells(mut self, cells: u64) -> Self {
        self.branch_cells = cells;
        self
    }

    /// Validates the parameters.
    pub fn check(self) -> Result<GapHeuristic> {
        if self.iterations == 0 {
            return Err(Error::InvalidParameter {
                name: "iterations",
                reason: "must be at least 1, got 0".into(),
            });
        }
        if self.time_limit.is_some_and(|t| t.is_zero()) {
            return Err(Error::InvalidParameter {
                name: "time_limit",
                reason: "must be positive, got 0".into(),
            });
        }
        Ok(GapHeuristic(self))
    }
}

/// The default GAP solver: fast, deterministic for a seed, with a bound.
///
/// ```
/// use homeostat_alloc::gap::{GapHeuristic, GapInstance};
/// // Job 2 is cheap on agent 1; agent 0 holds two jobs.
/// let gap = GapInstance::parse("2 3  1 1 5  4 4 1   1 1 1  1 1 1   2 1")?;
/// let solution = GapHeuristic::params().check()?.solve(&gap)?;
/// assert!(solution.feasible);
/// assert_eq!(solution.assignment, vec![0, 0, 1]);
/// assert_eq!(solution.objective, 3.0);
/// assert_eq!(solution.gap, 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GapHeuristic(GapHeuristicParams);

impl GapHeuristic {
    /// Default parameters.
    pub fn params() -> GapHeuristicParams {
        GapHeuristicParams {
            iterations: 2000,
            seed: 0,
            time_limit: None,
            lp_bound: true,
            lagrangian: 300,
            stall: 600,
            branch_cells: 60_000_000,
        }
    }

    /// Solves `gap`. The result may be infeasible (`feasible == false`) if
    /// the search found no assignment within the capacities.
    ///
    /// # Errors
    /// [`Error::Infeasible`] when the LP relaxation proves that no
    /// assignment fits.
    pub fn solve(&self, gap: &GapInstance) -> Result<GapSolution> {
        let started = Instant::now();
        let p = &self.0;
        let constructed = construct(gap);
        let mut bound = if p.lp_bound {
            gap_lp_bound(gap)?
        } else {
            cheapest_bound(gap)
        };
        let mut search = Search::new(gap);
        let start = constructed.clone().unwrap_or_else(|| lightest(gap));
        search.load_from(&start);
        search.descend();
        search.record();
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        let mut lagrange_pending = p.lagrangian > 0;
        let mut lagrange = None;
        let mut since_best = 0;
        // The branch and bound runs once per best cost: right after the
        // Lagrangian starts, and again when the search stalls on a new best.
        let mut prove_now = false;
        let mut branched_at = f64::NAN;
        for step in 0..p.iterations {
            // Whatever improves the best this round (the Lagrangian starts,
            // the branch and bound or the search) resets the stall count.
            let before = search.best_cost;
            if lagrange_pending && (step >= LAGRANGE_AFTER || step + 1 == p.iterations) {
                lagrange_pending = false;
                // The best cost so far steers the subgradient steps.
                let upper = search
                    .best
                    .as_ref()
                    .map(|_| search.best_cost)
                    .or_else(|| constructed.as_ref().map(|a| assignment_cost(gap, a)));
                // Each subgradient step's relaxed solution, repaired, is a
                // start for the descent (a Lagrangian heuristic).
                let (found, starts) = lagrangian_starts(gap, upper, p.lagrangian)?;
                search.try_starts(&starts);
                prove_now = true;
                if let Some(l) = found {
                    bound = bound.max(l.bound);
                    if let Some(optimal) = l.proven_optimal {
                        return finish(gap, optimal, true, bound, started);
                    }
                    lagrange = Some(l);
                }
                if let Some(l) = &lagrange {
                    bound = bound.max(proven_best(gap, l, search.best_cost));
                }
            }
            if search.best_cost <= bound + 1e-9 {
                break;
            }
            if p.stall > 0 && since_best >= p.stall && !lagrange_pending {
                break;
            }
            if p.time_limit.is_some_and(|t| started.elapsed() >= t) {
                break;
            }
            if (prove_now || since_best == BRANCH_AFTER)
                && search.best_cost != branched_at
                && let Some(l) = &lagrange
                && search.best.is_some()
            {
                // Try to prove the best optimal (or find a cheaper one).
                prove_now = false;
                branched_at = search.best_cost;
                bound = bound.max(branch(gap, l, &mut search, p.branch_cells));
                if search.best_cost <= bound + 1e-9 {
                    break;
                }
            }
            search.perturb(&mut rng);
            search.descend();
            search.record();
            search.adapt();
            if search.best_cost < before {
                since_best = 0;
                if let Some(l) = &lagrange {
                    bound = bound.max(proven_best(gap, l, search.best_cost));
                }
            } else {
                since_best += 1;
            }
        }
        let (assignment, feasible) = match search.best.clone() {
            Some(best) => (best, true),
            None => (search.assign.clone(), false),
        };
        finish(gap, assignment, feasible, bound, started)
    }
}

fn finish(
    gap: &GapInstance,
    assignment: Vec<usize>,
    feasible: bool,
    bound: f64,
    started: Instant,
) -> Result<GapSolution> {
    let objective = gap.total_cost(&assignment)?;
    Ok(GapSolution {
        solver: "regret+ils".into(),
        assignment,
        objective,
        feasible,
        bound,
        gap: relative_gap(objective, bound),
        solve_time: started.elapsed(),
    })
}

/// Runs the branch and bound from the root relaxation `root` with the
/// search's best cost, adopts a cheaper assignment it finds, and returns
/// the best cost if it proved it optimal (else minus infinity).
fn branch(gap: &GapInstance, root: &LagrangianBound, search: &mut Search<'_>, cells: u64) -> f64 {
    // A wider gap needs a tree the budget rarely covers.
    if cells == 0 || search.best_cost > root.bound + BRANCH_GAP + 1e-9 {
        return f64::NEG_INFINITY;
    }
    let Some(outcome) = branch_and_bound(gap, root, search.best_cost, cells) else {
        return f64::NEG_INFINITY;
    };
    // Proven: the tree's best (a cheaper assignment, or the search's) is
    // the optimum, whatever the search keeps.
    let optimum = outcome.better.as_ref().map_or(search.best_cost, |b| b.0);
    if let Some((_, better)) = outcome.better {
        search.load_from(&better);
        search.record();
    }
    if outcome.proven {
        optimum
    } else {
        f64::NEG_INFINITY
    }
}

/// `best` when the Lagrangian bound proves that no assignment is cheaper
/// (some job cannot go to any agent at a lower cost), otherwise minus
/// infinity.
fn proven_best(gap: &GapInstance, lagrange: &LagrangianBound, best: f64) -> f64 {
    let stuck = best.is_finite()
        && (0..gap.jobs())
            .any(|j| (0..gap.agents()).all(|i| !lagrange.may_improve(gap, i, j, best)));
    if stuck { best } else { f64::NEG_INFINITY }
}

fn assignment_cost(gap: &GapInstance, assign: &[usize]) -> f64 {
    assign
        .iter()
        .enumerate()
        .map(|(j, &i)| gap.cost(i, j))
        .sum()
}

/// Each job's cheapest agent it fits on alone, summed.
fn cheapest_bound(gap: &GapInstance) -> f64 {
    (0..gap.jobs())
        .map(|j| {
            (0..gap.agents())
                .filter(|&i| gap.weight(i, j) <= gap.capacity()[i])
                .map(|i| gap.cost(i, j))
                .fold(f64::INFINITY, f64::min)
        })
        .filter(|c| c.is_finite())
        .sum()
}

/// Martello–Toth regret construction: repeatedly assign the job whose best
/// feasible agent beats its second best by most. Tries several
/// desirabilities and keeps the cheapest complete result.
fn construct(gap: &GapInstance) -> Option<Vec<usize>> {
    let desirabilities: [&dyn Fn(usize, usize) -> f64; 3] = [
        &|i, j| gap.cost(i, j),
        &|i, j| gap.weight(i, j) / gap.capacity()[i].max(f64::MIN_POSITIVE),
        &|i, j| gap.cost(i, j) * gap.weight(i, j) / gap.capacity()[i].max(f64::MIN_POSITIVE),
    ];
    let mut best: Option<(f64, Vec<usize>)> = None;
    for f in desirabilities {
        if let Some(a) = regret(gap, f) {
            let cost = assignment_cost(gap, &a);
            if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                best = Some((cost, a));
            }
        }
    }
    best.map(|(_, a)| a)
}

fn regret(gap: &GapInstance, f: &dyn Fn(usize, usize) -> f64) -> Option<Vec<usize>> {
    let (m, n) = (gap.agents(), gap.jobs());
    let mut residual = gap.capacity().to_vec();
    let mut assign = vec![usize::MAX; n];
    for _ in 0..n {
        // (regret, best value, job, agent)
        let mut pick: Option<(f64, f64, usize, usize)> = None;
        for j in (0..n).filter(|&j| assign[j] == usize::MAX) {
            let (mut first, mut second) = ((f64::INFINITY, usize::MAX), f64::INFINITY);
            for i in 0..m {
                if gap.weight(i, j) <= residual[i] + 1e-9 {
                    let v = f(i, j);
                    if v < first.0 {
                        second = first.0;
                        first = (v, i);
                    } else if v < second {
                        second = v;
                    }
                }
            }
            if first.1 == usize::MAX {
                return None;
            }
            let r = second - first.0;
            let better = pick.is_none_or(|(pr, pv, _, _)| r > pr || (r == pr && first.0 < pv));
            if better {
                pick = Some((r, first.0, j, first.1));
            }
        }
        let (_, _, j, i) = pick?;
        assign[j] = i;
        residual[i] -= gap.weight(i, j);
    }
    Some(assign)
}

/// Every job on the agent where it uses the smallest share of capacity
/// (a start for the penalised search when construction fails).
fn lightest(gap: &GapInstance) -> Vec<usize> {
    (0..gap.jobs()).map(|j| smallest_share(gap, j)).collect()
}

/// Search rounds before the Lagrangian bound: its subgradient steps aim at
/// the best cost found, and a closer target gives a tighter bound sooner.
const LAGRANGE_AFTER: usize = 50;

/// Search rounds without a better assignment after which the branch and
/// bound tries to prove the best one optimal (once per best cost).
const BRANCH_AFTER: usize = 100;

/// Largest distance, in cost units, from the best assignment down to the
/// Lagrangian bound at which the branch and bound starts.
const BRANCH_GAP: f64 = 2.0;

/// How much more than the best assignment a Lagrangian start may cost and
/// still be descended from: dearer starts rarely descend below the best,
/// and skipping them halves what the starts cost on gap1–12.
const START_SLACK: f64 = 0.02;

/// Most Lagrangian starts descended from, the cheapest first: on the
/// OR-Library sets 64 keep every optimum that all of them (up to 270 on
/// gap1–12) reach, and 32 lose one chu1997 optimum.
const MAX_STARTS: usize = 64;

/// How far above the best cost the search may wander before it returns to
/// the best assignment.
const ACCEPT: f64 = 0.005;

/// The iterated local search's state.
struct Search<'g> {
    gap: &'g GapInstance,
    assign: Vec<usize>,
    load: Vec<f64>,
    cost: f64,
    /// Price of one unit of overload.
    penalty: f64,
    best: Option<Vec<usize>>,
    best_cost: f64,
    /// Agents whose load changed since their moves were last examined.
    dirty: Vec<bool>,
    /// `costs_by_job[job * agents + agent]`: a job's costs side by side,
    /// for the descent's inner loops.
    costs_by_job: Vec<f64>,
    /// `costs_by_agent[agent * jobs + job]`, as the instance stores them.
    costs_by_agent: Vec<f64>,
    /// Cost of each job on its current agent.
    current_cost: Vec<f64>,
}

impl<'g> Search<'g> {
    fn new(gap: &'g GapInstance) -> Self {
        let cells = (gap.agents() * gap.jobs()) as f64;
        let mean_cost: f64 = (0..gap.agents())
            .flat_map(|i| (0..gap.jobs()).map(move |j| gap.cost(i, j).abs()))
            .sum::<f64>()
            / cells;
        let mean_weight: f64 = (0..gap.agents())
            .flat_map(|i| (0..gap.jobs()).map(move |j| gap.weight(i, j)))
            .sum::<f64>()
            / cells;
        Self {
            gap,
            assign: Vec::new(),
            load: Vec::new(),
            cost: 0.0,
            penalty: (mean_cost / mean_weight.max(1e-12)).max(1e-6),
            best: None,
            best_cost: f64::INFINITY,
            dirty: vec![true; gap.agents()],
            costs_by_job: (0..gap.jobs())
                .flat_map(|j| (0..gap.agents()).map(move |i| gap.cost(i, j)))
                .collect(),
            costs_by_agent: (0..gap.agents())
                .flat_map(|i| (0..gap.jobs()).map(move |j| gap.cost(i, j)))
                .collect(),
            current_cost: Vec::new(),
        }
    }

    fn load_from(&mut self, assign: &[usize]) {
        let gap = self.gap;
        self.assign = assign.to_vec();
        self.load = vec![0.0; gap.agents()];
        self.cost = 0.0;
        self.current_cost = vec![0.0; gap.jobs()];
        for (j, &i) in assign.iter().enumerate() {
            self.load[i] += gap.weight(i, j);
            self.cost += gap.cost(i, j);
            self.current_cost[j] = gap.cost(i, j);
        }
        self.dirty = vec![true; gap.agents()];
    }

    fn over(&self, i: usize, load: f64) -> f64 {
        (load - self.gap.capacity()[i]).max(0.0)
    }

    fn overload(&self) -> f64 {
        (0..self.gap.agents())
            .map(|i| self.over(i, self.load[i]))
            .sum()
    }

    /// Penalised change of moving job `j` to agent `b`.
    fn shift_delta(&self, j: usize, b: usize) -> f64 {
        let g = self.gap;
        let a = self.assign[j];
        let (wa, wb) = (g.weight(a, j), g.weight(b, j));
        let dov = self.over(a, self.load[a] - wa) - self.over(a, self.load[a])
            + self.over(b, self.load[b] + wb)
            - self.over(b, self.load[b]);
        g.cost(b, j) - g.cost(a, j) + self.penalty * dov
    }

    /// Penalised change of exchanging the agents of jobs `j` and `k`.
    fn swap_delta(&self, j: usize, k: usize) -> f64 {
        let g = self.gap;
        let (a, b) = (self.assign[j], self.assign[k]);
        let la = self.load[a] - g.weight(a, j) + g.weight(a, k);
        let lb = self.load[b] - g.weight(b, k) + g.weight(b, j);
        let dov = self.over(a, la) - self.over(a, self.load[a]) + self.over(b, lb)
            - self.over(b, self.load[b]);
        g.cost(b, j) + g.cost(a, k) - g.cost(a, j) - g.cost(b, k) + self.penalty * dov
    }

    fn shift(&mut self, j: usize, b: usize) {
        let g = self.gap;
        let a = self.assign[j];
        self.load[a] -= g.weight(a, j);
        self.load[b] += g.weight(b, j);
        self.cost += g.cost(b, j) - g.cost(a, j);
        self.assign[j] = b;
        self.current_cost[j] = g.cost(b, j);
        self.dirty[a] = true;
        self.dirty[b] = true;
    }

    /// Whether agent `i` is over its capacity.
    fn overloaded(&self, i: usize) -> bool {
        self.load[i] > self.gap.capacity()[i]
    }

    /// First-improvement descent over shifts, then swaps, until neither
    /// improves the penalised cost. A move only changes its two agents, so
    /// each pass looks only at moves touching an agent that changed during
    /// the previous pass (all agents on the first descent).
    ///
    /// Most moves are rejected on their cost alone (on gap12-3, one move
    /// examined in nine goes further): when the agents a move takes jobs
    /// from are within capacity, its overload change is not negative
    /// (weights are not negative), so the penalised change is at least the
    /// cost change, computed first with the same floating-point operations.
    /// The scan therefore tests each move with one branch-free expression
    /// and evaluates the penalised change only where it may improve; it
    /// accepts exactly the moves, in the same order, that testing every
    /// move in full would.
    fn descend(&mut self) {
        let (m, n) = (self.gap.agents(), self.gap.jobs());
        let eps = 1e-9;
        while self.dirty.iter().any(|&d| d) {
            let dirty = std::mem::replace(&mut self.dirty, vec![false; m]);
            for j in 0..n {
                for b in 0..m {
                    let a = self.assign[j];
                    let cost_change = self.costs_by_job[j * m + b] - self.current_cost[j];
                    let candidate = (b != a)
                        & (dirty[a] | dirty[b])
                        & ((cost_change < -eps) | self.overloaded(a));
                    if candidate && self.shift_delta(j, b) < -eps {
                        self.shift(j, b);
                    }
                }
            }
            for j in 0..n {
                let mut a = self.assign[j];
                let mut k = j + 1;
                while let Some(found) = self.next_swap(j, a, k, &dirty) {
                    let b = self.assign[found];
                    if self.swap_delta(j, found) < -eps {
                        self.shift(j, b);
                        self.shift(found, a);
                        a = b;
                    }
                    k = found + 1;
                }
            }
        }
    }

    /// The first job `k >= from` whose swap with job `j` (on agent `a`)
    /// touches a dirty agent and may improve: a cost change below zero, or
    /// an overloaded agent on either side (see [`Search::descend`]).
    fn next_swap(&self, j: usize, a: usize, from: usize, dirty: &[bool]) -> Option<usize> {
        let (m, n) = (self.gap.agents(), self.gap.jobs());
        let eps = 1e-9;
        let capacity = self.gap.capacity();
        let (load, assign) = (&self.load[..m], &self.assign[..n]);
        let current = &self.current_cost[..n];
        let j_costs = &self.costs_by_job[j * m..(j + 1) * m];
        let a_costs = &self.costs_by_agent[a * n..(a + 1) * n];
        let (a_dirty, a_over, base) = (dirty[a], load[a] > capacity[a], current[j]);
        (from..n).find(|&k| {
            let b = assign[k];
            let cost_change = j_costs[b] + a_costs[k] - base - current[k];
            (a != b)
                & (a_dirty | dirty[b])
                & ((cost_change < -eps) | a_over | (load[b] > capacity[b]))
        })
    }

    /// Descends from the [`MAX_STARTS`] cheapest of `starts` that cost at
    /// most [`START_SLACK`] more than the best assignment, records what it
    /// reaches, and goes back to the best assignment. Each start costs
    /// about one full descent (every agent dirty), hence the cap.
    fn try_starts(&mut self, starts: &[Vec<usize>]) {
        let limit = self.best_cost * (1.0 + START_SLACK);
        let mut ranked: Vec<(f64, usize)> = starts
            .iter()
            .enumerate()
            .map(|(k, s)| (assignment_cost(self.gap, s), k))
            .filter(|&(cost, _)| cost <= limit)
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(_, k) in ranked.iter().take(MAX_STARTS) {
            self.load_from(&starts[k]);
            self.descend();
            self.record();
        }
        if let Some(best) = self.best.clone() {
            self.load_from(&best);
        }
    }

    fn record(&mut self) {
        if self.overload() <= 1e-9 && self.cost < self.best_cost - 1e-9 {
            self.best_cost = self.cost;
            self.best = Some(self.assign.clone());
        }
    }

    /// Raise the penalty while infeasible, lower it while feasible; drift
    /// back to the best solution when the current one has wandered off.
    fn adapt(&mut self) {
        if self.overload() > 1e-9 {
            self.penalty *= 1.1;
        } else {
            self.penalty /= 1.05;
        }
        if let Some(best) = &self.best
            && self.cost > self.best_cost * (1.0 + ACCEPT) + 1e-9
        {
            let best = best.clone();
            self.load_from(&best);
        }
    }

    /// Two to four random moves: each a swap of two jobs on different
    /// agents or, one time in three, a job moved to another agent.
    fn perturb(&mut self, rng: &mut ChaCha8Rng) {
        let (m, n) = (self.gap.agents(), self.gap.jobs());
        if m < 2 {
            return;
        }
        for _ in 0..rng.gen_range(2..=4usize) {
            let j = rng.gen_range(0..n);
            let k = rng.gen_range(0..n);
            let (a, b) = (self.assign[j], self.assign[k]);
            if a != b && rng.gen_range(0..3) > 0 {
                self.shift(j, b);
                self.shift(k, a);
            } else {
                let mut b = rng.gen_range(0..m - 1);
                if b >= a {
                    b += 1;
                }
                self.shift(j, b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The descent as first written: every move's penalised change in full.
    fn descend_in_full(s: &mut Search<'_>) {
        let (m, n) = (s.gap.agents(), s.gap.jobs());
        let eps = 1e-9;
        while s.dirty.iter().any(|&d| d) {
            let dirty = std::mem::replace(&mut s.dirty, vec![false; m]);
            for j in 0..n {
                for b in 0..m {
                    let a = s.assign[j];
                    if b != a && (dirty[a] || dirty[b]) && s.shift_delta(j, b) < -eps {
                        s.shift(j, b);
                    }
                }
            }
            for j in 0..n {
                for k in (j + 1)..n {
                    let (a, b) = (s.assign[j], s.assign[k]);
                    if a != b && (dirty[a] || dirty[b]) && s.swap_delta(j, k) < -eps {
                        s.shift(j, b);
                        s.shift(k, a);
                    }
                }
            }
        }
    }

    #[test]
    fn the_filtered_descent_makes_the_same_moves_as_the_full_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for (agents, jobs, seed) in [(3, 12, 1), (5, 40, 2), (10, 60, 3), (20, 100, 4)] {
            let gap = GapInstance::chu_beasley_c(agents, jobs, seed).expect("valid sizes");
            for round in 0..30 {
                // Random starts, many of them overloaded, and penalties from
                // negligible to dominant.
                let start: Vec<usize> = (0..jobs).map(|_| rng.gen_range(0..agents)).collect();
                let penalty = 10f64.powi(rng.gen_range(-4..=3));
                let mut fast = Search::new(&gap);
                let mut full = Search::new(&gap);
                for s in [&mut fast, &mut full] {
                    s.load_from(&start);
                    s.penalty = penalty;
                }
                fast.descend();
                descend_in_full(&mut full);
                assert_eq!(fast.assign, full.assign, "{agents}x{jobs}, round {round}");
                assert_eq!(fast.cost.to_bits(), full.cost.to_bits());
                // And again after a perturbation, from a partly dirty state.
                let mut perturb_rng = ChaCha8Rng::seed_from_u64(round);
                fast.perturb(&mut perturb_rng);
                let mut perturb_rng = ChaCha8Rng::seed_from_u64(round);
                full.perturb(&mut perturb_rng);
                fast.descend();
                descend_in_full(&mut full);
                assert_eq!(fast.assign, full.assign, "{agents}x{jobs}, round {round}");
            }
        }
    }
}
