//! Packing the shared-GPU pods into GPU-sized groups before placement.
//!
//! Placed one by one, a pod asking 0.81 GPU lands on a GPU whose other 0.19
//! only a pod of at most 0.19 can use, and such a pod may already sit
//! elsewhere. On a trace whose pods ask 98 % of the GPUs that waste decides
//! how many pods fit. Grouping first lets complementary shares (0.81 +
//! 0.16, 0.65 + 0.35, 0.55 + 0.22 + 0.23) meet on one GPU: each group is
//! then placed as one unit on one GPU.
//!
//! The grouping is the minimum-bin-slack heuristic of bin packing: open a
//! group with the largest share left, then fill its rest with the subset
//! of the remaining shares that leaves the least slack (a bounded subset
//! sum over the distinct share sizes, at most 1000 states). Pods group only
//! with pods of the same GPU-model constraint, so a group may go wherever
//! each of its pods may.

use std::collections::{BTreeMap, VecDeque};

use super::place::{ClusterPlacer, Compiled, Demand, NodeState, PodPlacement};
use super::{GPU_MILLI, GpuRequest};

impl NodeState {
    /// Allocates a shared-GPU pod's demand on GPU `g`, which has room.
    fn take_share_on(&mut self, d: &Demand<'_>, g: u32) {
        self.cpu -= d.cpu;
        self.memory -= d.memory;
        self.pods += 1;
        if let Some(free) = self.gpu.get_mut(g as usize) {
            *free -= u32::try_from(d.gpu.milli()).unwrap_or(0);
        }
    }
}

/// Places whole-GPU and CPU-only pods alone and the shared-GPU pods in the
/// groups of [`pack_shares`], each group on one GPU of the node the policy
/// chooses for the group's summed demand, all units in the order of
/// [`Compiled::order`]; then tries the pods of groups that fitted nowhere
/// one by one, in `order`.
pub(super) fn place_grouped(
    placer: &ClusterPlacer,
    c: &Compiled<'_>,
    order: &[usize],
    states: &mut [NodeState],
    assignment: &mut [Option<PodPlacement>],
) {
    let mut units: Vec<Vec<usize>> = (0..c.cluster.pods.len())
        .filter(|&i| !matches!(c.cluster.pods[i].gpu, GpuRequest::Share(_)))
        .map(|i| vec![i])
        .collect();
    units.extend(pack_shares(c));
    let demands: Vec<Demand<'_>> = units.iter().map(|u| group_demand(c, u)).collect();
    for u in c.order(&demands) {
        let d = &demands[u];
        let Some(j) = placer.choose(c, d, states, None) else {
            continue;
        };
        if let [i] = units[u][..] {
            let gpus = states[j].take(&c.demand(i));
            assignment[i] = Some(PodPlacement { node: j, gpus });
            continue;
        }
        // The tightest GPU with room for the whole group, as `take` does
        // for one share.
        let need = u32::try_from(d.gpu.milli()).unwrap_or(GPU_MILLI);
        let state = &mut states[j];
        let Some(g) = (0..state.gpu.len())
            .filter(|&g| state.gpu[g] >= need)
            .min_by_key(|&g| (state.gpu[g], g))
        else {
            continue;
        };
        for &i in &units[u] {
            state.take_share_on(&c.demand(i), g as u32);
            assignment[i] = Some(PodPlacement {
                node: j,
                gpus: vec![g as u32],
            });
        }
    }
    for &i in order {
        if assignment[i].is_none() {
            let d = c.demand(i);
            if let Some(j) = placer.choose(c, &d, states, None) {
                let gpus = states[j].take(&d);
                assignment[i] = Some(PodPlacement { node: j, gpus });
            }
        }
    }
}

/// The summed demand of a unit; a group of shares asks for its total share
/// of one GPU.
fn group_demand<'c>(c: &'c Compiled<'_>, unit: &[usize]) -> Demand<'c> {
    let first = c.demand(unit[0]);
    if unit.len() == 1 {
        return first;
    }
    let total: u64 = unit.iter().map(|&i| c.cluster.pods[i].gpu.milli()).sum();
    Demand {
        cpu: unit.iter().map(|&i| c.cluster.pods[i].cpu_milli).sum(),
        memory: unit.iter().map(|&i| c.cluster.pods[i].memory_mib).sum(),
        gpu: GpuRequest::Share(u32::try_from(total).unwrap_or(GPU_MILLI)),
        models: first.models,
    }
}

/// Groups of pod indices: every shared-GPU pod of the cluster in exactly
/// one group, each group's shares summing to at most one GPU, all pods of
/// a group with the same allowed models. Deterministic: the same cluster
/// gives the same groups.
pub(super) fn pack_shares(c: &Compiled<'_>) -> Vec<Vec<usize>> {
    // Pods by model constraint, then by share (largest first), each queue
    // in input order.
    let mut buckets: BTreeMap<Option<&[u16]>, BTreeMap<u32, VecDeque<usize>>> = BTreeMap::new();
    for i in 0..c.cluster.pods.len() {
        if let GpuRequest::Share(m) = c.cluster.pods[i].gpu {
            buckets
                .entry(c.pod_models[i].as_deref())
                .or_default()
                .entry(m)
                .or_default()
                .push_back(i);
        }
    }
    let mut groups = Vec::new();
    for by_size in buckets.into_values() {
        let mut sizes: Vec<(u32, VecDeque<usize>)> = by_size.into_iter().rev().collect();
        while let Some(k) = sizes.iter().position(|(_, q)| !q.is_empty()) {
            let room = GPU_MILLI - sizes[k].0;
            let mut group: Vec<usize> = sizes[k].1.pop_front().into_iter().collect();
            for s in fill(&sizes, room) {
                group.extend(sizes[s].1.pop_front());
            }
            groups.push(group);
        }
    }
    groups
}

/// Indices into `sizes` (repeated for several pods of one size) of the
/// remaining shares that fill `room` most closely without exceeding it.
fn fill(sizes: &[(u32, VecDeque<usize>)], room: u32) -> Vec<usize> {
    let room = room as usize;
    // `last[r]`: the size whose addition first reached sum `r`.
    let mut last: Vec<Option<usize>> = vec![None; room + 1];
    let mut reached = vec![false; room + 1];
    reached[0] = true;
    let mut best = 0;
    for (s, (size, queue)) in sizes.iter().enumerate() {
        let size = *size as usize;
        if size > room || queue.is_empty() {
            continue;
        }
        // One pass per copy of the size, a 0/1 subset sum each: a sum
        // first reached in copy t uses at most t + 1 copies.
        for _ in 0..queue.len().min(room / size) {
            let mut grew = false;
            for r in (size..=room).rev() {
                if !reached[r] && reached[r - size] {
                    reached[r] = true;
                    last[r] = Some(s);
                    best = best.max(r);
                    grew = true;
                }
            }
            if !grew || best == room {
                break;
            }
        }
        if best == room {
            break;
        }
    }
    let mut chosen = Vec::new();
    let mut r = best;
    while let Some(s) = last[r] {
        chosen.push(s);
        r -= sizes[s].0 as usize;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::super::{Cluster, ClusterNode, ClusterPod};
    use super::*;

    #[test]
    fn groups_cover_every_share_once_within_one_gpu_and_one_constraint() {
        let node = ClusterNode {
            name: "n".into(),
            cpu_milli: 64_000,
            memory_mib: 65_536,
            gpus: 4,
            gpu_model: Some("T4".into()),
        };
        let shares = [810, 160, 470, 470, 650, 350, 550, 220, 230, 300, 600, 1000];
        let pods: Vec<ClusterPod> = shares
            .iter()
            .enumerate()
            .map(|(i, &m)| ClusterPod {
                name: format!("p{i}"),
                cpu_milli: 1000,
                memory_mib: 1024,
                gpu: if m == GPU_MILLI {
                    GpuRequest::Whole(1)
                } else {
                    GpuRequest::Share(m)
                },
                // The last two shares may only meet each other.
                gpu_models: if i >= 9 {
                    vec!["T4".into()]
                } else {
                    Vec::new()
                },
            })
            .collect();
        let cluster = Cluster::new(vec![node], pods).unwrap_or_else(|e| panic!("{e}"));
        let c = Compiled::new(&cluster);
        let groups = pack_shares(&c);
        let mut seen: Vec<usize> = groups.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..11).collect::<Vec<_>>(),
            "the whole-GPU pod is not grouped"
        );
        for g in &groups {
            let total: u64 = g.iter().map(|&i| cluster.pods()[i].gpu.milli()).sum();
            assert!(total <= u64::from(GPU_MILLI), "{g:?}");
            assert!(g.iter().all(|&i| c.pod_models[i] == c.pod_models[g[0]]));
        }
        // 810+160, 650+350, 550+220+230, 470+470 and the constrained
        // 600+300: five GPUs, the fewest 4.81 GPUs of shares need.
        assert_eq!(groups.len(), 5);
        assert_eq!(pack_shares(&c), groups, "deterministic");
    }

    fn sizes(list: &[(u32, usize)]) -> Vec<(u32, VecDeque<usize>)> {
        list.iter()
            .map(|&(m, n)| (m, (0..n).collect::<VecDeque<_>>()))
            .collect()
    }

    #[test]
    fn fill_finds_the_closest_sum_within_the_counts() {
        // 190 = 140 + 50 beats 160; only one 50 is left.
        let s = sizes(&[(160, 3), (140, 1), (50, 1)]);
        let mut got = fill(&s, 190);
        got.sort_unstable();
        assert_eq!(got, vec![1, 2]);
        // 450 = 230 + 220; 3 × 160 = 480 would overflow.
        let s = sizes(&[(230, 1), (220, 1), (160, 3)]);
        let total: u32 = fill(&s, 450).iter().map(|&k| s[k].0).sum();
        assert_eq!(total, 450);
        // Two copies of one size are used only if two pods are left.
        let s = sizes(&[(300, 1)]);
        assert_eq!(fill(&s, 700), vec![0]);
        assert!(fill(&s, 200).is_empty());
    }
}
