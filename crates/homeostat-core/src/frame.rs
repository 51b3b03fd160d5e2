//! `Frame`: several metrics aligned on one time grid.

#[cfg(feature = "linfa")]
mod dataset;
mod quality;

pub use quality::Quality;

use std::collections::HashMap;
use std::ops::RangeBounds;

use ndarray::{Array2, ArrayView1, ArrayView2, Axis, Slice};

use crate::error::{Error, Result};
use crate::labels::{IntoSeriesKey, SeriesKey};
use crate::series::{Series, check_finite_or_nan, check_slice_finite_or_nan};
use crate::time::{Duration, Timestamp, index_range};

/// Metrics aligned on one time grid: rows are timestamps (strictly
/// increasing), columns are series identified by [`SeriesKey`], values are
/// `f64` with NaN for missing. `±inf` is never stored.
///
/// Columns are looked up by the key's display form, `name` or
/// `name{label="value",...}`, which is unique within a frame.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(
///     vec![t(0), t(10), t(20), t(30)],
///     [("cpu", vec![0.1, 0.2, 0.3, 0.4]), ("mem", vec![1.0, f64::NAN, 3.0, 4.0])],
/// )?;
/// assert_eq!(frame.shape(), (4, 2));
/// assert_eq!(frame.column("mem").map(|c| c[2]), Some(3.0));
///
/// let recent = frame.slice_time(t(10)..);
/// assert_eq!(recent.index(), &[t(10), t(20), t(30)]);
/// let cpu_only = frame.select(&["cpu"])?;
/// assert_eq!(cpu_only.columns()[0].name(), "cpu");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    index: Vec<Timestamp>,
    columns: Vec<SeriesKey>,
    /// Display form of each column key → column position.
    positions: HashMap<String, usize>,
    values: Array2<f64>,
    /// Where each value came from, when a cleaning step recorded it.
    quality: Option<Array2<Quality>>,
}

impl Frame {
    /// A frame from its parts. Fails when the index is not strictly
    /// increasing, the shape disagrees with the index and columns, a column
    /// key repeats, or a value is infinite.
    ///
    /// ```
    /// use homeostat_core::{Frame, SeriesKey, Timestamp};
    /// use ndarray::array;
    /// let frame = Frame::new(
    ///     vec![Timestamp::from_secs(0), Timestamp::from_secs(1)],
    ///     vec![SeriesKey::new("a")?, SeriesKey::new("b")?],
    ///     array![[1.0, 2.0], [3.0, 4.0]],
    /// )?;
    /// assert_eq!(frame.value(1, "b"), Some(4.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        index: Vec<Timestamp>,
        columns: Vec<SeriesKey>,
        values: Array2<f64>,
    ) -> Result<Self> {
        check_strictly_increasing(&index)?;
        if values.nrows() != index.len() {
            return Err(Error::length("frame rows", index.len(), values.nrows()));
        }
        if values.ncols() != columns.len() {
            return Err(Error::length(
                "frame columns",
                columns.len(),
                values.ncols(),
            ));
        }
        // Row-major position, so the error points at the right cell.
        match values.as_slice() {
            Some(cells) => check_slice_finite_or_nan(cells)?,
            None => check_finite_or_nan(values.iter())?,
        }
        let positions = key_positions(&columns)?;
        Ok(Frame {
            index,
            columns,
            positions,
            values,
            quality: None,
        })
    }

    /// A frame with the given columns and no rows, to be filled with
    /// [`Frame::push_row`].
    ///
    /// ```
    /// use homeostat_core::{Frame, SeriesKey, Timestamp};
    /// let mut frame = Frame::with_columns(vec![SeriesKey::new("cpu")?])?;
    /// frame.push_row(Timestamp::from_secs(0), &[0.5])?;
    /// assert_eq!(frame.nrows(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_columns(columns: Vec<SeriesKey>) -> Result<Self> {
        let ncols = columns.len();
        Frame::new(Vec::new(), columns, Array2::zeros((0, ncols)))
    }

    /// A frame from named column vectors on a shared index; keys are metric
    /// names or full [`SeriesKey`]s.
    ///
    /// ```
    /// use homeostat_core::{Error, Frame, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let err = Frame::from_columns(vec![t(0), t(1)], [("a", vec![1.0])]).unwrap_err();
    /// assert!(matches!(err, Error::LengthMismatch { .. }));
    /// ```
    pub fn from_columns<K, I>(index: Vec<Timestamp>, columns: I) -> Result<Self>
    where
        K: IntoSeriesKey,
        I: IntoIterator<Item = (K, Vec<f64>)>,
    {
        let mut keys = Vec::new();
        let mut data = Vec::new();
        for (key, column) in columns {
            if column.len() != index.len() {
                return Err(Error::length("column values", index.len(), column.len()));
            }
            keys.push(key.into_series_key()?);
            data.push(column);
        }
        let values = Array2::from_shape_fn((index.len(), keys.len()), |(r, c)| data[c][r]);
        Frame::new(index, keys, values)
    }

    /// A frame from series that all have exactly the same timestamps, one
    /// column per series. Series on different grids need resampling first
    /// (homeostat-metrics does that); here they are an error naming the first
    /// difference.
    ///
    /// ```
    /// use homeostat_core::{Frame, Series, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let a = Series::new("a", vec![t(0), t(1)], vec![1.0, 2.0])?;
    /// let b = Series::new("b", vec![t(0), t(1)], vec![3.0, 4.0])?;
    /// let frame = Frame::from_aligned_series([a.clone(), b])?;
    /// assert_eq!(frame.series("a")?, a);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_aligned_series(series: impl IntoIterator<Item = Series>) -> Result<Self> {
        let mut index: Option<Vec<Timestamp>> = None;
        let mut columns = Vec::new();
        for s in series {
            let (key, timestamps, values) = s.into_parts();
            match &index {
                None => index = Some(timestamps),
                Some(grid) if *grid != timestamps => {
                    return Err(Error::GridMismatch {
                        reason: grid_difference(grid, &timestamps, &key),
                    });
                }
                Some(_) => {}
            }
            columns.push((key, values));
        }
        Frame::from_columns(index.unwrap_or_default(), columns)
    }

    /// Appends one row; `t` must be later than the last timestamp and `row`
    /// must have one finite-or-NaN value per column. On error the frame is
    /// unchanged.
    ///
    /// ```
    /// use homeostat_core::{Frame, SeriesKey, Timestamp};
    /// let mut frame = Frame::with_columns(vec![SeriesKey::new("cpu")?])?;
    /// frame.push_row(Timestamp::from_secs(5), &[0.5])?;
    /// assert!(frame.push_row(Timestamp::from_secs(5), &[0.6]).is_err());
    /// assert!(frame.push_row(Timestamp::from_secs(6), &[0.6, 0.7]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_row(&mut self, t: Timestamp, row: &[f64]) -> Result<()> {
        if row.len() != self.ncols() {
            return Err(Error::length("row values", self.ncols(), row.len()));
        }
        check_finite_or_nan(row)?;
        self.check_after_last(t, self.nrows())?;
        self.extend_quality(Frame::implied_row(row).view())?;
        self.values
            .push_row(ArrayView1::from(row))
            .map_err(|e| Error::length(&format!("row values ({e})"), self.ncols(), row.len()))?;
        self.index.push(t);
        Ok(())
    }

    /// Appends the rows of `later`, which must have the same columns in the
    /// same order and start after this frame ends (chunked ingest). On error
    /// the frame is unchanged.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let mut a = Frame::from_columns(vec![t(0)], [("x", vec![1.0])])?;
    /// let b = Frame::from_columns(vec![t(1), t(2)], [("x", vec![2.0, 3.0])])?;
    /// a.append_rows(&b)?;
    /// assert_eq!(a.nrows(), 3);
    /// assert!(a.append_rows(&b).is_err()); // overlaps in time
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append_rows(&mut self, later: &Frame) -> Result<()> {
        if later.columns != self.columns {
            return Err(Error::GridMismatch {
                reason: "frames have different columns".into(),
            });
        }
        if let Some(&first) = later.index.first() {
            self.check_after_last(first, self.nrows())?;
        }
        // Keep a mask if either side has one; a side without one implies it.
        if self.quality.is_none() && later.quality.is_some() {
            self.quality = Some(self.quality_or_implied());
        }
        self.extend_quality(later.quality_or_implied().view())?;
        self.values
            .append(Axis(0), later.values.view())
            .map_err(|e| Error::GridMismatch {
                reason: e.to_string(),
            })?;
        self.index.extend_from_slice(&later.index);
        Ok(())
    }

    /// The time index, strictly increasing.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0])])?;
    /// assert_eq!(f.index(), &[Timestamp::from_secs(1)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index(&self) -> &[Timestamp] {
        &self.index
    }

    /// The column keys in column order.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0])])?;
    /// assert_eq!(f.columns()[0].to_string(), "x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns(&self) -> &[SeriesKey] {
        &self.columns
    }

    /// The values, rows = time, columns = metrics.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0])])?;
    /// assert_eq!(f.values()[[0, 0]], 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn values(&self) -> ArrayView2<'_, f64> {
        self.values.view()
    }

    /// `(rows, columns)`.
    ///
    /// ```
    /// let f = homeostat_core::Frame::with_columns(vec![])?;
    /// assert_eq!(f.shape(), (0, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }

    /// Number of rows (timestamps).
    ///
    /// ```
    /// assert_eq!(homeostat_core::Frame::with_columns(vec![])?.nrows(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn nrows(&self) -> usize {
        self.index.len()
    }

    /// Number of columns (series).
    ///
    /// ```
    /// assert_eq!(homeostat_core::Frame::with_columns(vec![])?.ncols(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// Whether the frame has no rows.
    ///
    /// ```
    /// assert!(homeostat_core::Frame::with_columns(vec![])?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The position of the column whose key displays as `key`.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0])])?;
    /// assert_eq!(f.column_position("x"), Some(0));
    /// assert_eq!(f.column_position("y"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn column_position(&self, key: &str) -> Option<usize> {
        self.positions.get(key).copied()
    }

    /// The column whose key displays as `key`, or `None`.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0])])?;
    /// assert_eq!(f.column("x").map(|c| c.to_vec()), Some(vec![1.0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn column(&self, key: &str) -> Option<ArrayView1<'_, f64>> {
        self.column_position(key).map(|c| self.values.column(c))
    }

    /// Like [`Frame::column`], but an unknown key is an [`Error::UnknownColumn`].
    ///
    /// ```
    /// use homeostat_core::{Error, Frame};
    /// let f = Frame::with_columns(vec![])?;
    /// assert!(matches!(f.try_column("cpu"), Err(Error::UnknownColumn { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_column(&self, key: &str) -> Result<ArrayView1<'_, f64>> {
        self.column(key).ok_or_else(|| Error::UnknownColumn {
            key: key.to_owned(),
        })
    }

    /// Every column whose metric name is `name`, whatever its labels, as
    /// `(position, key)` pairs.
    ///
    /// ```
    /// use homeostat_core::{Frame, Labels, SeriesKey, Timestamp};
    /// let key = |node: &str| -> Result<SeriesKey, homeostat_core::Error> {
    ///     Ok(SeriesKey::new("cpu")?.with_labels(Labels::from_pairs([("node", node)])?))
    /// };
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)],
    ///     [(key("a")?, vec![0.1]), (key("b")?, vec![0.2])])?;
    /// assert_eq!(f.columns_named("cpu").count(), 2);
    /// assert_eq!(f.column(r#"cpu{node="b"}"#).map(|c| c[0]), Some(0.2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (usize, &'a SeriesKey)> + 'a {
        self.columns
            .iter()
            .enumerate()
            .filter(move |(_, key)| key.name() == name)
    }

    /// The value at row `row` of column `key`, if both exist.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0])])?;
    /// assert_eq!(f.value(0, "x"), Some(1.0));
    /// assert_eq!(f.value(1, "x"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value(&self, row: usize, key: &str) -> Option<f64> {
        let col = self.column_position(key)?;
        self.values.get((row, col)).copied()
    }

    /// Row `row` (one value per column), if it exists.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(1)], [("x", vec![1.0]), ("y", vec![2.0])])?;
    /// assert_eq!(f.row(0).map(|r| r.to_vec()), Some(vec![1.0, 2.0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn row(&self, row: usize) -> Option<ArrayView1<'_, f64>> {
        (row < self.nrows()).then(|| self.values.row(row))
    }

    /// The rows whose timestamps fall in `range` (`a..b`, `a..=b`, `a..`,
    /// `..b`), as a new frame with the same columns.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let f = Frame::from_columns(vec![t(0), t(1), t(2)], [("x", vec![0.0, 1.0, 2.0])])?;
    /// assert_eq!(f.slice_time(t(1)..t(2)).nrows(), 1);
    /// assert_eq!(f.slice_time(t(5)..).nrows(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slice_time(&self, range: impl RangeBounds<Timestamp>) -> Frame {
        let rows = index_range(&self.index, range);
        Frame {
            index: self.index[rows.clone()].to_vec(),
            columns: self.columns.clone(),
            positions: self.positions.clone(),
            values: self
                .values
                .slice_axis(Axis(0), Slice::from(rows.clone()))
                .to_owned(),
            quality: self.quality_rows(rows),
        }
    }

    /// The named columns, in the order given.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0]), ("y", vec![2.0])])?;
    /// let g = f.select(&["y", "x"])?;
    /// assert_eq!(g.row(0).map(|r| r.to_vec()), Some(vec![2.0, 1.0]));
    /// assert!(f.select(&["z"]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn select(&self, keys: &[&str]) -> Result<Frame> {
        let picked = keys
            .iter()
            .map(|&key| {
                self.column_position(key)
                    .ok_or_else(|| Error::UnknownColumn {
                        key: key.to_owned(),
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let columns = picked.iter().map(|&c| self.columns[c].clone()).collect();
        let mut frame = Frame::new(
            self.index.clone(),
            columns,
            self.values.select(Axis(1), &picked),
        )?;
        frame.quality = self.quality_columns(&picked);
        Ok(frame)
    }

    /// The columns of `self` followed by those of `other`, which must have
    /// exactly the same time index and no column key in common. Quality
    /// masks are kept (a side without one implies it from its values).
    ///
    /// ```
    /// use homeostat_core::{Error, Frame, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let a = Frame::from_columns(vec![t(0), t(1)], [("x", vec![1.0, 2.0])])?;
    /// let b = Frame::from_columns(vec![t(0), t(1)], [("y", vec![3.0, 4.0])])?;
    /// let both = a.concat_columns(&b)?;
    /// assert_eq!(both.row(1).map(|r| r.to_vec()), Some(vec![2.0, 4.0]));
    /// assert!(matches!(a.concat_columns(&a), Err(Error::DuplicateColumn { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn concat_columns(&self, other: &Frame) -> Result<Frame> {
        if self.index != other.index {
            let reason = match self
                .index
                .iter()
                .zip(&other.index)
                .position(|(a, b)| a != b)
            {
                Some(i) => format!(
                    "row {i} is at {} in one frame and {} in the other",
                    self.index[i], other.index[i]
                ),
                None => format!("{} rows against {}", self.nrows(), other.nrows()),
            };
            return Err(Error::GridMismatch { reason });
        }
        let mut columns = self.columns.clone();
        columns.extend(other.columns.iter().cloned());
        let values = ndarray::concatenate(Axis(1), &[self.values.view(), other.values.view()])
            .map_err(|e| Error::GridMismatch {
                reason: e.to_string(),
            })?;
        let frame = Frame::new(self.index.clone(), columns, values)?;
        if self.quality.is_none() && other.quality.is_none() {
            return Ok(frame);
        }
        let mask = ndarray::concatenate(
            Axis(1),
            &[
                self.quality_or_implied().view(),
                other.quality_or_implied().view(),
            ],
        )
        .map_err(|e| Error::GridMismatch {
            reason: e.to_string(),
        })?;
        frame.with_quality(mask)
    }

    /// Column `key` as a [`Series`] (NaN values kept as missing).
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])])?;
    /// assert_eq!(f.series("x")?.values(), &[1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn series(&self, key: &str) -> Result<Series> {
        let position = self
            .column_position(key)
            .ok_or_else(|| Error::UnknownColumn {
                key: key.to_owned(),
            })?;
        Ok(self.column_series(position))
    }

    /// Every column as a [`Series`], in column order.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0]), ("y", vec![2.0])])?;
    /// assert_eq!(f.to_series().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_series(&self) -> Vec<Series> {
        (0..self.ncols()).map(|c| self.column_series(c)).collect()
    }

    /// The spacing of the index when it is regular (every gap equal), or
    /// `None` when irregular or with fewer than two rows.
    ///
    /// ```
    /// use homeostat_core::{Duration, Frame, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let f = Frame::from_columns(vec![t(0), t(10), t(20)], [("x", vec![0.0; 3])])?;
    /// assert_eq!(f.step(), Some(Duration::from_secs(10)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn step(&self) -> Option<Duration> {
        let first = self.index.get(1)?.since(*self.index.first()?);
        self.index
            .windows(2)
            .all(|w| w[1].since(w[0]) == first)
            .then_some(first)
    }

    /// Number of missing (NaN) values in the whole frame.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![f64::NAN])])?;
    /// assert_eq!(f.missing_count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn missing_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_nan()).count()
    }

    /// For each row, whether every column has a value (no NaN).
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let f = Frame::from_columns(vec![t(0), t(1)], [("x", vec![f64::NAN, 1.0])])?;
    /// assert_eq!(f.complete_rows(), vec![false, true]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn complete_rows(&self) -> Vec<bool> {
        self.values
            .rows()
            .into_iter()
            .map(|row| row.iter().all(|v| !v.is_nan()))
            .collect()
    }

    /// Splits into index, column keys and values.
    ///
    /// ```
    /// let (index, keys, values) = homeostat_core::Frame::with_columns(vec![])?.into_parts();
    /// assert!(index.is_empty() && keys.is_empty() && values.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_parts(self) -> (Vec<Timestamp>, Vec<SeriesKey>, Array2<f64>) {
        (self.index, self.columns, self.values)
    }

    fn column_series(&self, position: usize) -> Series {
        Series::from_validated(
            self.columns[position].clone(),
            self.index.clone(),
            self.values.column(position).to_vec(),
        )
    }

    fn check_after_last(&self, t: Timestamp, position: usize) -> Result<()> {
        match self.index.last() {
            Some(&previous) if t == previous => Err(Error::DuplicateTimestamp {
                position,
                timestamp: t,
            }),
            Some(&previous) if t < previous => Err(Error::Unsorted {
                position,
                previous,
                current: t,
            }),
            _ => Ok(()),
        }
    }
}

fn check_strictly_increasing(index: &[Timestamp]) -> Result<()> {
    for (i, pair) in index.windows(2).enumerate() {
        let (previous, current) = (pair[0], pair[1]);
        if current == previous {
            return Err(Error::DuplicateTimestamp {
                position: i + 1,
                timestamp: current,
            });
        }
        if current < previous {
            return Err(Error::Unsorted {
                position: i + 1,
                previous,
                current,
            });
        }
    }
    Ok(())
}

fn key_positions(columns: &[SeriesKey]) -> Result<HashMap<String, usize>> {
    let mut positions = HashMap::with_capacity(columns.len());
    for (c, key) in columns.iter().enumerate() {
        let text = key.to_string();
        if positions.insert(text.clone(), c).is_some() {
            return Err(Error::DuplicateColumn { key: text });
        }
    }
    Ok(positions)
}

fn grid_difference(grid: &[Timestamp], other: &[Timestamp], key: &SeriesKey) -> String {
    match grid.iter().zip(other).position(|(a, b)| a != b) {
        Some(i) => format!(
            "series {key} has {} at position {i} where the first series has {}",
            other[i], grid[i]
        ),
        None => format!(
            "series {key} has {} points where the first series has {}",
            other.len(),
            grid.len()
        ),
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::*;

    #[derive(serde::Deserialize)]
    struct RawFrame {
        index: Vec<Timestamp>,
        columns: Vec<SeriesKey>,
        values: Array2<f64>,
        #[serde(default)]
        quality: Option<Array2<Quality>>,
    }

    impl serde::Serialize for Frame {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut state = serializer.serialize_struct("Frame", 4)?;
            state.serialize_field("index", &self.index)?;
            state.serialize_field("columns", &self.columns)?;
            state.serialize_field("values", &self.values)?;
            state.serialize_field("quality", &self.quality)?;
            state.end()
        }
    }

    impl<'de> serde::Deserialize<'de> for Frame {
        /// Deserialising validates like [`Frame::new`].
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let raw = RawFrame::deserialize(deserializer)?;
            let frame =
                Frame::new(raw.index, raw.columns, raw.values).map_err(serde::de::Error::custom)?;
            match raw.quality {
                Some(mask) => frame.with_quality(mask).map_err(serde::de::Error::custom),
                None => Ok(frame),
            }
        }
    }
}
