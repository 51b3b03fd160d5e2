//! A partial placement that heuristics and local search edit in place.

use std::collections::HashSet;

use crate::model::{Instance, Objective, fits};

/// Where each workload is, and what each node has left.
#[derive(Debug, Clone)]
pub(crate) struct State<'i, 'p> {
    pub(crate) inst: &'i Instance<'p>,
    pub(crate) assign: Vec<Option<usize>>,
    pub(crate) used: Vec<Vec<f64>>,
    pub(crate) count: Vec<usize>,
    /// (anti-affinity group, node) pairs taken.
    taken: HashSet<(usize, usize)>,
    /// Nodes with at least one workload, in no particular order.
    pub(crate) in_use: Vec<usize>,
    /// Position of each node in `in_use` (meaningless when unused).
    slot: Vec<usize>,
}

impl<'i, 'p> State<'i, 'p> {
    pub(crate) fn empty(inst: &'i Instance<'p>) -> Self {
        let m = inst.problem.nodes.len();
        Self {
            inst,
            assign: vec![None; inst.problem.workloads.len()],
            used: vec![vec![0.0; inst.dims()]; m],
            count: vec![0; m],
            taken: HashSet::new(),
            in_use: Vec::new(),
            slot: vec![0; m],
        }
    }

    /// Whether `i` may join node `j` now (eligibility is the caller's).
    pub(crate) fn can_place(&self, i: usize, j: usize) -> bool {
        let group_free = self.inst.group[i].is_none_or(|g| !self.taken.contains(&(g, j)));
        group_free && fits(&self.used[j], self.inst.demand(i), self.inst.capacity(j))
    }

    pub(crate) fn place(&mut self, i: usize, j: usize) {
        for (u, d) in self.used[j].iter_mut().zip(self.inst.demand(i)) {
            *u += d;
        }
        self.count[j] += 1;
        if self.count[j] == 1 {
            self.slot[j] = self.in_use.len();
            self.in_use.push(j);
        }
        if let Some(g) = self.inst.group[i] {
            self.taken.insert((g, j));
        }
        self.assign[i] = Some(j);
    }

    pub(crate) fn remove(&mut self, i: usize) {
        let Some(j) = self.assign[i].take() else {
            return;
        };
        for (u, d) in self.used[j].iter_mut().zip(self.inst.demand(i)) {
            *u = (*u - d).max(0.0);
        }
        self.count[j] -= 1;
        if self.count[j] == 0 {
            self.used[j].iter_mut().for_each(|u| *u = 0.0);
            let at = self.slot[j];
            self.in_use.swap_remove(at);
            if let Some(&moved) = self.in_use.get(at) {
                self.slot[moved] = at;
            }
        }
        if let Some(g) = self.inst.group[i] {
            self.taken.remove(&(g, j));
        }
    }

    /// Utilisation of node `j` in resource `k` (0 when the capacity is 0).
    pub(crate) fn utilisation(&self, j: usize, k: usize) -> f64 {
        let c = self.inst.capacity(j)[k];
        if c > 0.0 { self.used[j][k] / c } else { 0.0 }
    }

    /// Highest utilisation over the resources of node `j`.
    pub(crate) fn peak(&self, j: usize) -> f64 {
        (0..self.inst.dims())
            .map(|k| self.utilisation(j, k))
            .fold(0.0, f64::max)
    }

    /// The objective value of the current placement.
    pub(crate) fn objective(&self) -> f64 {
        self.objective_of(self.inst.problem.objective)
    }

    /// The value of `objective` (not necessarily the problem's).
    pub(crate) fn objective_of(&self, objective: Objective) -> f64 {
        let nodes = &self.inst.problem.nodes;
        match objective {
            Objective::Nodes => self.count.iter().filter(|&&c| c > 0).count() as f64,
            Objective::Cost => (0..nodes.len())
                .filter(|&j| self.count[j] > 0)
                .map(|j| nodes[j].cost)
                .sum(),
            Objective::Balance => (0..nodes.len()).map(|j| self.peak(j)).fold(0.0, f64::max),
            Objective::Migrations => (0..self.assign.len())
                .filter(|&i| self.moved(i))
                .map(|i| self.inst.problem.workloads[i].migration_cost)
                .sum(),
            Objective::Weighted(w) => w.terms().map(|(o, w)| w * self.objective_of(o)).sum(),
        }
    }

    /// Whether `i` is placed, has a current node, and is not on it.
    pub(crate) fn moved(&self, i: usize) -> bool {
        match (self.assign[i], self.inst.current[i]) {
            (Some(j), Some(c)) => j != c,
            _ => false,
        }
    }

    pub(crate) fn unplaced(&self) -> impl Iterator<Item = usize> + '_ {
        self.assign
            .iter()
            .enumerate()
            .filter(|(_, a)| a.is_none())
            .map(|(i, _)| i)
    }
}
