#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod cluster;
mod distributions;
mod error;
pub mod queueing;
pub mod requests;
pub mod rng;
mod scenario;
mod spec_serde;

pub use distributions::ServiceTime;
pub use error::{Error, Result};
pub use scenario::Scenario;
