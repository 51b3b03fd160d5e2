//! Responses of the Prometheus HTTP query API (`/api/v1/query_range` and
//! `/api/v1/query`) as [`Series`].
//!
//! Prometheus, Thanos, Mimir and VictoriaMetrics all answer
//! `{"status":"success","data":{"resultType":"matrix","result":[...]}}`;
//! [`from_slice`] and [`from_reader`] turn such a response into one
//! [`Series`] per result, and [`QueryReader`] does the same with options and
//! a report of what it skipped.
//!
//! Rules:
//!
//! - `resultType` `matrix` (a range query) gives each result its `values`;
//!   `vector` (an instant query) gives each result its one `value`; `scalar`
//!   gives one unlabelled series of one point; `string` is an error;
//! - the `__name__` label becomes the metric name and the other labels the
//!   series labels; a result without `__name__` (the result of `rate(...)` or
//!   `sum by (job) (...)`) is named [`DEFAULT_UNNAMED`], `"value"`, unless
//!   [`QueryReader::unnamed`] says otherwise;
//! - timestamps are float seconds, rounded to the millisecond; values are
//!   strings: `"NaN"` is kept as NaN (missing); `"+Inf"` and `"-Inf"` cannot
//!   live in a [`Series`], so those points are skipped and counted in
//!   [`QueryResult::skipped_infinite`];
//! - series come out in key order; if two results share a key (or two points
//!   of one series round to the same millisecond) the later value wins;
//! - `"status":"error"` is [`Error::QueryFailed`] carrying `errorType` and
//!   `error`; malformed JSON, a bad label name, a bad timestamp or a value
//!   that is not a number are [`Error::Parse`] with `format`
//!   `"prometheus json"` and the line and column where reading stopped.
//!
//! ```
//! use homeostat_core::Timestamp;
//! use homeostat_metrics::ingest::promjson;
//!
//! let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
//!   {"metric":{"__name__":"up","job":"prometheus","instance":"localhost:9090"},
//!    "values":[[1435781430.781,"1"],[1435781445.781,"1"],[1435781460.781,"NaN"]]},
//!   {"metric":{"job":"node"},"values":[[1435781430.781,"0.5"]]}]}}"#;
//! let series = promjson::from_slice(body)?;
//! assert_eq!(series.len(), 2);
//! assert_eq!(series[0].key().to_string(), r#"up{instance="localhost:9090",job="prometheus"}"#);
//! assert_eq!(series[0].timestamps()[0], Timestamp::from_millis(1_435_781_430_781));
//! assert!(series[0].values()[2].is_nan());
//! assert_eq!(series[1].key().to_string(), r#"value{job="node"}"#);
//!
//! let failed = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}"#;
//! let err = promjson::from_slice(failed).unwrap_err();
//! assert!(matches!(err, homeostat_metrics::Error::QueryFailed { ref error_type, .. } if error_type == "bad_data"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::io::Read;

use homeostat_core::{Duplicates, Labels, Order, Series, SeriesKey, Timestamp};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny};

use crate::error::{Error, Position, Result};

/// The `format` named by parse errors from this module.
const FORMAT: &str = "prometheus json";

/// The metric name given to results without a `__name__` label.
pub const DEFAULT_UNNAMED: &str = "value";

/// Reads a query API response from bytes with the default options.
///
/// ```
/// let body = br#"{"status":"success","data":{"resultType":"vector","result":[
///   {"metric":{"__name__":"up","job":"api"},"value":[1435781451.781,"1"]}]}}"#;
/// let series = homeostat_metrics::ingest::promjson::from_slice(body)?;
/// assert_eq!(series[0].values(), &[1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_slice(bytes: &[u8]) -> Result<Vec<Series>> {
    Ok(QueryReader::new().read_slice(bytes)?.series)
}

/// Reads a query API response from a reader with the default options.
///
/// ```
/// let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1435781451.781,"2"]}}"#;
/// let series = homeostat_metrics::ingest::promjson::from_reader(body.as_bytes())?;
/// assert_eq!(series[0].name(), "value");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_reader(reader: impl Read) -> Result<Vec<Series>> {
    Ok(QueryReader::new().read(reader)?.series)
}

/// What a response holds.
///
/// ```
/// use homeostat_metrics::ingest::promjson::QueryReader;
/// let body = br#"{"status":"success","warnings":["partial response"],
///   "data":{"resultType":"vector","result":[{"metric":{"__name__":"x"},"value":[1,"+Inf"]}]}}"#;
/// let result = QueryReader::new().read_slice(body)?;
/// assert_eq!(result.skipped_infinite, 1);
/// assert_eq!(result.warnings, ["partial response"]);
/// assert!(result.series[0].is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryResult {
    /// One series per distinct key, in key order.
    pub series: Vec<Series>,
    /// Points skipped because their value was `+Inf` or `-Inf`.
    pub skipped_infinite: usize,
    /// The response's `warnings`, if any.
    pub warnings: Vec<String>,
}

/// Reads query API responses, with the name to give unnamed results.
///
/// ```
/// use homeostat_metrics::ingest::promjson::QueryReader;
/// let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
///   {"metric":{"job":"api"},"values":[[1,"0.25"],[2,"0.5"]]}]}}"#;
/// let result = QueryReader::new().unnamed("request_rate")?.read_slice(body)?;
/// assert_eq!(result.series[0].key().to_string(), r#"request_rate{job="api"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryReader {
    unnamed: String,
}

impl Default for QueryReader {
    fn default() -> Self {
        QueryReader {
            unnamed: DEFAULT_UNNAMED.to_owned(),
        }
    }
}

impl QueryReader {
    /// A reader naming unnamed results [`DEFAULT_UNNAMED`].
    ///
    /// ```
    /// let reader = homeostat_metrics::ingest::promjson::QueryReader::new();
    /// # let _ = reader;
    /// ```
    pub fn new() -> Self {
        QueryReader::default()
    }

    /// Names results without `__name__` `name`; fails if `name` is not a
    /// valid metric name (empty, or with braces, quotes or control characters).
    ///
    /// ```
    /// use homeostat_metrics::ingest::promjson::QueryReader;
    /// assert!(QueryReader::new().unnamed("").is_err());
    /// ```
    pub fn unnamed(mut self, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        SeriesKey::new(name.as_str())?;
        self.unnamed = name;
        Ok(self)
    }

    /// Reads a response from bytes.
    ///
    /// ```
    /// use homeostat_metrics::{Error, ingest::promjson::QueryReader};
    /// let err = QueryReader::new().read_slice(b"{\"status\":\n\"success\",").unwrap_err();
    /// assert!(matches!(err, Error::Parse { position, .. } if position.line == 2));
    /// ```
    pub fn read_slice(&self, bytes: &[u8]) -> Result<QueryResult> {
        let response: Response =
            serde_json::from_slice(bytes).map_err(|e| parse_error(bytes, &e))?;
        self.convert(response)
    }

    /// Reads a response from a reader (all of it: the API sends one JSON
    /// document per query, so chunk long ranges into several queries).
    ///
    /// ```
    /// use homeostat_metrics::ingest::promjson::QueryReader;
    /// let body = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
    /// assert!(QueryReader::new().read(body.as_bytes())?.series.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(&self, mut reader: impl Read) -> Result<QueryResult> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        self.read_slice(&bytes)
    }

    fn convert(&self, response: Response) -> Result<QueryResult> {
        let data = match response.status.as_str() {
            "success" => response.data,
            "error" => {
                return Err(Error::QueryFailed {
                    error_type: response.error_type.unwrap_or_else(|| "unknown".into()),
                    message: response.error.unwrap_or_default(),
                });
            }
            other => {
                return Err(no_position(format!(
                    "unknown status {other:?}: expected \"success\" or \"error\""
                )));
            }
        };
        let results = match data {
            None => return Err(no_position("a successful response without `data`".into())),
            Some(Data::Matrix(results)) => results,
            Some(Data::Vector(samples)) => samples
                .into_iter()
                .map(|s| RangeResult {
                    metric: s.metric,
                    values: s.value.into_iter().collect(),
                })
                .collect(),
            Some(Data::Scalar(point)) => vec![RangeResult {
                metric: Metric::default(),
                values: vec![point],
            }],
            Some(Data::String(_)) => {
                return Err(no_position("a `string` result holds no series".into()));
            }
        };
        let mut skipped_infinite = 0;
        let mut points: BTreeMap<SeriesKey, Vec<(Timestamp, f64)>> = BTreeMap::new();
        for result in results {
            let name = result.metric.name.unwrap_or_else(|| self.unnamed.clone());
            let key = SeriesKey::new(name)?.with_labels(result.metric.labels);
            let entry = points.entry(key).or_default();
            for Point(t, value) in result.values {
                if value.is_infinite() {
                    skipped_infinite += 1;
                } else {
                    entry.push((t, value));
                }
            }
        }
        let series = points
            .into_iter()
            .map(|(key, points)| {
                Ok(Series::builder(key)?
                    .order(Order::Sort)
                    .duplicates(Duplicates::KeepLast)
                    .build_from_points(points)?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QueryResult {
            series,
            skipped_infinite,
            warnings: response.warnings,
        })
    }
}

fn no_position(message: String) -> Error {
    Error::Parse {
        format: FORMAT,
        position: Position::default(),
        message,
    }
}

/// A serde_json error with its position: serde_json gives the line and the
/// byte column of the last byte read; the column is turned into characters.
fn parse_error(bytes: &[u8], e: &serde_json::Error) -> Error {
    let line = e.line();
    let position = if line == 0 {
        Position::default()
    } else {
        let line_start: usize = bytes
            .split_inclusive(|&b| b == b'\n')
            .take(line - 1)
            .map(<[u8]>::len)
            .sum();
        let byte = (line_start + e.column().saturating_sub(1)).min(bytes.len());
        let before = bytes.get(line_start..byte).unwrap_or(&[]);
        Position {
            line: line as u64,
            column: String::from_utf8_lossy(before).chars().count() as u64 + 1,
            byte: byte as u64,
        }
    };
    Error::Parse {
        format: FORMAT,
        position,
        message: strip_position(&e.to_string()),
    }
}

/// serde_json's message without its " at line L column C" tail, which
/// [`Position`] already carries.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

#[derive(Debug, serde::Deserialize)]
struct Response {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Matrix(Vec<RangeResult>),
    Vector(Vec<InstantResult>),
    Scalar(Point),
    String(IgnoredAny),
}

/// One result of a range query.
#[derive(Debug, serde::Deserialize)]
struct RangeResult {
    #[serde(default)]
    metric: Metric,
    #[serde(default)]
    values: Vec<Point>,
}

/// One result of an instant query (`value` is absent for native histograms).
#[derive(Debug, serde::Deserialize)]
struct InstantResult {
    #[serde(default)]
    metric: Metric,
    #[serde(default)]
    value: Option<Point>,
}

/// The `metric` object: `__name__` split from the other labels, validated
/// while deserialising so errors get serde_json's position.
#[derive(Debug, Default)]
struct Metric {
    name: Option<String>,
    labels: Labels,
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let mut map = BTreeMap::<String, String>::deserialize(deserializer)?;
        let name = map.remove("__name__");
        if let Some(name) = &name {
            SeriesKey::new(name.as_str()).map_err(de::Error::custom)?;
        }
        let labels = Labels::try_from(map).map_err(de::Error::custom)?;
        Ok(Metric { name, labels })
    }
}

/// `[seconds, "value"]`.
#[derive(Debug)]
struct Point(Timestamp, f64);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let (secs, text) = <(f64, String)>::deserialize(deserializer)?;
        let ms = (secs * 1000.0).round();
        if !(ms.is_finite() && ms >= i64::MIN as f64 && ms < i64::MAX as f64) {
            return Err(de::Error::custom(format!(
                "timestamp {secs} is out of range"
            )));
        }
        let value = text
            .parse::<f64>()
            .map_err(|_| de::Error::custom(format!("sample value {text:?} is not a number")))?;
        Ok(Point(Timestamp::from_millis(ms as i64), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_bytes_count_bytes() {
        let bytes = "{\"a\":1,\n\"é\": x}".as_bytes();
        let e = serde_json::from_slice::<serde_json::Value>(bytes).unwrap_err();
        let Error::Parse { position, .. } = parse_error(bytes, &e) else {
            panic!("not a parse error");
        };
        assert_eq!((position.line, position.column, position.byte), (2, 6, 14));
        assert_eq!(bytes[position.byte as usize], b'x');
    }

    #[test]
    fn messages_lose_the_duplicate_position() {
        assert_eq!(
            strip_position("expected value at line 1 column 2"),
            "expected value"
        );
        assert_eq!(strip_position("eof"), "eof");
    }
}
