//! Greedy GPU-share-aware placement of a [`Cluster`], with a lower bound on
//! the nodes needed and the GPU fragmentation left behind.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::fragmentation::{node_fragmentation, task_classes};
use super::repair::repair;
use super::share_bound::share_gpus_lower_bound;
use super::shares::place_grouped;
use super::{Cluster, ClusterNode, GPU_MILLI, GpuRequest};
use crate::bound::fewest_covering;
use crate::error::{Error, Result};
use crate::greedy::{Policy, policy_score};
use crate::model::Objective;
use crate::plan::Unplaced;

/// Unchecked parameters of [`ClusterPlacer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterPlacerParams {
    policy: Policy,
    objective: Objective,
    repair: bool,
    pack_shares: bool,
}

impl ClusterPlacerParams {
    /// How to choose among the nodes a pod fits on (default
    /// [`Policy::BestFit`]).
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// [`Objective::Nodes`] (default) or [`Objective::Balance`]. With
    /// `Nodes`, the packing policies (best fit, most allocated) fill the
    /// nodes already in use before opening another; with `Balance` every
    /// policy scores every node.
    #[must_use]
    pub fn objective(mut self, objective: Objective) -> Self {
        self.objective = objective;
        self
    }

    /// Whether to repair after the policy (default true): each pod left
    /// unplaced is tried again, then on a node after one or two of that
    /// node's pods move to other nodes (chosen by the same policy); a
    /// bounded number of such moves per pod.
    #[must_use]
    pub fn repair(mut self, on: bool) -> Self {
        self.repair = on;
        self
    }

    /// Whether to pack the shared-GPU pods into groups of at most one GPU
    /// before placing (default false): each group, its shares chosen to
    /// fill a GPU as closely as possible, then goes onto one GPU as one
    /// unit, so that complementary shares meet instead of leaving slivers
    /// no pod can use. Pods of a group that fits nowhere are then tried
    /// one by one. The policy still chooses the node.
    #[must_use]
    pub fn pack_shares(mut self, on: bool) -> Self {
        self.pack_shares = on;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for [`Objective::Cost`]: the trace's
    /// nodes have no cost.
    pub fn check(self) -> Result<ClusterPlacer> {
        match self.objective {
            Objective::Nodes | Objective::Balance => Ok(ClusterPlacer(self)),
            other => Err(Error::InvalidParameter {
                name: "objective",
                reason: format!("cluster placement minimises nodes or balance, not {other:?}"),
            }),
        }
    }
}

/// Places the pods of a [`Cluster`] one by one, most constrained and
/// largest first, each on the node its [`Policy`] prefers among those with
/// room in CPU, memory and GPUs of an allowed model.
///
/// A shared-GPU pod goes onto the GPU of the chosen node with the least
/// remaining share that still fits it (best fit within the node); whole-GPU
/// pods take GPUs nobody uses. Pods that fit nowhere are reported with the
/// reason, never an error.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterPlacer(ClusterPlacerParams);

impl ClusterPlacer {
    /// Default parameters: best fit, fewest nodes.
    pub fn params() -> ClusterPlacerParams {
        ClusterPlacerParams {
            policy: Policy::BestFit,
            objective: Objective::Nodes,
            repair: true,
            pack_shares: false,
        }
    }

    /// The policy's name, as in [`Policy::name`], followed by
    /// `+pack-shares` when shared-GPU pods are grouped first.
    pub fn name(&self) -> String {
        let policy = self.0.policy.name();
        if self.0.pack_shares {
            format!("{policy}+pack-shares")
        } else {
            policy.to_owned()
        }
    }

    /// Whether shared-GPU pods are packed into groups first.
    pub(super) fn packs_shares(&self) -> bool {
        self.0.pack_shares
    }

    /// Places every pod it can.
    pub fn place(&self, cluster: &Cluster) -> ClusterPlan {
        let started = Instant::now();
        let compiled = Compiled::new(cluster);
        let mut states: Vec<NodeState> = cluster.nodes.iter().map(NodeState::empty).collect();
        let mut assignment: Vec<Option<PodPlacement>> = vec![None; cluster.pods.len()];
        let order = compiled.placement_order();
        if self.0.pack_shares {
            place_grouped(self, &compiled, &order, &mut states, &mut assignment);
        } else {
            for &i in &order {
                let demand = compiled.demand(i);
                if let Some(j) = self.choose(&compiled, &demand, &states, None) {
                    let gpus = states[j].take(&demand);
                    assignment[i] = Some(PodPlacement { node: j, gpus });
                }
            }
        }
        if self.0.repair {
            repair(self, &compiled, &order, &mut states, &mut assignment);
        }
        let unplaced: Vec<Unplaced> = (0..cluster.pods.len())
            .filter(|&i| assignment[i].is_none())
            .map(|i| Unplaced {
                workload: cluster.pods[i].name.clone(),
                reason: why_unplaced(&compiled, &compiled.demand(i), &states),
            })
            .collect();
        let placed: Vec<bool> = assignment.iter().map(Option::is_some).collect();
        let lower_bound = nodes_lower_bound(cluster, &placed);
        let nodes_used = states.iter().filter(|s| s.pods > 0).count();
        let classes = task_classes(&compiled);
        let fragmentation: f64 = states
            .iter()
            .enumerate()
            .map(|(j, s)| node_fragmentation(s, compiled.node_model[j], &classes))
            .sum();
        let gpu_capacity: u64 = cluster
            .nodes
            .iter()
            .map(|n| u64::from(n.gpus) * u64::from(GPU_MILLI))
            .sum();
        let gpu_free: u64 = states.iter().map(NodeState::gpu_free).sum();
        let milli = f64::from(GPU_MILLI);
        ClusterPlan {
            placer: self.name(),
            placed: placed.iter().filter(|&&p| p).count(),
            nodes_used,
            lower_bound,
            gap: if nodes_used > 0 {
                (nodes_used - lower_bound.min(nodes_used)) as f64 / nodes_used as f64
            } else {
                0.0
            },
            gpu_capacity: gpu_capacity as f64 / milli,
            gpu_allocated: (gpu_capacity - gpu_free) as f64 / milli,
            gpu_fragmentation: fragmentation / milli,
            fragmentation_ratio: if gpu_free > 0 {
                fragmentation / gpu_free as f64
            } else {
                0.0
            },
            peak_utilisation: states
                .iter()
                .zip(&cluster.nodes)
                .map(|(s, n)| s.peak(n))
                .fold(0.0, f64::max),
            assignment,
            unplaced,
            gpu_shortfall: gpu_shortfall(cluster),
            solve_time: started.elapsed(),
        }
    }

    /// The node the policy prefers for `demand` among those it fits on now,
    /// other than `exclude`.
    pub(super) fn choose(
        &self,
        c: &Compiled<'_>,
        demand: &Demand<'_>,
        states: &[NodeState],
        exclude: Option<usize>,
    ) -> Option<usize> {
        let policy = self.0.policy;
        let packing = matches!(policy, Policy::BestFit | Policy::MostAllocated)
            && self.0.objective == Objective::Nodes;
        let mut best: Option<(f64, usize)> = None;
        let mut fresh: Option<(f64, usize)> = None;
        for (j, state) in states.iter().enumerate() {
            if exclude == Some(j) || state.check(demand, c.node_model[j]).is_err() {
                continue;
            }
            if policy == Policy::FirstFit {
                return Some(j);
            }
            let node = &c.cluster.nodes[j];
            let cap = capacity(node);
            if packing && state.pods == 0 {
                // A new node: the largest, but not a GPU node for a pod
                // without GPUs while a node without GPUs would do.
                let size: f64 = cap.iter().zip(&c.largest).map(|(x, l)| x / l).sum();
                let waste = demand.gpu == GpuRequest::None && node.gpus > 0;
                let value = size - if waste { 10.0 } else { 0.0 };
                if fresh.is_none_or(|(v, _)| value > v) {
                    fresh = Some((value, j));
                }
                continue;
            }
            let used = state.used(node);
            let mut score = policy_score(policy, &used, &demand.amounts(), &cap, &c.largest);
            // With shares packed, GPUs are the scarce resource: a pod
            // without GPUs takes a GPU node's CPU only when no node
            // without GPUs has room (scores lie within [-3, 1]).
            if self.0.pack_shares {
                if demand.gpu == GpuRequest::None && node.gpus > 0 {
                    score -= 10.0;
                }
                score -= c.stranding(state, demand);
            }
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, j));
            }
        }
        best.or(fresh).map(|(_, j)| j)
    }
}

/// Where one pod went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PodPlacement {
    /// Index of the node in [`Cluster::nodes`].
    pub node: usize,
    /// Indices of the node's GPUs the pod uses (one for a share).
    pub gpus: Vec<u32>,
}

/// The outcome of [`ClusterPlacer::place`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ClusterPlan {
    /// The policy's name.
    pub placer: String,
    /// Where each pod went, `None` if it was not placed.
    pub assignment: Vec<Option<PodPlacement>>,
    /// Number of pods placed.
    pub placed: usize,
    /// Pods not placed, each with what stopped every node from taking it.
    pub unplaced: Vec<Unplaced>,
    /// Nodes running at least one pod.
    pub nodes_used: usize,
    /// The fewest nodes any placement of the placed pods needs: the
    /// largest of the per-resource covers (CPU, memory, GPU), the GPU
    /// pods' CPU and memory on GPU nodes only, and one node each for pods
    /// asking for more than half the GPUs of the largest GPU node.
    pub lower_bound: usize,
    /// `(nodes_used - lower_bound) / nodes_used`.
    pub gap: f64,
    /// GPUs in the cluster.
    pub gpu_capacity: f64,
    /// GPUs allocated to pods (shares summed).
    pub gpu_allocated: f64,
    /// Fragmented GPU capacity, in GPUs: over all nodes, the unallocated
    /// GPU capacity that a typical pod could not use, averaged over the
    /// pod mix (the openb paper's measure; see the module documentation
    /// of the allocation guide).
    pub gpu_fragmentation: f64,
    /// `gpu_fragmentation` over the unallocated GPU capacity (0 when every
    /// GPU is allocated).
    pub fragmentation_ratio: f64,
    /// Highest utilisation of any resource on any node.
    pub peak_utilisation: f64,
    /// GPUs missing for every pod to fit at once, 0 if none: the whole
    /// GPUs all pods ask for, plus the fewest GPUs all the shares can be
    /// packed into (the larger of the Martello–Toth L2 bound and the
    /// cutting-stock LP bound of bin packing, CPU, memory and GPU models
    /// ignored), minus the cluster's GPUs. Positive means that no placement
    /// places every pod; a placement that places every whole-GPU pod
    /// leaves at least this many shared-GPU pods out (each left out saves
    /// at most one GPU).
    pub gpu_shortfall: usize,
    /// Wall-clock time of the placement, bound and fragmentation.
    pub solve_time: Duration,
}

impl ClusterPlan {
    /// Whether every pod was placed.
    pub fn is_complete(&self) -> bool {
        self.unplaced.is_empty()
    }
}

/// The cluster with GPU models as small integers.
pub(super) struct Compiled<'c> {
    pub(super) cluster: &'c Cluster,
    pub(super) node_model: Vec<Option<u16>>,
    /// Allowed models of each pod; `None` for any node.
    pub(super) pod_models: Vec<Option<Vec<u16>>>,
    /// Largest capacity of each resource (1 where none), the unit of sizes.
    largest: [f64; 3],
    /// Least CPU and least memory any GPU pod asks for: a node with less
    /// left strands its free GPUs.
    gpu_pod_floor: (u64, u64),
}

impl<'c> Compiled<'c> {
    pub(super) fn new(cluster: &'c Cluster) -> Self {
        let mut ids: HashMap<&str, u16> = HashMap::new();
        let node_model = cluster
            .nodes
            .iter()
            .map(|n| {
                n.gpu_model.as_deref().map(|m| {
                    let next = ids.len() as u16;
                    *ids.entry(m).or_insert(next)
                })
            })
            .collect();
        // A model no node has is simply never matched.
        let pod_models = cluster
            .pods
            .iter()
            .map(|p| {
                (!p.gpu_models.is_empty()).then(|| {
                    p.gpu_models
                        .iter()
                        .filter_map(|m| ids.get(m.as_str()).copied())
                        .collect()
                })
            })
            .collect();
        let mut largest = [0.0f64; 3];
        for node in &cluster.nodes {
            for (l, c) in largest.iter_mut().zip(capacity(node)) {
                *l = l.max(c);
            }
        }
        for l in &mut largest {
            if *l <= 0.0 {
                *l = 1.0;
            }
        }
        let gpu_pods = || cluster.pods.iter().filter(|p| p.gpu != GpuRequest::None);
        let gpu_pod_floor = (
            gpu_pods().map(|p| p.cpu_milli).min().unwrap_or(0),
            gpu_pods().map(|p| p.memory_mib).min().unwrap_or(0),
        );
        Self {
            cluster,
            node_model,
            pod_models,
            largest,
            gpu_pod_floor,
        }
    }

    /// GPUs that placing `d` on a node in `state` strands, after minus
    /// before: the node's free GPU capacity beyond what its CPU and memory
    /// left could feed if every further GPU pod asked the floor per GPU. A
    /// cheap, one-class form of the openb paper's fragmentation: 32-core
    /// nodes with 4 GPUs otherwise fill their CPU with whole-GPU pods of
    /// 10-12 cores and keep a GPU nobody can use.
    fn stranding(&self, state: &NodeState, d: &Demand<'_>) -> f64 {
        let (cpu, memory) = self.gpu_pod_floor;
        // Free GPUs beyond what the CPU and memory left can feed at the
        // floor's rate, in thousandths.
        let stranded = |c: u64, m: u64, free: u64| {
            let fed = |left: u64, floor: u64| {
                left.checked_div(floor)
                    .map_or(u64::MAX, |n| n.saturating_mul(u64::from(GPU_MILLI)))
            };
            free.saturating_sub(fed(c, cpu).min(fed(m, memory)))
        };
        let free = state.gpu_free();
        let before = stranded(state.cpu, state.memory, free);
        let after = stranded(
            state.cpu.saturating_sub(d.cpu),
            state.memory.saturating_sub(d.memory),
            free.saturating_sub(d.gpu.milli()),
        );
        (after as f64 - before as f64) / f64::from(GPU_MILLI)
    }

    pub(super) fn demand(&self, i: usize) -> Demand<'_> {
        let pod = &self.cluster.pods[i];
        Demand {
            cpu: pod.cpu_milli,
            memory: pod.memory_mib,
            gpu: pod.gpu,
            models: self.pod_models[i].as_deref(),
        }
    }

    /// Pods that fit fewer empty nodes first, then larger ones (sum of the
    /// demands in units of the largest capacities), then input order.
    pub(super) fn placement_order(&self) -> Vec<usize> {
        let demands: Vec<Demand<'_>> = (0..self.cluster.pods.len())
            .map(|i| self.demand(i))
            .collect();
        self.order(&demands)
    }

    /// Indices of `demands` in the order of
    /// [`Compiled::placement_order`].
    pub(super) fn order(&self, demands: &[Demand<'_>]) -> Vec<usize> {
        let empty: Vec<NodeState> = self.cluster.nodes.iter().map(NodeState::empty).collect();
        let n = demands.len();
        let eligible: Vec<usize> = demands
            .iter()
            .map(|d| {
                empty
                    .iter()
                    .enumerate()
                    .filter(|(j, s)| s.check(d, self.node_model[*j]).is_ok())
                    .count()
            })
            .collect();
        let size: Vec<f64> = demands
            .iter()
            .map(|d| {
                let amounts = d.amounts();
                amounts.iter().zip(&self.largest).map(|(a, l)| a / l).sum()
            })
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            eligible[a]
                .cmp(&eligible[b])
                .then(size[b].total_cmp(&size[a]))
                .then(a.cmp(&b))
        });
        order
    }
}

/// What a pod (or a class of pods) asks for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Demand<'a> {
    pub(super) cpu: u64,
    pub(super) memory: u64,
    pub(super) gpu: GpuRequest,
    pub(super) models: Option<&'a [u16]>,
}

impl Demand<'_> {
    fn amounts(&self) -> [f64; 3] {
        [self.cpu as f64, self.memory as f64, self.gpu.milli() as f64]
    }
}

/// Why a node cannot take a demand, checked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Short {
    Model,
    Cpu,
    Memory,
    WholeGpus,
    GpuShare,
}

impl Short {
    const ALL: [Short; 5] = [
        Short::Model,
        Short::Cpu,
        Short::Memory,
        Short::WholeGpus,
        Short::GpuShare,
    ];

    fn describe(self) -> &'static str {
        match self {
            Short::Model => "GPU model not allowed",
            Short::Cpu => "CPU short",
            Short::Memory => "memory short",
            Short::WholeGpus => "too few free whole GPUs",
            Short::GpuShare => "no GPU with enough share left",
        }
    }
}

/// What a node has left.
#[derive(Debug, Clone)]
pub(super) struct NodeState {
    pub(super) cpu: u64,
    pub(super) memory: u64,
    /// Free thousandths of each GPU.
    pub(super) gpu: Vec<u32>,
    pub(super) pods: usize,
}

impl NodeState {
    pub(super) fn empty(node: &ClusterNode) -> Self {
        Self {
            cpu: node.cpu_milli,
            memory: node.memory_mib,
            gpu: vec![GPU_MILLI; node.gpus as usize],
            pods: 0,
        }
    }

    /// Whether `d` fits, or the first resource that is short: the GPU
    /// model, CPU, memory, then GPUs.
    pub(super) fn check(&self, d: &Demand<'_>, model: Option<u16>) -> Result<(), Short> {
        Self::check_model(d, model)?;
        if d.cpu > self.cpu {
            return Err(Short::Cpu);
        }
        if d.memory > self.memory {
            return Err(Short::Memory);
        }
        self.check_gpus(d)
    }

    /// Whether `d` would fit if CPU and memory were no limit: the node's
    /// GPU model and free GPUs take it.
    pub(super) fn gpu_room_for(&self, d: &Demand<'_>, model: Option<u16>) -> bool {
        Self::check_model(d, model).is_ok() && self.check_gpus(d).is_ok()
    }

    fn check_model(d: &Demand<'_>, model: Option<u16>) -> Result<(), Short> {
        match d.models {
            Some(allowed) if !model.is_some_and(|m| allowed.contains(&m)) => Err(Short::Model),
            _ => Ok(()),
        }
    }

    fn check_gpus(&self, d: &Demand<'_>) -> Result<(), Short> {
        match d.gpu {
            GpuRequest::None => Ok(()),
            GpuRequest::Share(m) => {
                if self.gpu.iter().any(|&f| f >= m) {
                    Ok(())
                } else {
                    Err(Short::GpuShare)
                }
            }
            GpuRequest::Whole(n) => {
                let free = self.gpu.iter().filter(|&&f| f == GPU_MILLI).count();
                if free >= n as usize {
                    Ok(())
                } else {
                    Err(Short::WholeGpus)
                }
            }
        }
    }

    /// Allocates a demand that [`NodeState::check`] accepted; returns the
    /// GPUs used.
    pub(super) fn take(&mut self, d: &Demand<'_>) -> Vec<u32> {
        self.cpu -= d.cpu;
        self.memory -= d.memory;
        self.pods += 1;
        match d.gpu {
            GpuRequest::None => Vec::new(),
            GpuRequest::Share(m) => {
                // The tightest GPU that fits keeps whole GPUs whole.
                let best = (0..self.gpu.len())
                    .filter(|&g| self.gpu[g] >= m)
                    .min_by_key(|&g| (self.gpu[g], g));
                best.map(|g| {
                    self.gpu[g] -= m;
                    vec![g as u32]
                })
                .unwrap_or_default()
            }
            GpuRequest::Whole(n) => {
                let taken: Vec<u32> = (0..self.gpu.len())
                    .filter(|&g| self.gpu[g] == GPU_MILLI)
                    .take(n as usize)
                    .map(|g| g as u32)
                    .collect();
                for &g in &taken {
                    self.gpu[g as usize] = 0;
                }
                taken
            }
        }
    }

    pub(super) fn gpu_free(&self) -> u64 {
        self.gpu.iter().map(|&f| u64::from(f)).sum()
    }

    fn used(&self, node: &ClusterNode) -> [f64; 3] {
        let cap = capacity(node);
        [
            cap[0] - self.cpu as f64,
            cap[1] - self.memory as f64,
            cap[2] - self.gpu_free() as f64,
        ]
    }

    fn peak(&self, node: &ClusterNode) -> f64 {
        let cap = capacity(node);
        self.used(node)
            .iter()
            .zip(cap)
            .filter(|(_, c)| *c > 0.0)
            .map(|(u, c)| u / c)
            .fold(0.0, f64::max)
    }
}

/// CPU, memory and GPU (thousandths) of a node.
fn capacity(node: &ClusterNode) -> [f64; 3] {
    [
        node.cpu_milli as f64,
        node.memory_mib as f64,
        f64::from(node.gpus) * f64::from(GPU_MILLI),
    ]
}

/// Counts, over all nodes, the first reason each cannot take the pod now,
/// and how many could take it if they were empty.
fn why_unplaced(c: &Compiled<'_>, d: &Demand<'_>, states: &[NodeState]) -> String {
    let mut counts = [0usize; 5];
    let mut when_empty = 0;
    for (j, state) in states.iter().enumerate() {
        if let Err(short) = state.check(d, c.node_model[j])
            && let Some(k) = Short::ALL.iter().position(|&s| s == short)
        {
            counts[k] += 1;
        }
        if NodeState::empty(&c.cluster.nodes[j])
            .check(d, c.node_model[j])
            .is_ok()
        {
            when_empty += 1;
        }
    }
    let parts: Vec<String> = Short::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} on {n}", s.describe()))
        .collect();
    let empty = if when_empty == 0 {
        "it fits no node even when empty".to_owned()
    } else {
        format!("{when_empty} would take it if empty")
    };
    format!(
        "none of the {} nodes has room: {}; {empty}",
        states.len(),
        parts.join(", ")
    )
}

/// See [`ClusterPlan::gpu_shortfall`].
fn gpu_shortfall(cluster: &Cluster) -> usize {
    let mut whole = 0u64;
    let mut shares = Vec::new();
    for pod in &cluster.pods {
        match pod.gpu {
            GpuRequest::None => {}
            GpuRequest::Share(m) => shares.push(m),
            GpuRequest::Whole(n) => whole += u64::from(n),
        }
    }
    let gpus: u64 = cluster.nodes.iter().map(|n| u64::from(n.gpus)).sum();
    let needed = whole + share_gpus_lower_bound(&shares);
    usize::try_from(needed.saturating_sub(gpus)).unwrap_or(usize::MAX)
}

/// See [`ClusterPlan::lower_bound`].
fn nodes_lower_bound(cluster: &Cluster, placed: &[bool]) -> usize {
    let pods = || {
        cluster
            .pods
            .iter()
            .zip(placed)
            .filter(|(_, p)| **p)
            .map(|(pod, _)| pod)
    };
    if pods().next().is_none() {
        return 0;
    }
    let all = cluster.nodes.iter();
    let gpu_nodes = || cluster.nodes.iter().filter(|n| n.gpus > 0);
    let gpu_pods = || pods().filter(|p| p.gpu != GpuRequest::None);
    let covers = [
        fewest_covering(
            all.clone().map(|n| n.cpu_milli as f64),
            pods().map(|p| p.cpu_milli as f64).sum(),
        ),
        fewest_covering(
            all.clone().map(|n| n.memory_mib as f64),
            pods().map(|p| p.memory_mib as f64).sum(),
        ),
        fewest_covering(
            all.map(|n| f64::from(n.gpus) * f64::from(GPU_MILLI)),
            pods().map(|p| p.gpu.milli() as f64).sum(),
        ),
        fewest_covering(
            gpu_nodes().map(|n| n.cpu_milli as f64),
            gpu_pods().map(|p| p.cpu_milli as f64).sum(),
        ),
        fewest_covering(
            gpu_nodes().map(|n| n.memory_mib as f64),
            gpu_pods().map(|p| p.memory_mib as f64).sum(),
        ),
    ];
    let most_gpus = cluster.nodes.iter().map(|n| n.gpus).max().unwrap_or(0);
    let loners = pods()
        .filter(|p| matches!(p.gpu, GpuRequest::Whole(n) if 2 * n > most_gpus))
        .count();
    covers
        .into_iter()
        .map(|c| c.unwrap_or(cluster.nodes.len()))
        .chain([loners, 1])
        .max()
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, gpus: u32, model: &str) -> ClusterNode {
        ClusterNode {
            name: name.into(),
            cpu_milli: 32_000,
            memory_mib: 65_536,
            gpus,
            gpu_model: (gpus > 0).then(|| model.to_owned()),
        }
    }

    fn pod(name: &str, gpu: GpuRequest, models: &[&str]) -> super::super::ClusterPod {
        super::super::ClusterPod {
            name: name.into(),
            cpu_milli: 1000,
            memory_mib: 1024,
            gpu,
            gpu_models: models.iter().map(|m| (*m).to_owned()).collect(),
        }
    }

    #[test]
    fn shares_stack_on_one_gpu_and_whole_gpus_stay_whole() {
        let cluster = Cluster::new(
            vec![node("n", 2, "T4")],
            vec![
                pod("a", GpuRequest::Share(600), &[]),
                pod("b", GpuRequest::Share(400), &[]),
                pod("c", GpuRequest::Whole(1), &[]),
                pod("d", GpuRequest::Share(100), &[]),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let plan = ClusterPlacer::params()
            .check()
            .unwrap_or_else(|e| panic!("{e}"))
            .place(&cluster);
        // c takes a whole GPU, a and b fill the other: no room for d.
        assert_eq!(plan.placed, 3);
        assert_eq!(plan.unplaced.len(), 1);
        assert!(
            plan.unplaced[0]
                .reason
                .contains("no GPU with enough share left on 1")
        );
        let a = plan.assignment[0].as_ref().map(|p| p.gpus.clone());
        let b = plan.assignment[1].as_ref().map(|p| p.gpus.clone());
        assert_eq!(a, b);
        assert_eq!(plan.gpu_allocated, 2.0);
        assert_eq!(plan.gpu_fragmentation, 0.0);
    }
}
