//! The contextual detector and the multiscale detector averaged, with an
//! alarm reported only when it beats every raw score of the recent past,
//! and the resonance detector's alarms beside them.
//!
//! Why: the contextual detector sees a value that breaks the series'
//! learnt sequence of levels (a pattern change at a familiar level), the
//! multiscale one a value far from the recent level at any time scale; the
//! mean needs both to lean the same way, which keeps either one's false
//! alarms down. NAB, like an on-call engineer, rewards the first alarm of
//! an episode and penalises every other one, so a value scores only when it
//! is a record over the last `rest` values: the start of a new episode.
//! The resonance detector sees a whole window's shape at once (a daily
//! wave going flat, a new rhythm); its alarms are rare and already one an
//! episode, so the larger of the two scores is reported.

use std::collections::VecDeque;

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    Contextual, ContextualParams, Detector, Multiscale, MultiscaleParams, Resonance,
    ResonanceParams,
};
use crate::{Error, Result};

/// Parameters of [`Fused`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FusedParams {
    contextual: ContextualParams,
    multiscale: MultiscaleParams,
    rest: usize,
    /// Absent from parameters saved before the member existed, which
    /// keep running without it.
    #[serde(default)]
    resonance: Option<ResonanceParams>,
}

impl FusedParams {
    /// The contextual member's parameters (default
    /// [`Contextual::params`]; its own rest period is not used).
    pub fn contextual(mut self, contextual: ContextualParams) -> Self {
        self.contextual = contextual;
        self
    }

    /// The multiscale member's parameters (default [`Multiscale::params`]).
    pub fn multiscale(mut self, multiscale: MultiscaleParams) -> Self {
        self.multiscale = multiscale;
        self
    }

    /// The resonance member's parameters, or `None` to leave it out
    /// (default [`Resonance::params`]).
    pub fn resonance(mut self, resonance: Option<ResonanceParams>) -> Self {
        self.resonance = resonance;
        self
    }

    /// The mean of the contextual and multiscale members counts only when
    /// it beats the last `rest` such means, and not in the first `rest`
    /// values (default 150, at least 1). The resonance member's score
    /// counts on its own terms (after its own warm-up).
    pub fn rest(mut self, rest: usize) -> Self {
        self.rest = rest;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<Fused> {
        if self.rest == 0 {
            return Err(Error::InvalidParameter {
                name: "rest",
                reason: "0 values".into(),
            });
        }
        Ok(Fused {
            contextual: self.contextual.clone().build()?,
            multiscale: self.multiscale.clone().build()?,
            resonance: self
                .resonance
                .clone()
                .map(ResonanceParams::build)
                .transpose()?,
            recent: VecDeque::with_capacity(self.rest),
            params: self,
        })
    }
}

/// Mean of [`Contextual`] and [`Multiscale`], reported at records only, or
/// [`Resonance`]'s score when larger; the cost of the three members plus
/// O(rest).
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, Fused};
/// let mut d = Fused::params().build()?;
/// let t = Timestamp::from_secs(0);
/// let before = (0..3000).map(|i| d.update(t, (i % 10) as f64)).fold(0.0, f64::max);
/// assert!(d.update(t, 40.0) > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fused {
    params: FusedParams,
    contextual: Contextual,
    multiscale: Multiscale,
    #[serde(default)]
    resonance: Option<Resonance>,
    /// The last `rest` raw scores, oldest first.
    recent: VecDeque<f64>,
}

impl Fused {
    /// Default parameters.
    pub fn params() -> FusedParams {
        FusedParams {
            contextual: Contextual::params(),
            multiscale: Multiscale::params(),
            rest: 150,
            resonance: Some(Resonance::params()),
        }
    }
}

impl Detector for Fused {
    fn update(&mut self, t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let raw = (self.contextual.raw(x) + self.multiscale.update(t, x)) / 2.0;
        let full = self.recent.len() == self.params.rest;
        let record = full && self.recent.iter().all(|&r| raw > r);
        if full {
            self.recent.pop_front();
        }
        self.recent.push_back(raw);
        let resonance = self.resonance.as_mut().map_or(0.0, |r| r.update(t, x));
        if record {
            raw.max(resonance)
        } else {
            resonance
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_value_of_an_episode_scores() {
        let mut d = Fused::params()
            .rest(50)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let t = Timestamp::from_secs(0);
        for i in 0..2000 {
            d.update(t, (i % 5) as f64);
        }
        let onset = d.update(t, 30.0);
        assert!(onset > 0.0);
        // The same level again is no record.
        assert_eq!(d.update(t, 30.0), 0.0);
        assert!(Fused::params().rest(0).build().is_err());
        assert!(
            Fused::params()
                .resonance(Some(Resonance::params().window(3)))
                .build()
                .is_err()
        );
        assert!(
            Fused::params()
                .contextual(Contextual::params().bits(0))
                .build()
                .is_err()
        );
    }

    /// A state saved before the resonance member existed has no
    /// `resonance` fields; it loads and runs without the member.
    #[test]
    fn a_state_saved_without_the_resonance_member_runs_without_it() {
        let mut a = Fused::params()
            .resonance(None)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let t = Timestamp::from_secs(0);
        let xs: Vec<f64> = (0..3000).map(|i| ((i * 37) % 101) as f64).collect();
        for x in &xs[..1500] {
            a.update(t, *x);
        }
        let mut json = serde_json::to_value(&a).unwrap_or_else(|e| panic!("{e}"));
        let remove = |v: &mut serde_json::Value| {
            let removed = v.as_object_mut().and_then(|o| o.remove("resonance"));
            assert_eq!(removed, Some(serde_json::Value::Null));
        };
        remove(&mut json["params"]);
        remove(&mut json);
        let mut b: Fused = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert!(b.resonance.is_none() && b.params.resonance.is_none());
        for x in &xs[1500..] {
            assert_eq!(a.update(t, *x).to_bits(), b.update(t, *x).to_bits());
        }
    }
}
