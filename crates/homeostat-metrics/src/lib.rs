#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod clean;
mod error;
pub mod ingest;
mod transform;

pub use error::{Error, Position, Result};
pub use transform::Transform;
