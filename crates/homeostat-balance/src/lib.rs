#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod backend;
mod balancer;
mod clock;
mod error;
mod hash;
mod health;
mod pick;
mod select;
mod sync;

pub use backend::{BackendId, BackendStatus};
pub use balancer::{Balancer, BalancerParams, ValidBalancerParams};
pub use clock::{Clock, ManualClock, MonotonicClock, TscClock};
pub use error::{Error, Result};
pub use health::{FailurePercentageDetector, OutlierDetection, SlowStart, SuccessRateDetector};
pub use pick::{Outcome, Pick, Request};
pub use select::{LoadSignal, Strategy};
