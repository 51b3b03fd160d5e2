//! `Series`: one named metric with strictly increasing timestamps.

use std::ops::RangeBounds;

use crate::error::{Error, Result};
use crate::labels::{IntoSeriesKey, Labels, SeriesKey};
use crate::time::Timestamp;

/// What to do with timestamps that are not in increasing order.
///
/// ```
/// use homeostat_core::{Order, Series, Timestamp};
/// let t = Timestamp::from_secs;
/// let points = [(t(2), 2.0), (t(1), 1.0)];
/// assert!(Series::builder("m")?.build_from_points(points).is_err());
/// let s = Series::builder("m")?.order(Order::Sort).build_from_points(points)?;
/// assert_eq!(s.values(), &[1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Order {
    /// Fail with [`Error::Unsorted`] at the first timestamp that goes back in time.
    #[default]
    RequireSorted,
    /// Sort by timestamp (stably, so duplicates keep their input order).
    Sort,
}

/// What to do when one timestamp carries several values.
///
/// ```
/// use homeostat_core::{Duplicates, Series, Timestamp};
/// let t = Timestamp::from_secs;
/// let points = [(t(1), 1.0), (t(1), 3.0), (t(2), 5.0)];
/// let s = Series::builder("m")?.duplicates(Duplicates::Mean).build_from_points(points)?;
/// assert_eq!(s.values(), &[2.0, 5.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Duplicates {
    /// Fail with [`Error::DuplicateTimestamp`].
    #[default]
    Reject,
    /// Keep the first value given for the timestamp.
    KeepFirst,
    /// Keep the last value given (what a scraper that re-reads a sample wants).
    KeepLast,
    /// Average the values that are not NaN; all NaN gives NaN (missing).
    Mean,
}

/// One metric over time: a [`SeriesKey`], strictly increasing [`Timestamp`]s
/// and one `f64` per timestamp.
///
/// NaN means "missing"; `+inf` and `-inf` are rejected. Out-of-order and
/// repeated timestamps are handled as the caller chooses through
/// [`Series::builder`] ([`Order`], [`Duplicates`]); [`Series::new`] takes
/// the strict defaults and rejects both.
///
/// ```
/// use homeostat_core::{Series, Timestamp};
///
/// let t = Timestamp::from_secs;
/// let mut s = Series::new("cpu", vec![t(0), t(10), t(20)], vec![0.5, f64::NAN, 0.7])?;
/// s.push(t(30), 0.9)?;
/// assert_eq!(s.len(), 4);
/// assert_eq!(s.missing_count(), 1);
/// assert_eq!(s.slice(t(10)..t(30)).values().len(), 2);
/// assert!(s.push(t(30), 1.0).is_err()); // not after the last timestamp
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Series {
    key: SeriesKey,
    timestamps: Vec<Timestamp>,
    values: Vec<f64>,
}

/// Builds a [`Series`] with an explicit [`Order`] and [`Duplicates`] policy.
///
/// ```
/// use homeostat_core::{Duplicates, Labels, Order, Series, Timestamp};
/// let s = Series::builder("latency_p99")?
///     .labels(Labels::from_pairs([("service", "api")])?)
///     .order(Order::Sort)
///     .duplicates(Duplicates::KeepLast)
///     .build(vec![Timestamp::from_secs(5), Timestamp::from_secs(5)], vec![1.0, 2.0])?;
/// assert_eq!(s.values(), &[2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SeriesBuilder {
    key: SeriesKey,
    order: Order,
    duplicates: Duplicates,
}

impl SeriesBuilder {
    /// Sets the labels of the series.
    ///
    /// ```
    /// use homeostat_core::{Labels, Series};
    /// let s = Series::builder("up")?.labels(Labels::from_pairs([("job", "api")])?).build(vec![], vec![])?;
    /// assert_eq!(s.key().to_string(), r#"up{job="api"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn labels(mut self, labels: Labels) -> Self {
        self.key = self.key.with_labels(labels);
        self
    }

    /// Sets the ordering policy; the default is [`Order::RequireSorted`].
    ///
    /// ```
    /// use homeostat_core::{Order, Series, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let s = Series::builder("m")?.order(Order::Sort).build(vec![t(2), t(1)], vec![2.0, 1.0])?;
    /// assert_eq!(s.timestamps(), &[t(1), t(2)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Sets the duplicate policy; the default is [`Duplicates::Reject`].
    ///
    /// ```
    /// use homeostat_core::{Duplicates, Series, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let s = Series::builder("m")?.duplicates(Duplicates::KeepFirst)
    ///     .build(vec![t(1), t(1)], vec![1.0, 2.0])?;
    /// assert_eq!(s.values(), &[1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn duplicates(mut self, duplicates: Duplicates) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// Builds from parallel vectors of timestamps and values.
    ///
    /// Fails when the lengths differ, a value is infinite, or the input breaks
    /// the chosen policies.
    ///
    /// ```
    /// use homeostat_core::{Error, Series, Timestamp};
    /// let err = Series::builder("m")?.build(vec![Timestamp::from_secs(1)], vec![]).unwrap_err();
    /// assert!(matches!(err, Error::LengthMismatch { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self, timestamps: Vec<Timestamp>, values: Vec<f64>) -> Result<Series> {
        if timestamps.len() != values.len() {
            return Err(Error::length(
                "series values",
                timestamps.len(),
                values.len(),
            ));
        }
        check_finite_or_nan(&values)?;
        let (timestamps, values) = match self.order {
            Order::RequireSorted => (timestamps, values),
            Order::Sort => sort_by_time(timestamps, values),
        };
        let (timestamps, values) = merge_duplicates(timestamps, values, self.duplicates)?;
        Ok(Series {
            key: self.key,
            timestamps,
            values,
        })
    }

    /// Builds from `(timestamp, value)` pairs.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let s = Series::builder("m")?.build_from_points([(Timestamp::from_secs(1), 0.5)])?;
    /// assert_eq!(s.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_from_points(
        self,
        points: impl IntoIterator<Item = (Timestamp, f64)>,
    ) -> Result<Series> {
        let (timestamps, values) = points.into_iter().unzip();
        self.build(timestamps, values)
    }
}

impl Series {
    /// A series from parallel vectors with the strict policies: timestamps must
    /// strictly increase and values must not be infinite.
    ///
    /// `key` is a metric name (`&str`, `String`) or a full [`SeriesKey`].
    ///
    /// ```
    /// use homeostat_core::{Error, Series, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let err = Series::new("m", vec![t(1), t(2)], vec![1.0, f64::INFINITY]).unwrap_err();
    /// assert!(matches!(err, Error::NonFiniteValue { position: 1, .. }));
    /// ```
    pub fn new<K>(key: K, timestamps: Vec<Timestamp>, values: Vec<f64>) -> Result<Self>
    where
        K: IntoSeriesKey,
    {
        Series::builder(key)?.build(timestamps, values)
    }

    /// An empty series, to be filled with [`Series::push`].
    ///
    /// ```
    /// let s = homeostat_core::Series::empty("m")?;
    /// assert!(s.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn empty<K>(key: K) -> Result<Self>
    where
        K: IntoSeriesKey,
    {
        Series::new(key, Vec::new(), Vec::new())
    }

    /// A builder with explicit ordering and duplicate policies.
    ///
    /// ```
    /// use homeostat_core::{Order, Series, Timestamp};
    /// let s = Series::builder("m")?.order(Order::Sort)
    ///     .build(vec![Timestamp::from_secs(2), Timestamp::from_secs(1)], vec![2.0, 1.0])?;
    /// assert_eq!(s.timestamps()[0], Timestamp::from_secs(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder<K>(key: K) -> Result<SeriesBuilder>
    where
        K: IntoSeriesKey,
    {
        Ok(SeriesBuilder {
            key: key.into_series_key()?,
            order: Order::default(),
            duplicates: Duplicates::default(),
        })
    }

    /// Appends one point; `t` must be later than the last timestamp.
    ///
    /// On error the series is unchanged.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let mut s = Series::empty("m")?;
    /// s.push(Timestamp::from_secs(1), 1.0)?;
    /// assert!(s.push(Timestamp::from_secs(0), 0.0).is_err());
    /// assert!(s.push(Timestamp::from_secs(2), f64::NEG_INFINITY).is_err());
    /// assert_eq!(s.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, t: Timestamp, value: f64) -> Result<()> {
        let position = self.timestamps.len();
        if value.is_infinite() {
            return Err(Error::NonFiniteValue { position, value });
        }
        if let Some(&previous) = self.timestamps.last() {
            if t == previous {
                return Err(Error::DuplicateTimestamp {
                    position,
                    timestamp: t,
                });
            }
            if t < previous {
                return Err(Error::Unsorted {
                    position,
                    previous,
                    current: t,
                });
            }
        }
        self.timestamps.push(t);
        self.values.push(value);
        Ok(())
    }

    /// The key (metric name and labels).
    ///
    /// ```
    /// assert_eq!(homeostat_core::Series::empty("m")?.key().name(), "m");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self) -> &SeriesKey {
        &self.key
    }

    /// The metric name.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Series::empty("m")?.name(), "m");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        self.key.name()
    }

    /// The labels.
    ///
    /// ```
    /// assert!(homeostat_core::Series::empty("m")?.labels().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn labels(&self) -> &Labels {
        self.key.labels()
    }

    /// The timestamps, strictly increasing.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let s = Series::new("m", vec![Timestamp::from_secs(1)], vec![1.0])?;
    /// assert_eq!(s.timestamps(), &[Timestamp::from_secs(1)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timestamps(&self) -> &[Timestamp] {
        &self.timestamps
    }

    /// The values, NaN where missing.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let s = Series::new("m", vec![Timestamp::from_secs(1)], vec![f64::NAN])?;
    /// assert!(s.values()[0].is_nan());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of points (missing ones included).
    ///
    /// ```
    /// assert_eq!(homeostat_core::Series::empty("m")?.len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    /// Whether the series has no points.
    ///
    /// ```
    /// assert!(homeostat_core::Series::empty("m")?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// Number of missing (NaN) values.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let s = Series::new("m", vec![Timestamp::from_secs(1)], vec![f64::NAN])?;
    /// assert_eq!(s.missing_count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn missing_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_nan()).count()
    }

    /// `(timestamp, value)` pairs in time order.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let s = Series::new("m", vec![Timestamp::from_secs(1)], vec![2.0])?;
    /// assert_eq!(s.iter().next(), Some((Timestamp::from_secs(1), 2.0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Timestamp, f64)> + '_ {
        self.timestamps
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }

    /// The value at exactly `t`, if `t` is one of the timestamps.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let s = Series::new("m", vec![Timestamp::from_secs(1)], vec![2.0])?;
    /// assert_eq!(s.value_at(Timestamp::from_secs(1)), Some(2.0));
    /// assert_eq!(s.value_at(Timestamp::from_secs(2)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value_at(&self, t: Timestamp) -> Option<f64> {
        let i = self.timestamps.binary_search(&t).ok()?;
        self.values.get(i).copied()
    }

    /// The points whose timestamps fall in `range` (for example `a..b`,
    /// `a..=b`, `a..`), as a new series with the same key.
    ///
    /// ```
    /// use homeostat_core::{Series, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let s = Series::new("m", vec![t(1), t(2), t(3)], vec![1.0, 2.0, 3.0])?;
    /// assert_eq!(s.slice(t(2)..).values(), &[2.0, 3.0]);
    /// assert_eq!(s.slice(..t(2)).values(), &[1.0]);
    /// assert_eq!(s.slice(t(1)..=t(2)).values(), &[1.0, 2.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slice(&self, range: impl RangeBounds<Timestamp>) -> Series {
        let rows = crate::time::index_range(&self.timestamps, range);
        Series {
            key: self.key.clone(),
            timestamps: self.timestamps[rows.clone()].to_vec(),
            values: self.values[rows].to_vec(),
        }
    }

    /// A series from parts the caller has already validated (a frame column).
    pub(crate) fn from_validated(
        key: SeriesKey,
        timestamps: Vec<Timestamp>,
        values: Vec<f64>,
    ) -> Series {
        Series {
            key,
            timestamps,
            values,
        }
    }

    /// Splits into key, timestamps and values.
    ///
    /// ```
    /// let (key, ts, vs) = homeostat_core::Series::empty("m")?.into_parts();
    /// assert_eq!(key.name(), "m");
    /// assert!(ts.is_empty() && vs.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_parts(self) -> (SeriesKey, Vec<Timestamp>, Vec<f64>) {
        (self.key, self.timestamps, self.values)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Series {
    /// Deserialising applies the strict policies of [`Series::new`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            key: SeriesKey,
            timestamps: Vec<Timestamp>,
            values: Vec<f64>,
        }
        let raw = Raw::deserialize(deserializer)?;
        Series::new(raw.key, raw.timestamps, raw.values).map_err(serde::de::Error::custom)
    }
}

/// Rejects `±inf`; NaN (missing) passes.
/// [`check_finite_or_nan`] over a slice: a branch-free pass that vectorises
/// first, and the search for the position only when there is an infinity.
pub(crate) fn check_slice_finite_or_nan(values: &[f64]) -> Result<()> {
    let any_infinite = values
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |acc, v| acc | v.is_infinite()));
    if any_infinite {
        check_finite_or_nan(values)
    } else {
        Ok(())
    }
}

pub(crate) fn check_finite_or_nan<'a>(values: impl IntoIterator<Item = &'a f64>) -> Result<()> {
    match values
        .into_iter()
        .enumerate()
        .find(|(_, v)| v.is_infinite())
    {
        None => Ok(()),
        Some((position, &value)) => Err(Error::NonFiniteValue { position, value }),
    }
}

fn sort_by_time(timestamps: Vec<Timestamp>, values: Vec<f64>) -> (Vec<Timestamp>, Vec<f64>) {
    if timestamps.is_sorted() {
        return (timestamps, values);
    }
    let mut order: Vec<usize> = (0..timestamps.len()).collect();
    order.sort_by_key(|&i| timestamps[i]); // stable: duplicates keep input order
    let sorted_ts = order.iter().map(|&i| timestamps[i]).collect();
    let sorted_vs = order.iter().map(|&i| values[i]).collect();
    (sorted_ts, sorted_vs)
}

/// Checks that timestamps never decrease, then resolves runs of equal
/// timestamps with `policy`.
fn merge_duplicates(
    timestamps: Vec<Timestamp>,
    values: Vec<f64>,
    policy: Duplicates,
) -> Result<(Vec<Timestamp>, Vec<f64>)> {
    let mut duplicate_at = None;
    for (position, pair) in timestamps.windows(2).enumerate() {
        let (previous, current) = (pair[0], pair[1]);
        if current < previous {
            return Err(Error::Unsorted {
                position: position + 1,
                previous,
                current,
            });
        }
        if current == previous && duplicate_at.is_none() {
            duplicate_at = Some((position + 1, current));
        }
    }
    let Some((position, timestamp)) = duplicate_at else {
        return Ok((timestamps, values));
    };
    if policy == Duplicates::Reject {
        return Err(Error::DuplicateTimestamp {
            position,
            timestamp,
        });
    }
    let mut out_ts = Vec::with_capacity(timestamps.len());
    let mut out_vs = Vec::with_capacity(values.len());
    let mut start = 0;
    while start < timestamps.len() {
        let t = timestamps[start];
        let run = timestamps[start..].iter().take_while(|&&u| u == t).count();
        let group = &values[start..start + run];
        let merged = match policy {
            Duplicates::KeepFirst => group[0],
            Duplicates::KeepLast => group[run - 1],
            Duplicates::Mean | Duplicates::Reject => nan_mean(group),
        };
        out_ts.push(t);
        out_vs.push(merged);
        start += run;
    }
    Ok((out_ts, out_vs))
}

fn nan_mean(values: &[f64]) -> f64 {
    let (sum, count) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn strict_constructor_names_the_first_problem() {
        assert_eq!(
            Series::new("m", vec![t(1), t(3), t(2)], vec![0.0; 3]),
            Err(Error::Unsorted {
                position: 2,
                previous: t(3),
                current: t(2)
            })
        );
        assert_eq!(
            Series::new("m", vec![t(1), t(1)], vec![0.0; 2]),
            Err(Error::DuplicateTimestamp {
                position: 1,
                timestamp: t(1)
            })
        );
        assert!(matches!(
            Series::new("m", vec![t(1)], vec![]),
            Err(Error::LengthMismatch {
                expected: 1,
                found: 0,
                ..
            })
        ));
    }

    #[test]
    fn infinities_are_rejected_with_their_sign() {
        let err = Series::new("m", vec![t(1), t(2)], vec![0.0, f64::NEG_INFINITY]).unwrap_err();
        assert_eq!(
            err,
            Error::NonFiniteValue {
                position: 1,
                value: f64::NEG_INFINITY
            }
        );
    }

    #[test]
    fn duplicate_policies() {
        let ts = vec![t(1), t(1), t(1), t(2)];
        let vs = vec![1.0, f64::NAN, 5.0, 7.0];
        let build = |p| {
            Series::builder("m")
                .unwrap()
                .duplicates(p)
                .build(ts.clone(), vs.clone())
                .unwrap()
                .values()
                .to_vec()
        };
        assert_eq!(build(Duplicates::KeepFirst), [1.0, 7.0]);
        assert_eq!(build(Duplicates::KeepLast), [5.0, 7.0]);
        assert_eq!(build(Duplicates::Mean), [3.0, 7.0]);
        let all_nan = Series::builder("m")
            .unwrap()
            .duplicates(Duplicates::Mean)
            .build(vec![t(1), t(1)], vec![f64::NAN, f64::NAN])
            .unwrap();
        assert!(all_nan.values()[0].is_nan());
    }

    #[test]
    fn sorting_is_stable_for_duplicates() {
        let s = Series::builder("m")
            .unwrap()
            .order(Order::Sort)
            .duplicates(Duplicates::KeepLast)
            .build(vec![t(2), t(1), t(2), t(1)], vec![1.0, 2.0, 3.0, 4.0])
            .unwrap();
        assert_eq!(s.timestamps(), &[t(1), t(2)]);
        assert_eq!(s.values(), &[4.0, 3.0]);
    }

    #[test]
    fn empty_series_behave() {
        let s = Series::empty("m").unwrap();
        assert!(s.slice(..).is_empty());
        assert_eq!(s.value_at(t(0)), None);
    }

    proptest! {
        #[test]
        fn sorted_output_is_strictly_increasing_and_keeps_every_timestamp(
            points in prop::collection::vec((-1000i64..1000, -1e6f64..1e6), 0..200),
            policy in prop::sample::select(vec![Duplicates::KeepFirst, Duplicates::KeepLast, Duplicates::Mean]),
        ) {
            let ts: Vec<_> = points.iter().map(|p| Timestamp::from_millis(p.0)).collect();
            let vs: Vec<_> = points.iter().map(|p| p.1).collect();
            let s = Series::builder("m").unwrap().order(Order::Sort).duplicates(policy)
                .build(ts.clone(), vs).unwrap();
            prop_assert!(s.timestamps().windows(2).all(|w| w[0] < w[1]));
            let mut distinct = ts.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(s.timestamps(), distinct.as_slice());
        }

        #[test]
        fn keep_last_matches_a_map(points in prop::collection::vec((0i64..50, -1e6f64..1e6), 0..100)) {
            let mut expected = std::collections::BTreeMap::new();
            for &(ms, v) in &points {
                expected.insert(ms, v);
            }
            let s = Series::builder("m").unwrap().order(Order::Sort).duplicates(Duplicates::KeepLast)
                .build_from_points(points.iter().map(|&(ms, v)| (Timestamp::from_millis(ms), v)))
                .unwrap();
            let got: Vec<(i64, f64)> = s.iter().map(|(t, v)| (t.as_millis(), v)).collect();
            let want: Vec<(i64, f64)> = expected.into_iter().collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn slices_partition_the_series(n in 0usize..100, cut in -10i64..110) {
            let ts: Vec<_> = (0..n as i64).map(Timestamp::from_millis).collect();
            let vs: Vec<_> = (0..n).map(|i| i as f64).collect();
            let s = Series::new("m", ts, vs).unwrap();
            let cut = Timestamp::from_millis(cut);
            let (left, right) = (s.slice(..cut), s.slice(cut..));
            prop_assert_eq!(left.len() + right.len(), s.len());
            prop_assert!(left.timestamps().iter().all(|&u| u < cut));
            prop_assert!(right.timestamps().iter().all(|&u| u >= cut));
        }

        #[test]
        fn push_accepts_exactly_what_new_accepts(ms in prop::collection::vec(-100i64..100, 0..50)) {
            let ts: Vec<_> = ms.iter().map(|&m| Timestamp::from_millis(m)).collect();
            let strict = Series::new("m", ts.clone(), vec![0.0; ts.len()]);
            let mut pushed = Series::empty("m").unwrap();
            let pushed_ok = ts.iter().all(|&u| pushed.push(u, 0.0).is_ok());
            prop_assert_eq!(strict.is_ok(), pushed_ok);
        }
    }
}
