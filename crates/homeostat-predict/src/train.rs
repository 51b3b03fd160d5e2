//! Training a complete [`FaultPredictor`]: fit on the earlier part of the
//! training period, choose the alarm threshold on its later part (a
//! time-ordered validation split, never on the rows the model learnt), so
//! the threshold meets its false-alarm budget on unseen data.

use homeostat_core::{Duration, FaultLabels};
use homeostat_metrics::{Supervised, TimeSplit};
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use crate::alarm::{AlarmPolicy, choose_threshold_for_false_alarms};
use crate::classifier::ProbabilisticClassifier;
use crate::error::{Error, Result};
use crate::eval::EventReport;
use crate::forest::ValidRandomForestParams;
use crate::gbdt::ValidGradientBoostingParams;
use crate::logistic::ValidLogisticParams;
use crate::persist::{FaultPredictor, Model};
use crate::pipeline::FeaturePipeline;
use crate::svm::ValidSvmParams;

/// Which model to train, with its checked hyperparameters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelSpec {
    /// A histogram random forest.
    Forest(ValidRandomForestParams),
    /// A logistic regression (NaN replaced by training medians).
    Logistic(ValidLogisticParams),
    /// Gradient-boosted trees.
    Gbdt(ValidGradientBoostingParams),
    /// A support vector machine (NaN replaced by training medians).
    Svm(ValidSvmParams),
}

/// How the threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlarmSpec {
    /// Share of the training period, at its end, used to choose θ, in `(0, 0.9]`.
    pub validation_fraction: f64,
    /// Most false alarms per day allowed on the validation period.
    pub max_false_alarms_per_day: f64,
    /// Quiet time after an alarm.
    pub cooldown: Duration,
}

/// What training measured on its validation period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Rows the model was fitted on.
    pub fit_rows: usize,
    /// Rows θ was chosen on.
    pub validation_rows: usize,
    /// Event scores on the validation period at the chosen θ (none when
    /// the validation period holds no fault, and θ = 0.5 is kept).
    pub validation: Option<EventReport>,
}

/// Fits `spec` on the earlier rows of `train` and chooses θ on the later
/// ones. `pipeline` must be the one that produced `train.features` (its
/// column order is used). When the earlier part holds only one class, the
/// model learns from all of `train` and θ stays 0.5 (`validation_rows` is 0).
///
/// # Errors
/// [`Error::InvalidParameter`] for a validation fraction outside
/// `(0, 0.9]`; the model's fit errors (for example
/// [`Error::SingleClass`] when the fit period holds no fault); the
/// evaluation errors.
pub fn train_predictor(
    mut pipeline: FeaturePipeline,
    train: &Supervised,
    labels: &FaultLabels,
    spec: &ModelSpec,
    alarm: &AlarmSpec,
) -> Result<(FaultPredictor, TrainReport)> {
    let v = alarm.validation_fraction;
    if !(v > 0.0 && v <= 0.9) {
        return Err(Error::InvalidParameter {
            name: "validation_fraction",
            reason: format!("{v} is not in (0, 0.9]"),
        });
    }
    let longest = pipeline.windows.windows.iter().copied().max().unwrap_or(1) as i64;
    let embargo = pipeline.step.checked_mul(longest).unwrap_or(pipeline.step);
    let split = TimeSplit::at_fraction(train.features.index(), 1.0 - v, pipeline.horizon, embargo)?;
    let (mut fit, mut validation) = split.apply(train)?;
    let positives = fit.positives();
    if positives == 0 || positives == fit.len() {
        // Too short a period to hold faults on both sides of the split:
        // learn from all of it and keep θ = 0.5.
        fit = train.clone();
        validation = Supervised {
            features: train
                .features
                .slice_time(..train.features.index().first().copied().unwrap_or_default()),
            targets: Vec::new(),
            rows: Vec::new(),
        };
    }
    if matches!(spec, ModelSpec::Logistic(_) | ModelSpec::Svm(_)) {
        pipeline.learn_fill(&pipeline.matrix(&fit.features)?);
    }
    let x = pipeline.matrix(&fit.features)?;
    let y = ArrayView1::from(&fit.targets);
    let model = match spec {
        ModelSpec::Forest(p) => Model::Forest(p.fit_arrays(x.view(), y)?),
        ModelSpec::Logistic(p) => Model::Logistic(p.fit_arrays(x.view(), y)?),
        ModelSpec::Gbdt(p) => Model::Gbdt(p.fit_arrays(x.view(), y)?),
        ModelSpec::Svm(p) => Model::Svm(p.fit_arrays(x.view(), y)?),
    };
    let template = AlarmPolicy::new(0.5)?.cooldown(alarm.cooldown)?;
    let times = validation.features.index();
    let mut report = TrainReport {
        fit_rows: fit.len(),
        validation_rows: validation.len(),
        validation: None,
    };
    let mut policy = template;
    if times.len() >= 2 {
        let p = model.predict_proba(pipeline.matrix(&validation.features)?.view())?;
        let p = p.to_vec();
        let (chosen, events) = choose_threshold_for_false_alarms(
            &template,
            times,
            &p,
            labels,
            pipeline.horizon,
            alarm.max_false_alarms_per_day,
        )?;
        if events.overall.faults > 0 {
            policy = chosen;
            report.validation = Some(events);
        }
    }
    Ok((
        FaultPredictor {
            pipeline,
            model,
            alarm: policy,
        },
        report,
    ))
}
