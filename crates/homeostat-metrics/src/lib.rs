#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod denoise;
mod error;
/// Readers of metric exports: CSV (long, wide and NAB), the Prometheus
/// text format, OpenMetrics and Prometheus HTTP API JSON.
pub mod ingest;
pub mod rates;
mod supervised;
mod transform;

pub use error::{Error, Position, Result};
pub use supervised::{InsideFaults, Supervised, TimeSplit};
pub use transform::Transform;
