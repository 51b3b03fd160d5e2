//! Reading metrics from CSV, one record at a time, in three layouts:
//!
//! - **long**: `timestamp,metric,value[,label=value...]`, one point per row,
//!   any number of series ([`read_long`] → `Vec<Series>`);
//! - **wide**: `timestamp,m1,m2,...` with a header naming the columns, one
//!   row per timestamp ([`read_wide`] → [`Frame`]); this is what
//!   `homeostat simulate` writes;
//! - **NAB**: `timestamp,value` with that header, one series per file, as in
//!   the Numenta Anomaly Benchmark ([`read_nab`] → [`Series`]).
//!
//! The `read_*` functions collect a whole input. For inputs larger than
//! memory, or to process rows as they arrive, [`LongRows`] yields long-form
//! samples one at a time and [`WideRows`] yields wide rows one at a time or
//! as frames of a bounded number of rows ([`WideRows::frames`]); long
//! samples come in chunks too ([`LongRows::chunks`]). Both read the input
//! only as far as the rows handed out (plus the CSV reader's fixed buffer),
//! so memory is independent of the input's length.
//!
//! Timestamps are anything [`Timestamp::parse`] accepts. Fields are trimmed
//! of surrounding spaces. An empty value cell, or the text `NaN`, is a
//! missing value (NaN); `inf` and `-inf` are rejected. Every error is an
//! [`Error::Parse`] whose [`Position`] gives the line, the column and the
//! byte where the offending field starts and whose message quotes the
//! offending text. Columns and bytes of fields after a quoted field may be
//! off by the quotes, which the reader strips.

mod points;
mod record;
mod series_key;
mod stream;

pub use stream::{LongChunks, LongRows, LongSample, WideFrames, WideRows};

use std::collections::{BTreeMap, HashSet};
use std::io::Read;

use homeostat_core::{
    Duplicates, Frame, IntoSeriesKey, Labels, Order, Series, SeriesKey, Timestamp,
};
use serde::{Deserialize, Serialize};

use self::points::{Points, Rows};
use self::record::{Record, Records};
use crate::error::{Error, Position, Result};

const FORMAT: &str = "csv";

/// How to handle rows out of time order and repeated timestamps, for every
/// reader of this module. The defaults are strict: rows must be in time
/// order and a timestamp may not repeat within a series.
///
/// ```
/// use homeostat_core::{Duplicates, Order};
/// use homeostat_metrics::ingest::csv::CsvOptions;
///
/// let lenient = CsvOptions::new().order(Order::Sort).duplicates(Duplicates::KeepLast);
/// assert_eq!(lenient.duplicates, Duplicates::KeepLast);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CsvOptions {
    /// What to do with rows whose timestamp goes back in time (default:
    /// [`Order::RequireSorted`], an error at the offending line).
    pub order: Order,
    /// What to do with a timestamp that repeats within a series (default:
    /// [`Duplicates::Reject`]).
    pub duplicates: Duplicates,
}

impl CsvOptions {
    /// The strict defaults.
    ///
    /// ```
    /// use homeostat_metrics::ingest::csv::CsvOptions;
    /// assert_eq!(CsvOptions::new(), CsvOptions::default());
    /// ```
    pub fn new() -> Self {
        CsvOptions::default()
    }

    /// Sets the ordering policy.
    ///
    /// ```
    /// use homeostat_core::Order;
    /// use homeostat_metrics::ingest::csv::CsvOptions;
    /// assert_eq!(CsvOptions::new().order(Order::Sort).order, Order::Sort);
    /// ```
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Sets the duplicate policy.
    ///
    /// ```
    /// use homeostat_core::Duplicates;
    /// use homeostat_metrics::ingest::csv::CsvOptions;
    /// assert_eq!(CsvOptions::new().duplicates(Duplicates::Mean).duplicates, Duplicates::Mean);
    /// ```
    pub fn duplicates(mut self, duplicates: Duplicates) -> Self {
        self.duplicates = duplicates;
        self
    }
}

/// Parses the display form of a series key, `name` or
/// `name{label="value",...}` (Prometheus escaping in values), as written in
/// the header of a wide CSV. Errors give the byte of the problem in `text`.
///
/// ```
/// use homeostat_metrics::ingest::csv::parse_series_key;
///
/// let key = parse_series_key(r#"cpu_usage{node="n1"}"#)?;
/// assert_eq!(key.name(), "cpu_usage");
/// assert_eq!(key.labels().get("node"), Some("n1"));
/// assert!(parse_series_key(r#"cpu_usage{node=n1}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_series_key(text: &str) -> Result<SeriesKey> {
    series_key::parse(text).map_err(|(byte, message)| Error::Parse {
        format: "series key",
        position: Position {
            line: 0,
            column: 0,
            byte: byte as u64,
        },
        message,
    })
}

/// Reads long-form CSV, `timestamp,metric,value[,label=value...]`, into one
/// series per distinct metric and label set, ordered by key.
///
/// The header is optional: the first row is taken as a header when its
/// first field is not a timestamp and its third field (if any) is not a
/// number, so a first data row with a mistyped timestamp is still reported.
/// Extra fields after the value are labels written `name=value`. `options`
/// decides what out-of-order rows and repeated timestamps (within one
/// series) do.
///
/// ```
/// use homeostat_core::{Duplicates, Order};
/// use homeostat_metrics::ingest::csv::{read_long, CsvOptions};
///
/// let text = "timestamp,metric,value\n\
///             2024-01-01 00:00:10,cpu,0.5,node=n1\n\
///             2024-01-01 00:00:00,cpu,0.4,node=n1\n\
///             2024-01-01 00:00:00,mem,7\n";
/// let series = read_long(text.as_bytes(), CsvOptions::new().order(Order::Sort))?;
/// assert_eq!(series.len(), 2);
/// assert_eq!(series[0].key().to_string(), r#"cpu{node="n1"}"#);
/// assert_eq!(series[0].values(), &[0.4, 0.5]);
///
/// let err = read_long(text.as_bytes(), CsvOptions::new()).unwrap_err();
/// assert!(err.to_string().contains("line 3"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_long(reader: impl Read, options: CsvOptions) -> Result<Vec<Series>> {
    let mut records = Records::new(reader);
    let mut series: BTreeMap<SeriesKey, Points> = BTreeMap::new();
    let mut first = true;
    while let Some(record) = records.next_record()? {
        if std::mem::take(&mut first) && is_long_header(&record)? {
            continue;
        }
        let (t, key, value) = parse_long_record(&record)?;
        let points = series.entry(key).or_default();
        points.push(t, value, &record, options)?;
    }
    series
        .into_iter()
        .map(|(key, points)| points.into_series(key, options))
        .collect()
}

/// The timestamp, key and value of one long-form record.
fn parse_long_record(record: &Record) -> Result<(Timestamp, SeriesKey, f64)> {
    if record.len() < 3 {
        return Err(record.error(
            record.len(),
            format!(
                "expected at least 3 fields (timestamp,metric,value), found {}",
                record.len()
            ),
        ));
    }
    let t = record.timestamp(0)?;
    let mut labels = Labels::new();
    for i in 3..record.len() {
        let text = record.field(i)?;
        let Some((name, value)) = text.split_once('=') else {
            return Err(record.error(i, format!("label {text:?} is not written name=value")));
        };
        labels
            .insert(name.trim(), value.trim())
            .map_err(|e| record.error(i, e.to_string()))?;
    }
    let key = SeriesKey::new(record.field(1)?)
        .map_err(|e| record.error(1, e.to_string()))?
        .with_labels(labels);
    let value = record.value(2)?;
    Ok((t, key, value))
}

/// Whether the first record of a long-form input is a header.
fn is_long_header(record: &Record) -> Result<bool> {
    let value_is_number = record.len() > 2 && record.field(2)?.parse::<f64>().is_ok();
    Ok(Timestamp::parse(record.field(0)?).is_err() && !value_is_number)
}

/// Reads NAB-style CSV, header `timestamp,value`, into one series named
/// `key` (for example the file stem).
///
/// ```
/// use homeostat_metrics::ingest::csv::{read_nab, CsvOptions};
///
/// let text = "timestamp,value\n2014-03-07 03:41:00,45.868\n2014-03-07 03:46:00,\n";
/// let series = read_nab(text.as_bytes(), "ec2_request_latency", CsvOptions::new())?;
/// assert_eq!(series.len(), 2);
/// assert!(series.values()[1].is_nan());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_nab(reader: impl Read, key: impl IntoSeriesKey, options: CsvOptions) -> Result<Series> {
    let key = key.into_series_key()?;
    let mut records = Records::new(reader);
    let Some(header) = records.next_record()? else {
        return Err(records.eof_error("empty input: expected the header timestamp,value"));
    };
    let names: Vec<&str> = (0..header.len())
        .map(|i| header.field(i))
        .collect::<Result<_>>()?;
    if names.len() != 2
        || !names[0].eq_ignore_ascii_case("timestamp")
        || !names[1].eq_ignore_ascii_case("value")
    {
        return Err(header.error(
            0,
            format!(
                "expected the header timestamp,value, found {:?}",
                names.join(",")
            ),
        ));
    }
    let mut points = Points::default();
    while let Some(record) = records.next_record()? {
        record.expect_len(2)?;
        let t = record.timestamp(0)?;
        let value = record.value(1)?;
        points.push(t, value, &record, options)?;
    }
    points.into_series(key, options)
}

/// Reads wide CSV, `timestamp,m1,m2,...`, into a [`Frame`].
///
/// The header is required: its first field names the timestamp column (any
/// text) and the others are series keys, plain names or
/// `name{label="value",...}` as [`Frame`] column keys are displayed. An
/// empty cell is a missing value. Rows out of time order or with a repeated
/// timestamp are handled by `options`, a whole row at a time
/// ([`Duplicates::KeepLast`] keeps the last row, [`Duplicates::Mean`]
/// averages each column's non-missing values).
///
/// ```
/// use homeostat_metrics::ingest::csv::{read_wide, CsvOptions};
///
/// let text = "timestamp,\"cpu{node=\"\"n1\"\"}\",mem\n0,0.5,\n60,0.7,12\n";
/// let frame = read_wide(text.as_bytes(), CsvOptions::new())?;
/// assert_eq!(frame.shape(), (2, 2));
/// assert_eq!(frame.columns()[0].labels().get("node"), Some("n1"));
/// assert_eq!(frame.value(1, r#"cpu{node="n1"}"#), Some(0.7));
/// assert!(frame.value(0, "mem").is_some_and(f64::is_nan));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_wide(reader: impl Read, options: CsvOptions) -> Result<Frame> {
    let mut records = Records::new(reader);
    let Some(header) = records.next_record()? else {
        return Err(records.eof_error("empty input: a header timestamp,name,... is required"));
    };
    let keys = parse_wide_header(&header)?;
    let width = header.len();
    let mut rows = Rows::default();
    let mut row = Vec::with_capacity(width.saturating_sub(1));
    while let Some(record) = records.next_record()? {
        let t = parse_wide_row(&record, width, &mut row)?;
        rows.push(t, &row, &record, options)?;
    }
    rows.into_frame(keys, options)
}

/// The column keys named by a wide CSV's header.
fn parse_wide_header(header: &Record) -> Result<Vec<SeriesKey>> {
    let first = header.field(0)?;
    if Timestamp::parse(first).is_ok() {
        return Err(header.error(
            0,
            format!("expected a header row, found the timestamp {first:?}"),
        ));
    }
    let mut keys: Vec<SeriesKey> = Vec::with_capacity(header.len().saturating_sub(1));
    let mut seen = HashSet::with_capacity(keys.capacity());
    for i in 1..header.len() {
        let key = series_key::parse(header.field(i)?).map_err(|(byte, message)| {
            header.error_at(
                i,
                header.leading_space(i) + byte,
                format!("bad column key {:?}: {message}", header.text(i)),
            )
        })?;
        if !seen.insert(key.clone()) {
            return Err(header.error(i, format!("column {key} appears twice")));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// Reads one wide row of `width` fields: returns its timestamp and leaves
/// its values in `row`.
fn parse_wide_row(record: &Record, width: usize, row: &mut Vec<f64>) -> Result<Timestamp> {
    record.expect_len(width)?;
    let t = record.timestamp(0)?;
    row.clear();
    for i in 1..width {
        row.push(record.value(i)?);
    }
    Ok(t)
}

#[cfg(test)]
mod tests;
