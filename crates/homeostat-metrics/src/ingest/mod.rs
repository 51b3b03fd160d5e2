//! Reading metrics from files and streams: CSV (long, wide and NAB), the
//! Prometheus text format and OpenMetrics, and Prometheus HTTP API JSON.

pub mod csv;
pub mod prometheus;
pub mod promjson;
