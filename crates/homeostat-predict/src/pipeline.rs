//! The preprocessing a fault model was trained with, saved beside it so
//! predictions on new metrics see the same features: align to a grid
//! (counters as rates), trailing-window features, the trained column order,
//! and (for models without missing-value handling) a fill value per column.

use homeostat_core::{Duration, FaultLabels, Frame, Timestamp};
use homeostat_metrics::clean::align_series;
use homeostat_metrics::{InsideFaults, Supervised, WindowFeatures};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::limits::{Limit, limit_crossing};

/// From a raw metrics frame to the model's feature matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturePipeline {
    /// Grid step of the aligned metrics.
    pub step: Duration,
    /// Longest gap filled by interpolation (also the counters' rate range).
    pub max_gap: Duration,
    /// Trailing-window features added to the aligned columns.
    pub windows: WindowFeatures,
    /// Horizon of the targets: "a fault starts within `horizon`".
    pub horizon: Duration,
    /// Feature columns in the model's order (set by [`FeaturePipeline::supervised`]).
    pub columns: Vec<String>,
    /// Per-column value that replaces NaN, for models that cannot take it.
    pub fill: Option<Vec<f64>>,
    /// Add `max(name)` and `mean(name)` over the series of each metric
    /// name with several series (nodes, replicas), so a model learns "some
    /// replica's memory climbs" rather than "replica 4's memory climbs".
    #[serde(default)]
    pub fleet_aggregates: bool,
    /// Metrics with a known limit: each of their series gets the
    /// probability of reaching it within the horizon (see [`crate::limits`]).
    #[serde(default)]
    pub limits: Vec<Limit>,
}

impl FeaturePipeline {
    /// A pipeline with no columns chosen yet.
    pub fn new(
        step: Duration,
        max_gap: Duration,
        windows: WindowFeatures,
        horizon: Duration,
    ) -> Self {
        Self {
            step,
            max_gap,
            windows,
            horizon,
            columns: Vec::new(),
            fill: None,
            fleet_aggregates: true,
            limits: Vec::new(),
        }
    }

    /// Adds limit-crossing features for these metrics (builder style).
    pub fn with_limits(mut self, limits: Vec<Limit>) -> Self {
        self.limits = limits;
        self
    }

    /// The horizon in grid steps, rounded up (at least one).
    fn horizon_steps(&self) -> usize {
        let step = self.step.as_millis().max(1);
        let h = self.horizon.as_millis().max(1);
        usize::try_from((h + step - 1) / step).unwrap_or(1)
    }

    /// Aligned metrics (with their limit-crossing probabilities and fleet
    /// aggregates) beside their window features, one row per grid step.
    ///
    /// # Errors
    /// [`Error::Features`] when alignment or window features fail (for
    /// example an empty frame); [`Error::InvalidParameter`] for a bad
    /// [`Limit`].
    pub fn features(&self, raw: &Frame) -> Result<Frame> {
        let mut clean = align_series(&raw.to_series(), self.step, self.max_gap, self.max_gap)?;
        if !self.limits.is_empty() {
            let crossing = limit_crossing(&clean, &self.limits, self.horizon_steps())?;
            clean = clean
                .concat_columns(&crossing)
                .map_err(homeostat_metrics::Error::from)?;
        }
        if self.fleet_aggregates {
            let aggregates = fleet_aggregates(&clean).map_err(homeostat_metrics::Error::from)?;
            clean = clean
                .concat_columns(&aggregates)
                .map_err(homeostat_metrics::Error::from)?;
        }
        let windows = self.windows.compute(&clean)?;
        Ok(clean
            .concat_columns(&windows)
            .map_err(homeostat_metrics::Error::from)?)
    }

    /// Labelled training rows from raw metrics: features, targets for the
    /// horizon (rows inside a fault left out), and the column order
    /// recorded in the pipeline.
    ///
    /// # Errors
    /// As [`features`](Self::features).
    pub fn supervised(&mut self, raw: &Frame, labels: &FaultLabels) -> Result<Supervised> {
        let features = self.features(raw)?;
        self.columns = features.columns().iter().map(ToString::to_string).collect();
        Ok(Supervised::align(
            &features,
            labels,
            self.horizon,
            InsideFaults::Exclude,
        )?)
    }

    /// Learns per-column medians to replace NaN with, from training features.
    pub fn learn_fill(&mut self, x: &Array2<f64>) {
        let medians = x
            .columns()
            .into_iter()
            .map(|c| {
                let mut v: Vec<f64> = c.iter().copied().filter(|v| v.is_finite()).collect();
                v.sort_unstable_by(f64::total_cmp);
                v.get(v.len() / 2).copied().unwrap_or(0.0)
            })
            .collect();
        self.fill = Some(medians);
    }

    /// The model's matrix from a feature frame: the recorded columns in
    /// order, NaN replaced when a fill was learnt.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming a recorded column the frame lacks.
    pub fn matrix(&self, features: &Frame) -> Result<Array2<f64>> {
        let mut x = Array2::zeros((features.nrows(), self.columns.len()));
        for (j, name) in self.columns.iter().enumerate() {
            let column = features.column(name).ok_or_else(|| {
                Error::InvalidData(format!(
                    "the metrics lack the model's feature column {name}"
                ))
            })?;
            let fill = self.fill.as_ref().and_then(|f| f.get(j)).copied();
            for (out, &v) in x.column_mut(j).iter_mut().zip(column) {
                *out = match fill {
                    Some(f) if v.is_nan() => f,
                    _ => v,
                };
            }
        }
        Ok(x)
    }

    /// Times and matrix of raw metrics, ready for `predict_proba`.
    ///
    /// # Errors
    /// As [`features`](Self::features) and [`matrix`](Self::matrix).
    pub fn prepare(&self, raw: &Frame) -> Result<(Vec<Timestamp>, Array2<f64>)> {
        let features = self.features(raw)?;
        Ok((features.index().to_vec(), self.matrix(&features)?))
    }
}

/// Row-wise max and mean (NaN ignored) over the columns sharing a metric
/// name, for names with at least two series.
fn fleet_aggregates(frame: &Frame) -> homeostat_core::Result<Frame> {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, key) in frame.columns().iter().enumerate() {
        groups.entry(key.name()).or_default().push(i);
    }
    let values = frame.values();
    let mut columns = Vec::new();
    for (name, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let mut max = Vec::with_capacity(frame.nrows());
        let mut mean = Vec::with_capacity(frame.nrows());
        for row in values.rows() {
            let (mut top, mut sum, mut n) = (f64::NEG_INFINITY, 0.0, 0usize);
            for &c in &members {
                let v = row[c];
                if !v.is_nan() {
                    top = top.max(v);
                    sum += v;
                    n += 1;
                }
            }
            max.push(if n > 0 { top } else { f64::NAN });
            mean.push(if n > 0 { sum / n as f64 } else { f64::NAN });
        }
        columns.push((format!("max({name})"), max));
        columns.push((format!("mean({name})"), mean));
    }
    Frame::from_columns(frame.index().to_vec(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_core::{Labels, SeriesKey};
    use homeostat_metrics::Feature;

    /// Two replicas' memory, one of them climbing 4 a minute towards 100.
    fn raw() -> Frame {
        let index: Vec<Timestamp> = (0..60).map(|i| Timestamp::from_secs(60 * i)).collect();
        let key = |r: &str| {
            SeriesKey::new("mem")
                .unwrap()
                .with_labels(Labels::from_pairs([("replica", r)]).unwrap())
        };
        let flat: Vec<f64> = (0..60).map(|i| 40.0 + (i % 3) as f64 * 0.2).collect();
        let leak: Vec<f64> = (0..60).map(|i| 10.0 + 1.5 * i as f64).collect();
        Frame::from_columns(index, [(key("a"), flat), (key("b"), leak)]).unwrap()
    }

    fn pipeline() -> FeaturePipeline {
        let windows = WindowFeatures {
            windows: vec![5],
            features: vec![Feature::Mean],
            ewma_alphas: Vec::new(),
            lags: Vec::new(),
        };
        FeaturePipeline::new(
            Duration::from_minutes(1),
            Duration::from_minutes(2),
            windows,
            Duration::from_minutes(10),
        )
    }

    #[test]
    fn limits_add_a_probability_per_series_and_its_fleet_max() {
        let plain = pipeline().features(&raw()).unwrap();
        let with = pipeline()
            .with_limits(vec![Limit::new("mem", 100.0, 8)])
            .features(&raw())
            .unwrap();
        assert!(with.ncols() > plain.ncols());
        let fleet = with.column("max(p_limit(mem))").unwrap();
        // b reaches 100 at minute 60: certain within 10 minutes near the end,
        // negligible at the start; a never comes near.
        assert!(fleet[55] > 0.9, "{}", fleet[55]);
        assert!(fleet[10] < 0.01, "{}", fleet[10]);
        let a = with.column("p_limit(mem){replica=\"a\"}").unwrap();
        assert!(a.iter().skip(3).all(|&p| p < 1e-6));
    }

    #[test]
    fn a_saved_pipeline_without_limits_loads_with_none() {
        let p = pipeline().with_limits(vec![Limit::new("mem", 100.0, 8)]);
        let mut json: serde_json::Value = serde_json::to_value(&p).unwrap();
        let back: FeaturePipeline = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, p);
        json.as_object_mut().unwrap().remove("limits");
        let old: FeaturePipeline = serde_json::from_value(json).unwrap();
        assert!(old.limits.is_empty());
    }

    #[test]
    fn a_bad_limit_is_a_typed_error() {
        let p = pipeline().with_limits(vec![Limit::new("mem", f64::INFINITY, 8)]);
        assert!(matches!(
            p.features(&raw()),
            Err(Error::InvalidParameter { .. })
        ));
    }
}
