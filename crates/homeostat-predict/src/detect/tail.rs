//! Normal tail probabilities without a statistics dependency.

/// `erfc(x)` with relative error below 1.2e-7 everywhere (Numerical
/// Recipes' Chebyshev fit), which keeps precision deep in the tail.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// `P(|Z| ≥ |z|)` for a standard normal `Z`; 1 for NaN.
///
/// ```
/// use homeostat_predict::detect::normal_tail_two_sided;
/// assert!((normal_tail_two_sided(1.96) - 0.05).abs() < 1e-3);
/// assert_eq!(normal_tail_two_sided(0.0), 1.0);
/// ```
pub fn normal_tail_two_sided(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// `-log10` of the tail probability that scores 1.
pub const TAIL_FULL_SCALE: f64 = 30.0;

/// The anomaly score of a tail probability `p`: `-log10(p) / 30`, clamped
/// to `[0, 1]` (NaN scores 0).
///
/// The same `p` gives the same score on every series, so one threshold
/// serves them all; a logarithm rather than `1 − p` keeps rare events apart
/// (`1 − p` rounds to 1 for every `p` below 1e-16). A score of 0.2 is
/// `p = 1e-6`, 0.5 is `p = 1e-15`.
///
/// ```
/// use homeostat_predict::detect::score_from_tail;
/// assert_eq!(score_from_tail(1.0), 0.0);
/// assert!((score_from_tail(1e-15) - 0.5).abs() < 1e-12);
/// assert_eq!(score_from_tail(0.0), 1.0);
/// ```
pub fn score_from_tail(p: f64) -> f64 {
    if p.is_nan() {
        0.0
    } else {
        (-p.max(1e-300).log10() / TAIL_FULL_SCALE).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_matches_known_values() {
        assert!((normal_tail_two_sided(1.0) - 0.317_310_5).abs() < 1e-6);
        assert!((normal_tail_two_sided(3.0) - 0.002_699_8).abs() < 1e-6);
        let p6 = normal_tail_two_sided(6.0);
        assert!((p6 / 1.973_175e-9 - 1.0).abs() < 1e-5, "{p6}");
        assert_eq!(normal_tail_two_sided(f64::INFINITY), 0.0);
        assert_eq!(score_from_tail(f64::NAN), 0.0);
    }
}
