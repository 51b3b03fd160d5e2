//! A sequence detector's alarms, reported only when they beat every raw
//! score of the recent past, and the resonance detector's alarms beside
//! them.
//!
//! Why: the sequence member sees a value that breaks what the series has
//! shown so far: the level novelty detector by default, a level never
//! seen; the contextual one (or the levels one with steps) also a pattern
//! change at a familiar level.
//! NAB, like an on-call engineer, rewards the first alarm of an episode and
//! penalises every other one, so a value scores only when it is a record
//! over the last `rest` values: the start of a new episode. The resonance
//! detector sees a whole window's shape at once (a daily wave going flat,
//! a new rhythm); its alarms are rare and already one an episode, so the
//! larger of the two scores is reported. An optional multiscale member,
//! averaged with the sequence member, sees a value far from the recent
//! level at any time scale (the contextual `fused` of 2026-12-04 has it;
//! with the levels member it did not help, see docs/forecast.md).

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::record::RecordGate;
use super::{
    Contextual, ContextualParams, Detector, Levels, LevelsParams, Multiscale, MultiscaleParams,
    Resonance, ResonanceParams,
};
use crate::{Error, Result};

/// Parameters of [`Fused`]. Exactly one sequence member, contextual or
/// levels. Deserialising checks `rest` and the choice of members; the
/// contextual, resonance and levels parameters check themselves as
/// they load, the multiscale ones only at [`build`](FusedParams::build).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ParamFields")]
pub struct FusedParams {
    contextual: Option<ContextualParams>,
    multiscale: Option<MultiscaleParams>,
    rest: usize,
    resonance: Option<ResonanceParams>,
    levels: Option<LevelsParams>,
}

/// [`FusedParams`] as read, before the checks. Parameters saved before a
/// member existed lack its field: `resonance` then runs without it,
/// `levels` with the contextual member they name.
#[derive(Deserialize)]
struct ParamFields {
    contextual: Option<ContextualParams>,
    multiscale: Option<MultiscaleParams>,
    rest: usize,
    #[serde(default)]
    resonance: Option<ResonanceParams>,
    #[serde(default)]
    levels: Option<LevelsParams>,
}

impl TryFrom<ParamFields> for FusedParams {
    type Error = Error;

    fn try_from(f: ParamFields) -> Result<Self> {
        let params = FusedParams {
            contextual: f.contextual,
            multiscale: f.multiscale,
            rest: f.rest,
            resonance: f.resonance,
            levels: f.levels,
        };
        params.check()?;
        Ok(params)
    }
}

impl FusedParams {
    /// The level novelty sequence member's parameters (the default
    /// member, with [`Levels::params`]; its own `rest` is not used).
    /// Replaces a contextual member.
    pub fn levels(mut self, levels: LevelsParams) -> Self {
        self.levels = Some(levels);
        self.contextual = None;
        self
    }

    /// A contextual sequence member with these parameters instead of the
    /// level novelty one (its own rest period is not used). With
    /// [`multiscale`](Self::multiscale) `Some(Multiscale::params())` as
    /// well, this is `fused` as it was before 2026-12-05
    /// (`fused-contextual`), about 10× slower on NAB's series (see
    /// docs/forecast.md).
    pub fn contextual(mut self, contextual: ContextualParams) -> Self {
        self.contextual = Some(contextual);
        self.levels = None;
        self
    }

    /// The multiscale member's parameters, averaged with the sequence
    /// member, or `None` to leave it out (default `None`; the contextual
    /// `fused` of 2026-12-04 had [`Multiscale::params`]).
    pub fn multiscale(mut self, multiscale: Option<MultiscaleParams>) -> Self {
        self.multiscale = multiscale;
        self
    }

    /// The resonance member's parameters, or `None` to leave it out
    /// (default [`Resonance::params`]).
    pub fn resonance(mut self, resonance: Option<ResonanceParams>) -> Self {
        self.resonance = resonance;
        self
    }

    /// The sequence member's raw score (or its mean with the multiscale
    /// member's) counts only when it beats the last `rest` such scores,
    /// and not in the first `rest` values (default 150, at least 1). The
    /// resonance member's score counts on its own terms (after its own
    /// warm-up).
    pub fn rest(mut self, rest: usize) -> Self {
        self.rest = rest;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<Fused> {
        self.check()?;
        Ok(Fused {
            contextual: self.contextual.clone().map(|p| p.build()).transpose()?,
            levels: self.levels.clone().map(|p| p.build()).transpose()?,
            multiscale: self.multiscale.clone().map(|p| p.build()).transpose()?,
            resonance: self
                .resonance
                .clone()
                .map(ResonanceParams::build)
                .transpose()?,
            recent: RecordGate::default(),
            params: self,
        })
    }

    /// [`Error::InvalidParameter`] for a `rest` of 0 or not exactly one
    /// sequence member (the members check their own parameters).
    fn check(&self) -> Result<()> {
        if self.rest == 0 {
            return Err(Error::InvalidParameter {
                name: "rest",
                reason: "0 values".into(),
            });
        }
        if self.contextual.is_some() == self.levels.is_some() {
            return Err(Error::InvalidParameter {
                name: "sequence member",
                reason: "exactly one of `contextual` and `levels` is needed".into(),
            });
        }
        Ok(())
    }
}

/// A sequence member ([`Levels`] by default, or [`Contextual`],
/// optionally averaged with [`Multiscale`]), reported at records only, or
/// [`Resonance`]'s score when larger; the cost of the members plus
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
#[serde(try_from = "FusedFields")]
pub struct Fused {
    params: FusedParams,
    contextual: Option<Contextual>,
    multiscale: Option<Multiscale>,
    resonance: Option<Resonance>,
    levels: Option<Levels>,
    /// The last `rest` raw scores, oldest first.
    recent: RecordGate,
}

/// [`Fused`] as read, before its members are checked against its
/// parameters. A state saved before a member existed lacks its field.
#[derive(Deserialize)]
struct FusedFields {
    params: FusedParams,
    contextual: Option<Contextual>,
    multiscale: Option<Multiscale>,
    #[serde(default)]
    resonance: Option<Resonance>,
    #[serde(default)]
    levels: Option<Levels>,
    recent: RecordGate,
}

impl TryFrom<FusedFields> for Fused {
    type Error = Error;

    fn try_from(f: FusedFields) -> Result<Self> {
        let p = &f.params;
        if p.contextual.as_ref() != f.contextual.as_ref().map(Contextual::configured)
            || p.levels.as_ref() != f.levels.as_ref().map(Levels::configured)
            || p.multiscale.as_ref() != f.multiscale.as_ref().map(Multiscale::configured)
            || p.resonance.as_ref() != f.resonance.as_ref().map(Resonance::configured)
        {
            return Err(Error::InvalidParameter {
                name: "fused state",
                reason: "its members are not built with the parameters it names".into(),
            });
        }
        Ok(Fused {
            params: f.params,
            contextual: f.contextual,
            multiscale: f.multiscale,
            resonance: f.resonance,
            levels: f.levels,
            recent: f.recent,
        })
    }
}

impl Fused {
    /// Default parameters.
    pub fn params() -> FusedParams {
        FusedParams {
            contextual: None,
            multiscale: None,
            rest: 150,
            resonance: Some(Resonance::params()),
            levels: Some(Levels::params()),
        }
    }

    /// The parameters of `fused` before 2026-12-05, registered as
    /// `fused-contextual`: the contextual member averaged with the
    /// multiscale one, beside `resonance` (NAB 75.83, about 10× slower on
    /// NAB's series; see docs/forecast.md).
    pub fn contextual_params() -> FusedParams {
        Fused::params()
            .contextual(Contextual::params())
            .multiscale(Some(Multiscale::params()))
    }
}

impl Detector for Fused {
    fn update(&mut self, t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        // Building and loading make sure there is exactly one.
        let sequence = match (&mut self.contextual, &mut self.levels) {
            (Some(c), _) => c.raw(x),
            (None, Some(s)) => s.raw(x),
            (None, None) => 0.0,
        };
        let raw = match &mut self.multiscale {
            Some(m) => (sequence + m.update(t, x)) / 2.0,
            None => sequence,
        };
        let record = self.recent.record(raw, self.params.rest);
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

    /// Runs a detector of `params` for a while, saves it, removes `fields`
    /// (which must be `null`) from the saved parameters and state, as a
    /// state saved before they existed lacks them, and checks that the
    /// loaded detector goes on exactly as the original; returns it.
    fn resumes_without(params: FusedParams, fields: &[&str]) -> Fused {
        let mut a = params.build().unwrap_or_else(|e| panic!("{e}"));
        let t = Timestamp::from_secs(0);
        let xs: Vec<f64> = (0..3000).map(|i| ((i * 37) % 101) as f64).collect();
        for x in &xs[..1500] {
            a.update(t, *x);
        }
        let mut json = serde_json::to_value(&a).unwrap_or_else(|e| panic!("{e}"));
        for field in fields {
            for v in ["params", ""] {
                let v = if v.is_empty() {
                    &mut json
                } else {
                    &mut json[v]
                };
                let removed = v.as_object_mut().and_then(|o| o.remove(*field));
                assert_eq!(removed, Some(serde_json::Value::Null), "{field}");
            }
        }
        let mut b: Fused = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        for x in &xs[1500..] {
            assert_eq!(a.update(t, *x).to_bits(), b.update(t, *x).to_bits());
        }
        b
    }

    /// A state saved before the resonance and levels members existed
    /// has neither field; it loads and runs without them.
    #[test]
    fn a_state_saved_without_the_resonance_member_runs_without_it() {
        let b = resumes_without(
            Fused::contextual_params().resonance(None),
            &["resonance", "levels"],
        );
        assert!(b.resonance.is_none() && b.params.resonance.is_none());
        assert!(b.contextual.is_some() && b.multiscale.is_some());
    }

    /// A state saved before the levels member existed names the
    /// contextual member and lacks `levels`; it loads and runs as the
    /// contextual `fused` it was.
    #[test]
    fn a_state_saved_with_the_contextual_member_runs_with_it() {
        let b = resumes_without(Fused::contextual_params(), &["levels"]);
        assert!(b.contextual.is_some() && b.levels.is_none());
        assert!(b.resonance.is_some());
    }

    #[test]
    fn a_sequence_member_is_needed_and_must_match_the_state() {
        let d = Fused::params().build().unwrap_or_else(|e| panic!("{e}"));
        let json = serde_json::to_value(&d).unwrap_or_else(|e| panic!("{e}"));
        let refused = |v: &serde_json::Value| {
            serde_json::from_value::<Fused>(v.clone())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // Parameters naming no sequence member, or both.
        let mut neither = json.clone();
        neither["params"]["levels"] = serde_json::Value::Null;
        assert!(refused(&neither).contains("sequence member"));
        let mut both = json.clone();
        both["params"]["contextual"] =
            serde_json::to_value(Contextual::params()).unwrap_or_else(|e| panic!("{e}"));
        assert!(refused(&both).contains("sequence member"));
        // Parameters and members that disagree.
        let mut missing = json.clone();
        missing["levels"] = serde_json::Value::Null;
        assert!(refused(&missing).contains("members"));
        let mut other_bits = json.clone();
        other_bits["params"]["levels"]["bits"] = 4.into();
        assert!(refused(&other_bits).contains("members"));
        let mut other_steps = json.clone();
        other_steps["params"]["levels"]["steps"] = true.into();
        assert!(refused(&other_steps).contains("members"));
        let mut no_resonance = json.clone();
        no_resonance["params"]["resonance"] = serde_json::Value::Null;
        assert!(refused(&no_resonance).contains("members"));
        let with_multiscale = Fused::params()
            .multiscale(Some(Multiscale::params()))
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut with_multiscale =
            serde_json::to_value(&with_multiscale).unwrap_or_else(|e| panic!("{e}"));
        assert!(refused(&with_multiscale).is_empty());
        with_multiscale["params"]["multiscale"] = serde_json::Value::Null;
        assert!(refused(&with_multiscale).contains("members"));
        assert!(refused(&json).is_empty());
    }
}
