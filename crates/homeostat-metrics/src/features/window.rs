//! The state of one trailing window of one metric, updated in O(1) per row
//! (amortised), and the features read from it.

use super::config::Feature;
use super::queue::MonotonicQueue;
use crate::stats::quantile_sorted;

/// Read access to the recent rows of one metric: a ring of values and the
/// shared ring of timestamps (milliseconds), both of the same power-of-two
/// length and indexed by `row % len` (a mask, not a division).
#[derive(Debug, Clone, Copy)]
pub(crate) struct History<'a> {
    pub(crate) values: &'a [f64],
    pub(crate) times: &'a [i64],
}

impl History<'_> {
    /// The value of `row`, which must still be in the ring (NaN otherwise,
    /// or for an empty ring).
    pub(crate) fn value(&self, row: u64) -> f64 {
        slot(self.values, row).unwrap_or(f64::NAN)
    }

    /// The timestamp of `row`, in seconds, relative to `origin` (ms).
    fn seconds_since(&self, row: u64, origin: i64) -> f64 {
        let t = slot(self.times, row).unwrap_or(origin);
        // The difference of two timestamps in range fits in i128 exactly.
        (i128::from(t) - i128::from(origin)) as f64 / 1000.0
    }
}

/// The entry of `row` in a ring whose length is a power of two.
pub(crate) fn slot<T: Copy>(ring: &[T], row: u64) -> Option<T> {
    ring.get(slot_index(ring.len(), row)).copied()
}

/// Where `row` lives in a ring of power-of-two length `len`.
pub(crate) fn slot_index(len: usize, row: u64) -> usize {
    (row as usize) & len.wrapping_sub(1)
}

/// Recompute the moments when `m2` drops below this fraction of the churn.
const CANCELLATION: f64 = 1.0 / (1u64 << 20) as f64;

/// A trailing window of `len` rows over one metric.
///
/// Mean and variance are kept with Welford's update and its inverse as rows
/// enter and leave. Removals can cancel: after a spike leaves, the sum of
/// squared deviations `m2` is a small difference of large numbers. So the
/// state also sums the magnitudes of the `m2` updates since the last exact
/// recomputation (`churn`), and recomputes mean and `m2` exactly (two passes
/// over the ring, O(len)) every `len` rows **and** whenever `m2` falls below
/// `churn / 2^20`. The rounding error of `m2` is of order `len * eps *
/// churn`, so this keeps its relative error near `len * 2^20 * eps`
/// (about `len * 2.3e-10`, hence a relative error of the std near
/// `len * 1.2e-10`, and in practice far less, since the bound adds every
/// rounding at its worst). The recomputation costs O(len) at most once
/// per `len` rows plus once per cancellation, so amortised O(1) on any
/// data that does not cancel on almost every row. Min and max come from
/// monotonic queues (exact); when they are equal the std is exactly 0.
#[derive(Debug, Clone)]
pub(crate) struct WindowState {
    len: usize,
    present: usize,
    missing: usize,
    mean: f64,
    m2: f64,
    /// Sum of |updates| to `m2` since the last exact recomputation.
    churn: f64,
    since_refresh: usize,
    min: MonotonicQueue,
    max: MonotonicQueue,
    /// A lower bound on the oldest present row of the window.
    first_present: u64,
    /// The window's present values in order, kept only when percentiles
    /// are asked for: an insertion and a removal by binary search per row,
    /// O(log w) comparisons plus a move of at most w values.
    ordered: Option<Vec<f64>>,
}

impl WindowState {
    /// A window of `len` rows; `percentiles` keeps the ordered values.
    pub(crate) fn new(len: usize, percentiles: bool) -> Self {
        WindowState {
            len,
            present: 0,
            missing: 0,
            mean: 0.0,
            m2: 0.0,
            churn: 0.0,
            since_refresh: 0,
            min: MonotonicQueue::new(len, true),
            max: MonotonicQueue::new(len, false),
            first_present: 0,
            ordered: percentiles.then(|| Vec::with_capacity(len)),
        }
    }

    /// The first row of the window ending at `row`.
    fn start(&self, row: u64) -> u64 {
        (row + 1).saturating_sub(self.len as u64)
    }

    /// Takes row `row` (value `x`, already stored in `history`, whose ring
    /// still holds the row leaving the window).
    pub(crate) fn push(&mut self, row: u64, x: f64, history: History<'_>) {
        let start = self.start(row);
        if row >= self.len as u64 {
            let leaving = history.value(row - self.len as u64);
            if leaving.is_nan() {
                self.missing = self.missing.saturating_sub(1);
            } else {
                self.remove(leaving);
                if let Some(ordered) = &mut self.ordered {
                    let at = ordered.partition_point(|v| v.total_cmp(&leaving).is_lt());
                    if at < ordered.len() {
                        ordered.remove(at);
                    }
                }
            }
        }
        self.min.expire(start);
        self.max.expire(start);
        if x.is_nan() {
            self.missing += 1;
        } else {
            self.min.push(row, x);
            self.max.push(row, x);
            self.add(x);
            if let Some(ordered) = &mut self.ordered {
                let at = ordered.partition_point(|v| v.total_cmp(&x).is_lt());
                ordered.insert(at, x);
            }
        }
        if self.present == 1 {
            // The one present value is both extrema: pin the moments exactly.
            self.mean = self.max.front();
            self.m2 = 0.0;
            self.churn = 0.0;
        }
        self.since_refresh += 1;
        if self.since_refresh >= self.len || self.m2 < self.churn * CANCELLATION {
            self.refresh(row, history);
        }
        self.first_present = self.first_present.max(start);
        while self.first_present <= row && history.value(self.first_present).is_nan() {
            self.first_present += 1;
        }
    }

    fn add(&mut self, x: f64) {
        self.present += 1;
        let delta = x - self.mean;
        self.mean += delta / self.present as f64;
        let update = delta * (x - self.mean);
        self.m2 += update;
        self.churn += update.abs();
    }

    fn remove(&mut self, x: f64) {
        if self.present <= 1 {
            self.present = 0;
            self.mean = 0.0;
            self.m2 = 0.0;
            self.churn = 0.0;
            return;
        }
        self.present -= 1;
        let delta = x - self.mean;
        self.mean -= delta / self.present as f64;
        let update = delta * (x - self.mean);
        self.m2 -= update;
        self.churn += update.abs();
    }

    /// Recomputes the moments exactly from the window's rows.
    fn refresh(&mut self, row: u64, history: History<'_>) {
        self.since_refresh = 0;
        let rows = self.start(row)..=row;
        let (sum, n) = rows
            .clone()
            .map(|r| history.value(r))
            .filter(|v| !v.is_nan())
            .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        if n == 0 {
            self.mean = 0.0;
            self.m2 = 0.0;
            self.churn = 0.0;
            return;
        }
        let mean = sum / n as f64;
        self.mean = mean;
        self.m2 = rows
            .map(|r| history.value(r))
            .filter(|v| !v.is_nan())
            .map(|v| (v - mean) * (v - mean))
            .sum();
        self.churn = self.m2;
    }

    fn mean(&self) -> f64 {
        if self.present == 0 {
            f64::NAN
        } else {
            self.mean
        }
    }

    fn std(&self) -> f64 {
        if self.present == 0 {
            f64::NAN
        } else if self.min.front() == self.max.front() {
            0.0
        } else {
            (self.m2.max(0.0) / self.present as f64).sqrt()
        }
    }

    /// The most recent present row of the window ending at `row`.
    fn last_present(&self, row: u64, last_present: Option<u64>) -> Option<u64> {
        last_present.filter(|&r| r >= self.start(row) && r <= row)
    }

    /// Writes the `features` of the window ending at `row` into `out`
    /// (one slot per feature, in order). `last_present` is the metric's most
    /// recent present row.
    pub(crate) fn write_features(
        &self,
        features: &[Feature],
        row: u64,
        last_present: Option<u64>,
        history: History<'_>,
        out: &mut [f64],
    ) {
        let last = self.last_present(row, last_present);
        let first = (self.first_present <= row).then_some(self.first_present);
        for (target, feature) in out.iter_mut().zip(features) {
            *target = match feature {
                Feature::Mean => self.mean(),
                Feature::Std => self.std(),
                Feature::Min => self.min.front(),
                Feature::Max => self.max.front(),
                // `ordered` is kept whenever a percentile is configured.
                Feature::P50 | Feature::P90 | Feature::P99 => {
                    self.ordered.as_deref().map_or(f64::NAN, |ordered| {
                        quantile_sorted(ordered, feature.quantile().unwrap_or(0.5))
                    })
                }
                Feature::Last => last.map_or(f64::NAN, |r| history.value(r)),
                Feature::Slope => self.slope(row, history),
                Feature::RateOfChange => match (first, last) {
                    (Some(a), Some(b)) if b > a => {
                        let origin = slot(history.times, a).unwrap_or(0);
                        (history.value(b) - history.value(a)) / history.seconds_since(b, origin)
                    }
                    _ => f64::NAN,
                },
                Feature::ZScore => {
                    let std = self.std();
                    match last {
                        Some(r) if std > 0.0 => (history.value(r) - self.mean()) / std,
                        _ => f64::NAN,
                    }
                }
                Feature::MissingCount => self.missing as f64,
            };
        }
    }

    /// Least-squares slope per second over the window's present values, with
    /// times taken relative to the newest row so they stay small.
    fn slope(&self, row: u64, history: History<'_>) -> f64 {
        let origin = slot(history.times, row).unwrap_or(0);
        least_squares_slope(
            (self.start(row)..=row)
                .map(|r| (history.seconds_since(r, origin), history.value(r)))
                .filter(|(_, v)| !v.is_nan()),
        )
    }

    /// Allocated slots, for the bounded-state checks.
    pub(crate) fn state_len(&self) -> usize {
        self.min.capacity() + self.max.capacity() + self.ordered.as_ref().map_or(0, Vec::capacity)
    }
}

/// Least-squares slope of `(t, x)` points (two passes: means, then the
/// centred sums); NaN for fewer than two points or a zero time spread.
pub(crate) fn least_squares_slope(points: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let (st, sx, n) = points
        .clone()
        .fold((0.0, 0.0, 0usize), |(st, sx, n), (t, x)| {
            (st + t, sx + x, n + 1)
        });
    if n < 2 {
        return f64::NAN;
    }
    let (mt, mx) = (st / n as f64, sx / n as f64);
    let (stt, stx) = points.fold((0.0, 0.0), |(stt, stx), (t, x)| {
        (stt + (t - mt) * (t - mt), stx + (t - mt) * (x - mx))
    });
    if stt > 0.0 { stx / stt } else { f64::NAN }
}
