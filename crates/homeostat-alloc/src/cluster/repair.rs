//! A repair phase after any placement policy: each pod left unplaced may
//! take a node after one or two of the node's pods move elsewhere (a short
//! ejection chain). Bounded so that it stays fast on the full trace.

use super::place::{ClusterPlacer, Compiled, Demand, NodeState, PodPlacement};
use super::swap::{SwapIndex, swap_for};

/// Pod subsets (ejection candidates) tried per unplaced pod before giving
/// up on it: keeps the repair linear in the unplaced pods.
const MAX_EJECTIONS: usize = 400;

impl NodeState {
    /// Undoes [`NodeState::take`] of `d` on `gpus`.
    pub(super) fn give_back(&mut self, d: &Demand<'_>, gpus: &[u32]) {
        self.cpu += d.cpu;
        self.memory += d.memory;
        self.pods -= 1;
        let per_gpu = match d.gpu {
            super::GpuRequest::None => 0,
            super::GpuRequest::Share(m) => m,
            super::GpuRequest::Whole(_) => super::GPU_MILLI,
        };
        for &g in gpus {
            if let Some(free) = self.gpu.get_mut(g as usize) {
                *free += per_gpu;
            }
        }
    }
}

/// Places the unplaced pods of `assignment` it can, in `order`, each
/// either directly (the state changed since it was tried) or by moving one
/// or two pods off a node to other nodes. Returns how many it placed.
pub(super) fn repair(
    placer: &ClusterPlacer,
    c: &Compiled<'_>,
    order: &[usize],
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
) -> usize {
    let mut on_node: Vec<Vec<usize>> = vec![Vec::new(); states.len()];
    for (i, a) in assignment.iter().enumerate() {
        if let Some(a) = a {
            on_node[a.node].push(i);
        }
    }
    let empty: Vec<NodeState> = c.cluster.nodes.iter().map(NodeState::empty).collect();
    let swaps = SwapIndex::new(c, assignment);
    let mut placed = 0;
    // Demands that failed since the last success need not be tried again.
    let mut failed: Vec<(u64, u64, super::GpuRequest, Option<&[u16]>)> = Vec::new();
    for &p in order {
        if assignment[p].is_some() {
            continue;
        }
        let d = c.demand(p);
        let key = (d.cpu, d.memory, d.gpu, d.models);
        if failed.contains(&key) {
            continue;
        }
        if let Some(j) = placer.choose(c, &d, states, None) {
            let gpus = states[j].take(&d);
            assignment[p] = Some(PodPlacement { node: j, gpus });
            on_node[j].push(p);
            placed += 1;
            failed.clear();
            continue;
        }
        let freed = placer.packs_shares()
            && (free_cpu_for(placer, c, p, states, assignment, &mut on_node)
                || swap_for(c, p, &swaps, states, assignment, &mut on_node));
        if freed || eject(placer, c, p, &empty, states, assignment, &mut on_node) {
            placed += 1;
            failed.clear();
        } else {
            failed.push(key);
        }
    }
    placed
}

/// Tries to make room for pod `p` on some node by moving one or two of its
/// pods to other nodes; applies the first chain that works.
fn eject(
    placer: &ClusterPlacer,
    c: &Compiled<'_>,
    p: usize,
    empty: &[NodeState],
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
    on_node: &mut [Vec<usize>],
) -> bool {
    let d = c.demand(p);
    let mut tries = 0;
    for j in 0..states.len() {
        if on_node[j].is_empty() || empty[j].check(&d, c.node_model[j]).is_err() {
            continue;
        }
        let pods = on_node[j].clone();
        let singles = pods.iter().map(|&q| vec![q]);
        let pairs = pods
            .iter()
            .enumerate()
            .flat_map(|(a, &q)| pods[a + 1..].iter().map(move |&r| vec![q, r]));
        for moved in singles.chain(pairs) {
            let mut trial = states[j].clone();
            for &q in &moved {
                if let Some(a) = &assignment[q] {
                    trial.give_back(&c.demand(q), &a.gpus);
                }
            }
            if trial.check(&d, c.node_model[j]).is_err() {
                continue;
            }
            tries += 1;
            if tries > MAX_EJECTIONS {
                return false;
            }
            if relocate(placer, c, p, j, &moved, trial, states, assignment, on_node) {
                return true;
            }
        }
    }
    false
}

/// Makes room for pod `p` on a node where only CPU or memory is short (its
/// GPUs already have room for `p`) by moving one pod of the node elsewhere,
/// pods without GPUs first, then shares, then whole-GPU pods. After share
/// packing the GPU capacity left free often sits on nodes whose CPU
/// ran out, and the generic [`eject`] spends its budget on nodes where `p`
/// needs the GPU of the pod it moves, which then fits nowhere.
fn free_cpu_for(
    placer: &ClusterPlacer,
    c: &Compiled<'_>,
    p: usize,
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
    on_node: &mut [Vec<usize>],
) -> bool {
    let d = c.demand(p);
    let mut tries = 0;
    for j in 0..states.len() {
        let mut roomy = states[j].clone();
        roomy.cpu = u64::MAX;
        roomy.memory = u64::MAX;
        if on_node[j].is_empty() || roomy.check(&d, c.node_model[j]).is_err() {
            continue;
        }
        let mut pods = on_node[j].clone();
        pods.sort_by_key(|&q| {
            (
                c.cluster.pods[q].gpu.milli() >= u64::from(super::GPU_MILLI),
                c.cluster.pods[q].gpu.milli(),
                q,
            )
        });
        for q in pods {
            let mut trial = states[j].clone();
            if let Some(a) = &assignment[q] {
                trial.give_back(&c.demand(q), &a.gpus);
            }
            if trial.check(&d, c.node_model[j]).is_err() {
                continue;
            }
            tries += 1;
            if tries > MAX_EJECTIONS {
                return false;
            }
            if relocate(placer, c, p, j, &[q], trial, states, assignment, on_node) {
                return true;
            }
        }
    }
    false
}

/// Puts `p` on node `j` (whose state without `moved` is `trial`) and each
/// pod of `moved` on another node the policy chooses; undoes everything if
/// some pod of `moved` fits nowhere else.
#[allow(clippy::too_many_arguments)] // one step of the repair's state
fn relocate(
    placer: &ClusterPlacer,
    c: &Compiled<'_>,
    p: usize,
    j: usize,
    moved: &[usize],
    mut trial: NodeState,
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
    on_node: &mut [Vec<usize>],
) -> bool {
    let saved_j = states[j].clone();
    let p_gpus = trial.take(&c.demand(p));
    states[j] = trial;
    let mut undo: Vec<(usize, NodeState)> = Vec::new();
    let mut homes: Vec<PodPlacement> = Vec::new();
    for &q in moved {
        let dq = c.demand(q);
        let Some(k) = placer.choose(c, &dq, states, Some(j)) else {
            for (k, s) in undo.into_iter().rev() {
                states[k] = s;
            }
            states[j] = saved_j;
            return false;
        };
        undo.push((k, states[k].clone()));
        let gpus = states[k].take(&dq);
        homes.push(PodPlacement { node: k, gpus });
    }
    for (&q, home) in moved.iter().zip(homes) {
        on_node[j].retain(|&x| x != q);
        on_node[home.node].push(q);
        assignment[q] = Some(home);
    }
    on_node[j].push(p);
    assignment[p] = Some(PodPlacement {
        node: j,
        gpus: p_gpus,
    });
    true
}
