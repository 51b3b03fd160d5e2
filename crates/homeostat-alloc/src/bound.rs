//! Lower bounds on the objective that hold for every feasible placement.

use crate::model::{Instance, Objective};

/// A lower bound on the objective of `inst` (combinatorial, cheap).
///
/// - nodes: per resource, the fewest nodes whose largest capacities cover
///   the total demand; at least the size of the largest anti-affinity group.
/// - cost: per resource, the cheapest fractional cover of the total demand
///   (nodes taken in order of cost per unit of that resource).
/// - migrations: see [`migrations_bound`].
/// - balance: per resource, total demand over total capacity, and for each
///   workload the lowest peak utilisation it causes alone on an eligible node.
/// - weighted: the weighted sum of the bounds above (each term is at least
///   its own minimum, so the sum is at least the sum of the minima).
pub(crate) fn lower_bound(inst: &Instance<'_>) -> f64 {
    bound_of(inst, inst.problem.objective)
}

fn bound_of(inst: &Instance<'_>, objective: Objective) -> f64 {
    let p = inst.problem;
    let dims = inst.dims();
    let total: Vec<f64> = (0..dims)
        .map(|k| p.workloads.iter().map(|w| w.demand[k]).sum())
        .collect();
    match objective {
        Objective::Weighted(w) => w.terms().map(|(o, w)| w * bound_of(inst, o)).sum(),
        Objective::Nodes => {
            let mut best = if p.workloads.is_empty() { 0 } else { 1 };
            for (k, &need) in total.iter().enumerate() {
                let count = fewest_covering(p.nodes.iter().map(|n| n.capacity[k]), need);
                best = best.max(count.unwrap_or(p.nodes.len()));
            }
            let mut group_sizes = vec![0usize; inst.groups];
            for g in inst.group.iter().flatten() {
                group_sizes[*g] += 1;
            }
            best.max(group_sizes.into_iter().max().unwrap_or(0)) as f64
        }
        Objective::Cost => {
            let mut best: f64 = 0.0;
            for (k, &need) in total.iter().enumerate() {
                let mut nodes: Vec<(f64, f64)> = p
                    .nodes
                    .iter()
                    .filter(|n| n.capacity[k] > 0.0)
                    .map(|n| (n.cost / n.capacity[k], n.capacity[k]))
                    .collect();
                nodes.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut left = need;
                let mut cost = 0.0;
                for (unit, cap) in nodes {
                    if left <= 0.0 {
                        break;
                    }
                    let take = left.min(cap);
                    cost += unit * take;
                    left -= take;
                }
                best = best.max(cost);
            }
            // Any workload needs at least its cheapest eligible node.
            let cheapest = inst
                .eligible
                .iter()
                .map(|nodes| {
                    nodes
                        .iter()
                        .map(|&j| p.nodes[j].cost)
                        .fold(f64::INFINITY, f64::min)
                })
                .fold(0.0, f64::max);
            best.max(if cheapest.is_finite() { cheapest } else { 0.0 })
        }
        Objective::Migrations => migrations_bound(inst),
        Objective::Balance => {
            let mut best: f64 = 0.0;
            for (k, &need) in total.iter().enumerate() {
                let cap: f64 = p.nodes.iter().map(|n| n.capacity[k]).sum();
                if cap > 0.0 {
                    best = best.max(need / cap);
                }
            }
            for (i, nodes) in inst.eligible.iter().enumerate() {
                let alone = nodes
                    .iter()
                    .map(|&j| {
                        (0..dims)
                            .map(|k| {
                                let c = inst.capacity(j)[k];
                                if c > 0.0 { inst.demand(i)[k] / c } else { 0.0 }
                            })
                            .fold(0.0, f64::max)
                    })
                    .fold(f64::INFINITY, f64::min);
                if alone.is_finite() {
                    best = best.max(alone);
                }
            }
            best
        }
    }
}

/// The fewest of `capacities` (largest first) whose sum covers `need`, or
/// `None` when all of them together fall short. Every placement of a total
/// demand `need` uses at least that many nodes.
pub(crate) fn fewest_covering(capacities: impl Iterator<Item = f64>, need: f64) -> Option<usize> {
    let mut caps: Vec<f64> = capacities.collect();
    caps.sort_by(|a, b| b.total_cmp(a));
    let target = need * (1.0 - 1e-12);
    let mut sum = 0.0;
    let mut count = 0;
    for c in caps {
        if sum >= target {
            break;
        }
        sum += c;
        count += 1;
    }
    (sum >= target).then_some(count)
}

/// The migration cost every placement pays: workloads whose current node
/// is not eligible must move; on each node, the workloads that run there
/// now must shed their excess in each resource (the cheapest fractional
/// choice by cost per unit of that resource) and keep one member per
/// anti-affinity group (the cheapest others move). Per node the largest of
/// these counts, as they may be paid by the same moves.
fn migrations_bound(inst: &Instance<'_>) -> f64 {
    let p = inst.problem;
    let cost = |i: usize| p.workloads[i].migration_cost;
    let mut forced = 0.0;
    let mut homed: Vec<Vec<usize>> = vec![Vec::new(); p.nodes.len()];
    for (i, current) in inst.current.iter().enumerate() {
        if let Some(c) = *current {
            if inst.eligible[i].binary_search(&c).is_ok() {
                homed[c].push(i);
            } else {
                forced += cost(i);
            }
        }
    }
    let mut shed = 0.0;
    for (j, members) in homed.iter().enumerate() {
        let mut node_bound: f64 = 0.0;
        for k in 0..inst.dims() {
            let load: f64 = members.iter().map(|&i| inst.demand(i)[k]).sum();
            let mut excess = load - inst.capacity(j)[k];
            if excess <= crate::model::EPS * inst.capacity(j)[k].max(1.0) {
                continue;
            }
            let mut by_rate: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&i| inst.demand(i)[k] > 0.0)
                .collect();
            by_rate.sort_by(|&a, &b| {
                (cost(a) / inst.demand(a)[k]).total_cmp(&(cost(b) / inst.demand(b)[k]))
            });
            let mut paid = 0.0;
            for i in by_rate {
                let d = inst.demand(i)[k];
                let part = (excess / d).min(1.0);
                paid += part * cost(i);
                excess -= part * d;
                if excess <= 0.0 {
                    break;
                }
            }
            node_bound = node_bound.max(paid);
        }
        let mut by_group: std::collections::HashMap<usize, Vec<f64>> =
            std::collections::HashMap::new();
        for &i in members {
            if let Some(g) = inst.group[i] {
                by_group.entry(g).or_default().push(cost(i));
            }
        }
        let spread: f64 = by_group
            .into_values()
            .map(|mut costs| {
                costs.sort_by(f64::total_cmp);
                costs.pop();
                costs.into_iter().sum::<f64>()
            })
            .sum();
        shed += node_bound.max(spread);
    }
    forced + shed
}
