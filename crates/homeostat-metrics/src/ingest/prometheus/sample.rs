//! The two text formats and the sample they carry.

use std::fmt;

use homeostat_core::{Labels, SeriesKey, Timestamp};

use crate::error::Result;

/// Which text format an input is in.
///
/// The two differ in the unit of sample timestamps (integer milliseconds in
/// the Prometheus text format 0.0.4, float seconds in OpenMetrics), in
/// whether `# EOF` ends the input (OpenMetrics requires it) and in the
/// `format` named by parse errors.
///
/// ```
/// use homeostat_metrics::ingest::prometheus::Format;
/// assert_eq!(Format::PrometheusText.name(), "prometheus text");
/// assert_eq!(Format::OpenMetrics.name(), "openmetrics");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text exposition format, version 0.0.4
    /// (`text/plain; version=0.0.4`).
    #[default]
    PrometheusText,
    /// OpenMetrics text, version 1.0 (`application/openmetrics-text`).
    OpenMetrics,
}

impl Format {
    /// The name used as `format` in [`Error::Parse`](crate::Error::Parse).
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::Format;
    /// assert_eq!(Format::default().name(), "prometheus text");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::PrometheusText => "prometheus text",
            Format::OpenMetrics => "openmetrics",
        }
    }

    /// The format announced by an HTTP `Content-Type` header:
    /// `application/openmetrics-text` is OpenMetrics, anything else the
    /// Prometheus text format.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::Format;
    /// let om = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /// assert_eq!(Format::from_content_type(om), Format::OpenMetrics);
    /// assert_eq!(Format::from_content_type("text/plain; version=0.0.4"), Format::PrometheusText);
    /// ```
    pub fn from_content_type(content_type: &str) -> Format {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/openmetrics-text") {
            Format::OpenMetrics
        } else {
            Format::PrometheusText
        }
    }
}

/// One sample line: `name{label="value",...} value [timestamp]`.
///
/// `name` is the sample's own name (`http_requests_total`,
/// `latency_seconds_bucket`), not its family's; see
/// [`Metadata::family_of`](super::Metadata::family_of). `value` may be NaN
/// or ±infinity exactly as exposed. `timestamp` is `None` when the line has
/// none (the usual case: the scraper's time applies).
///
/// `Display` writes the sample as one line of the Prometheus text format
/// (timestamp in milliseconds), which parses back to an equal sample.
///
/// ```
/// use homeostat_core::{Labels, Timestamp};
/// use homeostat_metrics::ingest::prometheus::Sample;
///
/// let sample = Sample {
///     name: "http_requests_total".into(),
///     labels: Labels::from_pairs([("code", "200")])?,
///     value: 1027.0,
///     timestamp: Some(Timestamp::from_millis(1395066363000)),
/// };
/// assert_eq!(sample.to_string(), r#"http_requests_total{code="200"} 1027 1395066363000"#);
/// assert_eq!(sample.key()?.to_string(), r#"http_requests_total{code="200"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample name, `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    pub name: String,
    /// The labels, without the name.
    pub labels: Labels,
    /// The value, possibly NaN or ±infinity.
    pub value: f64,
    /// The sample's own timestamp, if the line carries one.
    pub timestamp: Option<Timestamp>,
}

impl Sample {
    /// The key of the series this sample belongs to: its name and labels.
    ///
    /// Fails only for a sample built by hand with an invalid name.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::parse_str;
    /// let parsed = parse_str("up 1\n", Default::default())?;
    /// assert_eq!(parsed.samples[0].key()?.to_string(), "up");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self) -> Result<SeriesKey> {
        Ok(SeriesKey::new(self.name.as_str())?.with_labels(self.labels.clone()))
    }
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} ", self.name, self.labels)?;
        write_value(f, self.value)?;
        if let Some(t) = self.timestamp {
            write!(f, " {}", t.as_millis())?;
        }
        Ok(())
    }
}

/// A value as the text formats write it: `NaN`, `+Inf`, `-Inf` or the
/// shortest decimal that reads back to the same `f64`.
pub(super) fn write_value(f: &mut impl fmt::Write, value: f64) -> fmt::Result {
    if value.is_nan() {
        f.write_str("NaN")
    } else if value == f64::INFINITY {
        f.write_str("+Inf")
    } else if value == f64::NEG_INFINITY {
        f.write_str("-Inf")
    } else {
        write!(f, "{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_special_values_like_prometheus() {
        let mut out = String::new();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.5, -0.0] {
            write_value(&mut out, v).unwrap();
            out.push(' ');
        }
        assert_eq!(out, "NaN +Inf -Inf 0.5 -0 ");
    }

    #[test]
    fn content_types_pick_the_format() {
        assert_eq!(
            Format::from_content_type("Application/OpenMetrics-Text"),
            Format::OpenMetrics
        );
        assert_eq!(Format::from_content_type(""), Format::PrometheusText);
    }
}
