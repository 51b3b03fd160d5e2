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

    /// The state with `pods` (placed on this node) taken off it.
    pub(super) fn without(
        &self,
        c: &Compiled<'_>,
        assignment: &[Option<PodPlacement>],
        pods: &[usize],
    ) -> Self {
        let mut state = self.clone();
        for &q in pods {
            if let Some(a) = &assignment[q] {
                state.give_back(&c.demand(q), &a.gpus);
            }
        }
        state
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
            && (make_room(
                placer,
                c,
                p,
                Moves::FreeCpu,
                states,
                assignment,
                &mut on_node,
            ) || swap_for(c, p, &swaps, states, assignment, &mut on_node));
        let eject = Moves::Eject(&empty);
        if freed || make_room(placer, c, p, eject, states, assignment, &mut on_node) {
            placed += 1;
            failed.clear();
        } else {
            failed.push(key);
        }
    }
    placed
}

/// Which sets of a node's pods [`make_room`] tries to move off it.
#[derive(Clone, Copy)]
enum Moves<'a> {
    /// One pod at a time, pods without GPUs first, then shares, then
    /// whole-GPU pods, on a node whose GPUs already have room for the
    /// unplaced pod: only CPU or memory is short. After share packing the
    /// GPU capacity left free often sits on nodes whose CPU ran out, and
    /// the generic ejections spend the budget on nodes where the pod needs
    /// the GPU of the pod it moves, which then fits nowhere.
    FreeCpu,
    /// The generic ejection chains: every pod of the node, then every
    /// pair, on a node that could take the unplaced pod when empty (each
    /// node's empty state given).
    Eject(&'a [NodeState]),
}

impl Moves<'_> {
    /// The sets to try for demand `d` on node `j`, whose state is `state`
    /// and whose pods are `pods`, in order.
    fn candidates(
        self,
        c: &Compiled<'_>,
        d: &Demand<'_>,
        j: usize,
        state: &NodeState,
        pods: &[usize],
    ) -> Vec<Vec<usize>> {
        match self {
            Moves::FreeCpu => {
                if !state.gpu_room_for(d, c.node_model[j]) {
                    return Vec::new();
                }
                let mut pods = pods.to_vec();
                pods.sort_by_key(|&q| {
                    let milli = c.cluster.pods[q].gpu.milli();
                    (milli >= u64::from(super::GPU_MILLI), milli, q)
                });
                pods.into_iter().map(|q| vec![q]).collect()
            }
            Moves::Eject(empty) => {
                if empty[j].check(d, c.node_model[j]).is_err() {
                    return Vec::new();
                }
                let singles = pods.iter().map(|&q| vec![q]);
                let pairs = pods
                    .iter()
                    .enumerate()
                    .flat_map(|(a, &q)| pods[a + 1..].iter().map(move |&r| vec![q, r]));
                singles.chain(pairs).collect()
            }
        }
    }
}

/// Makes room for pod `p` by moving pods off one node: for each node with
/// pods, in index order, the sets of its pods `moves` offers, in their
/// order; the first set whose removal lets `p` fit and whose pods all find
/// other homes is applied. Gives up after
/// [`MAX_EJECTIONS`] sets that would let `p` fit.
fn make_room(
    placer: &ClusterPlacer,
    c: &Compiled<'_>,
    p: usize,
    moves: Moves<'_>,
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
    on_node: &mut [Vec<usize>],
) -> bool {
    let d = c.demand(p);
    let mut tries = 0;
    for j in 0..states.len() {
        if on_node[j].is_empty() {
            continue;
        }
        for moved in moves.candidates(c, &d, j, &states[j], &on_node[j]) {
            let trial = states[j].without(c, assignment, &moved);
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
