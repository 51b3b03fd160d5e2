#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod error;

// Forecasts and anomaly detectors
pub mod detect;
pub mod forecast;
pub mod nab;

pub use error::{Error, Result};
