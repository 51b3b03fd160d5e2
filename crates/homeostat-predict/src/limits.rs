//! Limit-crossing features: for each series of a metric with a known limit
//! (a container's memory limit, a disk's size), the probability that the
//! series reaches the limit within the horizon, from a straight line fitted
//! to its trailing window ([`LinearTrendFit`] and [`prob_exceeds`]). A leak
//! or a filling disk announces itself this way long before the kill or the
//! full disk, whichever series it strikes.

use homeostat_core::{Frame, SeriesKey};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forecast::{Forecaster, LinearTrendFit, prob_exceeds};

/// A metric and the value it must not reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// Metric name: every series of this name gets a feature.
    pub metric: String,
    /// The limit, in the metric's unit.
    pub value: f64,
    /// Trailing rows the trend is fitted on (at least 3).
    pub window: usize,
}

impl Limit {
    /// A limit on `metric` with a trend over `window` rows.
    pub fn new(metric: impl Into<String>, value: f64, window: usize) -> Self {
        Self {
            metric: metric.into(),
            value,
            window,
        }
    }

    /// Name of the feature column of the series `key`:
    /// `p_limit(<metric>)` with the series' labels, so the fleet
    /// aggregates group the features of one metric together.
    fn column(&self, key: &SeriesKey) -> homeostat_core::Result<SeriesKey> {
        Ok(SeriesKey::new(format!("p_limit({})", self.metric))?.with_labels(key.labels().clone()))
    }

    fn check(&self) -> Result<()> {
        if !self.value.is_finite() {
            return Err(Error::InvalidParameter {
                name: "limit",
                reason: format!("{} for {} is not finite", self.value, self.metric),
            });
        }
        if self.window < 3 {
            return Err(Error::InvalidParameter {
                name: "limit window",
                reason: format!("{} rows for {}: at least 3", self.window, self.metric),
            });
        }
        Ok(())
    }
}

/// For every series of `frame` (aligned, one row per step) whose metric has
/// a limit, a column with the probability that it reaches the limit within
/// `horizon_steps` rows. Only past and present rows enter each value; it is
/// NaN until the window holds three values, and 1 once the limit is reached.
///
/// # Errors
/// [`Error::InvalidParameter`] for a non-finite limit, a window shorter
/// than 3 or a zero horizon.
pub fn limit_crossing(frame: &Frame, limits: &[Limit], horizon_steps: usize) -> Result<Frame> {
    if horizon_steps == 0 {
        return Err(Error::InvalidParameter {
            name: "horizon",
            reason: "shorter than one step".into(),
        });
    }
    let values = frame.values();
    let mut columns = Vec::new();
    for limit in limits {
        limit.check()?;
        for (j, key) in frame.columns().iter().enumerate() {
            if key.name() != limit.metric {
                continue;
            }
            let y = values.column(j).to_vec();
            let p = (0..frame.nrows())
                .map(|row| {
                    let x = y[row];
                    if x >= limit.value {
                        return 1.0;
                    }
                    let start = (row + 1).saturating_sub(limit.window);
                    // Too few values (or an infinite one): unknown, not 0.
                    LinearTrendFit::fit(&y[start..=row])
                        .and_then(|fit| fit.forecast(horizon_steps, 0.9))
                        .map_or(f64::NAN, |f| prob_exceeds(&f, limit.value))
                })
                .collect();
            columns.push((
                limit.column(key).map_err(homeostat_metrics::Error::from)?,
                p,
            ));
        }
    }
    Ok(Frame::from_columns(frame.index().to_vec(), columns)
        .map_err(homeostat_metrics::Error::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_core::{Labels, Timestamp};

    fn frame() -> Frame {
        let index: Vec<Timestamp> = (0..40).map(|i| Timestamp::from_secs(60 * i)).collect();
        let key = |replica: &str| {
            SeriesKey::new("mem")
                .unwrap()
                .with_labels(Labels::from_pairs([("replica", replica)]).unwrap())
        };
        // a: flat at 50 with noise; b: climbing 2 a step from 20 to the limit 100.
        let flat: Vec<f64> = (0..40)
            .map(|i| 50.0 + [0.5, -0.3, 0.2, -0.4][i % 4])
            .collect();
        let leak: Vec<f64> = (0..40)
            .map(|i| 20.0 + 2.0 * i as f64 + [0.3, -0.2][i % 2])
            .collect();
        let other = vec![1.0; 40];
        Frame::from_columns(
            index,
            [
                (key("a"), flat),
                (key("b"), leak),
                (SeriesKey::new("cpu").unwrap(), other),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_climbing_series_is_flagged_before_it_reaches_the_limit() {
        let f = limit_crossing(&frame(), &[Limit::new("mem", 100.0, 8)], 10).unwrap();
        assert_eq!(f.ncols(), 2, "one column per series of the metric");
        let key = |r: &str| format!("p_limit(mem){{replica=\"{r}\"}}");
        let (a, b) = (f.column(&key("a")).unwrap(), f.column(&key("b")).unwrap());
        assert!(a[0].is_nan() && a[1].is_nan(), "fewer than three values");
        assert!(
            a.iter().skip(2).all(|&p| p < 1e-6),
            "flat far below the limit"
        );
        // b reaches 100 at step 40: within 10 steps from step 30 on, not at step 10.
        assert!(b[10] < 0.01);
        assert!(b[33] > 0.9);
        // The value at a row depends on no later row.
        let cut = frame().slice_time(..Timestamp::from_secs(60 * 25));
        let early = limit_crossing(&cut, &[Limit::new("mem", 100.0, 8)], 10).unwrap();
        let e = early.column(&key("b")).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&e.to_vec()), bits(&b.to_vec()[..25]));
    }

    #[test]
    fn a_reached_limit_is_certain() {
        let f = limit_crossing(&frame(), &[Limit::new("mem", 50.0, 5)], 3).unwrap();
        let b = f.column("p_limit(mem){replica=\"b\"}").unwrap();
        assert_eq!(b[39], 1.0);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let f = frame();
        assert!(limit_crossing(&f, &[Limit::new("mem", f64::NAN, 5)], 3).is_err());
        assert!(limit_crossing(&f, &[Limit::new("mem", 100.0, 2)], 3).is_err());
        assert!(limit_crossing(&f, &[Limit::new("mem", 100.0, 5)], 0).is_err());
        // A metric the frame lacks adds nothing.
        assert_eq!(
            limit_crossing(&f, &[Limit::new("disk", 1.0, 5)], 3)
                .unwrap()
                .ncols(),
            0
        );
    }
}
