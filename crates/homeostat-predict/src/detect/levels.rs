//! A level novelty detector: each value is quantised to one of a few levels
//! of the running range, and a value is surprising when it reaches a level
//! never seen (optionally also when it moves between two levels in a way
//! never seen: a first-order Markov chain of levels that remembers only
//! which steps happened).
//!
//! Why: most of what the contextual detector (after CAD OSE) added to
//! `fused` on NAB was a value at a level never seen. Remembering which were
//! seen takes a bitmap of a few bits and one lookup a value, where the
//! contextual memory grows with the series and costs microseconds a value
//! (docs/forecast.md compares the two, and the steps).

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::Detector;
use super::record::RecordGate;
use crate::{Error, Result};

/// Parameters of [`Levels`]. Deserialising checks them as
/// [`build`](LevelsParams::build) does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ParamFields")]
pub struct LevelsParams {
    bits: u32,
    rest: usize,
    steps: bool,
}

/// [`LevelsParams`] as read, before the checks.
#[derive(Deserialize)]
struct ParamFields {
    bits: u32,
    rest: usize,
    steps: bool,
}

impl TryFrom<ParamFields> for LevelsParams {
    type Error = Error;

    fn try_from(f: ParamFields) -> Result<Self> {
        let params = LevelsParams {
            bits: f.bits,
            rest: f.rest,
            steps: f.steps,
        };
        params.check()?;
        Ok(params)
    }
}

impl LevelsParams {
    /// Bits of the quantised value (default 3, so 8 levels; 1 to 6).
    pub fn bits(mut self, bits: u32) -> Self {
        self.bits = bits;
        self
    }

    /// Standalone, a raw score is reported only when it beats each of the
    /// last `rest` raw scores, and not in the first `rest` values (default
    /// 150, at least 1): the first value of an episode. Not used when
    /// [`Fused`](super::Fused) runs the detector as a member.
    pub fn rest(mut self, rest: usize) -> Self {
        self.rest = rest;
        self
    }

    /// Whether a step between two levels never seen before is novel too
    /// (default false: beside `resonance` on NAB, steps scored lower at 5
    /// warm-ups of 7, the same at 1 and higher at 1, see docs/forecast.md;
    /// standalone they score higher).
    pub fn steps(mut self, steps: bool) -> Self {
        self.steps = steps;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<Levels> {
        self.check()?;
        let levels = 1usize << self.bits;
        Ok(Levels {
            range: None,
            seen_levels: vec![0; levels.div_ceil(64)],
            seen_steps: vec![0; step_words(self.bits, self.steps)],
            previous: None,
            gate: RecordGate::default(),
            params: self,
        })
    }

    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    fn check(&self) -> Result<()> {
        if !(1..=6).contains(&self.bits) {
            return Err(Error::InvalidParameter {
                name: "bits",
                reason: format!("{} is not in 1..=6", self.bits),
            });
        }
        if self.rest == 0 {
            return Err(Error::InvalidParameter {
                name: "rest",
                reason: "0 values".into(),
            });
        }
        Ok(())
    }
}

/// Novelty of a value's level (and optionally of the step to it from the
/// previous value's level); O(1) a value, a bitmap of `2^bits` bits (one
/// word by default; with steps, another of `4^bits` bits).
///
/// The raw score is 1 for a value at least one level beyond the range
/// seen so far; else 1 for a level never seen before and 0 for one seen;
/// with [`steps`](LevelsParams::steps), the share of {its level, the step
/// to it} never seen before (0, ½ or 1; only the level for the first
/// value). It is 0 while every value so far was equal. Levels are of the
/// running minimum and maximum, so a value that widens the range
/// re-quantises the values after it; what was seen is not re-quantised (a
/// streaming detector does not know the range in advance). A value that is
/// not finite scores 0 and changes nothing.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, Levels};
/// let mut d = Levels::params().rest(50).build()?;
/// let t = Timestamp::from_secs(0);
/// // A square wave between 0 and 10, learnt...
/// for i in 0..1000 {
///     let score = d.update(t, (i % 2 * 10) as f64);
///     assert!(i < 50 || score == 0.0);
/// }
/// // ... then a value half way, at a level never seen.
/// assert!(d.update(t, 5.0) > 0.0);
///
/// // With steps: a saw-tooth from 0 to 9, then a fall from the top to the
/// // middle, a step never taken.
/// let mut d = Levels::params().rest(50).steps(true).build()?;
/// for i in 0..1000 {
///     d.update(t, (i % 10) as f64);
/// }
/// assert!(d.update(t, 4.0) > 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "LevelsFields")]
pub struct Levels {
    params: LevelsParams,
    /// Running minimum and maximum of the finite values seen.
    range: Option<(f64, f64)>,
    /// One bit per level.
    seen_levels: Vec<u64>,
    /// One bit per (previous level, level).
    seen_steps: Vec<u64>,
    previous: Option<u32>,
    gate: RecordGate,
}

/// [`Levels`] as read, before the checks.
#[derive(Deserialize)]
struct LevelsFields {
    params: LevelsParams,
    range: Option<(f64, f64)>,
    seen_levels: Vec<u64>,
    seen_steps: Vec<u64>,
    previous: Option<u32>,
    gate: RecordGate,
}

impl TryFrom<LevelsFields> for Levels {
    type Error = Error;

    fn try_from(f: LevelsFields) -> Result<Self> {
        let levels = 1usize << f.params.bits;
        let bad = |reason: String| {
            Err(Error::InvalidParameter {
                name: "levels state",
                reason,
            })
        };
        if f.seen_levels.len() != levels.div_ceil(64)
            || f.seen_steps.len() != step_words(f.params.bits, f.params.steps)
        {
            return bad(format!(
                "bitmaps of {} and {} words do not fit {levels} levels",
                f.seen_levels.len(),
                f.seen_steps.len()
            ));
        }
        if f.previous.is_some_and(|p| p as usize >= levels) {
            return bad(format!("previous level {:?} of {levels}", f.previous));
        }
        if f.range
            .is_some_and(|(lo, hi)| !(lo.is_finite() && hi.is_finite() && lo <= hi))
        {
            return bad(format!("range {:?} is not a finite range", f.range));
        }
        Ok(Levels {
            params: f.params,
            range: f.range,
            seen_levels: f.seen_levels,
            seen_steps: f.seen_steps,
            previous: f.previous,
            gate: f.gate,
        })
    }
}

impl Levels {
    /// Default parameters.
    pub fn params() -> LevelsParams {
        LevelsParams {
            bits: 3,
            rest: 150,
            steps: false,
        }
    }

    /// The parameters this detector was built with.
    pub(super) fn configured(&self) -> &LevelsParams {
        &self.params
    }

    /// The raw score of `x` (finite) before the record rule; learns `x`.
    pub(super) fn raw(&mut self, x: f64) -> f64 {
        let top = (1u32 << self.params.bits) - 1;
        let (lo, hi) = self.range.unwrap_or((x, x));
        // Distances in halves, which cannot overflow between finite values
        // (halving normal values is exact, so the quotients are those of
        // whole values).
        let (half_x, half_lo, half_hi) = (x / 2.0, lo / 2.0, hi / 2.0);
        // A value at least one level beyond everything seen is a level never
        // seen, whatever the quantisation of the widened range says.
        let half_step = (half_hi - half_lo) / f64::from(top);
        let unseen = half_step > 0.0 && (half_x - half_hi).max(half_lo - half_x) >= half_step;
        let (lo, hi) = (lo.min(x), hi.max(x));
        self.range = Some((lo, hi));
        let level = if hi > lo {
            let share = (half_x - lo / 2.0) / (hi / 2.0 - lo / 2.0);
            // In [0, top], as x is in [lo, hi]; the minimum guards the
            // bitmaps' bounds whatever the rounding.
            (share * f64::from(top)).round().min(f64::from(top)) as u32
        } else {
            0
        };
        let mut novel = u32::from(first_sight(&mut self.seen_levels, level as usize));
        let mut facts = 1;
        if let (true, Some(previous)) = (self.params.steps, self.previous) {
            let at = (previous as usize) << self.params.bits | level as usize;
            novel += u32::from(first_sight(&mut self.seen_steps, at));
            facts += 1;
        }
        self.previous = Some(level);
        if unseen {
            1.0
        } else if hi > lo {
            f64::from(novel) / f64::from(facts)
        } else {
            // A series that never varied has nothing to be surprised by.
            0.0
        }
    }
}

/// Words of the steps' bitmap: none without steps.
fn step_words(bits: u32, steps: bool) -> usize {
    if steps {
        (1usize << (2 * bits)).div_ceil(64)
    } else {
        0
    }
}

/// Sets bit `at`; whether it was clear.
fn first_sight(bits: &mut [u64], at: usize) -> bool {
    let (word, bit) = (at / 64, 1u64 << (at % 64));
    let clear = bits[word] & bit == 0;
    bits[word] |= bit;
    clear
}

impl Detector for Levels {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let raw = self.raw(x);
        if self.gate.record(raw, self.params.rest) {
            raw
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn raw_scores_mark_new_levels() {
        let mut d = ok(Levels::params().bits(2).build());
        // Four levels of [0, 3]; a constant start scores 0.
        assert_eq!(d.raw(0.0), 0.0);
        assert_eq!(d.raw(0.0), 0.0);
        // A range of zero width has no level to be beyond: 3 is a new level.
        assert_eq!(d.raw(3.0), 1.0);
        assert_eq!(d.raw(0.0), 0.0);
        assert_eq!(d.raw(1.0), 1.0);
        assert_eq!(d.raw(3.0), 0.0);
        assert_eq!(d.raw(2.0), 1.0);
        assert_eq!(d.raw(1.0), 0.0);
        // Beyond the range by at least a level (1.0): 1 whatever else.
        assert_eq!(d.raw(4.0), 1.0);
        assert!(d.seen_steps.is_empty());
    }

    #[test]
    fn raw_scores_mark_new_levels_and_new_steps() {
        let mut d = ok(Levels::params().bits(2).steps(true).build());
        // Four levels of [0, 3]; a constant start scores 0.
        assert_eq!(d.raw(0.0), 0.0);
        assert_eq!(d.raw(0.0), 0.0);
        // A range of zero width has no level to be beyond: 3 is a new
        // level and a new step.
        assert_eq!(d.raw(3.0), 1.0);
        assert_eq!(d.raw(0.0), 0.5); // level 0 seen, step 3 → 0 new
        assert_eq!(d.raw(3.0), 0.0); // both seen
        assert_eq!(d.raw(1.0), 1.0); // level 1 and step 3 → 1 new
        assert_eq!(d.raw(1.0), 0.5); // step 1 → 1 new
        assert_eq!(d.raw(1.0), 0.0);
        // Beyond the range by at least a level (1.0): 1 whatever else.
        assert_eq!(d.raw(4.0), 1.0);
    }

    #[test]
    fn standalone_scores_are_records_only() {
        let mut d = ok(Levels::params().rest(20).steps(true).build());
        let t = Timestamp::from_secs(0);
        let mut scores = Vec::new();
        // Ends on 7.
        for i in 0..504 {
            scores.push(d.update(t, (i % 8) as f64));
        }
        // Nothing in the first `rest` values, nothing once the cycle is
        // learnt.
        assert!(scores[..20].iter().all(|&s| s == 0.0));
        assert!(scores[100..].iter().all(|&s| s == 0.0));
        // A step never taken (7 → 3) is the first value of an episode.
        assert!(d.update(t, 3.0) > 0.0);
        assert_eq!(d.update(t, 4.0), 0.0);
    }

    #[test]
    fn bad_parameters_and_states_are_refused() {
        assert!(Levels::params().bits(0).build().is_err());
        assert!(Levels::params().bits(7).build().is_err());
        assert!(Levels::params().rest(0).build().is_err());
        let mut d = ok(Levels::params().build());
        let t = Timestamp::from_secs(0);
        for i in 0..300 {
            d.update(t, f64::from(i % 5));
        }
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        // The last value, 4, is the top level of [0, 4].
        assert!(
            json.contains("\"bits\":3") && json.contains("\"previous\":7"),
            "{json}"
        );
        let message = |s: &str| {
            serde_json::from_str::<Levels>(s)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(message(&json.replace("\"bits\":3", "\"bits\":9")).contains("bits"));
        // 16 levels (bits 4) still fit the one word of levels: such a state
        // loads, on purpose. Parameters with steps and a state without their
        // bitmap do not, nor the reverse.
        let steps = json.replace("\"steps\":false", "\"steps\":true");
        assert!(message(&steps).contains("bitmaps"), "{json}");
        let mut with_steps = ok(Levels::params().steps(true).build());
        with_steps.update(t, 1.0);
        let with_steps = serde_json::to_string(&with_steps).unwrap_or_else(|e| panic!("{e}"));
        let without = with_steps.replace("\"steps\":true", "\"steps\":false");
        assert!(message(&without).contains("bitmaps"), "{with_steps}");
        assert!(message(&json.replace("\"previous\":7", "\"previous\":8")).contains("previous"));
        let mut back: Levels = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        for i in 300..600 {
            let x = f64::from((i * 7) % 9);
            assert_eq!(d.update(t, x).to_bits(), back.update(t, x).to_bits());
        }
    }

    #[test]
    fn values_near_the_largest_finite_ones_keep_their_levels() {
        // The range spans more than `f64::MAX`: its width overflows, its
        // halves do not.
        let mut d = ok(Levels::params().bits(1).steps(true).build());
        assert_eq!(d.raw(-1e308), 0.0);
        assert_eq!(d.raw(1e308), 1.0); // level 1, step 0 → 1
        assert_eq!(d.raw(-1e308), 0.5); // step 1 → 0
        assert_eq!(d.raw(1e308), 0.0);
        // Less than a level beyond: level 1 again, step 1 → 1 new.
        assert_eq!(d.raw(f64::MAX), 0.5);
        assert_eq!(d.raw(-f64::MAX), 0.0);
        assert_eq!(d.previous, Some(0));
    }

    #[test]
    fn a_saved_range_that_is_not_a_range_is_refused() {
        let d = ok(Levels::params().build());
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        assert!(json.contains("\"range\":null"), "{json}");
        for bad in ["[5.0,1.0]", "[0.0,null]"] {
            let bad = json.replace("\"range\":null", &format!("\"range\":{bad}"));
            assert!(serde_json::from_str::<Levels>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fresh_detector_survives_a_round_trip() {
        let d = ok(Levels::params().build());
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        let back = serde_json::from_str::<Levels>(&json);
        assert!(back.is_ok(), "{json}");
    }
}
