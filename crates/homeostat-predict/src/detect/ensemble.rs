//! An ensemble: several detectors on the same stream, their tail
//! probabilities combined into one.

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    Cusum, Detector, ForecastResidual, PageHinkley, RobustEwma, RobustZ, SeasonalResidual,
    TAIL_FULL_SCALE, WindowedGaussian, score_from_tail,
};
use crate::{Error, Result};

/// A member of an [`Ensemble`]: every detector whose score is
/// [`score_from_tail`] of a tail probability, so `p` can be recovered.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Member {
    /// See [`RobustEwma`].
    RobustEwma(RobustEwma),
    /// See [`RobustZ`].
    RobustZ(RobustZ),
    /// See [`WindowedGaussian`].
    WindowedGaussian(WindowedGaussian),
    /// See [`Cusum`].
    Cusum(Cusum),
    /// See [`PageHinkley`].
    PageHinkley(PageHinkley),
    /// See [`SeasonalResidual`].
    Seasonal(SeasonalResidual),
    /// See [`ForecastResidual`].
    ForecastResidual(ForecastResidual),
}

impl Member {
    fn detector(&mut self) -> &mut dyn Detector {
        match self {
            Member::RobustEwma(d) => d,
            Member::RobustZ(d) => d,
            Member::WindowedGaussian(d) => d,
            Member::Cusum(d) => d,
            Member::PageHinkley(d) => d,
            Member::Seasonal(d) => d,
            Member::ForecastResidual(d) => d,
        }
    }
}

/// How member tail probabilities `p₁ … p_k` become one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Combine {
    /// `min(1, k · min pᵢ)`: Bonferroni's bound, a valid tail probability
    /// whatever the dependence between members; one confident member is
    /// enough.
    MinBonferroni,
    /// `10^(−mean(−log10 pᵢ))`, the geometric mean: rewards agreement, not
    /// a calibrated probability when members disagree (the default: 22.7
    /// against Bonferroni's 14.2 standard on nab-dev, see docs/forecast.md).
    MeanLog,
}

/// Parameters of [`Ensemble`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnsembleParams {
    members: Vec<Member>,
    combine: Combine,
}

impl EnsembleParams {
    /// The members (default `ewma-mad`, `cusum`, `page-hinkley`,
    /// `seasonal` with their defaults; at least one).
    pub fn members(mut self, members: Vec<Member>) -> Self {
        self.members = members;
        self
    }

    /// The combination rule (default [`Combine::MeanLog`]).
    pub fn combine(mut self, combine: Combine) -> Self {
        self.combine = combine;
        self
    }

    /// Checks the parameters and builds the ensemble.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an empty member list.
    pub fn build(self) -> Result<Ensemble> {
        if self.members.is_empty() {
            return Err(Error::InvalidParameter {
                name: "members",
                reason: "no detector".into(),
            });
        }
        Ok(Ensemble { params: self })
    }
}

/// Ensemble detector: the sum of its members' costs.
///
/// Each member's score `s` is `-log10(p) / 30` (saturating at `p = 1e-30`),
/// so `-log10 p = 30 s` is recovered and combined by [`Combine`].
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Combine, Detector, Ensemble};
/// let mut d = Ensemble::params().combine(Combine::MinBonferroni).build()?;
/// let t = Timestamp::from_secs(0);
/// let before: f64 = (0..2000).map(|i| d.update(t, (i % 7) as f64)).fold(0.0, f64::max);
/// assert!(d.update(t, 60.0) > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ensemble {
    params: EnsembleParams,
}

impl Ensemble {
    /// Default parameters (the default members' parameters are valid
    /// constants, so building them cannot fail).
    pub fn params() -> EnsembleParams {
        EnsembleParams {
            members: default_members().unwrap_or_default(),
            combine: Combine::MeanLog,
        }
    }
}

fn default_members() -> Result<Vec<Member>> {
    Ok(vec![
        Member::RobustEwma(RobustEwma::params().build()?),
        Member::Cusum(Cusum::params().build_cusum()?),
        Member::PageHinkley(PageHinkley::params().build_page_hinkley()?),
        Member::Seasonal(SeasonalResidual::params().build()?),
    ])
}

impl Detector for Ensemble {
    fn update(&mut self, t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let k = self.params.members.len() as f64;
        let mut max_log = 0.0f64;
        let mut sum_log = 0.0;
        for m in &mut self.params.members {
            let neg_log_p = m.detector().update(t, x) * TAIL_FULL_SCALE;
            max_log = max_log.max(neg_log_p);
            sum_log += neg_log_p;
        }
        let p = match self.params.combine {
            Combine::MinBonferroni => (k * 10f64.powf(-max_log)).min(1.0),
            Combine::MeanLog => 10f64.powf(-sum_log / k),
        };
        score_from_tail(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn combinations_follow_their_formulas() {
        let t = Timestamp::from_secs(0);
        // Two copies of one detector: Bonferroni doubles its p, the mean
        // keeps it.
        let one = || Member::RobustEwma(ok(RobustEwma::params().build()));
        let mut single = ok(RobustEwma::params().build());
        let mut bonf = ok(Ensemble::params()
            .members(vec![one(), one()])
            .combine(Combine::MinBonferroni)
            .build());
        let mut mean = ok(Ensemble::params()
            .members(vec![one(), one()])
            .combine(Combine::MeanLog)
            .build());
        for i in 0..300 {
            let x = (i % 5) as f64 + if i == 250 { 6.0 } else { 0.0 };
            let s = single.update(t, x);
            let expected = score_from_tail((2.0 * 10f64.powf(-s * TAIL_FULL_SCALE)).min(1.0));
            assert!((bonf.update(t, x) - expected).abs() < 1e-9, "{i}");
            assert!((mean.update(t, x) - s).abs() < 1e-9, "{i}");
        }
    }

    #[test]
    fn an_empty_ensemble_is_refused() {
        assert!(Ensemble::params().members(vec![]).build().is_err());
        assert_eq!(Ensemble::params().members.len(), 4);
    }
}
