#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
/// Readers of metric exports: the Prometheus text format, OpenMetrics and Prometheus HTTP API JSON.
pub mod ingest;
mod transform;

pub use error::{Error, Position, Result};
pub use transform::Transform;
