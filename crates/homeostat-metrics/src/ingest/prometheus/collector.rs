//! Successive scrapes into series.

use std::collections::BTreeMap;
use std::io::BufRead;

use homeostat_core::{Duplicates, Order, Series, SeriesKey, Timestamp};

use super::metadata::Metadata;
use super::parser::Parser;
use super::sample::Format;
use crate::error::Result;

/// Accumulates successive scrapes of one or more targets into one
/// [`Series`] per [`SeriesKey`] (sample name plus labels).
///
/// Rules:
///
/// - a sample without its own timestamp is placed at the scrape time given
///   to [`ScrapeCollector::add_scrape`]; a sample with one keeps it;
/// - a scrape that fails to parse adds nothing (it is parsed completely
///   before any of it is kept);
/// - samples whose value is `+Inf` or `-Inf` are skipped, because a
///   [`Series`] cannot hold infinities, and counted in
///   [`ScrapeCollector::skipped_infinite`]; NaN is kept (it means missing);
/// - when one series gets several values for one timestamp (a repeated
///   scrape time, or an explicit timestamp seen in two scrapes), the value
///   added last wins; points may arrive in any time order.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_metrics::ingest::prometheus::{Format, ScrapeCollector};
///
/// let mut collector = ScrapeCollector::new(Format::PrometheusText);
/// collector.add_str("up{job=\"api\"} 1\nload +Inf\n", Timestamp::from_secs(0))?;
/// collector.add_str("up{job=\"api\"} 0\nload 0.5\n", Timestamp::from_secs(15))?;
/// assert_eq!(collector.skipped_infinite(), 1);
/// let series = collector.into_series()?;
/// assert_eq!(series.len(), 2);
/// assert_eq!(series[1].key().to_string(), r#"up{job="api"}"#);
/// assert_eq!(series[1].values(), &[1.0, 0.0]);
/// assert_eq!(series[0].timestamps(), &[Timestamp::from_secs(15)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScrapeCollector {
    format: Format,
    metadata: Metadata,
    points: BTreeMap<SeriesKey, Vec<(Timestamp, f64)>>,
    scrapes: usize,
    skipped_infinite: usize,
}

impl ScrapeCollector {
    /// An empty collector for scrapes in `format`.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{Format, ScrapeCollector};
    /// assert_eq!(ScrapeCollector::new(Format::OpenMetrics).scrapes(), 0);
    /// ```
    pub fn new(format: Format) -> Self {
        ScrapeCollector {
            format,
            ..ScrapeCollector::default()
        }
    }

    /// Parses one scrape from `reader` and adds its samples, at `scrape_time`
    /// unless they carry a timestamp. Returns the number of points added.
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::{Format, ScrapeCollector};
    /// let mut c = ScrapeCollector::new(Format::PrometheusText);
    /// let added = c.add_scrape(&b"a 1\nb 2 5000\n"[..], Timestamp::from_secs(10))?;
    /// assert_eq!(added, 2);
    /// assert!(c.add_scrape(&b"a 1\nb {\n"[..], Timestamp::from_secs(20)).is_err());
    /// let series = c.into_series()?;
    /// assert_eq!(series[0].len(), 1); // the failed scrape added nothing
    /// assert_eq!(series[1].timestamps(), &[Timestamp::from_secs(5)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scrape(&mut self, reader: impl BufRead, scrape_time: Timestamp) -> Result<usize> {
        let mut parser = Parser::new(reader, self.format);
        let samples = parser.by_ref().collect::<Result<Vec<_>>>()?;
        let mut keyed = Vec::with_capacity(samples.len());
        for sample in samples {
            keyed.push((sample.key()?, sample.timestamp, sample.value));
        }
        self.metadata.merge(parser.into_metadata());
        self.scrapes += 1;
        let mut added = 0;
        for (key, timestamp, value) in keyed {
            if value.is_infinite() {
                self.skipped_infinite += 1;
                continue;
            }
            let t = timestamp.unwrap_or(scrape_time);
            self.points.entry(key).or_default().push((t, value));
            added += 1;
        }
        Ok(added)
    }

    /// [`ScrapeCollector::add_scrape`] on a string.
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::{Format, ScrapeCollector};
    /// let mut c = ScrapeCollector::new(Format::OpenMetrics);
    /// assert_eq!(c.add_str("a 1\n# EOF\n", Timestamp::EPOCH)?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_str(&mut self, text: &str, scrape_time: Timestamp) -> Result<usize> {
        self.add_scrape(text.as_bytes(), scrape_time)
    }

    /// Number of scrapes added successfully.
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::ScrapeCollector;
    /// let mut c = ScrapeCollector::default();
    /// c.add_str("", Timestamp::EPOCH)?;
    /// assert_eq!(c.scrapes(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scrapes(&self) -> usize {
        self.scrapes
    }

    /// Number of samples skipped because their value was `+Inf` or `-Inf`.
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::ScrapeCollector;
    /// let mut c = ScrapeCollector::default();
    /// c.add_str("a -Inf\n", Timestamp::EPOCH)?;
    /// assert_eq!(c.skipped_infinite(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn skipped_infinite(&self) -> usize {
        self.skipped_infinite
    }

    /// Number of distinct series seen so far.
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::ScrapeCollector;
    /// let mut c = ScrapeCollector::default();
    /// c.add_str("a 1\na{x=\"1\"} 2\n", Timestamp::EPOCH)?;
    /// assert_eq!(c.series_count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn series_count(&self) -> usize {
        self.points.len()
    }

    /// The families declared by all scrapes so far (later scrapes win).
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::{MetricType, ScrapeCollector};
    /// let mut c = ScrapeCollector::default();
    /// c.add_str("# TYPE a gauge\na 1\n", Timestamp::EPOCH)?;
    /// assert_eq!(c.metadata().type_of("a"), MetricType::Gauge);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The series, in key order, each sorted by time with one value per
    /// timestamp (the last added).
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_metrics::ingest::prometheus::ScrapeCollector;
    /// let mut c = ScrapeCollector::default();
    /// c.add_str("a 1\n", Timestamp::from_secs(2))?;
    /// c.add_str("a 2\n", Timestamp::from_secs(1))?;
    /// c.add_str("a 3\n", Timestamp::from_secs(2))?;
    /// assert_eq!(c.into_series()?[0].values(), &[2.0, 3.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_series(self) -> Result<Vec<Series>> {
        self.points
            .into_iter()
            .map(|(key, points)| {
                Ok(Series::builder(key)?
                    .order(Order::Sort)
                    .duplicates(Duplicates::KeepLast)
                    .build_from_points(points)?)
            })
            .collect()
    }
}
