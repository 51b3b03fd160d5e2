//! Feedback tuning for services: adaptive concurrency limits, PID control,
//! parameter search that settles and freezes, and state-space models
//! identified from data.
//!
//! - [`control`]: the [`control::Controller`] trait every controller
//!   implements, and the one safety [`control::Envelope`] (minimum,
//!   maximum, largest step, cooldown) enforced on every decision.
//! - [`limit`]: concurrency limits that learn from each request's latency
//!   and outcome ([`limit::Aimd`], [`limit::Vegas`], [`limit::Gradient2`],
//!   and [`limit::AdaptiveLimit`]), behind one [`limit::LimitAlgorithm`]
//!   trait, with a [`limit::Limiter`] handing out permits.
//! - [`pid`]: a PID controller with anti-windup, derivative on measurement
//!   and clamped output.
//! - [`search`]: golden-section search for a noisy knob that freezes once
//!   its objective is stable and re-opens on drift.
//! - [`bandit`]: UCB1 and seeded Thompson sampling over a few discrete
//!   settings with a noisy reward, and [`bandit::Solidified`], which
//!   freezes either on its best arm and re-opens on drift.
//! - [`solidify`]: the freeze-when-stable, re-open-on-drift logic the
//!   search and the bandits share.
//! - [`state_space`]: `x(t+1) = A x(t) + B u(t)` identified by least
//!   squares, with fit quality, k-step prediction and one-step control.
//!
//! Every parameter set is a builder checked into a valid value: bad input
//! (NaN, negative, min above max) is a typed [`Error`], never a panic.
//!
//! ```
//! use homeostat_tune::limit::{Gradient2, LimitAlgorithm, Sample};
//! let mut limit = Gradient2::params().check()?;
//! let new_limit = limit.on_sample(&Sample::ok(0.0, 0.020, 20));
//! assert!(new_limit >= 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod bandit;
pub mod control;
mod error;
pub mod limit;
pub mod pid;
pub mod search;
pub mod solidify;
pub mod state_space;

pub use error::{Error, Result};
