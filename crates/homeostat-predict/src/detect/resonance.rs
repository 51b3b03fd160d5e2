//! An adaptive-resonance detector: windows of a downsampled series are
//! clustered by a fuzzy ART memory with two vigilance levels, and a window
//! no category resonates with is an anomaly.
//!
//! Why this shape: a fuzzy ART memory (Carpenter, Grossberg and Rosen,
//! 1991) learns categories online without overwriting the old ones, so a
//! daily pattern seen once stays familiar (until, past a cap, it is the
//! least recently used); two vigilance levels (dual
//! vigilance fuzzy ART, da Silva et al., 2019) separate "a variant of a
//! known pattern" (a new category, quietly) from "nothing like anything
//! seen" (an alarm). The vigilance levels follow the series' own
//! similarity history, so one configuration serves quiet and noisy series.
//! The design follows ARTime (by Mark Hampton), the best published detector
//! on the Numenta Anomaly Benchmark, with two differences that make it a
//! streaming detector: the value range comes from the warm-up (and widens
//! when a value goes beyond it) instead of the whole file, and the warm-up
//! length is a parameter instead of a share of the file's length (a
//! stand-in with a shorter warm-up scores while it lasts). Its Haar
//! details have the opposite sign by default
//! ([`ResonanceParams::rising_details`]). Given what ARTime is given and
//! its sign, it reproduces ARTime's published NAB scores.

use std::collections::VecDeque;

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::Detector;
use crate::{Error, Result};

/// Parameters of [`Resonance`]. Deserialising checks them as
/// [`build`](ResonanceParams::build) does, so a saved detector with
/// parameters out of range is refused with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ParamFields")]
pub struct ResonanceParams {
    warmup: usize,
    window: usize,
    levels: usize,
    snap: f64,
    headroom: f64,
    range: Option<(f64, f64)>,
    widen: bool,
    max_categories: usize,
    /// Absent from parameters saved before it existed, which had falling
    /// details.
    #[serde(default)]
    rising_details: bool,
    /// Absent from parameters saved before it existed, which had none.
    #[serde(default)]
    early_warmup: Option<usize>,
}

/// [`ResonanceParams`] as read, before the checks.
#[derive(Deserialize)]
struct ParamFields {
    warmup: usize,
    window: usize,
    levels: usize,
    snap: f64,
    headroom: f64,
    range: Option<(f64, f64)>,
    widen: bool,
    max_categories: usize,
    #[serde(default)]
    rising_details: bool,
    #[serde(default)]
    early_warmup: Option<usize>,
}

impl TryFrom<ParamFields> for ResonanceParams {
    type Error = Error;

    fn try_from(f: ParamFields) -> Result<Self> {
        let params = ResonanceParams {
            warmup: f.warmup,
            window: f.window,
            levels: f.levels,
            snap: f.snap,
            headroom: f.headroom,
            range: f.range,
            widen: f.widen,
            max_categories: f.max_categories,
            rising_details: f.rising_details,
            early_warmup: f.early_warmup,
        };
        params.check()?;
        Ok(params)
    }
}

/// The longest warm-up accepted (values).
const MAX_WARMUP: usize = 10_000_000;

/// The largest headroom accepted (shares of the span on each side).
const MAX_HEADROOM: f64 = 10.0;

/// Feature windows per warm-up: the warm-up is cut into this many windows'
/// worth of downsampled points, which sets the downsampling step.
const WINDOWS_PER_WARMUP: usize = 13;

impl ResonanceParams {
    /// Values learnt before this detector's own first score (default 450;
    /// at least 4 feature windows, at most 10 000 000; a stand-in of
    /// [`early_warmup`](Self::early_warmup) scores before). It also sets
    /// the downsampling step: `warmup / (13 × window)` values per point,
    /// at least 1, so a score comes up to `step − 1` values after the
    /// value that caused it.
    pub fn warmup(mut self, warmup: usize) -> Self {
        self.warmup = warmup;
        self
    }

    /// Downsampled points per feature window (default 8; a power of two
    /// from 2 to 64, for the Haar transform).
    pub fn window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Quantisation steps across the value range (default 80, so levels 0
    /// to 80; 2 to 10 000).
    pub fn levels(mut self, levels: usize) -> Self {
        self.levels = levels;
        self
    }

    /// A point within this share of the range from the running median
    /// level is moved onto it (default 0.075, in `[0, 1)`), so noise around
    /// a steady level reads as the level.
    pub fn snap(mut self, snap: f64) -> Self {
        self.snap = snap;
        self
    }

    /// Share of the span added beyond the range (default 0, at most 10):
    /// on both sides of the warm-up's range (or the given `range`), and on
    /// the far side of a widened range, as a share of the new span. Without
    /// widening, values beyond the range count as its edge.
    pub fn headroom(mut self, headroom: f64) -> Self {
        self.headroom = headroom;
        self
    }

    /// A known value range `(low, high)`, `low < high` (for example 0–100
    /// for a percentage), instead of the warm-up's; it does not widen.
    /// `None` (the default) uses the warm-up's.
    pub fn range(mut self, range: Option<(f64, f64)>) -> Self {
        self.range = range;
        self
    }

    /// The most categories the memory keeps (default 512, at least 2):
    /// past it, a new category replaces the one that resonated least
    /// recently, which bounds the cost per point and the state's size.
    /// nab-dev's longest series would make 791 (with the other defaults its
    /// scores are the same with 512 or 1024 kept).
    pub fn max_categories(mut self, max_categories: usize) -> Self {
        self.max_categories = max_categories;
        self
    }

    /// Whether the range widens to take a value beyond it (default true).
    pub fn widen(mut self, widen: bool) -> Self {
        self.widen = widen;
        self
    }

    /// The sign of the shape's Haar details: `false` (the default) makes a
    /// detail positive where the window falls (first minus second half),
    /// `true` where it rises, as ARTime's wavelet library does.
    ///
    /// Both are the same orthonormal transform, but the shape is stretched
    /// onto `[0, 1]` after it together with the unsigned average, so the
    /// features, and the categories they form, differ. On nab-dev
    /// (in-sample) falling details score higher streaming (standard:
    /// falling 74.81, rising 70.75; without the stand-in of
    /// [`early_warmup`](Self::early_warmup) falling 70.02, rising 64.71)
    /// and rising ones higher given each file's range and length as ARTime
    /// is (falling 75.43, rising 78.15; see docs/forecast.md).
    pub fn rising_details(mut self, rising: bool) -> Self {
        self.rising_details = rising;
        self
    }

    /// The warm-up of a stand-in detector, the same but for its shorter
    /// warm-up, that scores until this one's warm-up ends, and beside it
    /// (the larger score) until this one's mask after the warm-up
    /// (1.5 windows of points) has passed; it is then dropped. Default
    /// `Some(250)` values. A stand-in runs only when the value is at least
    /// 4 windows and below `warmup`; otherwise, or with `None`, nothing
    /// scores before the warm-up ends.
    ///
    /// Why: a longer warm-up learns a steadier memory and vigilance, but a
    /// short series' first anomaly can come before it ends. The stand-in
    /// costs only while the warm-up lasts. On nab-dev (in-sample) it lifts
    /// `resonance` at every warm-up tried, by 3–9 points standard (450:
    /// 70.02 → 74.81; see docs/forecast.md).
    pub fn early_warmup(mut self, early_warmup: Option<usize>) -> Self {
        self.early_warmup = early_warmup;
        self
    }

    /// Values per downsampled point.
    fn step(&self) -> usize {
        (self.warmup / (self.window * WINDOWS_PER_WARMUP)).max(1)
    }

    /// Downsampled points in the warm-up.
    fn trend(&self) -> usize {
        self.warmup / self.step()
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<Resonance> {
        self.check()?;
        let early = match self.early_warmup {
            Some(e) if (4 * self.window..self.warmup).contains(&e) => Some(Box::new(
                ResonanceParams {
                    warmup: e,
                    early_warmup: None,
                    ..self.clone()
                }
                .build()?,
            )),
            _ => None,
        };
        let trend = self.trend();
        Ok(Resonance {
            early,
            block: Block::default(),
            moving_average: None,
            warmup_points: Vec::with_capacity(trend),
            seen: None,
            scale: None,
            median: Median::new(self.levels),
            recent: VecDeque::from(vec![0.0; self.window]),
            points: 0,
            memory: Memory::new(2 * self.window, self.max_categories),
            watch: Watch::new(trend),
            params: self,
        })
    }

    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    fn check(&self) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if !self.window.is_power_of_two() || !(2..=64).contains(&self.window) {
            return bad(
                "window",
                format!("{} is not a power of two in 2..=64", self.window),
            );
        }
        if self.warmup > MAX_WARMUP {
            return bad("warmup", format!("{} is above {MAX_WARMUP}", self.warmup));
        }
        if self.warmup < 4 * self.window {
            return bad(
                "warmup",
                format!("{} is below 4 windows ({})", self.warmup, 4 * self.window),
            );
        }
        if !(2..=10_000).contains(&self.levels) {
            return bad("levels", format!("{} is not in 2..=10000", self.levels));
        }
        if self.max_categories < 2 {
            return bad(
                "max_categories",
                format!("{} is below 2", self.max_categories),
            );
        }
        if !(0.0..1.0).contains(&self.snap) {
            return bad("snap", format!("{} is not in [0, 1)", self.snap));
        }
        if !(0.0..=MAX_HEADROOM).contains(&self.headroom) {
            return bad(
                "headroom",
                format!("{} is not in [0, {MAX_HEADROOM}]", self.headroom),
            );
        }
        if let Some((lo, hi)) = self.range
            && !(lo.abs() <= Resonance::LARGEST && hi.abs() <= Resonance::LARGEST && lo < hi)
        {
            return bad(
                "range",
                format!(
                    "({lo}, {hi}) is not an interval within ±{:e}",
                    Resonance::LARGEST
                ),
            );
        }
        Ok(())
    }
}

/// Adaptive-resonance anomaly detector; O(categories × window) per
/// downsampled point, where categories grow with the series' variety up to
/// the cap.
///
/// Scores are non-zero only on the value that completes a downsampled
/// point and opens a new category unlike every other. During the warm-up
/// a stand-in with a shorter one scores
/// ([`ResonanceParams::early_warmup`]); the first `early_warmup` values
/// (all `warmup` without it) score 0. Values that are not finite or
/// beyond ±[`Resonance::LARGEST`] score 0 and leave the state unchanged.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Detector, Resonance};
/// let mut d = Resonance::params().build()?;
/// let t = Timestamp::from_secs(0);
/// let wave = |i: usize| ((i % 50) as f64 / 50.0 * std::f64::consts::TAU).sin();
/// let before = (0..3000).map(|i| d.update(t, wave(i))).fold(0.0, f64::max);
/// let after = (3000..3100).map(|i| d.update(t, 5.0 + wave(i))).fold(0.0, f64::max);
/// assert!(after > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resonance {
    params: ResonanceParams,
    block: Block,
    /// Mean of the block means, each halving the weight of the older ones.
    moving_average: Option<f64>,
    /// Downsampled points of the warm-up, before the range is known.
    warmup_points: Vec<f64>,
    /// Smallest and largest value seen in the warm-up.
    seen: Option<(f64, f64)>,
    /// The value range's low and high ends, once known.
    scale: Option<(f64, f64)>,
    median: Median,
    /// The last `window` quantised points, oldest first.
    recent: VecDeque<f64>,
    /// Downsampled points processed.
    points: usize,
    memory: Memory,
    watch: Watch,
    /// The stand-in that scores during the warm-up (dropped after it).
    #[serde(default)]
    early: Option<Box<Resonance>>,
}

impl Resonance {
    /// The largest magnitude taken: a value beyond it is treated as
    /// missing (scores 0, state unchanged), so that sums and spans of
    /// values cannot overflow.
    pub const LARGEST: f64 = 1e300;

    /// Default parameters.
    pub fn params() -> ResonanceParams {
        ResonanceParams {
            warmup: 450,
            window: 8,
            levels: 80,
            snap: 0.075,
            headroom: 0.0,
            range: None,
            widen: true,
            max_categories: 512,
            rising_details: false,
            early_warmup: Some(250),
        }
    }

    /// The parameters this detector was built with.
    pub(super) fn configured(&self) -> &ResonanceParams {
        &self.params
    }

    /// Categories the memory holds (the uncommitted one included).
    pub fn categories(&self) -> usize {
        self.memory.norms.len()
    }

    /// Turns a block's values into one point: its mean, or its extreme on
    /// the side away from the moving average when that stands out by 10 %
    /// of the mean (a spike is kept, not averaged away).
    fn downsample(&mut self, block: Block) -> f64 {
        let mean = block.sum / block.count as f64;
        let average = self.moving_average.map_or(mean, |m| (m + mean) / 2.0);
        self.moving_average = Some(average);
        let extreme = if (block.max - average).abs() < (block.min - average).abs() {
            block.min
        } else {
            block.max
        };
        if (extreme - mean).abs() < 0.1 * mean.abs() {
            mean
        } else {
            extreme
        }
    }

    /// The feature vector of the point `point` (raw units): the Haar
    /// transform of the window's shape, then the window's levels.
    fn features(&mut self, point: f64) -> Vec<f64> {
        if self.params.range.is_none() && self.params.widen {
            self.widen_to(point);
        }
        let (low, high) = self.scale.unwrap_or((0.0, 0.0));
        let width = high - low;
        let levels = self.params.levels;
        let normalised = if width > 0.0 {
            ((point - low) / width).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let level = (normalised * levels as f64).round() as usize;
        let median = self.median.insert(level) as f64 / levels as f64;
        let mut quantised = level as f64 / levels as f64;
        if (quantised - median).abs() < self.params.snap {
            quantised = median;
        }
        self.recent.pop_front();
        self.recent.push_back(quantised);
        self.points += 1;
        let window = self.params.window;
        let mut features = vec![0.0; 2 * window];
        if self.points >= window {
            let (shape, levels) = features.split_at_mut(window);
            for (s, r) in shape.iter_mut().zip(&self.recent) {
                *s = *r;
            }
            rescale(shape);
            haar(shape, self.params.rising_details);
            rescale(shape);
            for (l, r) in levels.iter_mut().zip(&self.recent) {
                *l = *r;
            }
        }
        features
    }

    /// Widens the value range to take `point`, moving everything learnt
    /// onto the new range (an increasing affine map keeps fuzzy ART's
    /// minima minima).
    fn widen_to(&mut self, point: f64) {
        let Some((low, high)) = self.scale else {
            return;
        };
        if point >= low && point <= high {
            return;
        }
        let (mut new_low, mut new_high) = (low.min(point), high.max(point));
        let pad = (new_high - new_low) * self.params.headroom;
        if point < low {
            new_low -= pad;
        } else {
            new_high += pad;
        }
        let (width, new_width) = (high - low, new_high - new_low);
        let map = |v: f64| {
            if new_width > 0.0 {
                ((v * width + low - new_low) / new_width).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        self.scale = Some((new_low, new_high));
        let window = self.params.window;
        self.memory.remap(window..2 * window, map);
        for r in self.recent.iter_mut() {
            *r = map(*r);
        }
        let levels = self.params.levels as f64;
        self.median
            .remap(|l| (map(l as f64 / levels) * levels).round() as usize);
    }

    /// Ends the warm-up: fixes the range, learns the warm-up's points in
    /// one batch and sets the first vigilance.
    fn end_warmup(&mut self) {
        let (lo, hi) = self.params.range.or(self.seen).unwrap_or((0.0, 0.0));
        let pad = (hi - lo) * self.params.headroom;
        self.scale = Some((lo - pad, hi + pad));
        let points = std::mem::take(&mut self.warmup_points);
        let all: Vec<Vec<f64>> = points.iter().map(|&p| self.features(p)).collect();
        let window = self.params.window;
        let vigilance = initial_vigilance(
            &all[window - 1..],
            self.memory.dim,
            self.params.trend(),
            self.params.max_categories,
        );
        self.memory.lower = vigilance;
        self.memory.upper = vigilance;
        for (i, f) in all.iter().enumerate() {
            self.watch
                .step(&mut self.memory, f, i + 1, window, self.params.trend());
        }
    }
}

impl Detector for Resonance {
    fn update(&mut self, t: Timestamp, x: f64) -> f64 {
        if x.is_nan() || x.abs() > Self::LARGEST {
            return 0.0;
        }
        let early = self.early.as_mut().map_or(0.0, |e| e.update(t, x));
        let own = self.own_update(x);
        if self.scale.is_none() {
            return early;
        }
        // Right after its warm-up this detector is masked (it cannot alarm
        // on new categories), so the stand-in keeps watching until then.
        if self.early.is_some()
            && self.points > self.params.trend() + mask_points(self.params.window)
        {
            self.early = None;
        }
        own.max(early)
    }
}

impl Resonance {
    /// This detector's own step for a value taken (finite, within
    /// ±[`Resonance::LARGEST`]); 0 during the warm-up.
    fn own_update(&mut self, x: f64) -> f64 {
        if self.scale.is_none() {
            self.seen = Some(self.seen.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))));
        }
        self.block.push(x);
        if self.block.count < self.params.step() {
            return 0.0;
        }
        let block = std::mem::take(&mut self.block);
        let point = self.downsample(block);
        if self.scale.is_none() {
            self.warmup_points.push(point);
            if self.warmup_points.len() == self.params.trend() {
                self.end_warmup();
            }
            return 0.0;
        }
        let features = self.features(point);
        let i = self.points;
        self.watch.step(
            &mut self.memory,
            &features,
            i,
            self.params.window,
            self.params.trend(),
        )
    }
}

/// The values of the downsampled point being gathered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Block {
    count: usize,
    sum: f64,
    min: f64,
    max: f64,
}

impl Block {
    fn push(&mut self, x: f64) {
        if self.count == 0 {
            self.min = x;
            self.max = x;
        }
        self.count += 1;
        self.sum += x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }
}

/// Stretches `v` onto `[0, 1]` (all zeros when it is flat).
fn rescale(v: &mut [f64]) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    for x in v.iter_mut() {
        *x -= lo;
    }
    let hi = v.iter().copied().fold(0.0, f64::max);
    if hi > 0.0 {
        for x in v.iter_mut() {
            *x /= hi;
        }
    }
}

/// The full orthonormal Haar transform of `v` (length a power of two), in
/// place: the overall average first, then the details from the coarsest
/// scale to the finest, each the second half's sum minus the first's when
/// `rising`, the first's minus the second's otherwise (over √2).
fn haar(v: &mut [f64], rising: bool) {
    let mut n = v.len();
    let mut tmp = vec![0.0; n];
    while n > 1 {
        let half = n / 2;
        for k in 0..half {
            let (a, b) = (v[2 * k], v[2 * k + 1]);
            tmp[k] = (a + b) * std::f64::consts::FRAC_1_SQRT_2;
            let detail = if rising { b - a } else { a - b };
            tmp[half + k] = detail * std::f64::consts::FRAC_1_SQRT_2;
        }
        v[..n].copy_from_slice(&tmp[..n]);
        n = half;
    }
}

/// The running median of quantisation levels, from their histogram.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Median {
    counts: Vec<u64>,
    level: usize,
    below: u64,
    above: u64,
    total: u64,
}

impl Median {
    fn new(levels: usize) -> Self {
        Median {
            counts: vec![0; levels + 1],
            level: 0,
            below: 0,
            above: 0,
            total: 0,
        }
    }

    /// Moves every count from level `l` to `map(l)` and finds the median
    /// again.
    fn remap(&mut self, map: impl Fn(usize) -> usize) {
        let top = self.counts.len() - 1;
        let mut counts = vec![0; top + 1];
        for (l, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                counts[map(l).min(top)] += c;
            }
        }
        self.counts = counts;
        let half = self.total / 2;
        let mut below = 0;
        for (l, &c) in self.counts.iter().enumerate() {
            if below + c > half {
                self.level = l;
                self.below = below;
                self.above = self.total - below - c;
                return;
            }
            below += c;
        }
    }

    /// Counts `level` in and returns the median level.
    fn insert(&mut self, level: usize) -> usize {
        if self.total == 0 {
            self.level = level;
        }
        self.counts[level] += 1;
        self.total += 1;
        if level < self.level {
            self.below += 1;
        } else if level > self.level {
            self.above += 1;
        }
        let half = self.total / 2;
        while self.above > half {
            self.below += self.counts[self.level];
            self.level += 1;
            while self.counts[self.level] == 0 {
                self.level += 1;
            }
            self.above -= self.counts[self.level];
        }
        while self.below > half {
            self.above += self.counts[self.level];
            self.level -= 1;
            while self.counts[self.level] == 0 {
                self.level -= 1;
            }
            self.below -= self.counts[self.level];
        }
        self.level
    }
}

/// Fuzzy ART categories over complement-coded features, with a lower and
/// an upper vigilance.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Memory {
    /// Features per input (before complement coding).
    dim: usize,
    /// Category weights, `2 × dim` each, one after another.
    weights: Vec<f64>,
    /// Each category's weight sum.
    norms: Vec<f64>,
    /// Each category's last presentation as the best match or a learner.
    last_used: Vec<u64>,
    /// Presentations so far.
    presented: u64,
    /// The most categories kept.
    capacity: usize,
    lower: f64,
    upper: f64,
    #[serde(skip)]
    matches: Vec<f64>,
}

/// How one input resonated.
struct Resonated {
    /// The best category's match (feature similarity³ × energy similarity²).
    best: f64,
    /// The best category's energy similarity (on the newest level).
    energy: f64,
    /// No category passed the lower vigilance: a new kind of input.
    novel: bool,
}

impl Memory {
    fn new(dim: usize, capacity: usize) -> Self {
        Memory {
            dim,
            // The uncommitted category: all ones, which every input matches
            // at one half. It is never replaced.
            weights: vec![1.0; 2 * dim],
            norms: vec![2.0 * dim as f64],
            last_used: vec![0],
            presented: 0,
            capacity,
            lower: 0.0,
            upper: 0.0,
            matches: Vec::new(),
        }
    }

    /// The energy similarity of `input` (complement coded) with category
    /// `j`: their overlap on the newest level and its complement, over the
    /// category's weight there (1 when that weight is 0).
    #[inline(always)]
    fn energy_of(&self, input: &[f64], j: usize) -> f64 {
        let d = 2 * self.dim;
        let (a, b) = (j * d + self.dim - 1, (j + 1) * d - 1);
        let (wa, wb) = (self.weights[a], self.weights[b]);
        let weight = wa + wb;
        if weight > 0.0 {
            (min(input[self.dim - 1], wa) + min(input[d - 1], wb)) / weight
        } else {
            1.0
        }
    }

    /// The match of `input` (complement coded) with category `j` whose
    /// energy similarity is `energy`.
    fn match_of(&self, input: &[f64], j: usize, energy: f64) -> f64 {
        let d = 2 * self.dim;
        let w = &self.weights[j * d..(j + 1) * d];
        // Four running sums, so the additions do not wait on each other
        // (the length, 4 × window, is a multiple of four).
        let mut sums = [0.0; 4];
        for (x, w) in input.chunks_exact(4).zip(w.chunks_exact(4)) {
            for k in 0..4 {
                sums[k] += min(x[k], w[k]);
            }
        }
        let overlap = (sums[0] + sums[1]) + (sums[2] + sums[3]);
        let norm = if self.norms[j] == 0.0 {
            0.001
        } else {
            self.norms[j]
        };
        let features = overlap / norm;
        features.powi(3) * energy * energy
    }

    /// Maps feature indices `features` of every committed category through
    /// `map` (their complements through its mirror).
    fn remap(&mut self, features: std::ops::Range<usize>, map: impl Fn(f64) -> f64) {
        let d = 2 * self.dim;
        let committed = self.weights.chunks_exact_mut(d).zip(&mut self.norms);
        for (w, norm) in committed.skip(1) {
            for k in features.clone() {
                w[k] = map(w[k]);
                w[self.dim + k] = 1.0 - map(1.0 - w[self.dim + k]);
            }
            *norm = w.iter().sum();
        }
    }

    /// Adds `input` (complement coded) as a category, in place of the
    /// least recently used one when the memory is full.
    fn commit(&mut self, input: &[f64]) {
        let norm = input.iter().sum();
        if self.norms.len() < self.capacity {
            self.norms.push(norm);
            self.weights.extend_from_slice(input);
            self.last_used.push(self.presented);
            return;
        }
        let d = 2 * self.dim;
        let oldest = (1..self.norms.len())
            .min_by_key(|&j| self.last_used[j])
            .unwrap_or(0);
        self.weights[oldest * d..(oldest + 1) * d].copy_from_slice(input);
        self.norms[oldest] = norm;
        self.last_used[oldest] = self.presented;
    }

    /// Presents `features`; learns when `learn`.
    fn present(&mut self, features: &[f64], learn: bool) -> Resonated {
        let input: Vec<f64> = features
            .iter()
            .copied()
            .chain(features.iter().map(|f| 1.0 - f))
            .collect();
        let n = self.norms.len();
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        let (mut best, mut energy, mut best_j) = (0.0, 0.0, usize::MAX);
        for j in 0..n {
            let e = self.energy_of(&input, j);
            // The feature similarity is at most 1, so the match at most e²
            // (plus rounding): a category that can neither beat the best
            // so far nor reach the upper vigilance is not matched in full.
            let bound = e * e * (1.0 + 1e-9);
            if bound <= best && bound < self.upper {
                matches.push(0.0);
                continue;
            }
            let m = self.match_of(&input, j, e);
            matches.push(m);
            if m > best {
                (best, energy, best_j) = (m, e, j);
            }
        }
        self.presented += 1;
        if let Some(used) = self.last_used.get_mut(best_j) {
            *used = self.presented;
        }
        let mut novel = true;
        if learn {
            if best >= self.upper && best_j != usize::MAX {
                // Every resonating committed category learns (fast commit).
                let d = 2 * self.dim;
                for (j, &m) in matches.iter().enumerate().skip(1) {
                    if m >= self.upper {
                        let w = &mut self.weights[j * d..(j + 1) * d];
                        for (w, x) in w.iter_mut().zip(&input) {
                            *w = min(*w, *x);
                        }
                        self.norms[j] = w.iter().sum();
                        self.last_used[j] = self.presented;
                    }
                }
                novel = false;
            } else {
                novel = best < self.lower;
                self.commit(&input);
            }
        }
        self.matches = matches;
        Resonated {
            best,
            energy,
            novel,
        }
    }
}

/// The smaller of two numbers that are not NaN, without `f64::min`'s NaN
/// handling (which keeps the match loop from being vectorised).
#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// Similarity of two feature vectors: their cosine, or one minus the
/// other's norm when one is zero.
fn similarity(a: &[f64], b: &[f64]) -> f64 {
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 {
        1.0 - nb
    } else if nb == 0.0 {
        1.0 - na
    } else {
        a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (na * nb)
    }
}

/// The first vigilance: a scratch memory at vigilance 0.8 learns the
/// warm-up's windows from the least to the most typical, and the mean
/// match from the `trend / 2`-th on is the vigilance.
fn initial_vigilance(windows: &[Vec<f64>], dim: usize, trend: usize, capacity: usize) -> f64 {
    let n = windows.len();
    let typicality: Vec<f64> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0
                    } else {
                        similarity(&windows[i], &windows[j])
                    }
                })
                .sum()
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| typicality[a].total_cmp(&typicality[b]));
    let mut scratch = Memory::new(dim, capacity);
    scratch.lower = 0.8;
    scratch.upper = 0.8;
    // As when a memory starts, the first (least typical) window is not
    // shown: its place in the matches is 0.
    let mut matches = vec![0.0];
    for &i in order.iter().skip(1) {
        matches.push(scratch.present(&windows[i], true).best);
    }
    let from = (trend / 2)
        .saturating_sub(1)
        .min(matches.len().saturating_sub(1));
    let tail = &matches[from..];
    tail.iter().sum::<f64>() / tail.len() as f64
}

/// Points masked after an alarm, and after the warm-up until that many pass
/// without a new category: ARTime's 1.5 windows.
const fn mask_points(window: usize) -> usize {
    window * 3 / 2
}

/// The alarm logic around the memory: masks after an alarm and after a
/// new category, and vigilance that follows the series' similarity.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Watch {
    last_alarm: usize,
    last_alarm_match: f64,
    last_vigilance_update: usize,
    mask_after_new: bool,
    since_new: usize,
    /// Sum, count and last of the lowest match during each alarm's mask.
    alarm_matches: (f64, usize, f64),
    /// Sum and count of every best match.
    all_matches: (f64, usize),
    /// Recent best matches.
    recent_matches: VecDeque<f64>,
    /// Recent shortfalls of the best match below the upper vigilance.
    shortfalls: VecDeque<f64>,
}

impl Watch {
    fn new(trend: usize) -> Self {
        Watch {
            last_alarm: 0,
            last_alarm_match: 0.0,
            last_vigilance_update: 0,
            mask_after_new: false,
            since_new: 0,
            alarm_matches: (0.0, 0, 0.0),
            all_matches: (0.0, 0),
            recent_matches: VecDeque::from(vec![1.0; trend / 2 + 1]),
            shortfalls: VecDeque::from(vec![0.0; trend + 1]),
        }
    }

    /// Presents point `i` (1-based) and returns its score.
    fn step(
        &mut self,
        memory: &mut Memory,
        features: &[f64],
        i: usize,
        window: usize,
        trend: usize,
    ) -> f64 {
        let mask = mask_points(window);
        let since_alarm = i - self.last_alarm;
        let update_after_alarm = since_alarm == mask;
        let update_for_trend = i - self.last_vigilance_update >= trend / 2;
        let masked_after_alarm = since_alarm <= mask;
        if i > trend + mask && self.mask_after_new && self.since_new >= mask {
            self.mask_after_new = false;
        }
        let learn = i >= window;
        let r = memory.present(features, learn);
        let new = r.novel || !learn;
        self.since_new = if new { 0 } else { self.since_new + 1 };
        self.all_matches.0 += r.best;
        self.all_matches.1 += 1;
        self.recent_matches.pop_front();
        self.recent_matches.push_back(r.best);
        self.shortfalls.pop_front();
        self.shortfalls.push_back(memory.upper - r.best);
        if since_alarm < mask && self.alarm_matches.1 > 0 && r.best < self.alarm_matches.2 {
            self.alarm_matches.0 += r.best - self.alarm_matches.2;
            self.alarm_matches.2 = r.best;
        }
        let masked = self.mask_after_new || masked_after_alarm;
        let below_last =
            r.best < self.last_alarm_match * if masked_after_alarm { 0.9 } else { 0.7 };
        let mut score = 0.0;
        if i > trend && new && (!masked || below_last) {
            score = confidence(r.best, r.energy, memory);
            self.alarm_matches.0 += r.best;
            self.alarm_matches.1 += 1;
            self.alarm_matches.2 = r.best;
            self.last_alarm_match = r.best;
            self.last_alarm = i;
        }
        self.mask_after_new |= new;
        if i > trend && (update_after_alarm || update_for_trend) {
            self.adapt(memory, i, trend);
            self.last_vigilance_update = i;
            self.mask_after_new = true;
        }
        score
    }

    /// Moves the vigilance levels: the upper towards the mean match, the
    /// lower up towards the recent worst match, or down by the recent
    /// shortfalls when a match fell below it (never below the alarms'
    /// mean match).
    fn adapt(&self, memory: &mut Memory, i: usize, trend: usize) {
        let worst = self
            .recent_matches
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let upper = (self.all_matches.0 / self.all_matches.1 as f64).min(0.97);
        let lower = memory.lower;
        let mut new_lower = if lower <= worst {
            lower + (worst - lower) * 0.19
        } else {
            let mut decrease = 0.0;
            if i > 2 * trend {
                let big: Vec<f64> = self
                    .shortfalls
                    .iter()
                    .filter(|&&s| s > 0.05)
                    .map(|s| s.min(0.37))
                    .collect();
                if !big.is_empty() {
                    decrease = big.iter().sum::<f64>() / big.len() as f64;
                }
            }
            let mut l = lower - decrease.max(0.01) / 2.0;
            if self.alarm_matches.1 > 0 {
                l = l.max(self.alarm_matches.0 / self.alarm_matches.1 as f64);
            }
            l
        };
        new_lower = new_lower.min(upper);
        memory.lower = new_lower;
        memory.upper = upper;
    }
}

/// An alarm's score: how far the best match fell below each vigilance
/// (relative to its distance from a perfect match), plus how far the
/// newest level is from the best category's.
fn confidence(best: f64, energy: f64, memory: &Memory) -> f64 {
    let best = best.min(0.999);
    let gap = 1.0 - best;
    let upper = (gap - (1.0 - memory.upper)) / gap;
    let lower = (gap - (1.0 - memory.lower)) / gap;
    (upper * 0.35 + lower * 0.65 + (1.0 - energy) * 1.5).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn bad_parameters_are_refused_with_their_name() {
        let name = |p: ResonanceParams| match p.build() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name(Resonance::params().window(3)), "window");
        assert_eq!(name(Resonance::params().window(128)), "window");
        assert_eq!(name(Resonance::params().warmup(31)), "warmup");
        assert_eq!(name(Resonance::params().levels(1)), "levels");
        assert_eq!(
            name(Resonance::params().max_categories(1)),
            "max_categories"
        );
        assert_eq!(name(Resonance::params().snap(1.0)), "snap");
        assert_eq!(name(Resonance::params().headroom(f64::NAN)), "headroom");
        assert_eq!(name(Resonance::params().range(Some((2.0, 1.0)))), "range");
        assert_eq!(name(Resonance::params().range(Some((1.0, 1.0)))), "range");
        assert_eq!(name(Resonance::params().range(Some((0.0, 1e301)))), "range");
        assert_eq!(name(Resonance::params().headroom(11.0)), "headroom");
        assert_eq!(name(Resonance::params().warmup(10_000_001)), "warmup");
        assert_eq!(
            name(Resonance::params().range(Some((0.0, f64::INFINITY)))),
            "range"
        );
        assert!(Resonance::params().warmup(32).build().is_ok());
        // A saved detector's parameters are checked as it loads.
        let json = serde_json::to_string(&ok(Resonance::params().build()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(json.contains("\"window\":8"), "{json}");
        let bad = json.replace("\"window\":8", "\"window\":3");
        let message = serde_json::from_str::<Resonance>(&bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("window"), "{message}");
    }

    #[test]
    fn the_haar_transform_is_orthonormal() {
        let close =
            |v: &[f64], want: &[f64]| v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12);
        let mut v = [1.0, 1.0, 1.0, 1.0];
        haar(&mut v, false);
        assert!(close(&v, &[2.0, 0.0, 0.0, 0.0]), "{v:?}");
        let energy = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
        let r = std::f64::consts::FRAC_1_SQRT_2;
        // The average (scaled), the halves' difference, each pair's; rising
        // details are the falling ones negated.
        for (rising, sign) in [(false, 1.0), (true, -1.0)] {
            let mut v = [3.0, 1.0, 0.0, 4.0];
            haar(&mut v, rising);
            let want = [4.0, 0.0, sign * 2.0 * r, sign * -4.0 * r];
            assert!(close(&v, &want), "{rising}: {v:?}");
            assert!((energy(&v) - energy(&[3.0, 1.0, 0.0, 4.0])).abs() < 1e-12);
        }
    }

    #[test]
    fn the_running_median_stays_in_the_middle() {
        let mut m = Median::new(20);
        let mut seen = Vec::new();
        for i in 0..500usize {
            let level = (i * 7919 + i * i) % 21;
            seen.push(level);
            let median = m.insert(level);
            let below = seen.iter().filter(|&&l| l < median).count();
            let above = seen.iter().filter(|&&l| l > median).count();
            assert!(below <= seen.len() / 2 && above <= seen.len() / 2, "{i}");
        }
        // Moving every level up by 3 moves the median with it.
        let before = m.level;
        m.remap(|l| l + 3);
        assert_eq!(m.level, (before + 3).min(20));
    }

    #[test]
    fn a_remapped_category_still_resonates_with_its_remapped_input() {
        let mut memory = Memory::new(4, 16);
        memory.lower = 0.9;
        memory.upper = 0.95;
        let x = [0.2, 0.9, 0.3, 0.6];
        assert!(memory.present(&x, true).novel);
        let map = |v: f64| v * 0.5 + 0.25;
        memory.remap(2..4, map);
        // The uncommitted category is left as it was.
        assert_eq!(&memory.weights[..8], &[1.0; 8]);
        let y = [0.2, 0.9, map(0.3), map(0.6)];
        let r = memory.present(&y, true);
        assert!(!r.novel && (r.best - 1.0).abs() < 1e-12, "{}", r.best);
    }

    #[test]
    fn a_full_memory_replaces_its_least_recently_used_category() {
        let mut memory = Memory::new(2, 3);
        memory.lower = 0.99;
        memory.upper = 0.999;
        let a = [0.1, 0.1];
        let b = [0.9, 0.9];
        let c = [0.5, 0.1];
        assert!(memory.present(&a, true).novel);
        assert!(memory.present(&b, true).novel);
        // `a` resonates again, so `b` is now the least recently used.
        assert!(!memory.present(&a, true).novel);
        assert!(memory.present(&c, true).novel);
        assert_eq!(memory.norms.len(), 3);
        // The uncommitted category stays; `b` gave way to `c`.
        assert_eq!(&memory.weights[..4], &[1.0; 4]);
        assert!(!memory.present(&a, true).novel);
        assert!(!memory.present(&c, true).novel);
        assert!(memory.present(&b, true).novel);
        assert_eq!(memory.norms.len(), 3);
        let mut d = ok(Resonance::params().max_categories(40).build());
        let t = Timestamp::from_secs(0);
        for i in 0..20_000usize {
            d.update(t, ((i * 7919) % 1000) as f64);
        }
        assert_eq!(d.categories(), 40);
    }

    #[test]
    fn the_stand_in_scores_during_the_warm_up_and_is_then_dropped() {
        let t = Timestamp::from_secs(0);
        let wave = |i: usize| 10.0 + ((i % 40) as f64 / 40.0 * std::f64::consts::TAU).sin();
        // A level shift after the stand-in's warm-up, inside the main one.
        let x = |i: usize| wave(i) + if (330..340).contains(&i) { 5.0 } else { 0.0 };
        let mut with = ok(Resonance::params().build());
        let mut without = ok(Resonance::params().early_warmup(None).build());
        let shift = |d: &mut Resonance| (0..400).map(|i| d.update(t, x(i))).fold(0.0, f64::max);
        assert!(shift(&mut with) > 0.5);
        assert_eq!(shift(&mut without), 0.0);
        // Right after the main warm-up (value 448) the main detector is
        // masked; the stand-in still sees a shift there, then is dropped.
        assert!(with.early.is_some());
        let mut late = with.clone();
        assert!((400..470).map(|i| with.update(t, x(i))).all(|s| s == 0.0));
        let shifted = |i: usize| x(i) + if (470..480).contains(&i) { 5.0 } else { 0.0 };
        assert!(
            (400..500)
                .map(|i| late.update(t, shifted(i)))
                .fold(0.0, f64::max)
                > 0.5
        );
        let mut alone = ok(Resonance::params().early_warmup(None).build());
        assert_eq!(
            (0..500)
                .map(|i| alone.update(t, shifted(i)))
                .fold(0.0, f64::max),
            0.0
        );
        for i in 470..500 {
            with.update(t, x(i));
        }
        assert!(with.early.is_none());
        // A stand-in not shorter than the warm-up, or shorter than 4
        // windows, is not run.
        for p in [
            Resonance::params().warmup(200),
            Resonance::params().window(64),
            Resonance::params().early_warmup(Some(31)),
        ] {
            assert!(ok(p.build()).early.is_none());
        }
        let d = ok(Resonance::params().build());
        assert!(d.early.is_some());
    }

    /// A state saved mid-warm-up, its stand-in running, resumes exactly.
    #[test]
    fn a_state_saved_while_the_stand_in_runs_resumes_identically() {
        let t = Timestamp::from_secs(0);
        let xs: Vec<f64> = (0..1500).map(|i| ((i * 37) % 101) as f64).collect();
        let mut a = ok(Resonance::params().build());
        for x in &xs[..300] {
            a.update(t, *x);
        }
        assert!(a.early.is_some());
        let json = serde_json::to_string(&a).unwrap_or_else(|e| panic!("{e}"));
        let mut b: Resonance = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        for x in &xs[300..] {
            assert_eq!(a.update(t, *x).to_bits(), b.update(t, *x).to_bits());
        }
        assert!(b.early.is_none());
    }

    /// A state saved before the stand-in and the sign existed has none of
    /// their fields; it loads and runs as the detector did then.
    #[test]
    fn a_state_saved_without_the_stand_in_runs_without_it() {
        let t = Timestamp::from_secs(0);
        let xs: Vec<f64> = (0..2000).map(|i| ((i * 37) % 101) as f64).collect();
        let mut a = ok(Resonance::params().early_warmup(None).build());
        for x in &xs[..100] {
            a.update(t, *x);
        }
        let mut json = serde_json::to_value(&a).unwrap_or_else(|e| panic!("{e}"));
        let remove = |v: &mut serde_json::Value, key: &str| {
            let removed = v.as_object_mut().and_then(|o| o.remove(key));
            assert_eq!(removed, Some(serde_json::Value::Null), "{key}");
        };
        json["params"]
            .as_object_mut()
            .and_then(|o| o.remove("rising_details"))
            .unwrap_or_else(|| panic!("no rising_details"));
        remove(&mut json["params"], "early_warmup");
        remove(&mut json, "early");
        let mut b: Resonance = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert!(b.early.is_none() && b.params.early_warmup.is_none());
        for x in &xs[100..] {
            assert_eq!(a.update(t, *x).to_bits(), b.update(t, *x).to_bits());
        }
    }

    #[test]
    fn a_short_series_scores_zero_and_a_new_shape_scores_after_the_warmup() {
        let t = Timestamp::from_secs(0);
        let wave = |i: usize| 10.0 + ((i % 40) as f64 / 40.0 * std::f64::consts::TAU).sin();
        // Inside the warm-up nothing scores, whatever the values: all of it
        // without the stand-in, the stand-in's with it.
        let mut d = ok(Resonance::params().early_warmup(None).build());
        for i in 0..449 {
            let x = if i == 300 { 1e6 } else { wave(i) };
            assert_eq!(d.update(t, x), 0.0);
        }
        let mut d = ok(Resonance::params().build());
        for i in 0..249 {
            let x = if i == 200 { 1e6 } else { wave(i) };
            assert_eq!(d.update(t, x), 0.0);
        }
        let mut d = ok(Resonance::params().build());
        let familiar = (0..4000).map(|i| d.update(t, wave(i))).fold(0.0, f64::max);
        // The wave flattens at a level it used to pass through.
        let flat = (4000..4200).map(|_| d.update(t, 10.0)).fold(0.0, f64::max);
        assert!(flat > familiar, "{flat} vs {familiar}");
        // The same run again gives the same scores.
        let mut a = ok(Resonance::params().build());
        let mut b = ok(Resonance::params().build());
        for i in 0..3000 {
            let x = wave(i) + if i > 2000 { 3.0 } else { 0.0 };
            assert_eq!(a.update(t, x).to_bits(), b.update(t, x).to_bits());
        }
    }

    #[test]
    fn huge_values_are_taken_up_to_the_largest_and_missing_beyond_it() {
        let t = Timestamp::from_secs(0);
        let wave = |i: usize| ((i % 40) as f64 / 40.0 * std::f64::consts::TAU).sin();
        let mut d = ok(Resonance::params().build());
        let mut fresh = ok(Resonance::params().build());
        for i in 0..1000 {
            let x = Resonance::LARGEST * if i % 2 == 0 { wave(i) } else { -1.0 };
            let s = d.update(t, x);
            assert!((0.0..=1.0).contains(&s), "{s}");
            fresh.update(t, x);
        }
        for bad in [1e301, -f64::MAX, f64::NAN, f64::INFINITY] {
            assert_eq!(d.update(t, bad), 0.0);
        }
        // Nothing was learnt from them, and the state still round-trips.
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        let mut restored: Resonance = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        for i in 1000..2000 {
            let x = Resonance::LARGEST * wave(i);
            let s = d.update(t, x);
            assert_eq!(s.to_bits(), fresh.update(t, x).to_bits());
            assert_eq!(s.to_bits(), restored.update(t, x).to_bits());
        }
    }

    #[test]
    fn values_beyond_the_warmup_range_widen_it() {
        let t = Timestamp::from_secs(0);
        let mut d = ok(Resonance::params().build());
        for i in 0..2000 {
            d.update(t, (i % 10) as f64);
        }
        assert_eq!(d.scale, Some((0.0, 9.0)));
        let jump = (0..8).map(|_| d.update(t, 30.0)).fold(0.0, f64::max);
        assert!(jump > 0.0);
        assert_eq!(d.scale, Some((0.0, 30.0)));
        // A fixed range does not widen.
        let mut d = ok(Resonance::params().range(Some((0.0, 9.0))).build());
        for i in 0..2000 {
            d.update(t, (i % 10) as f64);
        }
        d.update(t, 30.0);
        assert_eq!(d.scale, Some((0.0, 9.0)));
    }
}
