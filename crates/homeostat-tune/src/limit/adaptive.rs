//! Homeostat's own limit: a gradient against a re-probed no-queue RTT.

use super::{LimitAlgorithm, Sample, check_limits, to_limit};
use crate::error::{Result, check_range};

/// A gradient limit that avoids the known failure modes of the classic
/// ones.
///
/// - **A baseline that cannot drift.** Gradient limits compare the current
///   RTT with a baseline; if the baseline learns from queued requests it
///   follows the queue up and the limit creeps (Netflix issue 134, Envoy
///   issue 8337). Here the baseline is the mean RTT measured during a
///   short *probe*: every `probe_interval_secs` the limit drops to just
///   below the bandwidth-delay product (`probe_margin` times the limit over
///   the RTT ratio), where no queue forms yet the server stays nearly busy,
///   so a probe costs about a tenth of the capacity for its length instead
///   of half. After three RTTs (the first requests to complete under the
///   reduced limit are the short ones, which would bias it low) the probe
///   averages two RTTs of completions of requests admitted under the
///   reduced limit. One probe's mean is noisy (±6 % for 64 samples at a
///   service-time cv of 0.5), so the baseline averages the probes with
///   weight `baseline_weight`; a probe more than three standard errors
///   away is confirmed by a second one, a quarter interval later, before it
///   replaces the baseline. Three windows in a row far above the tolerance
///   or clearly below the baseline (a slower or faster backend) start a
///   probe early; that probe keeps `probe_factor` of the limit, averages
///   twice as long, and replaces the baseline. So does a window that still
///   reads queueing after the limit fell below half of where it stood when
///   the last probe started: below the knee the RTT no longer falls with
///   the limit, so the baseline itself must be low.
/// - **Drops are congestion.** A drop (timeout, shed request) multiplies
///   the limit by `backoff_ratio`, at most once per smoothed RTT so a burst
///   of timeouts does not collapse it (Netflix issue 176: Gradient2 ignores
///   drops).
/// - **Slow start.** From the initial limit it grows by one per sample,
///   doubling per RTT, until the RTT exceeds the tolerance (Vector issue
///   3255: starting low and crawling up wastes capacity); it then halves,
///   as TCP does, since the RTT that crossed the tolerance was measured
///   under half the current limit.
/// - **Bounded growth.** Past slow start the limit moves once per window
///   (about one RTT of completions), with weight `smoothing`, towards
///   `limit + √limit` while `ratio` (the window's mean RTT over the
///   baseline) is within the tolerance, and towards
///   `limit × max(tolerance / ratio, 0.5)` past it. On a saturated server
///   `limit / ratio` is the bandwidth-delay product (Little's law), so the
///   limit settles at `tolerance` times it: the RTT stays near `tolerance`
///   times the no-queue RTT. Updating per window rather than per sample
///   keeps the loop stable despite its one-RTT delay.
///
/// ```
/// use homeostat_tune::limit::{AdaptiveLimit, LimitAlgorithm, Sample};
/// let mut limit = AdaptiveLimit::params().check()?;
/// // Slow start: one more per sample while the RTT stays flat.
/// for i in 0..10 {
///     limit.on_sample(&Sample::ok(0.01 * f64::from(i), 0.010, limit.limit()));
/// }
/// assert_eq!(limit.limit(), 30);
/// // A drop backs off by 10 %.
/// assert_eq!(limit.on_sample(&Sample::dropped(1.0, 1.0, 30)), 27);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveLimit {
    params: AdaptiveLimitParams,
    estimate: f64,
    short_rtt: Option<f64>,
    baseline: Option<f64>,
    /// A probe's mean that disagreed with the baseline, awaiting a second
    /// probe to confirm it.
    disagreeing: Option<f64>,
    /// The last window's mean RTT over the baseline.
    last_ratio: f64,
    slow_start: bool,
    last_backoff_secs: f64,
    phase: Phase,
    window: Window,
    suspect_windows: u32,
    /// The estimate when the last probe started (0 before the first).
    probed_estimate: f64,
}

/// RTTs of the samples since the last limit update.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Window {
    sum: f64,
    count: u32,
    size: u32,
    max_in_flight: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Tracking { next_probe_secs: f64 },
    Probing(Probe),
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Probe {
    start_secs: f64,
    limit: f64,
    sum: f64,
    sum_sq: f64,
    count: u32,
    needed: u32,
    /// Whether the probe replaces the baseline instead of refining it: the
    /// first probe, and probes started because the RTT level moved or the
    /// limit collapsed.
    replaces: bool,
}

/// Parameters of [`AdaptiveLimit`]; [`check`](AdaptiveLimitParams::check)
/// validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveLimitParams {
    initial_limit: u32,
    min_limit: u32,
    max_limit: u32,
    rtt_tolerance: f64,
    smoothing: f64,
    backoff_ratio: f64,
    probe_interval_secs: f64,
    probe_factor: f64,
    probe_margin: f64,
    baseline_weight: f64,
}

/// A window's mean RTT below this share of the baseline is suspect: far
/// outside the noise of a window's mean.
const FASTER_SHARE: f64 = 0.9;
/// Fewest samples a probe or a window averages.
const MIN_PROBE_SAMPLES: u32 = 32;
/// Round-trip times a probe waits, after the limit drops, before it
/// averages: the first requests to complete under the reduced limit are the
/// short ones. A sample completing `k` mean RTTs after the drop misses the
/// requests longer than `k` RTTs; for log-normal times at cv 0.5 that puts
/// the mean 7 % low at `k = 2` and 1.3 % low at `k = 3`.
const PROBE_SETTLE_RTTS: f64 = 3.0;
/// RTTs of completions a routine probe averages (a probe that replaces the
/// baseline averages twice as many): one probe of one RTT reads ±9 %.
const ROUTINE_PROBE_RTTS: u32 = 2;
/// Fewest samples per limit update.
const MIN_WINDOW_SAMPLES: u32 = 8;
/// A window whose RTT ratio exceeds this multiple of the tolerance is
/// suspect: the no-queue RTT itself may have risen (slower backends).
const SUSPECT_SHARE: f64 = 1.5;
/// Consecutive suspect windows that start a probe before its time.
const SUSPECT_WINDOWS: u32 = 3;
/// Share of the limit at the last probe's start below which a window that
/// still reads queueing starts a probe that replaces the baseline.
const COLLAPSE_SHARE: f64 = 0.5;

impl AdaptiveLimit {
    /// Defaults: initial 20, min 1, max 1000, RTT tolerance 1.05, smoothing
    /// 0.1, backoff 0.9, a probe every 2 s at 0.9 of the estimated
    /// bandwidth-delay product (half the limit for a probe that replaces the
    /// baseline), baseline weight 0.25.
    pub fn params() -> AdaptiveLimitParams {
        AdaptiveLimitParams {
            initial_limit: 20,
            min_limit: 1,
            max_limit: 1000,
            rtt_tolerance: 1.05,
            smoothing: 0.1,
            backoff_ratio: 0.9,
            probe_interval_secs: 2.0,
            probe_factor: 0.5,
            probe_margin: 0.9,
            baseline_weight: 0.25,
        }
    }

    /// The no-queue RTT the limit compares against, once known (seconds).
    pub fn baseline_rtt(&self) -> Option<f64> {
        self.baseline
    }

    /// Whether the limit is still in slow start.
    pub fn in_slow_start(&self) -> bool {
        self.slow_start
    }

    /// Whether a probe is running (the limit is temporarily reduced).
    pub fn is_probing(&self) -> bool {
        matches!(self.phase, Phase::Probing(_))
    }

    fn clamp(&self, value: f64) -> f64 {
        value.clamp(
            f64::from(self.params.min_limit),
            f64::from(self.params.max_limit),
        )
    }

    fn on_drop(&mut self, now: f64) {
        self.slow_start = false;
        if let Phase::Probing(_) = self.phase {
            self.phase = Phase::Tracking {
                next_probe_secs: now + self.params.probe_interval_secs,
            };
        }
        let spacing = self.short_rtt.unwrap_or(0.0);
        // NaN or a clock going backwards compare false: back off then too.
        if (now - self.last_backoff_secs) < spacing {
            return;
        }
        self.last_backoff_secs = now;
        self.estimate = self.clamp(self.estimate * self.params.backoff_ratio);
    }

    fn start_probe(&mut self, now: f64, replaces: bool) {
        let factor = if replaces {
            self.params.probe_factor
        } else {
            // Just below the bandwidth-delay product `limit / ratio` (at
            // most `limit / tolerance`, where the limit settles): no queue
            // forms below it, and the server stays nearly busy.
            let ratio = self.last_ratio.max(self.params.rtt_tolerance);
            (self.params.probe_margin / ratio).max(self.params.probe_factor)
        };
        let limit = self.clamp(self.estimate * factor).floor();
        // Marked at the start, not the end: a drop can end a probe early,
        // and a collapse probe ended that way must not leave the old mark
        // behind, or every later window would start another.
        self.probed_estimate = self.estimate;
        self.phase = Phase::Probing(Probe {
            start_secs: now,
            limit,
            sum: 0.0,
            sum_sq: 0.0,
            count: 0,
            // About two RTTs of completions at the reduced limit; a probe
            // that sets the baseline afresh averages twice as many.
            needed: (limit as u32).max(MIN_PROBE_SAMPLES)
                * ROUTINE_PROBE_RTTS
                * if replaces { 2 } else { 1 },
            replaces,
        });
    }
}

impl AdaptiveLimitParams {
    /// The limit before any sample; default 20.
    pub fn initial_limit(mut self, limit: u32) -> Self {
        self.initial_limit = limit;
        self
    }
    /// The lowest limit; default 1.
    pub fn min_limit(mut self, limit: u32) -> Self {
        self.min_limit = limit;
        self
    }
    /// The highest limit; default 1000.
    pub fn max_limit(mut self, limit: u32) -> Self {
        self.max_limit = limit;
        self
    }
    /// RTT inflation over the no-queue RTT that is tolerated; default 1.05,
    /// in `[1, 100]`. The limit settles at this multiple of the
    /// bandwidth-delay product; the baseline's noise (about ±3 % averaged
    /// over probes) sets how low it can usefully go.
    pub fn rtt_tolerance(mut self, tolerance: f64) -> Self {
        self.rtt_tolerance = tolerance;
        self
    }
    /// Weight of each new estimate, applied once per window (about one RTT
    /// of completions); default 0.1, in `(0, 1]`. With the one-RTT delay of
    /// the loop, values above 0.5 oscillate.
    pub fn smoothing(mut self, smoothing: f64) -> Self {
        self.smoothing = smoothing;
        self
    }
    /// Factor applied on a drop; default 0.9, in `[0.1, 1)`.
    pub fn backoff_ratio(mut self, ratio: f64) -> Self {
        self.backoff_ratio = ratio;
        self
    }
    /// Seconds between baseline probes; default 2, positive.
    pub fn probe_interval_secs(mut self, secs: f64) -> Self {
        self.probe_interval_secs = secs;
        self
    }
    /// Share of the limit kept during a probe that replaces the baseline
    /// (the first one, or one started by a level shift or a collapse), and
    /// the least any probe keeps; default 0.5, in `(0, 1)`. It must be below
    /// `1 / rtt_tolerance` for a probe to drain the queue the tolerance
    /// allows.
    pub fn probe_factor(mut self, factor: f64) -> Self {
        self.probe_factor = factor;
        self
    }
    /// Share of the estimated bandwidth-delay product a routine probe keeps;
    /// default 0.9, in `(0, 1]`. The estimate is the limit over the last
    /// window's RTT ratio (at least the tolerance); a probe never keeps less
    /// than `probe_factor` of the limit.
    pub fn probe_margin(mut self, margin: f64) -> Self {
        self.probe_margin = margin;
        self
    }
    /// Weight of a probe's mean in the baseline when the probe agrees with
    /// it (within three standard errors); default 0.25, in `(0, 1]` (1:
    /// each probe replaces the baseline). Averaging the probes cuts the
    /// baseline's noise; two disagreeing probes on the same side, or a
    /// probe started because the RTT level moved or the limit collapsed,
    /// replace it.
    pub fn baseline_weight(mut self, weight: f64) -> Self {
        self.baseline_weight = weight;
        self
    }
    /// Validates the parameters into an [`AdaptiveLimit`].
    pub fn check(self) -> Result<AdaptiveLimit> {
        check_limits(self.initial_limit, self.min_limit, self.max_limit)?;
        check_range("rtt_tolerance", self.rtt_tolerance, 1.0, 100.0, "[1, 100]")?;
        check_range(
            "smoothing",
            self.smoothing,
            f64::MIN_POSITIVE,
            1.0,
            "(0, 1]",
        )?;
        check_range(
            "backoff_ratio",
            self.backoff_ratio,
            0.1,
            1.0 - f64::EPSILON,
            "[0.1, 1)",
        )?;
        check_range(
            "probe_interval_secs",
            self.probe_interval_secs,
            f64::MIN_POSITIVE,
            1e9,
            "(0, 1e9]",
        )?;
        check_range(
            "probe_factor",
            self.probe_factor,
            f64::MIN_POSITIVE,
            1.0 - f64::EPSILON,
            "(0, 1)",
        )?;
        check_range(
            "probe_margin",
            self.probe_margin,
            f64::MIN_POSITIVE,
            1.0,
            "(0, 1]",
        )?;
        check_range(
            "baseline_weight",
            self.baseline_weight,
            f64::MIN_POSITIVE,
            1.0,
            "(0, 1]",
        )?;
        Ok(AdaptiveLimit {
            estimate: f64::from(self.initial_limit),
            short_rtt: None,
            baseline: None,
            disagreeing: None,
            last_ratio: 1.0,
            slow_start: true,
            last_backoff_secs: f64::NEG_INFINITY,
            phase: Phase::Tracking {
                next_probe_secs: f64::NEG_INFINITY,
            },
            window: Window::default(),
            suspect_windows: 0,
            probed_estimate: 0.0,
            params: self,
        })
    }
}

impl LimitAlgorithm for AdaptiveLimit {
    fn limit(&self) -> u32 {
        let (min, max) = (self.params.min_limit, self.params.max_limit);
        match self.phase {
            Phase::Probing(probe) => to_limit(probe.limit, min, max),
            Phase::Tracking { .. } => to_limit(self.estimate, min, max),
        }
    }

    fn on_sample(&mut self, sample: &Sample) -> u32 {
        let now = sample.now_secs;
        if sample.dropped {
            self.on_drop(now);
            return self.limit();
        }
        let Some(rtt) = sample.valid_rtt().filter(|&rtt| rtt > 0.0) else {
            return self.limit();
        };
        // Until the first window closes, the first RTT spaces the back-offs.
        self.short_rtt.get_or_insert(rtt);
        if let Phase::Probing(probe) = self.phase {
            self.probe_sample(probe, now, rtt);
            return self.limit();
        }
        if self.slow_start && f64::from(sample.in_flight) * 2.0 >= self.estimate {
            // One more per sample: doubling per RTT.
            self.estimate = self.clamp(self.estimate + 1.0);
        }
        let window = &mut self.window;
        if window.count == 0 {
            // About one RTT of completions at the limit the window starts with.
            window.size = (self.estimate as u32).max(MIN_WINDOW_SAMPLES);
        }
        window.sum += rtt;
        window.count += 1;
        window.max_in_flight = window.max_in_flight.max(sample.in_flight);
        if window.count < window.size {
            return self.limit();
        }
        let mean = window.sum / f64::from(window.count);
        let max_in_flight = window.max_in_flight;
        self.window = Window::default();
        self.short_rtt = Some(mean);
        self.on_window(now, mean, max_in_flight);
        self.limit()
    }
}

impl AdaptiveLimit {
    fn probe_sample(&mut self, mut probe: Probe, now: f64, rtt: f64) {
        // Only requests admitted under the reduced limit saw a drained
        // queue, and the first of them to complete are the short ones: wait
        // for the completions to reach their steady mix.
        let settled = now >= probe.start_secs + PROBE_SETTLE_RTTS * self.short_rtt.unwrap_or(0.0);
        if now - rtt >= probe.start_secs && settled {
            probe.sum += rtt;
            probe.sum_sq += rtt * rtt;
            probe.count += 1;
        }
        if probe.count < probe.needed {
            self.phase = Phase::Probing(probe);
            return;
        }
        let n = f64::from(probe.count);
        let mean = probe.sum / n;
        let variance = (probe.sum_sq / n - mean * mean).max(0.0);
        let standard_error = (variance / n).sqrt();
        let mut next_probe = self.params.probe_interval_secs;
        self.baseline = Some(match self.baseline {
            Some(old) if !probe.replaces && (mean - old).abs() <= 3.0 * standard_error => {
                self.disagreeing = None;
                let w = self.params.baseline_weight;
                old * (1.0 - w) + mean * w
            }
            Some(old) if !probe.replaces => {
                // One disagreeing probe may be noise: a second one, soon,
                // on the same side confirms the move.
                match self.disagreeing.take() {
                    Some(first) if (first - old).signum() == (mean - old).signum() => {
                        0.5 * (first + mean)
                    }
                    _ => {
                        self.disagreeing = Some(mean);
                        next_probe *= 0.25;
                        old
                    }
                }
            }
            _ => {
                self.disagreeing = None;
                mean
            }
        });
        self.window = Window::default();
        self.suspect_windows = 0;
        self.phase = Phase::Tracking {
            next_probe_secs: now + next_probe,
        };
    }

    /// Once per window: the gradient step, slow-start exit and probes.
    fn on_window(&mut self, now: f64, mean: f64, max_in_flight: u32) {
        let baseline = *self.baseline.get_or_insert(mean);
        let tolerance = self.params.rtt_tolerance;
        let ratio = mean / baseline;
        self.last_ratio = ratio;
        // Far above the tolerance, or clearly faster than the baseline: the
        // no-queue RTT itself may have changed.
        self.suspect_windows = if ratio > SUSPECT_SHARE * tolerance || ratio < FASTER_SHARE {
            self.suspect_windows + 1
        } else {
            0
        };
        // Cut below half of where it stood when the last probe started, still
        // reading queueing: the baseline is low (a probe can read 18 % low,
        // seed 56 of the overload scenario), and below the knee the RTT no
        // longer falls with the limit, so every window would cut again,
        // down to the minimum. Measure the baseline afresh instead.
        let collapsing = ratio > tolerance && self.estimate < COLLAPSE_SHARE * self.probed_estimate;
        if let Phase::Tracking { next_probe_secs } = self.phase
            && !self.slow_start
            && (now >= next_probe_secs || self.suspect_windows >= SUSPECT_WINDOWS || collapsing)
        {
            self.start_probe(now, self.suspect_windows >= SUSPECT_WINDOWS || collapsing);
            return;
        }
        if self.slow_start {
            if ratio > tolerance {
                // First congestion: measure the true baseline right away.
                // Slow start doubles the limit per RTT, so the window that
                // saw the RTT rise was admitted under about half the
                // current limit: halve it (as TCP does on leaving slow
                // start), or the probe would not drain the queue.
                self.slow_start = false;
                self.estimate = self.clamp(0.5 * self.estimate);
                self.start_probe(now, true);
            }
            return;
        }
        if f64::from(max_in_flight) * 2.0 < self.estimate {
            return; // the service is not using its limit
        }
        let next = if ratio <= tolerance {
            // Within the tolerance: probe upwards for capacity.
            self.estimate + self.estimate.sqrt().max(1.0)
        } else {
            // Past it: by Little's law, limit / ratio is the bandwidth-delay
            // product of a saturated server, so this aims at `tolerance`
            // times it.
            self.estimate * (tolerance / ratio).max(0.5)
        };
        let s = self.params.smoothing;
        self.estimate = self.clamp(self.estimate * (1.0 - s) + next * s);
    }
}
