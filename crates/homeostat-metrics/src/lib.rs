#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
mod supervised;
mod transform;

pub use error::{Error, Position, Result};
pub use supervised::{InsideFaults, Supervised, TimeSplit};
pub use transform::Transform;
