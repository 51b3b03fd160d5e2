//! GPU fragmentation as defined by the openb paper ("Beware of
//! Fragmentation", USENIX ATC'23, section 4).
//!
//! For a node `n` and a pod class `m`, the fragment `F_n(m)` is the node's
//! unallocated GPU capacity that `m` cannot use:
//! - if `m` cannot run on `n` at all now (GPU model, CPU, memory or GPUs
//!   short), all of the node's unallocated GPU capacity;
//! - otherwise the unallocated capacity of the GPUs whose free share is
//!   below what `m` needs of one GPU (its share, or a whole GPU).
//!
//! A node's fragmentation is `F_n = sum_m p_m F_n(m)` with `p_m` the share
//! of class `m` in the typical workload — here the pods being placed,
//! grouped by identical requests — and the cluster's is the sum over all
//! nodes, used or not.

use std::collections::HashMap;

use super::place::{Compiled, NodeState};
use super::{GPU_MILLI, GpuRequest};

/// Pods with identical requests, and their share of all pods.
pub(super) struct TaskClass {
    cpu: u64,
    memory: u64,
    gpu: GpuRequest,
    models: Option<Vec<u16>>,
    weight: f64,
}

/// CPU, memory, GPU request and allowed models.
type ClassKey<'a> = (u64, u64, GpuRequest, Option<&'a [u16]>);

/// The pod mix of the cluster, as classes of identical requests.
pub(super) fn task_classes(c: &Compiled<'_>) -> Vec<TaskClass> {
    let mut counts: HashMap<ClassKey<'_>, usize> = HashMap::new();
    let n = c.cluster.pods.len();
    for i in 0..n {
        let d = c.demand(i);
        *counts
            .entry((d.cpu, d.memory, d.gpu, d.models))
            .or_default() += 1;
    }
    let mut classes: Vec<TaskClass> = counts
        .into_iter()
        .map(|((cpu, memory, gpu, models), count)| TaskClass {
            cpu,
            memory,
            gpu,
            models: models.map(<[u16]>::to_vec),
            weight: count as f64 / n as f64,
        })
        .collect();
    // A fixed order keeps the floating-point sum the same on every run.
    classes.sort_by(|a, b| {
        (a.cpu, a.memory, a.gpu.milli(), &a.models).cmp(&(
            b.cpu,
            b.memory,
            b.gpu.milli(),
            &b.models,
        ))
    });
    classes
}

/// `F_n` of one node in thousandths of a GPU.
pub(super) fn node_fragmentation(
    state: &NodeState,
    model: Option<u16>,
    classes: &[TaskClass],
) -> f64 {
    let free = state.gpu_free();
    if free == 0 {
        return 0.0;
    }
    classes
        .iter()
        .map(|class| {
            let demand = super::place::Demand {
                cpu: class.cpu,
                memory: class.memory,
                gpu: class.gpu,
                models: class.models.as_deref(),
            };
            let fragment = if state.check(&demand, model).is_err() {
                free
            } else {
                let need = match class.gpu {
                    GpuRequest::None => 0,
                    GpuRequest::Share(m) => m,
                    GpuRequest::Whole(_) => GPU_MILLI,
                };
                state
                    .gpu
                    .iter()
                    .filter(|&&f| f < need)
                    .map(|&f| u64::from(f))
                    .sum()
            };
            class.weight * fragment as f64
        })
        .sum()
}
