//! `Pipeline`: a sequence of transforms that is itself a transform, and
//! serialises with everything it has learnt, so a trained pipeline is saved
//! beside its model and reloaded for live data.

use homeostat_core::Frame;
use serde::{Deserialize, Serialize};

use crate::clean::{FillGaps, Resample};
use crate::denoise::{Ewma, Hampel, RollingMedian, SavitzkyGolay, Winsorizer};
use crate::error::Result;
use crate::features::WindowFeatures;
use crate::rates::Rate;
use crate::scale::{MinMaxScaler, RobustScaler, StandardScaler};
use crate::transform::Transform;

/// One step of a [`Pipeline`]: any transform of this crate, with its
/// configuration and fitted state. Serialised with a `transform` tag, for
/// example `{"transform": "resample", "step": 60000, "aggregation": "mean"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "transform", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// Onto a regular grid ([`Resample`]).
    Resample(Resample),
    /// Fill short gaps ([`FillGaps`]).
    FillGaps(FillGaps),
    /// PromQL range functions ([`Rate`]).
    Rate(Rate),
    /// Hampel outlier filter ([`Hampel`]).
    Hampel(Hampel),
    /// Rolling median ([`RollingMedian`]).
    RollingMedian(RollingMedian),
    /// Exponentially weighted moving average ([`Ewma`]).
    Ewma(Ewma),
    /// Savitzky–Golay smoothing ([`SavitzkyGolay`]).
    SavitzkyGolay(SavitzkyGolay),
    /// Clip to fitted quantiles ([`Winsorizer`]).
    Winsorize(Winsorizer),
    /// z-score per column ([`StandardScaler`]).
    StandardScale(StandardScaler),
    /// Median / IQR per column ([`RobustScaler`]).
    RobustScale(RobustScaler),
    /// To a fixed range per column ([`MinMaxScaler`]).
    MinMaxScale(MinMaxScaler),
    /// Trailing-window features ([`WindowFeatures`]).
    WindowFeatures(WindowFeatures),
}

/// Forwards a `Transform` call to whichever transform the step holds.
macro_rules! each_step {
    ($step:expr, $t:ident => $call:expr) => {
        match $step {
            Step::Resample($t) => $call,
            Step::FillGaps($t) => $call,
            Step::Rate($t) => $call,
            Step::Hampel($t) => $call,
            Step::RollingMedian($t) => $call,
            Step::Ewma($t) => $call,
            Step::SavitzkyGolay($t) => $call,
            Step::Winsorize($t) => $call,
            Step::StandardScale($t) => $call,
            Step::RobustScale($t) => $call,
            Step::MinMaxScale($t) => $call,
            Step::WindowFeatures($t) => $call,
        }
    };
}

impl Transform for Step {
    fn fit(&mut self, training: &Frame) -> Result<()> {
        each_step!(self, t => t.fit(training))
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        each_step!(self, t => t.transform(frame))
    }
}

/// Steps applied in order. Fitting fits each step on the output of the
/// steps before it, so a scaler after a resampler learns from resampled
/// data, exactly what it will see when transforming.
///
/// ```
/// use homeostat_core::{Duration, Frame, Timestamp};
/// use homeostat_metrics::clean::{Aggregation, FillGaps, FillMethod, Resample};
/// use homeostat_metrics::{Pipeline, Step, Transform};
///
/// let t = Timestamp::from_secs;
/// let raw = Frame::from_columns(
///     vec![t(5), t(12), t(31), t(48), t(65)],
///     [("cpu", vec![0.2, 0.4, f64::NAN, 0.8, 0.6])],
/// )?;
/// let mut pipeline = Pipeline::new(vec![
///     Step::Resample(Resample::new(Duration::from_secs(20), Aggregation::Mean)),
///     Step::FillGaps(FillGaps::new(FillMethod::Linear, Duration::from_minutes(1))),
/// ]);
/// let clean = pipeline.fit_transform(&raw)?;
/// assert_eq!(clean.index(), &[t(20), t(40), t(60), t(80)]);
/// // (20, 40] had only a missing sample: interpolated between 0.3 and 0.8.
/// assert!((clean.value(1, "cpu").unwrap() - 0.55).abs() < 1e-12);
///
/// // The fitted pipeline round-trips through JSON.
/// let saved = serde_json::to_string(&pipeline)?;
/// let loaded: Pipeline = serde_json::from_str(&saved)?;
/// assert_eq!(loaded.transform(&raw)?, clean);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pipeline {
    steps: Vec<Step>,
}

impl Pipeline {
    /// A pipeline of `steps`, applied in order.
    pub fn new(steps: Vec<Step>) -> Self {
        Pipeline { steps }
    }

    /// Appends a step (builder style).
    pub fn then(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
}

impl Transform for Pipeline {
    fn fit(&mut self, training: &Frame) -> Result<()> {
        let mut current = training.clone();
        for step in &mut self.steps {
            step.fit(&current)?;
            current = step.transform(&current)?;
        }
        Ok(())
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        let mut current = frame.clone();
        for step in &self.steps {
            current = step.transform(&current)?;
        }
        Ok(current)
    }

    /// Fits and transforms in one pass (each step's output is computed once).
    fn fit_transform(&mut self, training: &Frame) -> Result<Frame> {
        let mut current = training.clone();
        for step in &mut self.steps {
            current = step.fit_transform(&current)?;
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::denoise::Winsorizer;
    use homeostat_core::Timestamp;

    #[test]
    fn a_trained_feature_pipeline_reloads_and_gives_the_same_features() {
        use crate::clean::{Aggregation, FillGaps, FillMethod, Resample};
        use crate::features::WindowFeatures;
        use crate::scale::StandardScaler;
        use homeostat_core::Duration;
        let t = Timestamp::from_secs;
        let index: Vec<Timestamp> = (0..600).map(|i| t(i * 10 + 3)).collect();
        let cpu: Vec<f64> = (0..600)
            .map(|i| {
                if i % 37 == 0 {
                    f64::NAN
                } else {
                    (i as f64 / 20.0).sin()
                }
            })
            .collect();
        let raw = Frame::from_columns(index, [("cpu", cpu)]).unwrap();
        let (train, live) = (raw.slice_time(..t(4000)), raw.slice_time(t(4000)..));
        let mut pipeline = Pipeline::new(vec![
            Step::Resample(Resample::new(Duration::from_secs(30), Aggregation::Mean)),
            Step::FillGaps(FillGaps::new(FillMethod::Linear, Duration::from_minutes(2))),
            Step::StandardScale(StandardScaler::new()),
            Step::WindowFeatures(WindowFeatures::default()),
        ]);
        pipeline.fit(&train).unwrap();
        let json = serde_json::to_string_pretty(&pipeline).unwrap();
        assert!(json.contains("\"transform\": \"standard_scale\""), "{json}");
        let loaded: Pipeline = serde_json::from_str(&json).unwrap();
        let (a, b) = (
            pipeline.transform(&live).unwrap(),
            loaded.transform(&live).unwrap(),
        );
        assert_eq!(a.shape(), b.shape());
        assert!(
            a.values()
                .iter()
                .zip(b.values().iter())
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
        );
        assert!(a.column("cpu:mean_30").is_some());
    }

    #[test]
    fn an_empty_pipeline_is_the_identity() {
        let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])]).unwrap();
        assert_eq!(Pipeline::default().fit_transform(&f).unwrap(), f);
    }

    #[test]
    fn fitted_state_survives_serialisation_and_unfitted_steps_say_so() {
        let t = Timestamp::from_secs;
        let train = Frame::from_columns(
            (0..100).map(t).collect(),
            [("x", (0..100).map(f64::from).collect())],
        )
        .unwrap();
        let unfitted = Pipeline::new(vec![Step::Winsorize(Winsorizer::new(0.05, 0.95))]);
        assert!(unfitted.transform(&train).is_err());
        let mut pipeline = unfitted.clone();
        pipeline.fit(&train).unwrap();
        let json = serde_json::to_string(&pipeline).unwrap();
        let loaded: Pipeline = serde_json::from_str(&json).unwrap();
        let test = Frame::from_columns(vec![t(0), t(1)], [("x", vec![-50.0, 500.0])]).unwrap();
        let clipped = loaded.transform(&test).unwrap();
        assert_eq!(clipped, pipeline.transform(&test).unwrap());
        assert!(clipped.value(0, "x").unwrap() > 0.0 && clipped.value(1, "x").unwrap() < 99.0);
    }
}
