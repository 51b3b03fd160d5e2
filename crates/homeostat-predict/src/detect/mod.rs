//! Streaming anomaly detectors: push a value, get an anomaly score in
//! `[0, 1]`.
//!
//! Every detector keeps O(1) or O(window) state, skips values that are not
//! finite (scoring them 0 without touching its state), treats each update as
//! one step whatever the timestamps' spacing, and serialises with serde so a
//! restarted process resumes where it stopped. Scores are one minus a tail
//! probability of the residual under the detector's model, so one threshold
//! serves every series.

mod change;
mod contextual;
mod ensemble;
mod ewma;
mod fused;
mod gaussian;
mod levels;
mod multiscale;
mod record;
mod registry;
mod residual;
mod resonance;
mod robust_z;
mod seasonal;
mod shesd;
mod tail;

pub use change::{ChangeParams, Cusum, PageHinkley};
pub use contextual::{Contextual, ContextualParams};
pub use ensemble::{Combine, Ensemble, EnsembleParams, Member};
pub use ewma::{RobustEwma, RobustEwmaParams};
pub use fused::{Fused, FusedParams};
pub use gaussian::{WindowedGaussian, WindowedGaussianParams};
pub use levels::{Levels, LevelsParams};
pub use multiscale::{Multiscale, MultiscaleParams};
pub use registry::{DEFAULT_DETECTOR, DETECTOR_NAMES, NAB_DETECTOR, detector_by_name};
pub use residual::{ForecastResidual, ForecastResidualParams};
pub use resonance::{Resonance, ResonanceParams};
pub use robust_z::{RobustZ, RobustZParams};
pub use seasonal::{SeasonalResidual, SeasonalResidualParams};
pub use shesd::{ShEsd, ShEsdParams};
pub use tail::{TAIL_FULL_SCALE, normal_tail_two_sided, score_from_tail};

use homeostat_core::Timestamp;

/// A streaming anomaly detector.
///
/// ```
/// use homeostat_predict::detect::{Detector, RobustEwma};
/// use homeostat_core::Timestamp;
/// let mut d = RobustEwma::params().build()?;
/// let mut last = 0.0;
/// for i in 0..500 {
///     let x = if i == 400 { 50.0 } else { (i % 7) as f64 };
///     last = d.update(Timestamp::from_secs(60 * i), x);
///     if i == 400 { assert!(last > 0.999); }
/// }
/// assert!(last < 0.99);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Detector {
    /// Feeds the value observed at `t` and returns its anomaly score in
    /// `[0, 1]`. A value that is NaN or infinite scores 0 and leaves the
    /// state unchanged.
    fn update(&mut self, t: Timestamp, x: f64) -> f64;

    /// Scores a whole series in order (provided).
    fn score_all(&mut self, timestamps: &[Timestamp], values: &[f64]) -> Vec<f64> {
        timestamps
            .iter()
            .zip(values)
            .map(|(t, x)| self.update(*t, *x))
            .collect()
    }
}

impl<D: Detector + ?Sized> Detector for Box<D> {
    fn update(&mut self, t: Timestamp, x: f64) -> f64 {
        (**self).update(t, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<f64> {
        // A daily-like wave with deterministic noise.
        (0..n)
            .map(|i| 10.0 + (i as f64 * 0.05).sin() + ((i * 7919) % 13) as f64 * 0.02)
            .collect()
    }

    fn all() -> Vec<Box<dyn Detector + Send>> {
        DETECTOR_NAMES
            .iter()
            .map(|n| detector_by_name(n).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    /// How many values late a detector may report: `resonance` scores the
    /// value that completes its downsampled point (4 values by default).
    fn delay(name: &str) -> usize {
        if name == "resonance" { 4 } else { 1 }
    }

    #[test]
    fn a_spike_scores_above_everything_before_it() {
        for (name, mut d) in DETECTOR_NAMES.iter().zip(all()) {
            let mut xs = series(3000);
            xs[2500] += 30.0;
            let ts: Vec<Timestamp> = (0..3000).map(|i| Timestamp::from_secs(60 * i)).collect();
            let s = d.score_all(&ts, &xs);
            let before = s[1000..2500].iter().cloned().fold(0.0, f64::max);
            let spike = s[2500..2500 + delay(name)]
                .iter()
                .cloned()
                .fold(0.0, f64::max);
            assert!(spike > before, "{name}: spike {spike} vs before {before}");
            assert!(s.iter().all(|v| (0.0..=1.0).contains(v)), "{name}");
        }
    }

    #[test]
    fn non_finite_values_score_zero_and_leave_state_alone() {
        for (name, mut d) in DETECTOR_NAMES.iter().zip(all()) {
            let xs = series(500);
            let t = Timestamp::from_secs(0);
            for x in &xs[..400] {
                d.update(t, *x);
            }
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                assert_eq!(d.update(t, bad), 0.0, "{name}");
            }
            let mut fresh = detector_by_name(name).unwrap_or_else(|e| panic!("{e}"));
            for x in &xs[..400] {
                fresh.update(t, *x);
            }
            for x in &xs[400..] {
                assert_eq!(d.update(t, *x), fresh.update(t, *x), "{name}");
            }
        }
    }

    #[test]
    fn a_constant_series_is_never_anomalous_until_it_changes() {
        for (name, mut d) in DETECTOR_NAMES.iter().zip(all()) {
            let t = Timestamp::from_secs(0);
            for _ in 0..1000 {
                assert_eq!(d.update(t, 5.0), 0.0, "{name}");
            }
            let change = (0..delay(name))
                .map(|_| d.update(t, 6.0))
                .fold(0.0, f64::max);
            assert!(change > 0.0, "{name}");
        }
    }

    #[test]
    fn serialised_state_resumes_exactly() {
        let xs = series(2000);
        let t = Timestamp::from_secs(0);
        let mut a = Multiscale::params()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        for x in &xs[..1000] {
            a.update(t, *x);
        }
        let json = serde_json::to_string(&a).unwrap_or_else(|e| panic!("{e}"));
        let mut b: Multiscale = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        // serde_json without `float_roundtrip` may change the last bit.
        for x in &xs[1000..] {
            assert!((a.update(t, *x) - b.update(t, *x)).abs() < 1e-9);
        }
    }

    #[test]
    fn every_new_detector_resumes_after_a_serde_round_trip() {
        fn check<D>(mut a: D)
        where
            D: Detector + serde::Serialize + serde::de::DeserializeOwned,
        {
            // A detector saved before its first value loads, and scores as
            // the original.
            let fresh = serde_json::to_string(&a).unwrap_or_else(|e| panic!("{e}"));
            let mut fresh: D =
                serde_json::from_str(&fresh).unwrap_or_else(|e| panic!("{e}: {fresh}"));
            let xs = series(2000);
            let t = Timestamp::from_secs(0);
            for x in &xs[..1200] {
                assert!((a.update(t, *x) - fresh.update(t, *x)).abs() < 1e-6);
            }
            let json = serde_json::to_string(&a).unwrap_or_else(|e| panic!("{e}"));
            let mut b: D = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
            for x in &xs[1200..] {
                assert!((a.update(t, *x) - b.update(t, *x)).abs() < 1e-6);
            }
        }
        fn ok<T>(r: crate::Result<T>) -> T {
            r.unwrap_or_else(|e| panic!("{e}"))
        }
        check(ok(RobustZ::params().build()));
        check(ok(Cusum::params().build_cusum()));
        check(ok(PageHinkley::params().build_page_hinkley()));
        check(ok(SeasonalResidual::params().build()));
        check(ok(ForecastResidual::params().build()));
        check(ok(Ensemble::params().build()));
        check(ok(Contextual::params().build()));
        check(ok(Resonance::params().build()));
        check(ok(Fused::params().build()));
        check(ok(Fused::contextual_params().build()));
        check(ok(Levels::params().build()));
        check(ok(Levels::params().steps(true).build()));
        check(ok(Fused::params()
            .levels(Levels::params().steps(true))
            .build()));
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(WindowedGaussian::params().window(1).build().is_err());
        assert!(RobustEwma::params().alpha(0.0).build().is_err());
        assert!(RobustEwma::params().alpha(f64::NAN).build().is_err());
        assert!(RobustEwma::params().clip(0.5).build().is_err());
        assert!(Multiscale::params().alphas(vec![]).build().is_err());
        assert!(Multiscale::params().short(0).build().is_err());
        assert!(Multiscale::params().decay(1.0).build().is_err());
        assert!(Multiscale::params().damping(1.5).build().is_err());
        assert!(Multiscale::params().full_scale(0.0).build().is_err());
        assert!(detector_by_name("nope").is_err());
    }
}
