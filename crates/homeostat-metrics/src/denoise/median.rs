//! Medians and window bounds shared by the median-based filters.

use crate::error::{Result, invalid};

/// The median of the non-NaN values, NaN when there are none. `scratch` is
/// reused between calls to avoid allocating.
pub(crate) fn median(values: impl Iterator<Item = f64>, scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend(values.filter(|v| !v.is_nan()));
    scratch.sort_unstable_by(f64::total_cmp);
    let n = scratch.len();
    match (scratch.get(n.wrapping_sub(1) / 2), scratch.get(n / 2)) {
        (Some(a), Some(b)) if n.is_multiple_of(2) => a + (b - a) / 2.0,
        (_, Some(b)) => *b,
        _ => f64::NAN,
    }
}

/// Rejects a window that is zero or even.
pub(crate) fn check_odd_window(window: usize) -> Result<()> {
    if window == 0 || window.is_multiple_of(2) {
        return Err(invalid(
            "window",
            format!("the window must be a positive odd number of samples, got {window}"),
        ));
    }
    Ok(())
}

/// The values in `[i - before, i + after]`, truncated to the slice.
pub(crate) fn around(values: &[f64], i: usize, before: usize, after: usize) -> &[f64] {
    let lo = i.saturating_sub(before);
    let hi = i.saturating_add(after).saturating_add(1).min(values.len());
    values.get(lo..hi).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_skip_missing_values() {
        let mut s = Vec::new();
        assert_eq!(median([3.0, 1.0, 2.0].into_iter(), &mut s), 2.0);
        assert_eq!(
            median([4.0, 1.0, f64::NAN, 2.0, 3.0].into_iter(), &mut s),
            2.5
        );
        assert!(median([f64::NAN].into_iter(), &mut s).is_nan());
        assert!(median(std::iter::empty(), &mut s).is_nan());
        assert_eq!(around(&[1.0, 2.0, 3.0], 0, 2, 2), &[1.0, 2.0, 3.0]);
        assert_eq!(around(&[1.0, 2.0, 3.0], 2, 1, 0), &[2.0, 3.0]);
    }
}
