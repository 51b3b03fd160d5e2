//! Trailing-window features for fault prediction, in batch over a [`Frame`]
//! and streaming one row at a time, with the same columns in the same order.
//!
//! [`Frame`]: homeostat_core::Frame

mod batch;
mod columnwise;
mod config;
mod durations;
mod queue;
mod streaming;
mod window;

pub use config::{Feature, MAX_HISTORY, WindowFeatures};
pub use streaming::StreamingWindowFeatures;
