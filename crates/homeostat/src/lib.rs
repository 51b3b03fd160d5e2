#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// The shared vocabulary: timestamps, durations, series, frames and fault labels.
pub use homeostat_core as core;

/// Operational metrics: ingest, clean, rates, denoise, scale, window
/// features (feature `metrics`).
#[cfg(feature = "metrics")]
pub use homeostat_metrics as metrics;

/// The deterministic cluster simulator (feature `sim`).
#[cfg(feature = "sim")]
pub use homeostat_sim as sim;

/// Fault prediction, forecasts and anomaly detectors (feature `predict`).
#[cfg(feature = "predict")]
pub use homeostat_predict as predict;

/// Resource allocation: placement heuristics, exact integer programs,
/// bounds and the generalised assignment problem (feature `alloc`).
#[cfg(feature = "alloc")]
pub use homeostat_alloc as alloc;
/// Load balancing: strategies, load signals, outlier ejection (feature
/// `balance`).
#[cfg(feature = "balance")]
pub use homeostat_balance as balance;
/// Adaptive concurrency limits, PID control, parameter search and
/// state-space models (feature `tune`).
#[cfg(feature = "tune")]
pub use homeostat_tune as tune;

/// The code blocks of the workspace README, compiled and run as doctests so
/// the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct WorkspaceReadme;

/// The metrics guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "metrics"))]
#[doc = include_str!("../../../docs/metrics.md")]
pub struct MetricsGuide;

/// The simulator guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "sim"))]
#[doc = include_str!("../../../docs/sim.md")]
pub struct SimGuide;

/// The prediction guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "predict", feature = "sim"))]
#[doc = include_str!("../../../docs/predict.md")]
pub struct PredictGuide;
/// The forecasting and detection guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "predict"))]
#[doc = include_str!("../../../docs/forecast.md")]
pub struct ForecastGuide;
/// The allocation guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "alloc"))]
#[doc = include_str!("../../../docs/alloc.md")]
pub struct AllocGuide;
/// The load-balancing guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "balance"))]
#[doc = include_str!("../../../docs/balance.md")]
pub struct BalanceGuide;
/// The tuning guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "tune"))]
#[doc = include_str!("../../../docs/tune.md")]
pub struct TuneGuide;
