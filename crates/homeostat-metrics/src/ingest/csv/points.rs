//! Collecting points and rows as they are read, under the caller's order
//! and duplicate policies.

use homeostat_core::{Duplicates, Frame, Order, Series, SeriesKey, Timestamp};
use ndarray::Array2;

use super::record::Record;
use super::{CsvOptions, FORMAT};
use crate::error::{Error, Position, Result};

/// The points of one series as they are read, checked against the policy
/// as they arrive so that errors point at the offending line.
#[derive(Debug, Default)]
pub(super) struct Points {
    timestamps: Vec<Timestamp>,
    values: Vec<f64>,
    /// Where each point was read, kept only when the points are sorted
    /// after reading and duplicates are rejected, to say where a repeat is.
    positions: Vec<Position>,
}

impl Points {
    pub(super) fn push(
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

    pub(super) fn into_series(self, key: SeriesKey, options: CsvOptions) -> Result<Series> {
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
pub(super) struct Rows {
    index: Vec<Timestamp>,
    lines: Vec<Position>,
    values: Vec<f64>,
}

impl Rows {
    pub(super) fn push(
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

    pub(super) fn into_frame(self, keys: Vec<SeriesKey>, options: CsvOptions) -> Result<Frame> {
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
