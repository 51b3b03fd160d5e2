//! The Prometheus text exposition format (0.0.4) and OpenMetrics text (1.0).
//!
//! [`Parser`] streams [`Sample`]s out of any `BufRead`, one line at a time,
//! and collects the [`Metadata`] of `# TYPE`, `# HELP` and `# UNIT` lines on
//! the way; [`parse_str`] parses a whole string. [`ScrapeCollector`] turns a
//! sequence of scrapes into [`Series`](homeostat_core::Series).
//!
//! What is read:
//!
//! - samples `name{label="value",...} value [timestamp]`, label values with
//!   the `\\`, `\"` and `\n` escapes, values including `NaN`, `+Inf` and
//!   `-Inf` (kept as they are in the [`Sample`]);
//! - timestamps: integer milliseconds in [`Format::PrometheusText`], float
//!   seconds in [`Format::OpenMetrics`], both read into
//!   [`Timestamp`](homeostat_core::Timestamp) milliseconds;
//! - `# HELP`, `# TYPE` (every [`MetricType`], in both formats), and in
//!   OpenMetrics `# UNIT` and `# EOF`, which must end the input;
//! - exemplars after ` # ` (`# {trace_id="a"} 0.5 1520879607.789`), checked
//!   and dropped.
//!
//! Which family a sample belongs to (a histogram's `_bucket`, `_sum` and
//! `_count`, a counter's `_total` and `_created`, ...) is answered by
//! [`Metadata::family_of`] and [`Metadata::type_of`].
//!
//! Malformed input is an [`Error::Parse`](crate::Error::Parse) naming the
//! bad text and its line, column and byte; nothing panics, whatever the bytes.
//!
//! ```
//! use homeostat_metrics::ingest::prometheus::{parse_str, Format, MetricType};
//!
//! let text = r#"# HELP rpc_seconds RPC latency.
//! ## TYPE rpc_seconds histogram
//! rpc_seconds_bucket{le="0.1"} 3 # {trace_id="abc"} 0.05 1520879607.789
//! rpc_seconds_bucket{le="+Inf"} 5
//! rpc_seconds_sum 1.2
//! rpc_seconds_count 5
//! ## EOF
//! "#;
//! let parsed = parse_str(text, Format::OpenMetrics)?;
//! assert_eq!(parsed.samples.len(), 4);
//! assert_eq!(parsed.samples[1].labels.get("le"), Some("+Inf"));
//! let family = parsed.metadata.family_of("rpc_seconds_sum").ok_or("no family")?;
//! assert_eq!((family.name.as_str(), family.metric_type), ("rpc_seconds", MetricType::Histogram));
//!
//! let err = parse_str("rpc_seconds_sum{le=\"0.1} 1\n# EOF\n", Format::OpenMetrics).unwrap_err();
//! assert!(err.to_string().contains("line 1, column 20"), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod collector;
mod cursor;
mod labels;
mod line;
mod metadata;
mod parser;
mod sample;

pub use collector::ScrapeCollector;
pub use metadata::{Family, Metadata, MetricType};
pub use parser::{Exposition, Parser, parse_str};
pub use sample::{Format, Sample};
