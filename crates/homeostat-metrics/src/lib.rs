#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod clean;
pub mod denoise;
mod error;
mod features;
mod grid;
pub mod ingest;
mod pipeline;
pub mod rates;
mod scale;
mod stats;
mod supervised;
mod transform;

pub use error::{Error, Position, Result};
pub use features::{Feature, MAX_HISTORY, StreamingWindowFeatures, WindowFeatures};
pub use grid::{Grid, MAX_GRID_LEN};
pub use pipeline::{Pipeline, Step};
pub use scale::{ColumnScaling, MinMaxScaler, RobustScaler, StandardScaler};
pub use supervised::{InsideFaults, Supervised, TimeSplit};
pub use transform::Transform;
