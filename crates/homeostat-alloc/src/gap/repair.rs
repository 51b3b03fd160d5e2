//! A Lagrangian heuristic: every subgradient step of the bound solves one
//! knapsack per agent, and that relaxed solution is close to an assignment
//! (most jobs taken by exactly one agent). Repaired into a full assignment
//! it is a start for the search's descent, spread over the region the
//! multipliers point at. On gap12-1 and gap12-3 these starts reach the
//! optimum that the perturbation search alone finds only after 900–1 000
//! rounds.

use std::collections::HashSet;

use super::GapInstance;
use super::lagrange::{LagrangianBound, observed_bound};
use crate::error::Result;

/// The Lagrangian bound of [`gap_lagrangian_bound`](super::gap_lagrangian_bound)
/// (`None` where it does not apply) and the distinct repaired relaxed
/// solutions of its steps, in the order the steps met them.
///
/// # Errors
/// As [`gap_lagrangian_bound`](super::gap_lagrangian_bound).
pub(super) fn lagrangian_starts(
    gap: &GapInstance,
    upper: Option<f64>,
    iterations: usize,
) -> Result<(Option<LagrangianBound>, Vec<Vec<usize>>)> {
    let mut starts = Vec::new();
    let mut seen = HashSet::new();
    let bound = observed_bound(gap, upper, iterations, &mut |relaxed| {
        let start = repair(gap, relaxed.count, relaxed.agent);
        if seen.insert(start.clone()) {
            starts.push(start);
        }
    })?;
    Ok((bound, starts))
}

/// An assignment from a relaxed solution: the jobs taken by exactly one
/// agent (`count[j] == 1`) stay on it (`agent[j]`; each agent's knapsack
/// fits its capacity, so these fit together); the others go, largest
/// regret first, to their cheapest agent with room left, or, when none
/// has room, to the agent where they use the smallest share of capacity
/// (the search's penalty then repairs the overload).
fn repair(gap: &GapInstance, count: &[u32], agent: &[usize]) -> Vec<usize> {
    let (m, n) = (gap.agents(), gap.jobs());
    let mut residual = gap.capacity().to_vec();
    let mut assign = vec![usize::MAX; n];
    for j in (0..n).filter(|&j| count[j] == 1) {
        assign[j] = agent[j];
        residual[agent[j]] -= gap.weight(agent[j], j);
    }
    let mut open: Vec<(f64, usize)> = (0..n)
        .filter(|&j| count[j] != 1)
        .map(|j| (regret(gap, j), j))
        .collect();
    open.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, j) in open {
        let cheapest_with_room = (0..m)
            .filter(|&i| gap.weight(i, j) <= residual[i] + 1e-9)
            .min_by(|&a, &b| gap.cost(a, j).total_cmp(&gap.cost(b, j)));
        let i = cheapest_with_room.unwrap_or_else(|| smallest_share(gap, j));
        assign[j] = i;
        residual[i] -= gap.weight(i, j);
    }
    assign
}

/// How much job `j`'s second-cheapest agent costs more than its cheapest.
fn regret(gap: &GapInstance, j: usize) -> f64 {
    let (mut first, mut second) = (f64::INFINITY, f64::INFINITY);
    for i in 0..gap.agents() {
        let c = gap.cost(i, j);
        if c < first {
            second = first;
            first = c;
        } else if c < second {
            second = c;
        }
    }
    if second.is_finite() {
        second - first
    } else {
        0.0
    }
}

/// The agent where job `j` uses the smallest share of capacity.
pub(super) fn smallest_share(gap: &GapInstance, j: usize) -> usize {
    let share = |i: usize| gap.weight(i, j) / gap.capacity()[i].max(f64::MIN_POSITIVE);
    (0..gap.agents())
        .min_by(|&a, &b| share(a).total_cmp(&share(b)))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_taken_once_stay_and_the_rest_go_where_they_fit_cheapest() {
        // Two agents of capacity 3; four jobs of weight 2 on agent 0 and 1
        // on agent 1. The relaxed solution took job 0 once (agent 0), job
        // 1 twice and jobs 2 and 3 not at all.
        let gap = GapInstance::parse("2 4   1 1 1 5   9 2 2 1   2 2 2 2   1 1 1 1   3 3")
            .expect("valid instance");
        let assign = repair(&gap, &[1, 2, 0, 0], &[0, 1, 0, 0]);
        assert_eq!(assign[0], 0);
        // Agent 0 has 1 unit left, too little for a weight-2 job: job 3
        // (largest regret) and then jobs 1 and 2 go to agent 1.
        assert_eq!(assign, vec![0, 1, 1, 1]);
        assert!(gap.is_feasible(&assign).expect("same size"));
    }

    #[test]
    fn a_job_with_no_room_anywhere_goes_where_it_weighs_least() {
        // Jobs 0 and 1 (taken once) leave agent 0 no room and agent 1 one;
        // job 2 weighs more than that on both, but a smaller share of
        // agent 1's capacity (2/4) than of agent 0's (3/1).
        let gap =
            GapInstance::parse("2 3   1 1 1  1 1 1   1 9 3  9 3 2   1 4").expect("valid instance");
        let assign = repair(&gap, &[1, 1, 0], &[0, 1, 0]);
        assert_eq!(assign, vec![0, 1, 1]);
        assert!(!gap.is_feasible(&assign).expect("same size"));
    }

    #[test]
    fn the_starts_are_distinct_complete_assignments() {
        for seed in 0..5 {
            let gap = GapInstance::chu_beasley_c(5, 40, seed).expect("valid sizes");
            let (bound, starts) = lagrangian_starts(&gap, None, 100).expect("finite upper");
            assert!(bound.is_some());
            assert!(!starts.is_empty());
            let distinct: HashSet<_> = starts.iter().collect();
            assert_eq!(distinct.len(), starts.len());
            for start in &starts {
                assert_eq!(start.len(), 40);
                assert!(start.iter().all(|&i| i < 5));
            }
        }
    }
}
