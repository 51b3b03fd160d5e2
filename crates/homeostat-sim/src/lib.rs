#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod distributions;
mod error;
pub mod queueing;
pub mod requests;
pub mod rng;

pub use distributions::ServiceTime;
pub use error::{Error, Result};
