//! Window features of a whole column at once: the batch path of
//! [`WindowFeatures::compute`](super::WindowFeatures::compute).
//!
//! The streaming engine updates every feature of every window row by row;
//! in batch the whole column is known, so each statistic gets the algorithm
//! that suits a column: presence counts and extrema from prefix arrays
//! (van Herk / Gil-Werman blocks, no branches per row), mean and variance
//! from sliding sums about a shifting centre (no division per row), and one
//! ordered copy of the window for all the percentiles. The results equal the
//! streaming engine's within 1e-9 relative (exactly for min, max,
//! percentiles, last, missing count, lags and EWMA), which the property
//! tests check against the definitions and against streaming.

use super::config::{Feature, WindowFeatures};
use super::window::least_squares_slope;

/// One metric's column and what every window of it shares.
pub(super) struct Column<'a> {
    values: &'a [f64],
    /// Timestamps in ms, one per row.
    times: &'a [i64],
    /// `present[r]`: present values among rows `0..r`.
    present: Vec<u32>,
    /// The most recent present row at or before each row.
    last_present: Vec<Option<usize>>,
    /// The first present row at or after each row.
    next_present: Vec<Option<usize>>,
}

impl<'a> Column<'a> {
    /// The column; `row_features` asks for the presence indexes that only
    /// last, rate of change, z-score and missing count read.
    pub(super) fn new(values: &'a [f64], times: &'a [i64], row_features: bool) -> Self {
        if !row_features {
            return Column {
                values,
                times,
                present: Vec::new(),
                last_present: Vec::new(),
                next_present: Vec::new(),
            };
        }
        let n = values.len();
        let mut present = Vec::with_capacity(n + 1);
        present.push(0u32);
        let mut last_present = Vec::with_capacity(n);
        let mut last = None;
        let mut count = 0u32;
        for (r, x) in values.iter().enumerate() {
            if !x.is_nan() {
                count += 1;
                last = Some(r);
            }
            present.push(count);
            last_present.push(last);
        }
        let mut next_present = vec![None; n];
        let mut next = None;
        for (r, x) in values.iter().enumerate().rev() {
            if !x.is_nan() {
                next = Some(r);
            }
            if let Some(slot) = next_present.get_mut(r) {
                *slot = next;
            }
        }
        Column {
            values,
            times,
            present,
            last_present,
            next_present,
        }
    }

    fn value(&self, row: usize) -> f64 {
        self.values.get(row).copied().unwrap_or(f64::NAN)
    }

    /// Present values in rows `start..=end`.
    fn present_between(&self, start: usize, end: usize) -> u32 {
        let hi = self.present.get(end + 1).copied().unwrap_or(0);
        let lo = self.present.get(start).copied().unwrap_or(0);
        hi - lo
    }

    /// Writes the features of the windows of `window` rows ending at each
    /// row into `out`, one column (`Vec` of the column's length) per entry
    /// of `features`, in order.
    pub(super) fn window_features(
        &self,
        window: usize,
        features: &[Feature],
        out: &mut [Vec<f64>],
        scratch: &mut Scratch,
    ) {
        let n = self.values.len();
        let wants = |f: Feature| features.contains(&f);
        let needs_moments = wants(Feature::Mean) || wants(Feature::Std) || wants(Feature::ZScore);
        let needs_extrema = needs_moments || wants(Feature::Min) || wants(Feature::Max);
        let Scratch {
            forward,
            backward,
            min,
            max,
            mean,
            std,
        } = scratch;
        for buffer in [&mut *min, &mut *max, &mut *mean, &mut *std] {
            buffer.clear();
        }
        if needs_extrema {
            sliding_extremum(
                self.values,
                window,
                smaller,
                f64::INFINITY,
                forward,
                backward,
                min,
            );
            sliding_extremum(
                self.values,
                window,
                larger,
                f64::NEG_INFINITY,
                forward,
                backward,
                max,
            );
        }
        if needs_moments {
            self.moments(window, min, max, mean, std);
        }
        let quantiles: Vec<(usize, f64)> = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.quantile().map(|p| (i, p)))
            .collect();
        if !quantiles.is_empty() {
            self.window_quantiles(window, &quantiles, out);
        }

        // Extrema of empty windows are the identities (infinite: a frame
        // holds no infinite value), reported as missing.
        let finite_or_nan = |v: &f64| if v.is_finite() { *v } else { f64::NAN };
        for (feature, column) in features.iter().zip(out.iter_mut()) {
            if feature.quantile().is_some() {
                continue;
            }
            // Refilled in place: the buffers keep their capacity from one
            // metric to the next, so the pages are not handed back and
            // faulted in again.
            column.clear();
            match feature {
                Feature::Mean => column.extend_from_slice(mean),
                Feature::Std => column.extend_from_slice(std),
                Feature::Min => column.extend(min.iter().map(finite_or_nan)),
                Feature::Max => column.extend(max.iter().map(finite_or_nan)),
                _ => column
                    .extend((0..n).map(|row| self.row_feature(*feature, window, row, mean, std))),
            }
        }
    }

    /// The features that look at particular rows of the window ending at
    /// `row` rather than at a running statistic.
    fn row_feature(
        &self,
        feature: Feature,
        window: usize,
        row: usize,
        mean: &[f64],
        std: &[f64],
    ) -> f64 {
        let start = (row + 1).saturating_sub(window);
        let last = self
            .last_present
            .get(row)
            .copied()
            .flatten()
            .filter(|&r| r >= start);
        let at = |v: &[f64]| v.get(row).copied().unwrap_or(f64::NAN);
        match feature {
            Feature::Last => last.map_or(f64::NAN, |r| self.value(r)),
            Feature::Slope => self.slope(start, row),
            Feature::RateOfChange => {
                let first = self.next_present.get(start).copied().flatten();
                match (first, last) {
                    (Some(a), Some(b)) if b > a => {
                        (self.value(b) - self.value(a)) / self.seconds_between(a, b)
                    }
                    _ => f64::NAN,
                }
            }
            Feature::ZScore => {
                let sd = at(std);
                match last {
                    Some(r) if sd > 0.0 => (self.value(r) - at(mean)) / sd,
                    _ => f64::NAN,
                }
            }
            Feature::MissingCount => {
                (row + 1 - start) as f64 - f64::from(self.present_between(start, row))
            }
            // The running statistics are copied whole by `window_features`.
            Feature::Mean
            | Feature::Std
            | Feature::Min
            | Feature::Max
            | Feature::P50
            | Feature::P90
            | Feature::P99 => f64::NAN,
        }
    }

    /// Mean and population std of each window. Sliding sums of `x - c` and
    /// `(x - c)^2` about a centre `c`, which moves to the window's exact
    /// mean (two passes) every `window` rows and whenever the rounding the
    /// sums have collected since could matter: each update rounds at the
    /// scale of its own term, so the error of the sum of squares is bounded
    /// by `eps` times the sum of all squared terms added or removed since
    /// the last re-centring (`churn2`), and that of the mean by `eps` times
    /// the sum of their magnitudes (`churn1`). Re-centring when `churn2`
    /// exceeds `2^20` times the window's sum of squared deviations, or
    /// `churn1` exceeds `2^10 sqrt(n m2)`, keeps the std within about
    /// `1.2e-10` relative and the mean within `2.3e-13` std of exact
    /// arithmetic, as the streaming engine's own cancellation check does.
    /// A window whose extrema are equal gets exactly that value and std 0.
    fn moments(
        &self,
        window: usize,
        min: &[f64],
        max: &[f64],
        mean: &mut Vec<f64>,
        std: &mut Vec<f64>,
    ) {
        let n = self.values.len();
        mean.reserve(n);
        std.reserve(n);
        let mut sums = CentredSums::default();
        let mut since_recentre = usize::MAX;
        let mut count = 0u32;
        let (mut inv_for, mut k, mut inv_k) = (0u32, f64::NAN, f64::NAN);
        for row in 0..n {
            let start = (row + 1).saturating_sub(window);
            let x = self.value(row);
            if !x.is_nan() {
                sums.add(x);
                count += 1;
            }
            if row >= window {
                let leaving = self.value(row - window);
                if !leaving.is_nan() {
                    sums.remove(leaving);
                    count -= 1;
                }
            }
            let (lo, hi) = (
                min.get(row).copied().unwrap_or(f64::NAN),
                max.get(row).copied().unwrap_or(f64::NAN),
            );
            if count == 0 {
                mean.push(f64::NAN);
                std.push(f64::NAN);
                continue;
            }
            if lo == hi {
                mean.push(lo);
                std.push(0.0);
                continue;
            }
            // The quotients share 1 / k, computed again only when the
            // count of present values changes (rarely, on metrics).
            if count != inv_for {
                inv_for = count;
                k = f64::from(count);
                inv_k = 1.0 / k;
            }
            since_recentre = since_recentre.saturating_add(1);
            let mut m2 = sums.m2(inv_k);
            if since_recentre >= window || sums.too_rounded(k, m2) {
                sums = self.recentre(start, row);
                since_recentre = 0;
                m2 = sums.m2(inv_k);
            }
            // Just re-centred, the centre is the mean as sum / count gives
            // it; adding `s1` (rounding noise there) could only move it.
            mean.push(if since_recentre == 0 {
                sums.centre
            } else {
                sums.centre + sums.s1 * inv_k
            });
            // The variance for now: the square roots are taken in one pass
            // below, which vectorises, instead of one latency per row here.
            std.push(m2.max(0.0) * inv_k);
        }
        for v in std.iter_mut() {
            *v = v.sqrt();
        }
    }

    /// The exact mean of rows `start..=end` as the new centre, and the sums
    /// about it (two passes).
    fn recentre(&self, start: usize, end: usize) -> CentredSums {
        let rows = self.values.get(start..=end).unwrap_or(&[]);
        let (sum, count) = rows
            .iter()
            .filter(|x| !x.is_nan())
            .fold((0.0, 0usize), |(s, c), &x| (s + x, c + 1));
        let mut sums = CentredSums {
            centre: if count == 0 { 0.0 } else { sum / count as f64 },
            ..CentredSums::default()
        };
        for &x in rows.iter().filter(|x| !x.is_nan()) {
            sums.add(x);
        }
        sums
    }

    /// Percentiles of every window from one ordered copy kept up to date
    /// (an insertion and a removal by binary search per row).
    fn window_quantiles(&self, window: usize, quantiles: &[(usize, f64)], out: &mut [Vec<f64>]) {
        let n = self.values.len();
        for &(slot, _) in quantiles {
            if let Some(column) = out.get_mut(slot) {
                column.clear();
                column.reserve(n);
            }
        }
        let mut ordered: Vec<f64> = Vec::with_capacity(window + 1);
        // Where each quantile falls depends only on how many values are
        // present, which rarely changes: compute it once per count.
        let mut positions = vec![QuantilePosition::default(); quantiles.len()];
        let mut positions_for = usize::MAX;
        for row in 0..n {
            let x = self.value(row);
            let leaving = if row >= window {
                self.value(row - window)
            } else {
                f64::NAN
            };
            match (leaving.is_nan(), x.is_nan()) {
                (false, false) => replace_sorted(&mut ordered, leaving, x),
                (false, true) => {
                    let at = ordered.partition_point(|&v| v < leaving);
                    if at < ordered.len() {
                        ordered.remove(at);
                    }
                }
                (true, false) => {
                    let at = ordered.partition_point(|&v| v < x);
                    ordered.insert(at, x);
                }
                (true, true) => {}
            }
            if ordered.len() != positions_for {
                positions_for = ordered.len();
                for (position, &(_, p)) in positions.iter_mut().zip(quantiles) {
                    *position = QuantilePosition::new(p, positions_for);
                }
            }
            for (&(slot, _), position) in quantiles.iter().zip(&positions) {
                if let Some(column) = out.get_mut(slot) {
                    column.push(position.read(&ordered));
                }
            }
        }
    }

    /// Seconds from row `a` to row `b`, as the streaming engine computes them.
    fn seconds_between(&self, a: usize, b: usize) -> f64 {
        let t = |r: usize| self.times.get(r).copied().unwrap_or(0);
        (i128::from(t(b)) - i128::from(t(a))) as f64 / 1000.0
    }

    /// Least-squares slope per second over the present values of rows
    /// `start..=end` (the streaming engine's two-pass formula).
    fn slope(&self, start: usize, end: usize) -> f64 {
        least_squares_slope(
            (start..=end)
                .map(|r| (self.seconds_between(end, r), self.value(r)))
                .filter(|(_, v)| !v.is_nan()),
        )
    }
}

/// Where quantile `p` falls among `len` ordered values, as
/// `stats::quantile_sorted` computes it (the same operations, so the same bits).
#[derive(Debug, Default, Clone, Copy)]
struct QuantilePosition {
    below: usize,
    fraction: f64,
}

impl QuantilePosition {
    fn new(p: f64, len: usize) -> Self {
        let position = p.clamp(0.0, 1.0) * len.saturating_sub(1) as f64;
        let below = position.floor() as usize;
        QuantilePosition {
            below,
            fraction: position - below as f64,
        }
    }

    fn read(&self, sorted: &[f64]) -> f64 {
        let Some(&last) = sorted.last() else {
            return f64::NAN;
        };
        let lower = sorted.get(self.below).copied().unwrap_or(last);
        let upper = sorted.get(self.below + 1).copied().unwrap_or(lower);
        if self.fraction == 0.0 {
            lower
        } else {
            lower + (upper - lower) * self.fraction
        }
    }
}

/// Replaces `leaving` (present in `ordered`) by `x` and keeps the order.
///
/// Positions are found by counting (`v < leaving`, `v <= x`, `v < x` over
/// the whole window, in one pass) rather than by binary search: the counts
/// compile to vector compares without branches, where a binary search
/// mispredicts about half its steps on data like metrics; the values in
/// between then move by one. The result is the one insertion sort's inner
/// loop gives (equal values keep their relative places).
fn replace_sorted(ordered: &mut [f64], leaving: f64, x: f64) {
    let (mut below_leaving, mut below_x, mut up_to_x) = (0usize, 0usize, 0usize);
    for &v in ordered.iter() {
        below_leaving += usize::from(v < leaving);
        below_x += usize::from(v < x);
        up_to_x += usize::from(v <= x);
    }
    let i = below_leaving;
    if i >= ordered.len() {
        return;
    }
    if x < leaving {
        // x goes after every value <= x, all of which lie before i.
        let p = up_to_x.min(i);
        shift_right(ordered, p, i);
        ordered[p] = x;
    } else {
        // x goes before every value >= x; those before it (after i) move left.
        let q = below_x.saturating_sub(1).max(i);
        shift_left(ordered, i, q);
        ordered[q] = x;
    }
}

/// Moves `values[from..to]` one place right (over `values[to]`). Short runs,
/// the usual case, by a loop: a `memmove` call costs more than a few moves.
fn shift_right(values: &mut [f64], from: usize, to: usize) {
    if to - from > 16 {
        values.copy_within(from..to, from + 1);
        return;
    }
    for j in (from..to).rev() {
        values[j + 1] = values[j];
    }
}

/// Moves `values[from + 1..=to]` one place left (over `values[from]`).
fn shift_left(values: &mut [f64], from: usize, to: usize) {
    if to - from > 16 {
        values.copy_within(from + 1..to + 1, from);
        return;
    }
    for j in from..to {
        values[j] = values[j + 1];
    }
}

/// Sums of deviations from a centre, and the magnitudes of every update
/// since the centre was set (what bounds their rounding error).
#[derive(Debug, Default, Clone, Copy)]
struct CentredSums {
    centre: f64,
    s1: f64,
    s2: f64,
    churn1: f64,
    churn2: f64,
}

impl CentredSums {
    fn add(&mut self, x: f64) {
        let d = x - self.centre;
        self.s1 += d;
        self.s2 += d * d;
        self.churn1 += d.abs();
        self.churn2 += d * d;
    }

    fn remove(&mut self, x: f64) {
        let d = x - self.centre;
        self.s1 -= d;
        self.s2 -= d * d;
        self.churn1 += d.abs();
        self.churn2 += d * d;
    }

    /// Sum of squared deviations from the mean of `k = 1 / inv_k` values.
    fn m2(&self, inv_k: f64) -> f64 {
        self.s2 - self.s1 * self.s1 * inv_k
    }

    /// Whether the rounding collected since the centre was set may exceed
    /// the accuracy promised for `m2` or the mean (see `Column::moments`).
    fn too_rounded(&self, k: f64, m2: f64) -> bool {
        const SCALE: f64 = (1u64 << 20) as f64;
        !(self.churn2 <= SCALE * m2 && self.churn1 * self.churn1 <= SCALE * k * m2)
    }
}

/// The smaller of two values that are not NaN (one compare and select,
/// which `f64::min`'s NaN handling would not inline to).
fn smaller(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// The larger of two values that are not NaN.
fn larger(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// The extremum (by `pick`, with `identity` for an empty window) of each
/// trailing window of `window` rows, missing values ignored: van Herk /
/// Gil-Werman, a running extremum forward within each block of `window`
/// rows and one backward, so each window is the pick of two precomputed
/// entries. About three operations per row whatever the window.
fn sliding_extremum(
    values: &[f64],
    window: usize,
    pick: impl Fn(f64, f64) -> f64,
    identity: f64,
    forward: &mut Vec<f64>,
    backward: &mut Vec<f64>,
    out: &mut Vec<f64>,
) {
    let n = values.len();
    let w = window.max(1);
    let clean = |x: f64| if x.is_nan() { identity } else { x };
    forward.clear();
    backward.clear();
    backward.resize(n, identity);
    for (block_start, block) in values.chunks(w).enumerate().map(|(i, b)| (i * w, b)) {
        let mut acc = identity;
        for &x in block {
            acc = pick(acc, clean(x));
            forward.push(acc);
        }
        let mut acc = identity;
        for (offset, &x) in block.iter().enumerate().rev() {
            acc = pick(acc, clean(x));
            if let Some(slot) = backward.get_mut(block_start + offset) {
                *slot = acc;
            }
        }
    }
    out.clear();
    out.extend((0..n).map(|row| {
        let end = forward.get(row).copied().unwrap_or(identity);
        if row + 1 < w {
            end
        } else {
            let start = backward.get(row + 1 - w).copied().unwrap_or(identity);
            pick(start, end)
        }
    }));
}

/// Working columns of one window's statistics, kept from one window and
/// metric to the next.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    forward: Vec<f64>,
    backward: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
    mean: Vec<f64>,
    std: Vec<f64>,
}

/// Every output column of `config` for one metric, in the order of
/// [`WindowFeatures::output_keys`]: windows x features, EWMAs, lags.
pub(super) fn metric_features(
    config: &WindowFeatures,
    column: &Column<'_>,
    outputs: &mut [Vec<f64>],
    scratch: &mut Scratch,
) {
    let n = column.values.len();
    let per_window = config.features.len();
    let (windowed, rest) =
        outputs.split_at_mut((config.windows.len() * per_window).min(outputs.len()));
    for (&window, block) in config
        .windows
        .iter()
        .zip(windowed.chunks_mut(per_window.max(1)))
    {
        column.window_features(window, &config.features, block, scratch);
    }
    let (ewmas, lags) = rest.split_at_mut(config.ewma_alphas.len().min(rest.len()));
    for (&alpha, out) in config.ewma_alphas.iter().zip(ewmas) {
        let mut state = f64::NAN;
        out.clear();
        out.extend(column.values.iter().map(|&x| {
            if !x.is_nan() {
                state = if state.is_nan() {
                    x
                } else {
                    state + alpha * (x - state)
                };
            }
            state
        }));
    }
    for (&lag, out) in config.lags.iter().zip(lags) {
        out.clear();
        out.extend((0..n).map(|row| {
            row.checked_sub(lag)
                .map_or(f64::NAN, |back| column.value(back))
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::replace_sorted;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn replacing_keeps_the_window_sorted_with_the_right_values(
            mut values in proptest::collection::vec(-5i8..5, 1..40),
            leaving_at in any::<prop::sample::Index>(),
            x in -6i8..6,
        ) {
            values.sort_unstable();
            let mut ordered: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let leaving = ordered[leaving_at.index(ordered.len())];
            let mut expected = ordered.clone();
            let at = expected.iter().position(|&v| v == leaving).unwrap();
            expected.remove(at);
            expected.push(f64::from(x));
            expected.sort_by(f64::total_cmp);
            replace_sorted(&mut ordered, leaving, f64::from(x));
            prop_assert_eq!(ordered, expected);
        }
    }
}
