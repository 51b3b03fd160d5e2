#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;

pub use error::{Error, Position, Result};
