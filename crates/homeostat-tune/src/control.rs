//! One interface for every controller, and one safety envelope around its
//! decisions.
//!
//! A [`Controller`] turns an observation (a request's [`Sample`], a CPU
//! reading, a throughput, a state vector) into a proposed decision: a
//! limit, a replica count, a batch size, an arm. An [`Envelope`] bounds
//! what is actually applied: a minimum, a maximum, a largest change per
//! decision and a cooldown after each change. [`Enveloped`] joins the two:
//! every decision goes through the one [`Gate`] that enforces the
//! envelope, whatever the controller proposes (NaN, ±∞, absurd values)
//! and whatever it observes. The PID controller's own output limits are
//! the same [`Gate`].
//!
//! [`Sample`]: crate::limit::Sample
//!
//! ```
//! use homeostat_tune::control::{Enveloped, Envelope};
//! use homeostat_tune::pid::Pid;
//! // Replicas against CPU: between 2 and 40, at most 3 at a time, then 30 s of calm.
//! let envelope = Envelope::params(2.0, 40.0).max_step(3.0).cooldown_secs(30.0).integral().check()?;
//! let pid = Pid::params(20.0, 0.0, 0.0).setpoint(0.7).reverse_acting().initial_output(10.0).check()?;
//! let mut replicas = Enveloped::new(pid, envelope);
//! assert_eq!(replicas.decide(&0.95, 0.0), 13.0); // wants 15, gets 3 more
//! assert_eq!(replicas.decide(&0.95, 10.0), 13.0); // cooling down
//! assert_eq!(replicas.decide(&f64::NAN, 40.0), 13.0); // nothing to learn from
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result, check_order, check_range};

/// What a controller knows about the decision it is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecisionContext {
    /// The time of the observation, seconds on the caller's clock.
    pub now_secs: f64,
    /// The decision in force while the observation was made (after the
    /// envelope, which may differ from what the controller proposed).
    pub applied: f64,
    /// The lowest decision the envelope allows now.
    pub lowest: f64,
    /// The highest decision the envelope allows now (equal to `lowest`
    /// during a cooldown).
    pub highest: f64,
}

/// A feedback controller: an observation in, a proposed decision out.
///
/// Implementations never panic and always return a number; an
/// observation they cannot use leaves their proposal where it was. The
/// proposal is not applied as is: wrap the controller in [`Enveloped`].
pub trait Controller {
    /// What the controller observes between decisions.
    type Observation: ?Sized;

    /// The decision the controller would apply now (before any
    /// observation, the starting point).
    fn current(&self) -> f64;

    /// Learns from `observation`, made while `context.applied` was in
    /// force, and proposes the next decision. Controllers that optimise
    /// (the model-predictive one) choose inside
    /// `[context.lowest, context.highest]`.
    fn observe(&mut self, observation: &Self::Observation, context: &DecisionContext) -> f64;
}

/// A checked safety envelope: see [`Envelope::params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    min: f64,
    max: f64,
    max_step: f64,
    cooldown_secs: f64,
    integral: bool,
}

/// Parameters of an [`Envelope`]; [`check`](EnvelopeParams::check)
/// validates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvelopeParams {
    min: f64,
    max: f64,
    max_step: f64,
    cooldown_secs: f64,
    integral: bool,
}

impl Envelope {
    /// Decisions in `[min, max]` (finite, within ±1e15, min not above
    /// max). Defaults: no step limit, no cooldown, real-valued.
    pub fn params(min: f64, max: f64) -> EnvelopeParams {
        EnvelopeParams {
            min,
            max,
            max_step: f64::INFINITY,
            cooldown_secs: 0.0,
            integral: false,
        }
    }

    /// The lowest decision.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The highest decision.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The largest change per decision.
    pub fn max_step(&self) -> f64 {
        self.max_step
    }

    /// Seconds a decision holds after it changed.
    pub fn cooldown_secs(&self) -> f64 {
        self.cooldown_secs
    }

    /// Whether decisions are whole numbers.
    pub fn is_integral(&self) -> bool {
        self.integral
    }

    /// `value` moved into the envelope's range (NaN to the minimum),
    /// rounded to a whole number towards the minimum when integral.
    pub fn clamp(&self, value: f64) -> f64 {
        if value.is_nan() {
            return self.min;
        }
        let value = value.clamp(self.min, self.max);
        if self.integral { value.floor() } else { value }
    }
}

impl EnvelopeParams {
    /// Largest change per decision; default unlimited; positive (at least
    /// 1 when integral).
    pub fn max_step(mut self, step: f64) -> Self {
        self.max_step = step;
        self
    }
    /// Seconds a decision holds after it changed; default 0; in `[0, 1e9]`.
    pub fn cooldown_secs(mut self, secs: f64) -> Self {
        self.cooldown_secs = secs;
        self
    }
    /// Whole-number decisions (limits, replicas, arms): min and max must
    /// then be whole, and each step is rounded towards no change.
    pub fn integral(mut self) -> Self {
        self.integral = true;
        self
    }
    /// Validates the parameters into an [`Envelope`].
    pub fn check(self) -> Result<Envelope> {
        check_range("min", self.min, -1e15, 1e15, "[-1e15, 1e15]")?;
        check_range("max", self.max, -1e15, 1e15, "[-1e15, 1e15]")?;
        check_order("min", self.min, "max", self.max)?;
        let smallest_step = if self.integral { 1.0 } else { 0.0 };
        if self.max_step.is_nan() || self.max_step <= 0.0 || self.max_step < smallest_step {
            return Err(Error::InvalidParameter {
                name: "max_step",
                value: self.max_step,
                valid: "(0, inf], at least 1 when integral",
            });
        }
        check_range("cooldown_secs", self.cooldown_secs, 0.0, 1e9, "[0, 1e9]")?;
        if self.integral {
            for (name, value) in [("min", self.min), ("max", self.max)] {
                if value.fract() != 0.0 {
                    return Err(Error::InvalidParameter {
                        name,
                        value,
                        valid: "a whole number (integral envelope)",
                    });
                }
            }
        }
        Ok(Envelope {
            min: self.min,
            max: self.max,
            max_step: self.max_step,
            cooldown_secs: self.cooldown_secs,
            integral: self.integral,
        })
    }
}

/// The applied decision and the envelope it is kept in: the one place the
/// envelope is enforced.
///
/// ```
/// use homeostat_tune::control::{Envelope, Gate};
/// let envelope = Envelope::params(0.0, 10.0).max_step(2.0).cooldown_secs(5.0).check()?;
/// let mut gate = Gate::new(envelope, 4.0);
/// assert_eq!(gate.apply(100.0, 0.0), 6.0); // one step towards the maximum
/// assert_eq!(gate.apply(100.0, 1.0), 6.0); // cooldown
/// assert_eq!(gate.apply(f64::NAN, 9.0), 6.0); // no usable proposal
/// assert_eq!(gate.apply(f64::NEG_INFINITY, 9.0), 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    envelope: Envelope,
    decision: f64,
    last_change_secs: f64,
}

impl Gate {
    /// A gate whose first decision is `initial` moved into the envelope
    /// (see [`Envelope::clamp`]); no cooldown is pending.
    pub fn new(envelope: Envelope, initial: f64) -> Self {
        Gate {
            decision: envelope.clamp(initial),
            envelope,
            last_change_secs: f64::NEG_INFINITY,
        }
    }

    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The decision in force.
    pub fn decision(&self) -> f64 {
        self.decision
    }

    /// Whether a change at `now_secs` is allowed (no cooldown pending, a
    /// finite clock that has not gone back before the last change).
    pub fn may_change(&self, now_secs: f64) -> bool {
        now_secs.is_finite() && now_secs - self.last_change_secs >= self.envelope.cooldown_secs
    }

    /// The interval the next decision at `now_secs` may take: one step
    /// either side of the current one, within `[min, max]`; a single point
    /// during a cooldown.
    pub fn reachable(&self, now_secs: f64) -> (f64, f64) {
        if !self.may_change(now_secs) {
            return (self.decision, self.decision);
        }
        let e = &self.envelope;
        (
            (self.decision - e.max_step).max(e.min),
            (self.decision + e.max_step).min(e.max),
        )
    }

    /// Applies `proposed` at `now_secs` as far as the envelope allows and
    /// returns the decision in force. A NaN proposal, a non-finite time, a
    /// clock that went back, or a pending cooldown keep the decision; ±∞
    /// proposals move towards the bounds.
    pub fn apply(&mut self, proposed: f64, now_secs: f64) -> f64 {
        if proposed.is_nan() || !self.may_change(now_secs) {
            return self.decision;
        }
        let e = &self.envelope;
        let target = proposed.clamp(e.min, e.max);
        let mut delta = (target - self.decision).clamp(-e.max_step, e.max_step);
        if e.integral {
            delta = delta.trunc();
        }
        let mut next = (self.decision + delta).clamp(e.min, e.max);
        // Rounding may overshoot the step by an ulp: pull back inside.
        while (next - self.decision).abs() > e.max_step {
            next = if next > self.decision {
                next.next_down()
            } else {
                next.next_up()
            };
        }
        if next != self.decision {
            self.decision = next;
            self.last_change_secs = now_secs;
        }
        self.decision
    }

    /// Replaces the decision in force (a manual override) without starting
    /// a cooldown; it is moved into the envelope first.
    pub fn reset(&mut self, decision: f64) {
        self.decision = self.envelope.clamp(decision);
    }
}

/// A [`Controller`] whose every decision passes through a [`Gate`].
///
/// Limit algorithms are controllers too, and an enveloped one is again a
/// [`LimitAlgorithm`](crate::limit::LimitAlgorithm), so it can drive a
/// [`Limiter`](crate::limit::Limiter).
#[derive(Debug, Clone, PartialEq)]
pub struct Enveloped<C> {
    controller: C,
    gate: Gate,
}

impl<C: Controller> Enveloped<C> {
    /// Wraps `controller`; the first decision is its
    /// [`current`](Controller::current) one moved into the envelope.
    pub fn new(controller: C, envelope: Envelope) -> Self {
        let gate = Gate::new(envelope, controller.current());
        Enveloped { controller, gate }
    }

    /// Feeds `observation`, made at `now_secs` under the decision in
    /// force, to the controller and returns the next decision, inside the
    /// envelope.
    pub fn decide(&mut self, observation: &C::Observation, now_secs: f64) -> f64 {
        let (lowest, highest) = self.gate.reachable(now_secs);
        let context = DecisionContext {
            now_secs,
            applied: self.gate.decision(),
            lowest,
            highest,
        };
        let proposed = self.controller.observe(observation, &context);
        self.gate.apply(proposed, now_secs)
    }

    /// The decision in force.
    pub fn decision(&self) -> f64 {
        self.gate.decision()
    }

    /// The gate (the envelope and its state).
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// The wrapped controller.
    pub fn controller(&self) -> &C {
        &self.controller
    }

    /// The wrapped controller, to change its settings.
    pub fn controller_mut(&mut self) -> &mut C {
        &mut self.controller
    }
}
