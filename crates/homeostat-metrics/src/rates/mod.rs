//! PromQL range functions (`rate`, `increase`, `delta`, `irate`, `idelta`,
//! `deriv`) evaluated over a series on an output grid, as a Prometheus range
//! query evaluates `rate(x[5m])`.
//!
//! At each grid point `t` the function sees the samples in the left-open
//! lookback window `(t - range, t]` (Prometheus 3 semantics) and follows
//! Prometheus' `extrapolatedRate`, `instantValue` and `linearRegression`
//! (promql/functions.go).
//!
//! Deliberate differences from Prometheus:
//!
//! - A NaN sample means "missing" here and is dropped before evaluation, as
//!   if it had not been scraped. Prometheus has no missing values: it writes
//!   a stale marker (a special NaN) that ends the series, and an ordinary NaN
//!   is a real value that propagates into the result.
//! - A result that overflows to ±infinity is reported as NaN (missing),
//!   because a [`Series`](homeostat_core::Series) holds no infinities.
//! - `deriv` centres the times before the least-squares fit instead of using
//!   Kahan-compensated raw sums, so results can differ in the last bits.
//! - There is no `offset` or `@` modifier, no `anchored` / `smoothed`
//!   range selector, no reset detection from OpenTelemetry start
//!   timestamps, no native histogram support and no annotation (warning)
//!   output; a range query's 11 000-point limit is replaced by
//!   [`MAX_GRID_LEN`].
//! - Result keys keep the metric name inside the function call
//!   (`rate(x[5m])`) where Prometheus drops the name; see
//!   [`RangeFunction::output_key`].

mod function;
mod transform;
mod window;

pub use crate::grid::{Grid, MAX_GRID_LEN};
pub use function::RangeFunction;
pub use transform::Rate;

#[cfg(test)]
mod tests;
