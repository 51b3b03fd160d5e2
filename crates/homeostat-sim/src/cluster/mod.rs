//! Cluster mode: nodes, services and faults over hours or days, observed as
//! metrics at a fixed scrape step, with ground-truth fault labels.

mod engine;
mod faults;
mod metrics;
mod scenarios;
mod spec;
mod workload;

pub use engine::{ClusterRun, RunStats, simulate};
pub use spec::{
    BurstSpec, ClusterSpec, FAULT_KIND_NAMES, FaultEffect, FaultPlan, FaultSpec, NodeGroup,
    RandomFaults, ScrapeSpec, ServiceSpec, Target, WorkloadSpec,
};
