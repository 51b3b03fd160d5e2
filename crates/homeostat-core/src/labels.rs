//! Prometheus-style label sets and the key that names one series.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Result};

/// A set of `name="value"` labels, ordered by name (Prometheus style).
///
/// Label names follow Prometheus: `[a-zA-Z_][a-zA-Z0-9_]*`. Values are any
/// text. `Display` writes `{a="x",b="y"}` with Prometheus escaping, and
/// nothing at all for an empty set.
///
/// ```
/// use homeostat_core::Labels;
///
/// let labels = Labels::new().with("node", "n1")?.with("job", "api")?;
/// assert_eq!(labels.get("node"), Some("n1"));
/// assert_eq!(labels.to_string(), r#"{job="api",node="n1"}"#);
/// assert!(Labels::new().with("bad-name", "x").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "BTreeMap<String, String>"))]
#[cfg_attr(feature = "serde", serde(into = "BTreeMap<String, String>"))]
pub struct Labels(BTreeMap<String, String>);

impl Labels {
    /// An empty label set.
    ///
    /// ```
    /// assert!(homeostat_core::Labels::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Labels(BTreeMap::new())
    }

    /// Builds a label set from pairs; a repeated name keeps the last value.
    ///
    /// ```
    /// use homeostat_core::Labels;
    /// let labels = Labels::from_pairs([("zone", "a"), ("node", "n1")])?;
    /// assert_eq!(labels.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut labels = Labels::new();
        for (name, value) in pairs {
            labels.insert(name, value)?;
        }
        Ok(labels)
    }

    /// Returns the set with `name` set to `value` (builder style).
    ///
    /// ```
    /// let l = homeostat_core::Labels::new().with("node", "n1")?;
    /// assert_eq!(l.get("node"), Some("n1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Result<Self> {
        self.insert(name, value)?;
        Ok(self)
    }

    /// Sets `name` to `value`, returning the previous value.
    ///
    /// ```
    /// let mut l = homeostat_core::Labels::new();
    /// assert_eq!(l.insert("node", "n1")?, None);
    /// assert_eq!(l.insert("node", "n2")?, Some("n1".to_string()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Option<String>> {
        let name = name.into();
        validate_label_name(&name)?;
        Ok(self.0.insert(name, value.into()))
    }

    /// The value of label `name`, if set.
    ///
    /// ```
    /// let l = homeostat_core::Labels::new().with("node", "n1")?;
    /// assert_eq!(l.get("zone"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Removes label `name`, returning its value.
    ///
    /// ```
    /// let mut l = homeostat_core::Labels::new().with("node", "n1")?;
    /// assert_eq!(l.remove("node").as_deref(), Some("n1"));
    /// assert!(l.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Number of labels.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Labels::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no labels.
    ///
    /// ```
    /// assert!(homeostat_core::Labels::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(name, value)` pairs in name order.
    ///
    /// ```
    /// let l = homeostat_core::Labels::from_pairs([("b", "2"), ("a", "1")])?;
    /// let names: Vec<&str> = l.iter().map(|(k, _)| k).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether every label of `subset` is present here with the same value
    /// (a PromQL equality matcher).
    ///
    /// ```
    /// use homeostat_core::Labels;
    /// let l = Labels::from_pairs([("node", "n1"), ("job", "api")])?;
    /// assert!(l.matches(&Labels::from_pairs([("node", "n1")])?));
    /// assert!(!l.matches(&Labels::from_pairs([("node", "n2")])?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches(&self, subset: &Labels) -> bool {
        subset.iter().all(|(k, v)| self.get(k) == Some(v))
    }
}

impl TryFrom<BTreeMap<String, String>> for Labels {
    type Error = Error;
    fn try_from(map: BTreeMap<String, String>) -> Result<Self> {
        for name in map.keys() {
            validate_label_name(name)?;
        }
        Ok(Labels(map))
    }
}

impl From<Labels> for BTreeMap<String, String> {
    fn from(labels: Labels) -> Self {
        labels.0
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str("{")?;
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{name}=\"")?;
            write_escaped(f, value)?;
            f.write_str("\"")?;
        }
        f.write_str("}")
    }
}

/// Prometheus text-format escaping of a label value.
fn write_escaped(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    for c in value.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '"' => f.write_str("\\\"")?,
            '\n' => f.write_str("\\n")?,
            c => write!(f, "{c}")?,
        }
    }
    Ok(())
}

fn validate_label_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid_first = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if valid_first && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(Error::InvalidName {
            name: name.to_owned(),
            reason: "label names must match [a-zA-Z_][a-zA-Z0-9_]*".into(),
        })
    }
}

/// The identity of one series: a metric name plus its labels.
///
/// Metric names must be non-empty and free of control characters, braces and
/// double quotes, so that the `Display` form `name{a="x"}` (the same as
/// Prometheus writes) is unambiguous; frames use that form as the column key.
///
/// ```
/// use homeostat_core::{Labels, SeriesKey};
///
/// let key = SeriesKey::new("cpu_usage")?.with_labels(Labels::from_pairs([("node", "n1")])?);
/// assert_eq!(key.to_string(), r#"cpu_usage{node="n1"}"#);
/// assert_eq!(SeriesKey::new("cpu_usage")?.to_string(), "cpu_usage");
/// assert!(SeriesKey::new("").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawSeriesKey"))]
pub struct SeriesKey {
    name: String,
    labels: Labels,
}

/// The unvalidated shape of a [`SeriesKey`], so deserialising validates the name.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawSeriesKey {
    name: String,
    #[serde(default)]
    labels: Labels,
}

#[cfg(feature = "serde")]
impl TryFrom<RawSeriesKey> for SeriesKey {
    type Error = Error;
    fn try_from(raw: RawSeriesKey) -> Result<Self> {
        Ok(SeriesKey::new(raw.name)?.with_labels(raw.labels))
    }
}

impl SeriesKey {
    /// A key with metric name `name` and no labels.
    ///
    /// ```
    /// assert!(homeostat_core::SeriesKey::new("mem{").is_err());
    /// ```
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        validate_metric_name(&name)?;
        Ok(SeriesKey {
            name,
            labels: Labels::new(),
        })
    }

    /// Replaces the labels (builder style).
    ///
    /// ```
    /// use homeostat_core::{Labels, SeriesKey};
    /// let k = SeriesKey::new("up")?.with_labels(Labels::from_pairs([("job", "api")])?);
    /// assert_eq!(k.labels().get("job"), Some("api"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_labels(mut self, labels: Labels) -> Self {
        self.labels = labels;
        self
    }

    /// The metric name.
    ///
    /// ```
    /// assert_eq!(homeostat_core::SeriesKey::new("up")?.name(), "up");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The labels.
    ///
    /// ```
    /// assert!(homeostat_core::SeriesKey::new("up")?.labels().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// Mutable access to the labels.
    ///
    /// ```
    /// let mut k = homeostat_core::SeriesKey::new("up")?;
    /// k.labels_mut().insert("job", "api")?;
    /// assert_eq!(k.to_string(), r#"up{job="api"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn labels_mut(&mut self) -> &mut Labels {
        &mut self.labels
    }
}

/// Anything that names a series: a metric name (`&str`, `String`) or a full
/// [`SeriesKey`]. Constructors such as [`Series::new`](crate::Series::new)
/// and [`Frame::from_columns`](crate::Frame::from_columns) take it, so a
/// plain name works where labels are not needed.
///
/// ```
/// use homeostat_core::{IntoSeriesKey, Labels, SeriesKey};
/// assert_eq!("up".into_series_key()?, SeriesKey::new("up")?);
/// let key = SeriesKey::new("up")?.with_labels(Labels::from_pairs([("job", "api")])?);
/// assert_eq!((&key).into_series_key()?, key);
/// assert!("".into_series_key().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait IntoSeriesKey {
    /// The key, or [`Error::InvalidName`] for an invalid metric name.
    fn into_series_key(self) -> Result<SeriesKey>;
}

impl IntoSeriesKey for SeriesKey {
    fn into_series_key(self) -> Result<SeriesKey> {
        Ok(self)
    }
}

impl IntoSeriesKey for &SeriesKey {
    fn into_series_key(self) -> Result<SeriesKey> {
        Ok(self.clone())
    }
}

impl IntoSeriesKey for &str {
    fn into_series_key(self) -> Result<SeriesKey> {
        SeriesKey::new(self)
    }
}

impl IntoSeriesKey for String {
    fn into_series_key(self) -> Result<SeriesKey> {
        SeriesKey::new(self)
    }
}

impl IntoSeriesKey for &String {
    fn into_series_key(self) -> Result<SeriesKey> {
        SeriesKey::new(self.as_str())
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name, self.labels)
    }
}

fn validate_metric_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        "metric names must not be empty"
    } else if name
        .chars()
        .any(|c| c.is_control() || matches!(c, '{' | '}' | '"'))
    {
        "metric names must not contain control characters, braces or double quotes"
    } else {
        return Ok(());
    };
    Err(Error::InvalidName {
        name: name.to_owned(),
        reason: reason.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_values_like_prometheus() {
        let l = Labels::from_pairs([("path", "a\\b\"c\nd")]).unwrap();
        assert_eq!(l.to_string(), r#"{path="a\\b\"c\nd"}"#);
    }

    #[test]
    fn validates_label_names() {
        for good in ["a", "_a", "A_1", "__name__"] {
            assert!(Labels::new().with(good, "v").is_ok(), "{good}");
        }
        for bad in ["", "1a", "a-b", "a b", "é"] {
            assert!(
                matches!(Labels::new().with(bad, "v"), Err(Error::InvalidName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn validates_metric_names() {
        assert!(SeriesKey::new("node cpu (%)").is_ok());
        for bad in ["", "a{b", "a}", "a\"b", "a\nb"] {
            assert!(SeriesKey::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn repeated_names_keep_the_last_value() {
        let l = Labels::from_pairs([("a", "1"), ("a", "2")]).unwrap();
        assert_eq!(l.get("a"), Some("2"));
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn rejects_invalid_names_from_a_map() {
        let map = BTreeMap::from([("bad name".to_string(), "v".to_string())]);
        assert!(Labels::try_from(map).is_err());
    }
}
