//! Names the constraints that make a problem infeasible.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Instance;

/// A conflict that proves no complete placement exists, or `None` if none
/// of the checks finds one (the problem may still be infeasible).
///
/// Checks, in order: a resource whose total demand exceeds the total
/// capacity; an anti-affinity group with more members than eligible nodes;
/// a set of workloads confined to the same nodes whose demand exceeds
/// those nodes' capacity (pins, allow lists and labels).
pub(crate) fn proven_conflict(inst: &Instance<'_>) -> Option<String> {
    let p = inst.problem;
    for (k, name) in p.resources.iter().enumerate() {
        let demand: f64 = p.workloads.iter().map(|w| w.demand[k]).sum();
        let capacity: f64 = p.nodes.iter().map(|n| n.capacity[k]).sum();
        if demand > capacity * (1.0 + 1e-9) {
            return Some(format!(
                "total {name} demand {demand} exceeds the total {name} capacity {capacity}"
            ));
        }
    }
    let mut groups: BTreeMap<&str, (Vec<&str>, BTreeSet<usize>)> = BTreeMap::new();
    for (i, w) in p.workloads.iter().enumerate() {
        if let Some(g) = &w.anti_affinity {
            let entry = groups.entry(g.as_str()).or_default();
            entry.0.push(&w.name);
            entry.1.extend(inst.eligible[i].iter().copied());
        }
    }
    for (g, (members, nodes)) in &groups {
        if members.len() > nodes.len() {
            return Some(format!(
                "anti-affinity group {g:?} has {} workloads but only {} eligible nodes",
                members.len(),
                nodes.len()
            ));
        }
    }
    let mut confined: BTreeMap<&[usize], Vec<usize>> = BTreeMap::new();
    for (i, nodes) in inst.eligible.iter().enumerate() {
        if nodes.len() < p.nodes.len() {
            confined.entry(&nodes[..]).or_default().push(i);
        }
    }
    for (nodes, members) in &confined {
        for (k, name) in p.resources.iter().enumerate() {
            let demand: f64 = members.iter().map(|&i| inst.demand(i)[k]).sum();
            let capacity: f64 = nodes.iter().map(|&j| inst.capacity(j)[k]).sum();
            if demand > capacity * (1.0 + 1e-9) {
                let names: Vec<&str> = members
                    .iter()
                    .map(|&i| p.workloads[i].name.as_str())
                    .collect();
                let node_names: Vec<&str> =
                    nodes.iter().map(|&j| p.nodes[j].name.as_str()).collect();
                return Some(format!(
                    "workloads {names:?} may only run on {node_names:?}: their {name} demand {demand} exceeds those nodes' {name} capacity {capacity}"
                ));
            }
        }
    }
    None
}
