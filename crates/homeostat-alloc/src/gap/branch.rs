//! A depth-first branch and bound over the Lagrangian relaxation, to prove
//! the search's best assignment optimal (or find a cheaper one) where the
//! root bound stays below it. Each node fixes some jobs to agents and rules
//! out some pairs; its bound is the knapsack relaxation re-solved with the
//! parent's multipliers as the start. A node whose bound reaches the best
//! cost is cut; the pairs whose reduced cost alone reaches it are ruled out
//! (a job left with one agent is fixed to it). The branch is on the job the
//! relaxation assigns to no agent or to several: first to its agent of the
//! smallest reduced cost, then never to that agent.
//!
//! The search is bounded by the knapsack table cells it fills (its cost,
//! counted, so the bound is deterministic); when it runs out, nothing is
//! proven.

use super::GapInstance;
use super::lagrange::{LagrangianBound, Relaxation, Restriction, Steps, ascend};

/// Subgradient steps at each node below the root.
const NODE_STEPS: usize = 30;
/// First step size below the root: the parent's multipliers are close.
const NODE_LAMBDA: f64 = 0.5;

/// What the branch and bound found.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Outcome {
    /// A cheaper assignment than the one given, if it found one.
    pub(super) better: Option<(f64, Vec<usize>)>,
    /// Whether it explored the whole tree: then the best assignment (the
    /// given one or `better`) is optimal.
    pub(super) proven: bool,
    /// Nodes visited.
    pub(super) nodes: usize,
}

struct Tree<'g> {
    gap: &'g GapInstance,
    relaxation: Relaxation<'g>,
    best_cost: f64,
    better: Option<(f64, Vec<usize>)>,
    nodes: usize,
    /// Knapsack table cells the search may fill.
    budget: u64,
    /// Only a whole unit improves on integer costs.
    margin: f64,
}

/// Searches for an assignment cheaper than `best_cost` from the root
/// relaxation `root`, filling at most about `budget` knapsack table cells
/// (a node in progress finishes). `None` when the
/// relaxation does not apply (fractional weights, tables too large).
pub(super) fn branch_and_bound(
    gap: &GapInstance,
    root: &LagrangianBound,
    best_cost: f64,
    budget: u64,
) -> Option<Outcome> {
    let relaxation = Relaxation::new(gap)?;
    let (m, n) = (gap.agents(), gap.jobs());
    let start = Restriction {
        capacity: relaxation.capacity.clone(),
        allowed: vec![true; m * n],
        free: vec![true; n],
        agent: vec![0; n],
        fixed_cost: 0.0,
    };
    let mut tree = Tree {
        gap,
        relaxation,
        best_cost,
        better: None,
        nodes: 0,
        budget,
        margin: root.margin(),
    };
    let complete = tree.visit(start, root.clone());
    Some(Outcome {
        better: tree.better,
        proven: complete,
        nodes: tree.nodes,
    })
}

impl Tree<'_> {
    /// Explores the subtree of node `at` whose relaxation is `bound`;
    /// `false` when the node budget ran out inside it.
    fn visit(&mut self, mut at: Restriction, bound: LagrangianBound) -> bool {
        self.nodes += 1;
        if bound.bound > self.best_cost - self.margin {
            return true;
        }
        if let Some(assignment) = bound.proven_optimal {
            // The relaxed solution assigns every job once: the node's best.
            self.improve(assignment);
            return true;
        }
        if !self.rule_out(&mut at, &bound) {
            return true; // a job has no agent left that could improve
        }
        let Some((job, agent)) = self.branching_pair(&at, &bound) else {
            return true;
        };
        let n = self.gap.jobs();
        let mut children = Vec::with_capacity(2);
        let weight = self.relaxation.weight[agent * n + job];
        if weight <= at.capacity[agent] {
            let mut fixed = at.clone();
            fix(&mut fixed, self.gap, job, agent, weight);
            children.push(fixed);
        }
        at.allowed[agent * n + job] = false;
        children.push(at);
        for child in children {
            if self.relaxation.cells >= self.budget {
                return false;
            }
            let steps = Steps {
                upper: Some(self.best_cost - self.margin),
                iterations: NODE_STEPS,
                lambda: NODE_LAMBDA,
            };
            let multipliers = bound.multipliers.clone();
            let b = ascend(
                &mut self.relaxation,
                multipliers,
                &steps,
                Some(&child),
                &mut |_| {},
            );
            if !self.visit(child, b) {
                return false;
            }
        }
        true
    }

    /// Records `assignment` if it is feasible and cheaper than the best.
    fn improve(&mut self, assignment: Vec<usize>) {
        let gap = self.gap;
        let (Ok(true), Ok(cost)) = (gap.is_feasible(&assignment), gap.total_cost(&assignment))
        else {
            return;
        };
        if cost < self.best_cost - self.margin {
            self.best_cost = cost;
            self.better = Some((cost, assignment));
        }
    }

    /// Rules out the free pairs whose reduced cost alone puts any
    /// assignment using them at the best cost or above, and fixes the jobs
    /// left with one agent. `false` when a free job has no agent left.
    fn rule_out(&self, at: &mut Restriction, bound: &LagrangianBound) -> bool {
        let (gap, n) = (self.gap, self.gap.jobs());
        let limit = self.best_cost - self.margin;
        for j in 0..n {
            if !at.free[j] {
                continue;
            }
            let mut left = None;
            let mut count = 0;
            for i in 0..gap.agents() {
                let k = i * n + j;
                if !at.allowed[k] {
                    continue;
                }
                let fits = self.relaxation.weight[k] <= at.capacity[i];
                if !fits || bound.pair_bound(gap, i, j) > limit {
                    at.allowed[k] = false;
                } else {
                    left = Some(i);
                    count += 1;
                }
            }
            match (count, left) {
                (0, _) | (_, None) => return false,
                (1, Some(i)) => {
                    let w = self.relaxation.weight[i * n + j];
                    fix(at, gap, j, i, w);
                }
                _ => {}
            }
        }
        true
    }

    /// The free job the relaxation at the node's multipliers assigns to no
    /// agent or to several (the heaviest such job), and its allowed agent
    /// of the smallest reduced cost.
    fn branching_pair(
        &mut self,
        at: &Restriction,
        bound: &LagrangianBound,
    ) -> Option<(usize, usize)> {
        let (gap, n) = (self.gap, self.gap.jobs());
        let mut count = vec![0u32; n];
        let mut agent = vec![0usize; n];
        self.relaxation
            .evaluate(&bound.multipliers, &mut count, &mut agent, Some(at));
        let heaviest = |j: usize| {
            (0..gap.agents())
                .filter(|&i| at.allowed[i * n + j])
                .map(|i| self.relaxation.weight[i * n + j])
                .max()
                .unwrap_or(0)
        };
        let job = (0..n)
            .filter(|&j| at.free[j])
            .max_by_key(|&j| (count[j] != 1, heaviest(j), std::cmp::Reverse(j)))?;
        let agent = (0..gap.agents())
            .filter(|&i| at.allowed[i * n + job])
            .min_by(|&a, &b| {
                let rc = |i: usize| gap.cost(i, job) - bound.multipliers[job];
                rc(a).total_cmp(&rc(b)).then(a.cmp(&b))
            })?;
        Some((job, agent))
    }
}

/// Fixes `job` to `agent` at node `at`.
fn fix(at: &mut Restriction, gap: &GapInstance, job: usize, agent: usize, weight: usize) {
    let n = gap.jobs();
    at.free[job] = false;
    at.agent[job] = agent;
    at.capacity[agent] -= weight;
    at.fixed_cost += gap.cost(agent, job);
    for i in 0..gap.agents() {
        at.allowed[i * n + job] = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gap::gap_lagrangian_bound;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A random tight instance: 3 agents, 8 jobs, integer costs and weights.
    fn instance(seed: u64) -> GapInstance {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (m, n) = (3, 8);
        let cost = (0..m * n)
            .map(|_| f64::from(rng.gen_range(10..50)))
            .collect();
        let weight: Vec<f64> = (0..m * n)
            .map(|_| f64::from(rng.gen_range(5..25)))
            .collect();
        let total: f64 = weight.iter().sum();
        let capacity = vec![(0.8 * total / (m * m) as f64).floor(); m];
        GapInstance::new(m, n, cost, weight, capacity).unwrap()
    }

    /// The cheapest feasible assignment by enumerating all 3^8.
    fn brute_force(gap: &GapInstance) -> Option<f64> {
        let (m, n) = (gap.agents(), gap.jobs());
        let mut best: Option<f64> = None;
        for code in 0..m.pow(n as u32) {
            let assignment: Vec<usize> = (0..n).map(|j| code / m.pow(j as u32) % m).collect();
            if gap.is_feasible(&assignment).unwrap() {
                let cost = gap.total_cost(&assignment).unwrap();
                best = Some(best.map_or(cost, |b: f64| b.min(cost)));
            }
        }
        best
    }

    /// The feasible instances of seeds 0 to 39 with their optimum and root
    /// relaxation (steps aimed at the optimum).
    fn solved() -> impl Iterator<Item = (u64, GapInstance, f64, LagrangianBound)> {
        (0..40).filter_map(|seed| {
            let gap = instance(seed);
            let optimum = brute_force(&gap)?;
            let root = gap_lagrangian_bound(&gap, Some(optimum), 300)
                .unwrap()
                .unwrap();
            Some((seed, gap, optimum, root))
        })
    }

    /// From a poor upper bound, a large enough budget finds the optimum and
    /// proves it; from the optimum, it proves it and finds nothing better.
    #[test]
    fn finds_and_proves_the_optimum_of_small_instances() {
        let mut proven_with_a_root_gap = 0;
        for (seed, gap, optimum, root) in solved() {
            assert!(root.bound <= optimum + 1e-9, "seed {seed}");
            if root.bound < optimum {
                proven_with_a_root_gap += 1;
            }
            let from_above = branch_and_bound(&gap, &root, optimum + 20.0, u64::MAX).unwrap();
            assert!(from_above.proven, "seed {seed}");
            let (cost, assignment) = from_above.better.unwrap();
            assert_eq!(cost, optimum, "seed {seed}");
            assert_eq!(gap.total_cost(&assignment).unwrap(), optimum);
            let at_optimum = branch_and_bound(&gap, &root, optimum, u64::MAX).unwrap();
            assert!(
                at_optimum.proven && at_optimum.better.is_none(),
                "seed {seed}"
            );
        }
        // The tree, not the root bound alone, did the proving somewhere.
        assert!(proven_with_a_root_gap > 0);
    }

    /// A budget of no cells proves nothing unless the root settles it.
    #[test]
    fn an_exhausted_budget_proves_nothing() {
        for (seed, gap, optimum, root) in solved() {
            let out = branch_and_bound(&gap, &root, optimum + 20.0, 0).unwrap();
            if root.bound < optimum && root.proven_optimal.is_none() {
                assert!(!out.proven, "seed {seed}");
                assert_eq!(out.nodes, 1);
            }
        }
    }
}
