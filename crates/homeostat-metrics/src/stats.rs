//! Small NaN-aware statistics shared by the scalers and the window features.

/// The non-missing values of `values`, sorted ascending.
pub(crate) fn sorted_present(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut present: Vec<f64> = values.into_iter().filter(|v| !v.is_nan()).collect();
    present.sort_unstable_by(f64::total_cmp);
    present
}

/// The `p`-quantile (`0 <= p <= 1`) of ascending, NaN-free `sorted` by linear
/// interpolation between closest ranks (NumPy's default, Hyndman & Fan type
/// 7); NaN when `sorted` is empty.
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let Some(&last) = sorted.last() else {
        return f64::NAN;
    };
    let position = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let fraction = position - below as f64;
    let lower = sorted.get(below).copied().unwrap_or(last);
    let upper = sorted.get(below + 1).copied().unwrap_or(lower);
    if fraction == 0.0 {
        lower
    } else {
        lower + (upper - lower) * fraction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_linearly() {
        let sorted = sorted_present([4.0, f64::NAN, 1.0, 3.0, 2.0]);
        assert_eq!(sorted, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(quantile_sorted(&sorted, 0.0), 1.0);
        assert_eq!(quantile_sorted(&sorted, 0.5), 2.5);
        assert_eq!(quantile_sorted(&sorted, 1.0), 4.0);
        assert!((quantile_sorted(&sorted, 0.9) - 3.7).abs() < 1e-12);
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_sorted(&[7.0], 0.99), 7.0);
    }
}
