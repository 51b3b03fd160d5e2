//! Greedy placement: first-fit and best-fit decreasing, and Kubernetes-style
//! scoring, optionally followed by local search.

use std::time::Instant;

use crate::allocator::Allocator;
use crate::error::{Error, Result};
use crate::explain::proven_conflict;
use crate::improve::improve;
use crate::model::{Instance, Problem};
use crate::plan::Plan;
use crate::state::State;

/// How a greedy allocator chooses among the nodes a workload fits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Policy {
    /// The first node, in problem order, that fits (first-fit decreasing).
    FirstFit,
    /// The node left with the least normalised room (best-fit decreasing).
    #[default]
    BestFit,
    /// Kubernetes `LeastAllocated`: the node with the most room left (spreads).
    LeastAllocated,
    /// Kubernetes `MostAllocated`: the fullest node that fits (packs).
    MostAllocated,
    /// Kubernetes `BalancedAllocation`: the node whose resource utilisations
    /// are closest to each other after placement.
    BalancedAllocation,
}

impl Policy {
    /// Every policy, in a fixed order.
    pub const ALL: [Policy; 5] = [
        Policy::FirstFit,
        Policy::BestFit,
        Policy::LeastAllocated,
        Policy::MostAllocated,
        Policy::BalancedAllocation,
    ];

    /// Short name: `ffd`, `bfd`, `least-allocated`, `most-allocated`, `balanced`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::FirstFit => "ffd",
            Policy::BestFit => "bfd",
            Policy::LeastAllocated => "least-allocated",
            Policy::MostAllocated => "most-allocated",
            Policy::BalancedAllocation => "balanced",
        }
    }

    /// Parses a [`Policy::name`]; `first-fit` and `best-fit` are accepted
    /// for `ffd` and `bfd`.
    pub fn from_name(name: &str) -> Result<Self> {
        let name = match name {
            "first-fit" => "ffd",
            "best-fit" => "bfd",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| Error::InvalidParameter {
                name: "policy",
                reason: format!(
                    "unknown policy {name:?}; expected one of ffd, bfd, least-allocated, most-allocated, balanced"
                ),
            })
    }
}

/// Unchecked parameters of [`Greedy`].
#[derive(Debug, Clone, PartialEq)]
pub struct GreedyParams {
    policy: Policy,
    local_search: bool,
    max_rounds: usize,
}

impl GreedyParams {
    /// The node choice (default [`Policy::BestFit`]).
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Whether to improve the greedy placement by local search (default true).
    #[must_use]
    pub fn local_search(mut self, on: bool) -> Self {
        self.local_search = on;
        self
    }

    /// Most rounds of the local search (default 1000, at least 1): sweeps
    /// over the used nodes when packing, single moves when balancing.
    #[must_use]
    pub fn max_rounds(mut self, rounds: usize) -> Self {
        self.max_rounds = rounds;
        self
    }

    /// Validates the parameters.
    pub fn check(self) -> Result<Greedy> {
        if self.max_rounds == 0 {
            return Err(Error::InvalidParameter {
                name: "max_rounds",
                reason: "must be at least 1, got 0".into(),
            });
        }
        Ok(Greedy(self))
    }
}

/// A greedy allocator: workloads by decreasing priority then size, each on
/// the node its [`Policy`] prefers; then local search.
///
/// ```
/// use homeostat_alloc::{Allocator, Greedy, Node, Problem, Workload};
/// let mut problem = Problem::new(["cpu"]);
/// for j in 0..4 {
///     problem = problem.node(Node::new(format!("n{j}"), vec![10.0]));
/// }
/// for (i, size) in [6.0, 5.0, 4.0, 3.0, 2.0].into_iter().enumerate() {
///     problem = problem.workload(Workload::new(format!("w{i}"), vec![size]));
/// }
/// let plan = Greedy::params().check()?.allocate(&problem)?;
/// assert_eq!(plan.nodes_used(), 2); // 6+4, 5+3+2
/// assert_eq!(plan.gap, Some(0.0)); // the bound is ceil(20 / 10) = 2
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Greedy(GreedyParams);

impl Greedy {
    /// Default parameters: best fit, with local search.
    pub fn params() -> GreedyParams {
        GreedyParams {
            policy: Policy::BestFit,
            local_search: true,
            max_rounds: 1000,
        }
    }

    /// A greedy allocator with the given policy and local search on.
    pub fn with_policy(policy: Policy) -> Self {
        Self(Self::params().policy(policy))
    }
}

impl Allocator for Greedy {
    fn name(&self) -> String {
        let ls = if self.0.local_search { "+ls" } else { "" };
        format!("{}{ls}", self.0.policy.name())
    }

    fn allocate(&self, problem: &Problem) -> Result<Plan> {
        let started = Instant::now();
        let inst = Instance::new(problem)?;
        let mut state = State::empty(&inst);
        for i in placement_order(&inst) {
            if let Some(j) = stay_home(&state, i).or_else(|| choose(&state, i, self.0.policy)) {
                state.place(i, j);
            }
        }
        if self.0.local_search {
            improve(&mut state, self.0.max_rounds);
        }
        if state.unplaced().next().is_some()
            && let Some(reason) = proven_conflict(&inst)
        {
            return Err(Error::Infeasible { reason });
        }
        Ok(Plan::from_state(
            self.name(),
            &state,
            None,
            started.elapsed(),
        ))
    }
}

/// When minimising migrations, the current node of `i` if it may stay.
fn stay_home(state: &State<'_, '_>, i: usize) -> Option<usize> {
    let inst = state.inst;
    let c = inst.current[i]?;
    (inst.problem.objective.weights().migrations > 0.0
        && inst.eligible[i].binary_search(&c).is_ok()
        && state.can_place(i, c))
    .then_some(c)
}

/// Pinned and constrained workloads first, then priority, then (when
/// minimising migrations) the costliest to move, then size
/// (sum of demands relative to the largest capacity of each resource).
pub(crate) fn placement_order(inst: &Instance<'_>) -> Vec<usize> {
    let size = sizes(inst);
    let n = inst.problem.workloads.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let wa = &inst.problem.workloads[a];
        let wb = &inst.problem.workloads[b];
        inst.eligible[a]
            .len()
            .cmp(&inst.eligible[b].len())
            .then(wb.priority.cmp(&wa.priority))
            .then(if inst.problem.objective.weights().migrations > 0.0 {
                wb.migration_cost.total_cmp(&wa.migration_cost)
            } else {
                std::cmp::Ordering::Equal
            })
            .then(size[b].total_cmp(&size[a]))
            .then(a.cmp(&b))
    });
    order
}

pub(crate) fn sizes(inst: &Instance<'_>) -> Vec<f64> {
    inst.problem
        .workloads
        .iter()
        .map(|w| w.demand.iter().zip(&inst.largest).map(|(d, l)| d / l).sum())
        .collect()
}

/// The node `policy` prefers for `i` among those it fits on now.
///
/// When minimising nodes or cost, the packing policies (best fit, most
/// allocated) look at the nodes already in use first, and open a new node
/// only when none has room: the largest one (nodes) or the cheapest per
/// unit of capacity (cost). First fit keeps the problem's node order.
pub(crate) fn choose(state: &State<'_, '_>, i: usize, policy: Policy) -> Option<usize> {
    let inst = state.inst;
    let packing = matches!(policy, Policy::BestFit | Policy::MostAllocated)
        && inst.problem.objective.weights().packs();
    if packing && inst.eligible[i].len() == inst.problem.nodes.len() {
        return choose_packing_anywhere(state, i, policy);
    }
    let mut best: Option<(f64, usize)> = None;
    let mut fresh: Option<(f64, usize)> = None;
    for &j in inst.eligible[i].iter() {
        if !state.can_place(i, j) {
            continue;
        }
        if policy == Policy::FirstFit {
            return Some(j);
        }
        if packing && state.count[j] == 0 {
            let value = fresh_value(inst, j);
            if fresh.is_none_or(|(v, _)| value > v) {
                fresh = Some((value, j));
            }
            continue;
        }
        let score = score(state, i, j, policy);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, j));
        }
    }
    best.or(fresh).map(|(_, j)| j)
}

/// [`choose`] for a packing policy and a workload every node may take:
/// the same choice, found by scoring only the nodes in use and opening
/// the first node of [`Instance::fresh_order`] that fits, so that a large
/// problem costs workloads × used nodes rather than workloads × nodes.
fn choose_packing_anywhere(state: &State<'_, '_>, i: usize, policy: Policy) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for &j in &state.in_use {
        if !state.can_place(i, j) {
            continue;
        }
        let score = score(state, i, j, policy);
        // Ties go to the lowest index, as in the scan over all nodes.
        if best.is_none_or(|(s, b)| score > s || (score == s && j < b)) {
            best = Some((score, j));
        }
    }
    best.map(|(_, j)| j).or_else(|| {
        state
            .inst
            .fresh_order
            .iter()
            .copied()
            .find(|&j| state.count[j] == 0 && state.can_place(i, j))
    })
}

/// How much a packing policy wants to open unused node `j`: the largest
/// (objective nodes) or the cheapest per unit of capacity (cost).
pub(crate) fn fresh_value(inst: &Instance<'_>, j: usize) -> f64 {
    let size: f64 = inst
        .capacity(j)
        .iter()
        .zip(&inst.largest)
        .map(|(c, l)| c / l)
        .sum();
    let w = inst.problem.objective.weights();
    if w.cost > 0.0 && w.nodes == 0.0 {
        -inst.problem.nodes[j].cost / size.max(f64::MIN_POSITIVE)
    } else {
        size
    }
}

/// Higher is better. Utilisations are after placing `i` on `j`.
fn score(state: &State<'_, '_>, i: usize, j: usize, policy: Policy) -> f64 {
    let inst = state.inst;
    policy_score(
        policy,
        &state.used[j],
        inst.demand(i),
        inst.capacity(j),
        &inst.largest,
    )
}

/// The score `policy` gives a node with `used` of `capacity` taken when a
/// workload of `demand` joins it; higher is better. `largest` is the unit
/// of each resource for absolute room (best fit). Resources the node lacks
/// (capacity 0) do not count. Shared by the generic greedy and the GPU
/// cluster placer.
pub(crate) fn policy_score(
    policy: Policy,
    used: &[f64],
    demand: &[f64],
    capacity: &[f64],
    largest: &[f64],
) -> f64 {
    let dims = capacity.len();
    let present = || (0..dims).filter(|&k| capacity[k] > 0.0);
    let after = |k: usize| (used[k] + demand[k]) / capacity[k];
    let count = present().count().max(1) as f64;
    let mean = present().map(after).sum::<f64>() / count;
    match policy {
        // Least normalised room left, absolute: packs big bins as tightly
        // as small ones.
        Policy::FirstFit | Policy::BestFit => -present()
            .map(|k| (capacity[k] - used[k] - demand[k]) / largest[k])
            .sum::<f64>(),
        Policy::LeastAllocated => 1.0 - mean,
        Policy::MostAllocated => mean,
        Policy::BalancedAllocation => {
            let var = present().map(|k| (after(k) - mean).powi(2)).sum::<f64>() / count;
            // Ties (e.g. empty nodes) go to the least allocated, as the
            // Kubernetes scheduler combines the two.
            1.0 - var.sqrt() + 1e-3 * (1.0 - mean)
        }
    }
}
