#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod allocator;
mod bound;
pub mod capacity;
pub mod cluster;
pub mod error;
mod exact;
mod explain;
pub mod fair;
pub mod gap;
mod greedy;
mod improve;
#[cfg(feature = "highs")]
mod mip;
mod model;
mod plan;
mod state;

pub use allocator::Allocator;
pub use error::{Error, Result};
pub use exact::{Exact, ExactBackend, ExactParams};
pub use greedy::{Greedy, GreedyParams, Policy};
pub use model::{Node, Objective, Problem, Weights, Workload};
pub use plan::{NodeReport, Plan, Unplaced};
