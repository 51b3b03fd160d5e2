//! Metric families: what `# TYPE`, `# HELP` and `# UNIT` say, and which
//! family a sample belongs to.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The type of a metric family, from a `# TYPE` line.
///
/// ```
/// use homeostat_metrics::ingest::prometheus::MetricType;
/// assert_eq!(MetricType::from_name("untyped"), Some(MetricType::Unknown));
/// assert_eq!(MetricType::Histogram.to_string(), "histogram");
/// assert_eq!(MetricType::from_name("banana"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MetricType {
    /// A monotonic counter (samples `name` in 0.0.4, `name_total` in OpenMetrics).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Cumulative buckets (`_bucket` with `le`), `_sum`, `_count`.
    Histogram,
    /// An OpenMetrics histogram of a gauge (`_bucket`, `_gsum`, `_gcount`).
    GaugeHistogram,
    /// Quantiles (`quantile` label), `_sum`, `_count`.
    Summary,
    /// OpenMetrics info: constant 1 with labels (`name_info`).
    Info,
    /// OpenMetrics state set: one sample per state, 1 for the active ones.
    StateSet,
    /// No `# TYPE` line, `untyped` (0.0.4) or `unknown` (OpenMetrics).
    #[default]
    Unknown,
}

impl MetricType {
    /// The type named on a `# TYPE` line; `untyped` and `unknown` are both
    /// [`MetricType::Unknown`]. Names are lower case, as the formats write them.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::MetricType;
    /// assert_eq!(MetricType::from_name("gaugehistogram"), Some(MetricType::GaugeHistogram));
    /// ```
    pub fn from_name(name: &str) -> Option<MetricType> {
        Some(match name {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "untyped" | "unknown" => MetricType::Unknown,
            _ => return None,
        })
    }

    /// The name as OpenMetrics writes it (`unknown` for [`MetricType::Unknown`]).
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::MetricType;
    /// assert_eq!(MetricType::Unknown.as_str(), "unknown");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
        }
    }

    /// The suffixes that a sample of a family of this type may add to the
    /// family name (besides the bare name itself).
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::MetricType;
    /// assert_eq!(MetricType::Counter.sample_suffixes(), ["_total", "_created"]);
    /// assert!(MetricType::Gauge.sample_suffixes().is_empty());
    /// ```
    pub fn sample_suffixes(self) -> &'static [&'static str] {
        match self {
            MetricType::Counter => &["_total", "_created"],
            MetricType::Histogram => &["_bucket", "_count", "_sum", "_created"],
            MetricType::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
            MetricType::Summary => &["_count", "_sum", "_created"],
            MetricType::Info => &["_info"],
            MetricType::Gauge | MetricType::StateSet | MetricType::Unknown => &[],
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the metadata lines say about one metric family.
///
/// ```
/// use homeostat_metrics::ingest::prometheus::{parse_str, MetricType};
/// let text = "# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n";
/// let parsed = parse_str(text, Default::default())?;
/// let family = parsed.metadata.get("up").ok_or("no family")?;
/// assert_eq!(family.metric_type, MetricType::Gauge);
/// assert_eq!(family.help.as_deref(), Some("Whether the target is up."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Family {
    /// The family name, as on the `# TYPE` line.
    pub name: String,
    /// Its type ([`MetricType::Unknown`] without a `# TYPE` line).
    pub metric_type: MetricType,
    /// The `# HELP` text, unescaped.
    pub help: Option<String>,
    /// The OpenMetrics `# UNIT`.
    pub unit: Option<String>,
}

/// The metric families declared by metadata lines, by name.
///
/// It grows with the number of families, not of samples, so a streaming
/// parser can keep it.
///
/// ```
/// use homeostat_metrics::ingest::prometheus::{parse_str, MetricType};
/// let text = "# TYPE rpc_seconds summary\nrpc_seconds{quantile=\"0.5\"} 0.2\nrpc_seconds_count 7\n";
/// let parsed = parse_str(text, Default::default())?;
/// assert_eq!(parsed.metadata.type_of("rpc_seconds_count"), MetricType::Summary);
/// assert_eq!(parsed.metadata.type_of("other"), MetricType::Unknown);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    families: BTreeMap<String, Family>,
    typed: BTreeSet<String>,
}

impl Metadata {
    /// No families.
    ///
    /// ```
    /// assert!(homeostat_metrics::ingest::prometheus::Metadata::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Metadata::default()
    }

    /// The family named `name` exactly.
    ///
    /// ```
    /// assert!(homeostat_metrics::ingest::prometheus::Metadata::new().get("up").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }

    /// The family a sample named `sample_name` belongs to: the family of that
    /// exact name, or else the family whose name is `sample_name` without a
    /// suffix its type allows ([`MetricType::sample_suffixes`]): histogram
    /// `_bucket`/`_sum`/`_count`, counter `_total`, `_created`, ...
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{parse_str, Format};
    /// let text = "# TYPE rpc histogram\nrpc_bucket{le=\"+Inf\"} 3\nrpc_sum 1.5\nrpc_count 3\n# EOF\n";
    /// let parsed = parse_str(text, Format::OpenMetrics)?;
    /// for sample in &parsed.samples {
    ///     assert_eq!(parsed.metadata.family_of(&sample.name).map(|f| f.name.as_str()), Some("rpc"));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn family_of(&self, sample_name: &str) -> Option<&Family> {
        if let Some(family) = self.families.get(sample_name) {
            return Some(family);
        }
        const SUFFIXES: [&str; 8] = [
            "_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info",
        ];
        SUFFIXES.iter().find_map(|suffix| {
            let family = self.families.get(sample_name.strip_suffix(suffix)?)?;
            family
                .metric_type
                .sample_suffixes()
                .contains(suffix)
                .then_some(family)
        })
    }

    /// The type of the family a sample belongs to, [`MetricType::Unknown`]
    /// when it belongs to none.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{Metadata, MetricType};
    /// assert_eq!(Metadata::new().type_of("up"), MetricType::Unknown);
    /// ```
    pub fn type_of(&self, sample_name: &str) -> MetricType {
        self.family_of(sample_name)
            .map_or(MetricType::Unknown, |family| family.metric_type)
    }

    /// The families in name order.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::parse_str;
    /// let parsed = parse_str("# TYPE b gauge\n# TYPE a gauge\n", Default::default())?;
    /// let names: Vec<&str> = parsed.metadata.iter().map(|f| f.name.as_str()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &Family> + '_ {
        self.families.values()
    }

    /// Number of families.
    ///
    /// ```
    /// assert_eq!(homeostat_metrics::ingest::prometheus::Metadata::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.families.len()
    }

    /// Whether no family is declared.
    ///
    /// ```
    /// assert!(homeostat_metrics::ingest::prometheus::Metadata::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// Adds what `other` declares, overriding what is here (a later scrape
    /// has the newer help text).
    pub(super) fn merge(&mut self, other: Metadata) {
        self.families.extend(other.families);
        self.typed.extend(other.typed);
    }

    fn entry(&mut self, name: &str) -> &mut Family {
        self.families
            .entry(name.to_owned())
            .or_insert_with(|| Family {
                name: name.to_owned(),
                ..Family::default()
            })
    }

    /// Records a `# TYPE` line; `false` if the family already had one.
    pub(super) fn set_type(&mut self, name: &str, metric_type: MetricType) -> bool {
        if !self.typed.insert(name.to_owned()) {
            return false;
        }
        self.entry(name).metric_type = metric_type;
        true
    }

    /// Records a `# HELP` line.
    pub(super) fn set_help(&mut self, name: &str, help: String) {
        self.entry(name).help = Some(help);
    }

    /// Records a `# UNIT` line.
    pub(super) fn set_unit(&mut self, name: &str, unit: String) {
        self.entry(name).unit = Some(unit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_must_fit_the_type() {
        let mut m = Metadata::new();
        m.set_type("a", MetricType::Gauge);
        m.set_type("c", MetricType::Counter);
        assert!(m.family_of("a_total").is_none());
        assert_eq!(m.type_of("c_total"), MetricType::Counter);
        assert_eq!(m.type_of("c_created"), MetricType::Counter);
        assert_eq!(m.type_of("c_bucket"), MetricType::Unknown);
        assert!(!m.set_type("c", MetricType::Gauge), "second TYPE line");
    }

    #[test]
    fn every_type_name_round_trips() {
        for t in [
            MetricType::Counter,
            MetricType::Gauge,
            MetricType::Histogram,
            MetricType::GaugeHistogram,
            MetricType::Summary,
            MetricType::Info,
            MetricType::StateSet,
            MetricType::Unknown,
        ] {
            assert_eq!(MetricType::from_name(t.as_str()), Some(t));
        }
    }
}
