//! Detectors by name, for command lines and configuration files.

use super::{
    Contextual, Cusum, Detector, Ensemble, ForecastResidual, Fused, Levels, Multiscale,
    PageHinkley, Resonance, RobustEwma, RobustZ, SeasonalResidual, WindowedGaussian,
};
use crate::{Error, Result};

/// The names [`detector_by_name`] knows.
pub const DETECTOR_NAMES: [&str; 14] = [
    "multiscale",
    "ewma-mad",
    "windowed-gaussian",
    "robust-z",
    "cusum",
    "page-hinkley",
    "seasonal",
    "forecast-residual",
    "ensemble",
    "contextual",
    "resonance",
    "levels",
    "fused",
    "fused-contextual",
];

/// The default streaming detector: the best on NAB of those fast enough
/// for every metric of a fleet (5 M points/s, see docs/benchmarks.md).
pub const DEFAULT_DETECTOR: &str = "multiscale";

/// The project's best configuration on NAB (`homeostat nab`'s default; see
/// docs/forecast.md), slower than [`DEFAULT_DETECTOR`].
pub const NAB_DETECTOR: &str = "fused";

/// A fresh detector with default parameters, by name.
///
/// # Errors
/// [`Error::InvalidParameter`] for an unknown name (listing the known ones).
///
/// ```
/// let d = homeostat_predict::detect::detector_by_name("ewma-mad");
/// assert!(d.is_ok());
/// assert!(homeostat_predict::detect::detector_by_name("magic").is_err());
/// ```
pub fn detector_by_name(name: &str) -> Result<Box<dyn Detector + Send>> {
    Ok(match name {
        "fused" => Box::new(Fused::params().build()?),
        "multiscale" => Box::new(Multiscale::params().build()?),
        "ewma-mad" => Box::new(RobustEwma::params().build()?),
        "windowed-gaussian" => Box::new(WindowedGaussian::params().build()?),
        "robust-z" => Box::new(RobustZ::params().build()?),
        "cusum" => Box::new(Cusum::params().build_cusum()?),
        "page-hinkley" => Box::new(PageHinkley::params().build_page_hinkley()?),
        "seasonal" => Box::new(SeasonalResidual::params().build()?),
        "forecast-residual" => Box::new(ForecastResidual::params().build()?),
        "ensemble" => Box::new(Ensemble::params().build()?),
        "contextual" => Box::new(Contextual::params().build()?),
        "resonance" => Box::new(Resonance::params().build()?),
        "levels" => Box::new(Levels::params().build()?),
        "fused-contextual" => Box::new(Fused::contextual_params().build()?),
        other => {
            return Err(Error::InvalidParameter {
                name: "detector",
                reason: format!("unknown {other:?}; known: {}", DETECTOR_NAMES.join(", ")),
            });
        }
    })
}
