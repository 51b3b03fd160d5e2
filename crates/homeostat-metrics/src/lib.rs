#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
mod features;
mod scale;
mod stats;
mod transform;

pub use error::{Error, Position, Result};
pub use features::{Feature, MAX_HISTORY, StreamingWindowFeatures, WindowFeatures};
pub use scale::{ColumnScaling, MinMaxScaler, RobustScaler, StandardScaler};
pub use transform::Transform;
