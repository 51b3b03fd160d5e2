//! The per-window arithmetic of the range functions, following
//! Prometheus' promql/functions.go.

/// One sample: milliseconds since the epoch and a (non-NaN) value.
pub(crate) type Point = (i64, f64);

/// Seconds between two millisecond timestamps, without overflow.
fn secs_between(later: i64, earlier: i64) -> f64 {
    (i128::from(later) - i128::from(earlier)) as f64 / 1000.0
}

/// Prometheus' `extrapolatedRate`: `rate` / `increase` (`counter`) and
/// `delta` (gauge) over the samples of the window `(start, end]`.
///
/// NaN when the window holds fewer than two samples.
pub(crate) fn extrapolated(
    window: &[Point],
    start: i64,
    end: i64,
    range_secs: f64,
    is_counter: bool,
    is_rate: bool,
) -> f64 {
    let [first, .., last] = window else {
        return f64::NAN;
    };
    let (first_t, first_v) = *first;
    let (last_t, last_v) = *last;
    let mut result = last_v - first_v;
    if is_counter {
        // A drop means the counter restarted from zero: the value before
        // the drop was lost from the difference, so add it back.
        let mut previous = 0.0;
        for &(_, v) in window {
            if v < previous {
                result += previous;
            }
            previous = v;
        }
    }
    let sampled = secs_between(last_t, first_t);
    let average = sampled / (window.len() - 1) as f64;
    let threshold = average * 1.1;
    let mut to_start = secs_between(first_t, start);
    let mut to_end = secs_between(end, last_t);
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    if is_counter && result > 0.0 && first_v >= 0.0 {
        // Do not extrapolate a counter below zero.
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= range_secs;
    }
    result * factor
}

/// Prometheus' `instantValue`: `irate` (`is_rate`) and `idelta` from the
/// last two samples of the window. NaN with fewer than two samples.
pub(crate) fn instant(window: &[Point], is_rate: bool) -> f64 {
    let [.., previous, last] = window else {
        return f64::NAN;
    };
    let result = if is_rate && last.1 < previous.1 {
        last.1
    } else {
        last.1 - previous.1
    };
    if is_rate {
        result / secs_between(last.0, previous.0)
    } else {
        result
    }
}

/// `deriv`: the least-squares slope per second of the window's samples.
/// NaN with fewer than two samples; 0 when every value is equal.
pub(crate) fn slope(window: &[Point]) -> f64 {
    let [first, _, ..] = window else {
        return f64::NAN;
    };
    if window.iter().all(|p| p.1 == first.1) {
        return 0.0;
    }
    let n = window.len() as f64;
    let xs = window.iter().map(|p| secs_between(p.0, first.0));
    let mean_x = xs.clone().sum::<f64>() / n;
    let mean_y = window.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut cov, mut var) = (0.0, 0.0);
    for (x, p) in xs.zip(window) {
        let dx = x - mean_x;
        cov += dx * (p.1 - mean_y);
        var += dx * dx;
    }
    cov / var
}
