//! A PID controller for a set-point: anti-windup, derivative on
//! measurement with a low-pass filter, clamped and rate-limited output.

use crate::control::{Controller, DecisionContext, Envelope, Gate};
use crate::error::{Error, Result, check_range};

/// Proportional-integral-derivative control of one knob towards a
/// set-point.
///
/// - **Derivative on measurement**: the D term differentiates the
///   measurement, not the error, so a set-point change does not kick the
///   output; a first-order filter with time constant
///   `derivative_filter_secs` tames measurement noise.
/// - **Anti-windup**: the integral only accumulates while the output is
///   not saturated in the direction it would push (conditional
///   integration), and is clamped so that on its own it stays within the
///   output limits; after a long saturation the controller answers at
///   once.
/// - **Output envelope**: the output stays in `[output_min, output_max]`,
///   changes by at most `max_step` per update, and, after a change, holds
///   for `cooldown_secs`: an [`Envelope`] enforced by the same [`Gate`] as
///   every other controller's.
/// - **Tracking**: as a [`Controller`] inside another envelope, it takes
///   the applied output as its own before each update (bumpless), so it
///   does not wind up against limits it does not know.
/// - **Direction**: direct acting (the default) raises the output when the
///   measurement is below the set-point (heating); reverse acting raises
///   it when the measurement is above (replicas against CPU).
///
/// ```
/// use homeostat_tune::pid::Pid;
/// // Keep CPU at 70 % by changing replicas: more replicas, less CPU.
/// let mut pid = Pid::params(1.0, 0.5, 0.0)
///     .setpoint(0.70)
///     .reverse_acting()
///     .output_limits(1.0, 50.0)
///     .initial_output(10.0)
///     .check()?;
/// let mut replicas: f64 = 10.0;
/// for step in 0..400 {
///     let load: f64 = 14.0; // cores of work
///     let cpu = (load / replicas).min(1.0);
///     replicas = pid.update(cpu, f64::from(step))?;
/// }
/// assert!((replicas - 20.0).abs() < 0.5, "{replicas}"); // 14 / 20 = 70 %
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pid {
    params: PidParams,
    integral: f64,
    filtered_derivative: f64,
    last: Option<(f64, f64)>,
    gate: Gate,
}

/// Parameters of [`Pid`]; [`check`](PidParams::check) validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct PidParams {
    kp: f64,
    ki: f64,
    kd: f64,
    setpoint: f64,
    reverse: bool,
    output_min: f64,
    output_max: f64,
    initial_output: Option<f64>,
    max_step: f64,
    cooldown_secs: f64,
    derivative_filter_secs: f64,
}

impl Pid {
    /// Gains `kp`, `ki` (per second) and `kd` (seconds), each finite and
    /// not negative. Defaults: set-point 0, direct acting, output in
    /// `[-1e9, 1e9]` starting at the middle of the limits (0), no step limit, no
    /// cooldown, derivative filter 0 (none).
    pub fn params(kp: f64, ki: f64, kd: f64) -> PidParams {
        PidParams {
            kp,
            ki,
            kd,
            setpoint: 0.0,
            reverse: false,
            output_min: -1e9,
            output_max: 1e9,
            initial_output: None,
            max_step: f64::INFINITY,
            cooldown_secs: 0.0,
            derivative_filter_secs: 0.0,
        }
    }

    /// The last output.
    pub fn output(&self) -> f64 {
        self.gate.decision()
    }

    /// The set-point.
    pub fn setpoint(&self) -> f64 {
        self.params.setpoint
    }

    /// Moves the set-point (no derivative kick: D acts on the measurement).
    pub fn set_setpoint(&mut self, setpoint: f64) -> Result<()> {
        self.params.setpoint = finite("setpoint", setpoint)?;
        Ok(())
    }

    /// One control step: the `measurement` taken at `now_secs` (a clock
    /// that does not go backwards) in, the new output out.
    ///
    /// A non-finite measurement or time is an [`Error::NonFinite`] and
    /// leaves the state unchanged; a time that does not advance updates
    /// the proportional term only.
    pub fn update(&mut self, measurement: f64, now_secs: f64) -> Result<f64> {
        finite("measurement", measurement)?;
        finite("now_secs", now_secs)?;
        let p = &self.params;
        let (output_min, output_max) = (self.gate.envelope().min(), self.gate.envelope().max());
        let sign = if p.reverse { -1.0 } else { 1.0 };
        let error = sign * (p.setpoint - measurement);
        let dt = self.last.map_or(0.0, |(t, _)| (now_secs - t).max(0.0));

        // Derivative on measurement, low-pass filtered.
        if let Some((_, previous)) = self.last
            && dt > 0.0
        {
            let raw = -sign * (measurement - previous) / dt;
            let alpha = dt / (p.derivative_filter_secs + dt);
            self.filtered_derivative += alpha * (raw - self.filtered_derivative);
        }
        let unclamped_without_i = p.kp * error + p.kd * self.filtered_derivative;
        // Conditional integration: skip when saturated and the error pushes further.
        let candidate = self.integral + p.ki * error * dt;
        let trial = unclamped_without_i + candidate;
        let saturated_high = trial > output_max && error > 0.0;
        let saturated_low = trial < output_min && error < 0.0;
        if !(saturated_high || saturated_low) {
            self.integral = candidate.clamp(output_min, output_max);
        }
        let wanted = (unclamped_without_i + self.integral).clamp(output_min, output_max);
        self.last = Some((now_secs, measurement));
        Ok(self.gate.apply(wanted, now_secs))
    }
}

fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::NonFinite { name, value })
    }
}

impl PidParams {
    /// The target of the measurement; default 0.
    pub fn setpoint(mut self, setpoint: f64) -> Self {
        self.setpoint = setpoint;
        self
    }
    /// Raise the output when the measurement is above the set-point.
    pub fn reverse_acting(mut self) -> Self {
        self.reverse = true;
        self
    }
    /// Output limits; default `[-1e9, 1e9]`; finite, min not above max.
    pub fn output_limits(mut self, min: f64, max: f64) -> Self {
        self.output_min = min;
        self.output_max = max;
        self
    }
    /// The output before the first update (and the integral's start, for
    /// a bumpless start); default the middle of the limits.
    pub fn initial_output(mut self, output: f64) -> Self {
        self.initial_output = Some(output);
        self
    }
    /// Largest change of the output per update; default unlimited;
    /// positive.
    pub fn max_step(mut self, step: f64) -> Self {
        self.max_step = step;
        self
    }
    /// Seconds the output holds after a change; default 0; not negative.
    pub fn cooldown_secs(mut self, secs: f64) -> Self {
        self.cooldown_secs = secs;
        self
    }
    /// Time constant of the derivative's low-pass filter; default 0 (no
    /// filtering); not negative.
    pub fn derivative_filter_secs(mut self, secs: f64) -> Self {
        self.derivative_filter_secs = secs;
        self
    }
    /// Validates the parameters into a [`Pid`].
    pub fn check(self) -> Result<Pid> {
        const NOT_NEGATIVE: &str = "[0, 1e12]";
        check_range("kp", self.kp, 0.0, 1e12, NOT_NEGATIVE)?;
        check_range("ki", self.ki, 0.0, 1e12, NOT_NEGATIVE)?;
        check_range("kd", self.kd, 0.0, 1e12, NOT_NEGATIVE)?;
        finite("setpoint", self.setpoint)?;
        let envelope = Envelope::params(self.output_min, self.output_max)
            .max_step(self.max_step)
            .cooldown_secs(self.cooldown_secs)
            .check()?;
        check_range(
            "derivative_filter_secs",
            self.derivative_filter_secs,
            0.0,
            1e9,
            "[0, 1e9]",
        )?;
        let middle = 0.5 * (self.output_min + self.output_max);
        let output = self.initial_output.unwrap_or(middle);
        check_range(
            "initial_output",
            output,
            self.output_min,
            self.output_max,
            "[output_min, output_max]",
        )?;
        Ok(Pid {
            integral: output,
            filtered_derivative: 0.0,
            last: None,
            gate: Gate::new(envelope, output),
            params: self,
        })
    }
}

/// Observes a measurement; an unusable one (NaN, ±∞, or a non-finite
/// time) keeps the output.
impl Controller for Pid {
    type Observation = f64;

    fn current(&self) -> f64 {
        self.output()
    }

    fn observe(&mut self, measurement: &f64, context: &DecisionContext) -> f64 {
        if context.applied.is_finite() && context.applied != self.output() {
            // Bumpless: continue from what was applied, integral included.
            let applied = self.gate.envelope().clamp(context.applied);
            self.integral += applied - self.output();
            self.gate.reset(applied);
        }
        self.update(*measurement, context.now_secs)
            .unwrap_or_else(|_| self.output())
    }
}
