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
//! Timestamps are anything [`Timestamp::parse`] accepts. Fields are trimmed
//! of surrounding spaces. An empty value cell, or the text `NaN`, is a
//! missing value (NaN); `inf` and `-inf` are rejected. Every error is an
//! [`Error::Parse`] whose [`Position`] gives the line, the column and the
//! byte where the offending field starts and whose message quotes the
//! offending text. Columns and bytes of fields after a quoted field may be
//! off by the quotes, which the reader strips.

mod series_key;

use std::collections::BTreeMap;
use std::io::Read;

use homeostat_core::{
    Duplicates, Frame, IntoSeriesKey, Labels, Order, Series, SeriesKey, Timestamp,
};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

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
        let points = series.entry(key).or_default();
        points.push(t, value, &record, options)?;
    }
    series
        .into_iter()
        .map(|(key, points)| points.into_series(key, options))
        .collect()
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
    let first = header.field(0)?;
    if Timestamp::parse(first).is_ok() {
        return Err(header.error(
            0,
            format!("expected a header row, found the timestamp {first:?}"),
        ));
    }
    let mut keys: Vec<SeriesKey> = Vec::with_capacity(header.len().saturating_sub(1));
    for i in 1..header.len() {
        let key = series_key::parse(header.field(i)?).map_err(|(byte, message)| {
            header.error_at(
                i,
                byte,
                format!("bad column key {:?}: {message}", header.text(i)),
            )
        })?;
        if keys.contains(&key) {
            return Err(header.error(i, format!("column {key} appears twice")));
        }
        keys.push(key);
    }
    let width = header.len();
    let mut rows = Rows::default();
    let mut row = Vec::with_capacity(width.saturating_sub(1));
    while let Some(record) = records.next_record()? {
        record.expect_len(width)?;
        let t = record.timestamp(0)?;
        row.clear();
        for i in 1..width {
            row.push(record.value(i)?);
        }
        rows.push(t, &row, &record, options)?;
    }
    rows.into_frame(keys, options)
}

/// One record with the position of its first byte.
#[derive(Debug)]
struct Record {
    fields: csv::ByteRecord,
    position: Position,
}

impl Record {
    fn len(&self) -> usize {
        self.fields.len()
    }

    /// The raw bytes of field `i` (empty when there is no such field).
    fn bytes(&self, i: usize) -> &[u8] {
        self.fields.get(i).unwrap_or_default()
    }

    /// Field `i` as lossy text, for messages.
    fn text(&self, i: usize) -> String {
        String::from_utf8_lossy(self.bytes(i)).into_owned()
    }

    /// Field `i`, trimmed; a positioned error when it is not UTF-8.
    fn field(&self, i: usize) -> Result<&str> {
        match std::str::from_utf8(self.bytes(i)) {
            Ok(text) => Ok(text.trim()),
            Err(e) => Err(self.error_at(
                i,
                e.valid_up_to(),
                format!("field {} is not valid UTF-8: {:?}", i + 1, self.text(i)),
            )),
        }
    }

    fn timestamp(&self, i: usize) -> Result<Timestamp> {
        let text = self.field(i)?;
        Timestamp::parse(text).map_err(|e| self.error(i, e.to_string()))
    }

    /// A value: empty or NaN is missing, infinities are rejected.
    fn value(&self, i: usize) -> Result<f64> {
        let text = self.field(i)?;
        if text.is_empty() {
            return Ok(f64::NAN);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_infinite() => Err(self.error(
                i,
                format!(
                    "value {text:?} is infinite; write an empty cell or NaN for a missing value"
                ),
            )),
            Ok(v) => Ok(v),
            Err(_) => Err(self.error(i, format!("value {text:?} is not a number"))),
        }
    }

    fn expect_len(&self, width: usize) -> Result<()> {
        if self.len() == width {
            return Ok(());
        }
        Err(self.error(
            self.len().min(width),
            format!("expected {width} fields, found {}", self.len()),
        ))
    }

    fn error(&self, field: usize, message: String) -> Error {
        self.error_at(field, 0, message)
    }

    /// An error `offset` bytes into field `field` (or just past the last
    /// field when `field` is out of range).
    fn error_at(&self, field: usize, offset: usize, message: String) -> Error {
        let mut column = self.position.column;
        let mut byte = self.position.byte;
        for i in 0..field.min(self.len()) {
            let bytes = self.bytes(i);
            column += String::from_utf8_lossy(bytes).chars().count() as u64 + 1;
            byte += bytes.len() as u64 + 1;
        }
        if field >= self.len() && self.len() > 0 {
            // Just past the last field, not past a delimiter that is not there.
            column -= 1;
            byte -= 1;
        }
        let within = self.bytes(field);
        let prefix = within.get(..offset).unwrap_or(within);
        column += String::from_utf8_lossy(prefix).chars().count() as u64;
        byte += prefix.len() as u64;
        Error::Parse {
            format: FORMAT,
            position: Position {
                line: self.position.line,
                column,
                byte,
            },
            message,
        }
    }
}

/// The CSV reader, one record at a time.
struct Records<R> {
    reader: csv::Reader<R>,
}

impl<R: Read> Records<R> {
    fn new(reader: R) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        Records { reader }
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        let mut fields = csv::ByteRecord::new();
        match self.reader.read_byte_record(&mut fields) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let position = fields
                    .position()
                    .map_or_else(|| to_position(self.reader.position()), to_position);
                Ok(Some(Record { fields, position }))
            }
            Err(e) => Err(from_csv_error(e)),
        }
    }

    fn eof_error(&self, message: &str) -> Error {
        Error::Parse {
            format: FORMAT,
            position: to_position(self.reader.position()),
            message: message.to_owned(),
        }
    }
}

impl<R> std::fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

fn to_position(p: &csv::Position) -> Position {
    Position {
        line: p.line().max(1),
        column: 1,
        byte: p.byte(),
    }
}

fn from_csv_error(e: csv::Error) -> Error {
    let position = e.position().map(to_position).unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        kind => Error::Parse {
            format: FORMAT,
            position,
            message: format!("{kind:?}"),
        },
    }
}

/// The points of one series as they are read, checked against the policy
/// as they arrive so that errors point at the offending line.
#[derive(Debug, Default)]
struct Points {
    timestamps: Vec<Timestamp>,
    values: Vec<f64>,
    /// Where each point was read, kept only when the points are sorted
    /// after reading and duplicates are rejected, to say where a repeat is.
    positions: Vec<Position>,
}

impl Points {
    fn push(
        &mut self,
        t: Timestamp,
        value: f64,
        record: &Record,
        options: CsvOptions,
    ) -> Result<()> {
        if options.order == Order::RequireSorted
            && let Some(&last) = self.timestamps.last()
        {
            check_order(last, t, record, options)?;
        }
        if sorted_later_rejecting_duplicates(options) {
            self.positions.push(record.position);
        }
        self.timestamps.push(t);
        self.values.push(value);
        Ok(())
    }

    fn into_series(self, key: SeriesKey, options: CsvOptions) -> Result<Series> {
        if sorted_later_rejecting_duplicates(options) {
            let mut order: Vec<usize> = (0..self.timestamps.len()).collect();
            order.sort_by_key(|&i| self.timestamps.get(i).copied()); // stable
            for pair in order.windows(2) {
                let (&[a, b], Some(t)) = (pair, self.timestamps.get(pair[1])) else {
                    continue;
                };
                if self.timestamps.get(a) == Some(t) {
                    return Err(Error::Parse {
                        format: FORMAT,
                        position: self.positions.get(b).copied().unwrap_or_default(),
                        message: format!("timestamp {t} repeats for series {key}"),
                    });
                }
            }
        }
        Ok(Series::builder(key)?
            .order(options.order)
            .duplicates(options.duplicates)
            .build(self.timestamps, self.values)?)
    }
}

fn sorted_later_rejecting_duplicates(options: CsvOptions) -> bool {
    options.order == Order::Sort && options.duplicates == Duplicates::Reject
}

/// With sorted input required: `t` may not go back in time, nor repeat when
/// duplicates are rejected.
fn check_order(last: Timestamp, t: Timestamp, record: &Record, options: CsvOptions) -> Result<()> {
    if t < last {
        return Err(record.error(
            0,
            format!("timestamp {t} comes after {last}; rows must be in time order"),
        ));
    }
    if t == last && options.duplicates == Duplicates::Reject {
        return Err(record.error(0, format!("timestamp {t} repeats")));
    }
    Ok(())
}

/// The rows of a wide CSV as they are read.
#[derive(Debug, Default)]
struct Rows {
    index: Vec<Timestamp>,
    lines: Vec<Position>,
    values: Vec<f64>,
}

impl Rows {
    fn push(
        &mut self,
        t: Timestamp,
        row: &[f64],
        record: &Record,
        options: CsvOptions,
    ) -> Result<()> {
        if options.order == Order::RequireSorted
            && let Some(&last) = self.index.last()
        {
            check_order(last, t, record, options)?;
        }
        self.index.push(t);
        self.lines.push(record.position);
        self.values.extend_from_slice(row);
        Ok(())
    }

    fn into_frame(self, keys: Vec<SeriesKey>, options: CsvOptions) -> Result<Frame> {
        let width = keys.len();
        let rows: Vec<&[f64]> = if width == 0 {
            vec![&[]; self.index.len()]
        } else {
            self.values.chunks(width).collect()
        };
        let mut order: Vec<usize> = (0..self.index.len()).collect();
        order.sort_by_key(|&r| self.index.get(r).copied()); // stable
        let mut index = Vec::with_capacity(order.len());
        let mut values = Vec::with_capacity(self.values.len());
        let mut start = 0;
        while let Some(&first) = order.get(start) {
            let t = self.index.get(first).copied().unwrap_or_default();
            let run = order[start..]
                .iter()
                .take_while(|&&r| self.index.get(r) == Some(&t))
                .count();
            let group = &order[start..start + run];
            let row_of = |r: usize| rows.get(r).copied().unwrap_or_default();
            match (options.duplicates, group) {
                (_, [only])
                | (Duplicates::KeepFirst, [only, ..])
                | (Duplicates::KeepLast, [.., only]) => {
                    values.extend_from_slice(row_of(*only));
                }
                (Duplicates::Mean, _) => {
                    for c in 0..width {
                        let (sum, n) = group
                            .iter()
                            .filter_map(|&r| row_of(r).get(c).copied())
                            .filter(|v| !v.is_nan())
                            .fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
                        values.push(if n == 0 { f64::NAN } else { sum / f64::from(n) });
                    }
                }
                (_, [_, second, ..]) => {
                    let position = self.lines.get(*second).copied().unwrap_or_default();
                    return Err(Error::Parse {
                        format: FORMAT,
                        position,
                        message: format!("timestamp {t} repeats"),
                    });
                }
                (_, []) => {}
            }
            index.push(t);
            start += run.max(1);
        }
        let values = Array2::from_shape_vec((index.len(), width), values)
            .map_err(|e| crate::error::invalid("wide csv rows", e.to_string()))?;
        Ok(Frame::new(index, keys, values)?)
    }
}

#[cfg(test)]
mod tests;
