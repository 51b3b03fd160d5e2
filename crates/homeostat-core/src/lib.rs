#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
mod faults;
mod frame;
mod labels;
mod series;
mod time;

pub use error::{Error, Result};
pub use faults::{Fault, FaultKind, FaultLabels, Scope};
pub use frame::{Frame, Quality};
pub use labels::{IntoSeriesKey, Labels, SeriesKey};
pub use series::{Duplicates, Order, Series, SeriesBuilder};
pub use time::{Duration, Timestamp, UnixUnit};
