//! A swap for the repair phase: make room for an unplaced pod on a node
//! whose GPUs have room but whose CPU or memory ran out, by exchanging one
//! of the node's pods with a pod of the same GPU request and less CPU and
//! memory from another node.
//!
//! After share packing, the GPUs left free sit on nodes with few cores per
//! GPU, filled by whole-GPU pods of ten cores, while nodes with many cores
//! per GPU run pods of three: moving a single pod cannot help (no other
//! node has a free GPU for it), exchanging two can.

use std::collections::HashMap;

use super::GpuRequest;
use super::place::{Compiled, NodeState, PodPlacement};

/// Exchange candidates examined per unplaced pod.
const MAX_SWAPS: usize = 4000;

/// Placed pods by GPU request and allowed models, least CPU first: the
/// candidates a pod of that request may be exchanged with.
pub(super) struct SwapIndex(HashMap<(GpuRequest, Option<Vec<u16>>), Vec<usize>>);

impl SwapIndex {
    pub(super) fn new(c: &Compiled<'_>, assignment: &[Option<PodPlacement>]) -> Self {
        let mut by_request: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, a) in assignment.iter().enumerate() {
            if a.is_some() {
                let key = (c.cluster.pods[i].gpu, c.pod_models[i].clone());
                by_request.entry(key).or_default().push(i);
            }
        }
        for pods in by_request.values_mut() {
            pods.sort_by_key(|&i| (c.cluster.pods[i].cpu_milli, i));
        }
        Self(by_request)
    }
}

/// Places pod `p` on a node `a` where only CPU or memory is short by
/// moving a pod `x` of `a` to the node of a pod `z` with the same request
/// and `z` to `a`. Applies the first exchange that fits; returns whether
/// it found one. Nodes, pods on them and candidates go in index and CPU
/// order, so the result is deterministic.
pub(super) fn swap_for(
    c: &Compiled<'_>,
    p: usize,
    index: &SwapIndex,
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
    on_node: &mut [Vec<usize>],
) -> bool {
    let d = c.demand(p);
    let mut tries = 0;
    for a in 0..states.len() {
        if !states[a].gpu_room_for(&d, c.node_model[a])
            || states[a].check(&d, c.node_model[a]).is_ok()
        {
            continue;
        }
        for &x in &on_node[a] {
            let dx = c.demand(x);
            if assignment[x].is_none() {
                continue;
            }
            let without_x = states[a].without(c, assignment, &[x]);
            let key = (dx.gpu, c.pod_models[x].clone());
            for &z in index.0.get(&key).map_or(&[][..], Vec::as_slice) {
                let dz = c.demand(z);
                if dz.cpu + d.cpu > without_x.cpu {
                    break; // candidates only grow in CPU
                }
                tries += 1;
                if tries > MAX_SWAPS {
                    return false;
                }
                let Some(pz) = &assignment[z] else { continue };
                let b = pz.node;
                if b == a || without_x.check(&dz, c.node_model[a]).is_err() {
                    continue;
                }
                let mut new_a = without_x.clone();
                let z_gpus = new_a.take(&dz);
                if new_a.check(&d, c.node_model[a]).is_err() {
                    continue;
                }
                let mut new_b = states[b].clone();
                new_b.give_back(&dz, &pz.gpus);
                if new_b.check(&dx, c.node_model[b]).is_err() {
                    continue;
                }
                let x_gpus = new_b.take(&dx);
                let p_gpus = new_a.take(&d);
                states[a] = new_a;
                states[b] = new_b;
                on_node[a].retain(|&q| q != x);
                on_node[b].retain(|&q| q != z);
                on_node[a].extend([z, p]);
                on_node[b].push(x);
                assignment[x] = Some(PodPlacement {
                    node: b,
                    gpus: x_gpus,
                });
                assignment[z] = Some(PodPlacement {
                    node: a,
                    gpus: z_gpus,
                });
                assignment[p] = Some(PodPlacement {
                    node: a,
                    gpus: p_gpus,
                });
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::{Cluster, ClusterNode, ClusterPod};
    use super::*;

    fn node(name: &str, cpu_milli: u64, gpus: u32) -> ClusterNode {
        ClusterNode {
            name: name.into(),
            cpu_milli,
            memory_mib: 65_536,
            gpus,
            gpu_model: Some("T4".into()),
        }
    }

    fn pod(name: &str, cpu_milli: u64, gpu: GpuRequest) -> ClusterPod {
        ClusterPod {
            name: name.into(),
            cpu_milli,
            memory_mib: 1024,
            gpu,
            gpu_models: Vec::new(),
        }
    }

    #[test]
    fn a_cpu_heavy_pod_changes_places_with_a_light_one_of_the_same_request() {
        // a: 4 cores, 2 GPUs, x (3.5 cores, one GPU) on it: a GPU free but
        // 0.5 core left. b: one GPU, taken by z (1 core). p (1 core, 0.81
        // GPU) fits neither until x and z change places.
        let cluster = Cluster::new(
            vec![node("a", 4000, 2), node("b", 32_000, 1)],
            vec![
                pod("x", 3500, GpuRequest::Whole(1)),
                pod("z", 1000, GpuRequest::Whole(1)),
                pod("p", 1000, GpuRequest::Share(810)),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = Compiled::new(&cluster);
        let mut states: Vec<NodeState> = cluster.nodes().iter().map(NodeState::empty).collect();
        let mut assignment = vec![None; 3];
        for (i, j) in [(0, 0), (1, 1)] {
            let gpus = states[j].take(&c.demand(i));
            assignment[i] = Some(PodPlacement { node: j, gpus });
        }
        let mut on_node = vec![vec![0], vec![1]];
        let index = SwapIndex::new(&c, &assignment);
        assert!(swap_for(
            &c,
            2,
            &index,
            &mut states,
            &mut assignment,
            &mut on_node
        ));
        let node_of = |i: usize| assignment[i].as_ref().map(|a| a.node);
        assert_eq!(
            [node_of(0), node_of(1), node_of(2)],
            [Some(1), Some(0), Some(0)]
        );
        assert_eq!(states[0].cpu, 2000);
        assert_eq!(states[0].gpu.iter().filter(|&&f| f == 0).count(), 1);
        assert_eq!(states[1].gpu, vec![0]);
        assert_eq!(on_node, vec![vec![1, 2], vec![0]]);
        // Nothing left to exchange for a second such pod.
        let index = SwapIndex::new(&c, &assignment);
        assert!(!swap_for(
            &c,
            2,
            &index,
            &mut states.clone(),
            &mut assignment.clone(),
            &mut on_node.clone()
        ));
    }
}
