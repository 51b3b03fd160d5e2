//! GPU cluster placement in the format of Alibaba's openb trace (USENIX
//! ATC'23, "Beware of Fragmentation"): nodes with CPU, memory and whole
//! GPUs of one model; pods asking for CPU, memory and either no GPU, a
//! share of one GPU, or whole GPUs, optionally restricted to GPU models.
//!
//! Unlike the generic [`Problem`](crate::Problem), a node's GPUs are kept
//! apart: a pod asking for 0.3 GPU goes onto *one* GPU with 0.3 left, and a
//! pod asking for two GPUs needs two GPUs that nobody shares. That is what
//! makes GPU capacity fragment, and what [`ClusterPlan::gpu_fragmentation`]
//! measures.
//!
//! ```
//! use homeostat_alloc::cluster::{Cluster, ClusterPlacer};
//! let nodes = "sn,cpu_milli,memory_mib,gpu,model\n\
//!              n0,32000,131072,2,T4\n\
//!              n1,16000,65536,0,\n";
//! let pods = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n\
//!             a,4000,8192,1,500,T4\n\
//!             b,4000,8192,1,500,\n\
//!             c,8000,16384,1,1000,\n\
//!             d,2000,4096,0,0,\n";
//! let cluster = Cluster::parse(nodes, "nodes.csv", pods, "pods.csv")?;
//! let plan = ClusterPlacer::params().check()?.place(&cluster);
//! assert_eq!(plan.placed, 4);
//! assert_eq!(plan.nodes_used, 1); // a and b share one T4, c takes the other
//! assert_eq!(plan.lower_bound, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod csv;
mod fragmentation;
mod place;
mod repair;
mod share_bound;
mod shares;
mod swap;

use std::collections::HashSet;

use crate::error::{Error, Result};

pub use place::{ClusterPlacer, ClusterPlacerParams, ClusterPlan, PodPlacement};

/// One GPU, in thousandths of a GPU (the trace's `gpu_milli` unit).
pub const GPU_MILLI: u32 = 1000;

/// What a pod asks of a node's GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum GpuRequest {
    /// No GPU.
    None,
    /// A share of one GPU, in thousandths (1 to 999).
    Share(u32),
    /// This many whole GPUs, shared with nobody (at least 1).
    Whole(u32),
}

impl GpuRequest {
    /// Total GPU asked for, in thousandths of a GPU.
    pub fn milli(self) -> u64 {
        match self {
            GpuRequest::None => 0,
            GpuRequest::Share(m) => u64::from(m),
            GpuRequest::Whole(n) => u64::from(n) * u64::from(GPU_MILLI),
        }
    }
}

/// A machine of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClusterNode {
    /// Unique name (`sn` in the trace).
    pub name: String,
    /// CPU in thousandths of a core.
    pub cpu_milli: u64,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// Number of GPUs.
    pub gpus: u32,
    /// GPU model (`T4`, `V100M32`, ...), `None` for a node without GPUs.
    pub gpu_model: Option<String>,
}

/// A pod to place.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClusterPod {
    /// Unique name.
    pub name: String,
    /// CPU in thousandths of a core.
    pub cpu_milli: u64,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// GPU request.
    pub gpu: GpuRequest,
    /// GPU models the pod may run on (the trace's `gpu_spec`, split on
    /// `|`); empty means any node.
    pub gpu_models: Vec<String>,
}

/// Nodes and pods, checked: at least one of each, unique names, valid GPU
/// requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Cluster {
    nodes: Vec<ClusterNode>,
    pods: Vec<ClusterPod>,
}

impl Cluster {
    /// Checks and wraps nodes and pods.
    ///
    /// # Errors
    /// [`Error::Empty`] without nodes or pods, [`Error::DuplicateName`],
    /// [`Error::InvalidParameter`] for a GPU share outside 1–999 or zero
    /// whole GPUs.
    pub fn new(nodes: Vec<ClusterNode>, pods: Vec<ClusterPod>) -> Result<Self> {
        if nodes.is_empty() {
            return Err(Error::Empty { what: "nodes" });
        }
        if pods.is_empty() {
            return Err(Error::Empty { what: "pods" });
        }
        let mut seen = HashSet::new();
        for name in nodes.iter().map(|n| &n.name) {
            if !seen.insert(name.as_str()) {
                return Err(Error::DuplicateName(name.clone()));
            }
        }
        let mut seen = HashSet::new();
        for pod in &pods {
            if !seen.insert(pod.name.as_str()) {
                return Err(Error::DuplicateName(pod.name.clone()));
            }
            let bad = match pod.gpu {
                GpuRequest::Share(m) => !(1..GPU_MILLI).contains(&m),
                GpuRequest::Whole(n) => n == 0,
                GpuRequest::None => false,
            };
            if bad {
                return Err(Error::InvalidParameter {
                    name: "gpu",
                    reason: format!(
                        "pod {:?} asks for {:?}: a share is 1 to 999 thousandths, whole GPUs at least 1",
                        pod.name, pod.gpu
                    ),
                });
            }
        }
        Ok(Self { nodes, pods })
    }

    /// The nodes.
    pub fn nodes(&self) -> &[ClusterNode] {
        &self.nodes
    }

    /// The pods.
    pub fn pods(&self) -> &[ClusterPod] {
        &self.pods
    }
}
