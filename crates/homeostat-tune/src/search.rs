//! Searching a knob with a noisy objective, then freezing it.
//!
//! [`GoldenSection`] tunes one continuous knob (a batch size, a flush
//! interval) to maximise an objective observed once per round (throughput,
//! or throughput minus a latency penalty). It is ask/tell: run a round
//! with [`suggest`](GoldenSection::suggest), report the objective with
//! [`observe`](GoldenSection::observe). Noise is handled by averaging
//! `samples_per_point` rounds per probe. Once the bracket is narrower than
//! the tolerance it *settles*: it keeps the midpoint and watches the
//! objective; when `settle_rounds` consecutive observations stay within
//! `settle_tolerance` of their mean the knob is *frozen*. A frozen knob
//! re-opens the search on drift: `drift_rounds` consecutive observations
//! further than `drift_tolerance` from the frozen level (or a call to
//! [`reopen`](GoldenSection::reopen) on an external signal). The freezing
//! and drift logic is the [`Solidifier`] the bandits share.

use crate::error::{Error, Result, check_order, check_range};
use crate::solidify::{Solidifier, SolidifyParams, Verdict};

/// The inverse golden ratio, `(√5 − 1) / 2`.
const INV_PHI: f64 = 0.618_033_988_749_894_9;

/// Where a [`GoldenSection`] search is.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Phase {
    /// Narrowing the bracket.
    Searching,
    /// Holding the best knob and checking the objective is stable.
    Settling,
    /// Frozen at the knob: the objective was stable.
    Frozen,
}

/// Golden-section maximisation of a noisy unimodal objective, with
/// solidification (see the [module docs](self)).
///
/// ```
/// use homeostat_tune::search::{GoldenSection, Phase};
/// // Throughput peaks at a batch size of 64.
/// let objective = |batch: f64| 1000.0 - (batch - 64.0).powi(2) / 10.0;
/// let mut search = GoldenSection::params(1.0, 256.0).x_tolerance(1.0).check()?;
/// for _ in 0..200 {
///     let batch = search.suggest();
///     search.observe(objective(batch))?;
/// }
/// assert_eq!(search.phase(), Phase::Frozen);
/// assert!((search.suggest() - 64.0).abs() < 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GoldenSection {
    params: GoldenSectionParams,
    state: State,
    watch: Solidifier,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Searching(Bracket),
    /// Holding the best knob; the solidifier says whether it is frozen.
    Holding {
        x: f64,
    },
}

/// The bracket `[a, b]` with interior points `c < d` and their averaged
/// objectives once measured.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bracket {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    fc: Option<f64>,
    fd: Option<f64>,
    sum: f64,
    count: u32,
}

impl Bracket {
    fn new(a: f64, b: f64) -> Self {
        Bracket {
            a,
            b,
            c: b - INV_PHI * (b - a),
            d: a + INV_PHI * (b - a),
            fc: None,
            fd: None,
            sum: 0.0,
            count: 0,
        }
    }

    /// The point being measured.
    fn current(&self) -> f64 {
        if self.fc.is_none() { self.c } else { self.d }
    }

    /// Narrows the bracket once both interior points are measured.
    fn narrow(&mut self) {
        let (Some(fc), Some(fd)) = (self.fc, self.fd) else {
            return;
        };
        if fc >= fd {
            self.b = self.d;
            self.d = self.c;
            self.fd = Some(fc);
            self.c = self.b - INV_PHI * (self.b - self.a);
            self.fc = None;
        } else {
            self.a = self.c;
            self.c = self.d;
            self.fc = Some(fd);
            self.d = self.a + INV_PHI * (self.b - self.a);
            self.fd = None;
        }
    }
}

/// Parameters of [`GoldenSection`]; [`check`](GoldenSectionParams::check)
/// validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldenSectionParams {
    lo: f64,
    hi: f64,
    x_tolerance: Option<f64>,
    samples_per_point: u32,
    solidify: SolidifyParams,
}

impl GoldenSection {
    /// Searches the knob in `[lo, hi]`. Defaults: x tolerance 1 % of the
    /// range, 3 rounds per probe, freeze after 10 rounds within 5 %, re-open
    /// after 3 rounds beyond 20 %.
    pub fn params(lo: f64, hi: f64) -> GoldenSectionParams {
        GoldenSectionParams {
            lo,
            hi,
            x_tolerance: None,
            samples_per_point: 3,
            solidify: SolidifyParams::default(),
        }
    }

    /// The knob value to run the next round with.
    pub fn suggest(&self) -> f64 {
        match &self.state {
            State::Searching(bracket) => bracket.current(),
            State::Holding { x } => *x,
        }
    }

    /// Where the search is.
    pub fn phase(&self) -> Phase {
        match self.state {
            State::Searching(_) => Phase::Searching,
            State::Holding { .. } if self.watch.is_frozen() => Phase::Frozen,
            State::Holding { .. } => Phase::Settling,
        }
    }

    /// Whether the knob is frozen.
    pub fn is_frozen(&self) -> bool {
        self.phase() == Phase::Frozen
    }

    /// Starts the search again over the whole range (on an external drift
    /// signal: a deploy, a traffic-mix change).
    pub fn reopen(&mut self) {
        self.state = State::Searching(Bracket::new(self.params.lo, self.params.hi));
        self.watch.restart();
    }

    /// Reports the objective of the round run at [`suggest`](Self::suggest).
    /// A non-finite objective is an [`Error::NonFinite`] and changes
    /// nothing.
    pub fn observe(&mut self, objective: f64) -> Result<()> {
        if !objective.is_finite() {
            return Err(Error::NonFinite {
                name: "objective",
                value: objective,
            });
        }
        let p = &self.params;
        let tolerance = p.x_tolerance.unwrap_or(0.01 * (p.hi - p.lo));
        match &mut self.state {
            State::Searching(bracket) => {
                bracket.sum += objective;
                bracket.count += 1;
                if bracket.count < p.samples_per_point {
                    return Ok(());
                }
                let mean = bracket.sum / f64::from(bracket.count);
                (bracket.sum, bracket.count) = (0.0, 0);
                if bracket.fc.is_none() {
                    bracket.fc = Some(mean);
                } else {
                    bracket.fd = Some(mean);
                }
                bracket.narrow();
                if bracket.b - bracket.a <= tolerance {
                    let x = 0.5 * (bracket.a + bracket.b);
                    self.state = State::Holding { x };
                    self.watch.restart();
                }
            }
            State::Holding { .. } => {
                if self.watch.observe(objective)? == Verdict::Reopened {
                    self.reopen();
                }
            }
        }
        Ok(())
    }
}

impl GoldenSectionParams {
    /// Bracket width at which the search settles; default 1 % of the
    /// range; positive.
    pub fn x_tolerance(mut self, tolerance: f64) -> Self {
        self.x_tolerance = Some(tolerance);
        self
    }
    /// Rounds averaged per probe point; default 3; at least 1.
    pub fn samples_per_point(mut self, rounds: u32) -> Self {
        self.samples_per_point = rounds;
        self
    }
    /// Consecutive stable rounds before freezing; default 10; at least 1.
    pub fn settle_rounds(mut self, rounds: u32) -> Self {
        self.solidify = self.solidify.settle_rounds(rounds);
        self
    }
    /// Relative band around the mean counted as stable; default 0.05;
    /// in `[0, 10]`.
    pub fn settle_tolerance(mut self, tolerance: f64) -> Self {
        self.solidify = self.solidify.settle_tolerance(tolerance);
        self
    }
    /// Consecutive drifting rounds that re-open a frozen search; default
    /// 3; at least 1.
    pub fn drift_rounds(mut self, rounds: u32) -> Self {
        self.solidify = self.solidify.drift_rounds(rounds);
        self
    }
    /// Relative distance from the frozen level counted as drift; default
    /// 0.2; in `[0, 10]`.
    pub fn drift_tolerance(mut self, tolerance: f64) -> Self {
        self.solidify = self.solidify.drift_tolerance(tolerance);
        self
    }
    /// All four freezing and drift settings at once.
    pub fn solidify(mut self, solidify: SolidifyParams) -> Self {
        self.solidify = solidify;
        self
    }
    /// Validates the parameters into a [`GoldenSection`].
    pub fn check(self) -> Result<GoldenSection> {
        check_range("lo", self.lo, -1e15, 1e15, "[-1e15, 1e15]")?;
        check_range("hi", self.hi, -1e15, 1e15, "[-1e15, 1e15]")?;
        check_order("lo", self.lo, "hi", self.hi)?;
        if let Some(tolerance) = self.x_tolerance {
            check_range(
                "x_tolerance",
                tolerance,
                f64::MIN_POSITIVE,
                1e15,
                "(0, 1e15]",
            )?;
        }
        check_range(
            "samples_per_point",
            f64::from(self.samples_per_point),
            1.0,
            1e6,
            "[1, 1e6]",
        )?;
        let watch = self.solidify.check()?;
        Ok(GoldenSection {
            state: State::Searching(Bracket::new(self.lo, self.hi)),
            watch,
            params: self,
        })
    }
}

/// Observes the objective of the round run at the applied knob and
/// proposes the next knob; a non-finite objective is skipped. Give it an
/// envelope that contains `[lo, hi]`, or the probes it measures are not
/// the ones it asked for.
impl crate::control::Controller for GoldenSection {
    type Observation = f64;

    fn current(&self) -> f64 {
        self.suggest()
    }

    fn observe(&mut self, objective: &f64, _context: &crate::control::DecisionContext) -> f64 {
        // A non-finite objective is an error that changes nothing: skip it.
        let _ = GoldenSection::observe(self, *objective);
        self.suggest()
    }
}
