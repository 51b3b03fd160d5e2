//! What to compute: the features, the window lengths, EWMA smoothings and
//! lags, and the names of the resulting columns.

use homeostat_core::SeriesKey;
use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

/// The longest window and the largest lag accepted, in rows (2^20), so that
/// the streaming state stays bounded whatever the configuration says: its
/// ring holds the longest window or lag plus one, rounded up to a power of
/// two, so at most 2^21 rows (16 MiB of `f64`) per metric.
///
/// ```
/// assert_eq!(homeostat_metrics::MAX_HISTORY, 1 << 20);
/// ```
pub const MAX_HISTORY: usize = 1 << 20;

/// One statistic of a trailing window.
///
/// Missing values (NaN) are skipped by every statistic; a window with no
/// present value gives NaN for all of them except [`Feature::MissingCount`].
///
/// ```
/// use homeostat_metrics::Feature;
/// assert_eq!(Feature::P90.name(), "p90");
/// assert_eq!(Feature::ALL.len(), 12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Arithmetic mean.
    Mean,
    /// Population standard deviation (divides by n, not n − 1); exactly 0
    /// when all present values are equal.
    Std,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Median, by linear interpolation between closest ranks (NumPy's
    /// default), as are the other percentiles.
    P50,
    /// 90th percentile (linear interpolation).
    P90,
    /// 99th percentile (linear interpolation).
    P99,
    /// The most recent present value in the window.
    Last,
    /// Least-squares slope of value against time, per second, using the
    /// rows' timestamps; NaN with fewer than two present values.
    Slope,
    /// (last present − first present) / their time apart, per second; NaN
    /// with fewer than two present values.
    RateOfChange,
    /// ([`Feature::Last`] − mean) / std; NaN when the std is 0.
    ZScore,
    /// How many rows of the window are missing.
    MissingCount,
}

impl Feature {
    /// Every feature, in declaration order.
    ///
    /// ```
    /// assert_eq!(homeostat_metrics::Feature::ALL[0], homeostat_metrics::Feature::Mean);
    /// ```
    pub const ALL: [Feature; 12] = [
        Feature::Mean,
        Feature::Std,
        Feature::Min,
        Feature::Max,
        Feature::P50,
        Feature::P90,
        Feature::P99,
        Feature::Last,
        Feature::Slope,
        Feature::RateOfChange,
        Feature::ZScore,
        Feature::MissingCount,
    ];

    /// The short name used in feature column names.
    ///
    /// ```
    /// use homeostat_metrics::Feature;
    /// assert_eq!(Feature::RateOfChange.name(), "rate");
    /// assert_eq!(Feature::MissingCount.name(), "missing");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Feature::Mean => "mean",
            Feature::Std => "std",
            Feature::Min => "min",
            Feature::Max => "max",
            Feature::P50 => "p50",
            Feature::P90 => "p90",
            Feature::P99 => "p99",
            Feature::Last => "last",
            Feature::Slope => "slope",
            Feature::RateOfChange => "rate",
            Feature::ZScore => "zscore",
            Feature::MissingCount => "missing",
        }
    }

    /// The percentile this feature asks for, if it is one.
    pub(crate) fn quantile(self) -> Option<f64> {
        match self {
            Feature::P50 => Some(0.5),
            Feature::P90 => Some(0.9),
            Feature::P99 => Some(0.99),
            _ => None,
        }
    }
}

/// Window features of every column of a frame: for each trailing window
/// length (in rows), each [`Feature`]; then an exponentially weighted moving
/// average per alpha; then the value `k` rows back per lag.
///
/// **Windows are counted in rows**, so on a regular grid a window of `n`
/// rows spans `n` steps of the grid; on an irregular index it is still the
/// last `n` rows. The window at row `r` holds rows `r + 1 - n ..= r`; the
/// first `n - 1` rows are **computed on the partial window** of the rows
/// seen so far (and `missing` counts only those rows).
///
/// The **EWMA** runs over the whole history, not a window: it starts at the
/// first present value, then `ewma += alpha * (x - ewma)` at each present
/// value and holds through missing ones (NaN before the first present
/// value). A **lag** `k` is the raw value `k` rows back (NaN when missing or
/// before row `k`).
///
/// **Column names.** Each output key keeps the input's labels and names the
/// metric `<metric>:<feature>_<window>`, `<metric>:ewma_<alpha>` or
/// `<metric>:lag_<k>`, in the style of Prometheus recording rules: input
/// `cpu{node="a"}` gives `cpu:mean_30{node="a"}`, `cpu:ewma_0.3{node="a"}`,
/// `cpu:lag_1{node="a"}`. The suffix after the last `:` is always the
/// feature, so names stay unambiguous even when metric names contain `:`.
/// Columns come grouped by input column, then window, then feature in the
/// order given, then EWMAs, then lags.
///
/// ```
/// use homeostat_core::{Frame, Timestamp};
/// use homeostat_metrics::{Feature, WindowFeatures};
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(
///     vec![t(0), t(10), t(20), t(30)],
///     [("cpu", vec![1.0, 2.0, f64::NAN, 4.0])],
/// )?;
/// let config = WindowFeatures {
///     windows: vec![2, 4],
///     features: vec![Feature::Mean, Feature::MissingCount],
///     ewma_alphas: vec![0.5],
///     lags: vec![1],
/// };
/// let features = config.compute(&frame)?;
/// assert_eq!(features.index(), frame.index());
/// assert_eq!(features.value(3, "cpu:mean_2"), Some(4.0));
/// let mean_4 = features.value(3, "cpu:mean_4").unwrap_or(f64::NAN);
/// assert!((mean_4 - 7.0 / 3.0).abs() < 1e-15); // (1 + 2 + 4) / 3, to rounding
/// assert_eq!(features.value(3, "cpu:missing_4"), Some(1.0));
/// assert_eq!(features.value(3, "cpu:ewma_0.5"), Some(2.75)); // 1, 1.5, held, 2.75
/// assert!(features.value(3, "cpu:lag_1").is_some_and(f64::is_nan));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowFeatures {
    /// Trailing window lengths in rows, each in `1..=MAX_HISTORY`, no repeats.
    pub windows: Vec<usize>,
    /// Statistics computed on every window, no repeats.
    pub features: Vec<Feature>,
    /// EWMA smoothing factors, each in `(0, 1]`, no repeats.
    #[serde(default)]
    pub ewma_alphas: Vec<f64>,
    /// Lags in rows, each in `1..=MAX_HISTORY`, no repeats.
    #[serde(default)]
    pub lags: Vec<usize>,
}

impl Default for WindowFeatures {
    /// Windows of 6 and 30 rows, every feature, no EWMA, no lags.
    fn default() -> Self {
        WindowFeatures {
            windows: vec![6, 30],
            features: Feature::ALL.to_vec(),
            ewma_alphas: Vec::new(),
            lags: Vec::new(),
        }
    }
}

impl WindowFeatures {
    /// Checks the configuration; an [`Error::InvalidParameter`] names the
    /// first bad value.
    ///
    /// ```
    /// use homeostat_metrics::WindowFeatures;
    /// let mut config = WindowFeatures::default();
    /// assert!(config.validate().is_ok());
    /// config.windows.push(0);
    /// assert!(config.validate().is_err());
    /// ```
    ///
    /// [`Error::InvalidParameter`]: crate::Error::InvalidParameter
    pub fn validate(&self) -> Result<()> {
        for (i, &w) in self.windows.iter().enumerate() {
            if w == 0 || w > MAX_HISTORY {
                return Err(invalid(
                    "window",
                    format!("{w} rows is outside 1..={MAX_HISTORY}"),
                ));
            }
            if self.windows[..i].contains(&w) {
                return Err(invalid("window", format!("{w} rows is listed twice")));
            }
        }
        for (i, f) in self.features.iter().enumerate() {
            if self.features[..i].contains(f) {
                return Err(invalid("feature", format!("{} is listed twice", f.name())));
            }
        }
        for (i, &alpha) in self.ewma_alphas.iter().enumerate() {
            if !(alpha > 0.0 && alpha <= 1.0) {
                return Err(invalid("ewma alpha", format!("{alpha} is outside (0, 1]")));
            }
            if self.ewma_alphas[..i].contains(&alpha) {
                return Err(invalid("ewma alpha", format!("{alpha} is listed twice")));
            }
        }
        for (i, &k) in self.lags.iter().enumerate() {
            if k == 0 || k > MAX_HISTORY {
                return Err(invalid(
                    "lag",
                    format!("{k} rows is outside 1..={MAX_HISTORY}"),
                ));
            }
            if self.lags[..i].contains(&k) {
                return Err(invalid("lag", format!("{k} rows is listed twice")));
            }
        }
        Ok(())
    }

    /// How many feature columns each input column produces.
    ///
    /// ```
    /// let config = homeostat_metrics::WindowFeatures::default();
    /// assert_eq!(config.outputs_per_column(), 2 * 12);
    /// ```
    pub fn outputs_per_column(&self) -> usize {
        self.windows.len() * self.features.len() + self.ewma_alphas.len() + self.lags.len()
    }

    /// The feature column keys for `inputs`, in output order (see the type's
    /// documentation for the scheme).
    ///
    /// ```
    /// use homeostat_core::{Labels, SeriesKey};
    /// use homeostat_metrics::{Feature, WindowFeatures};
    /// let config = WindowFeatures {
    ///     windows: vec![30],
    ///     features: vec![Feature::Mean],
    ///     ewma_alphas: vec![],
    ///     lags: vec![2],
    /// };
    /// let cpu = SeriesKey::new("cpu")?.with_labels(Labels::from_pairs([("node", "a")])?);
    /// let keys: Vec<String> = config.output_keys(&[cpu])?.iter().map(|k| k.to_string()).collect();
    /// assert_eq!(keys, [r#"cpu:mean_30{node="a"}"#, r#"cpu:lag_2{node="a"}"#]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn output_keys(&self, inputs: &[SeriesKey]) -> Result<Vec<SeriesKey>> {
        self.validate()?;
        let mut keys = Vec::with_capacity(inputs.len() * self.outputs_per_column());
        for input in inputs {
            let metric = input.name();
            let mut push = |suffix: String| -> Result<()> {
                let key = SeriesKey::new(format!("{metric}:{suffix}"))?;
                keys.push(key.with_labels(input.labels().clone()));
                Ok(())
            };
            for w in &self.windows {
                for f in &self.features {
                    push(format!("{}_{w}", f.name()))?;
                }
            }
            for alpha in &self.ewma_alphas {
                push(format!("ewma_{alpha}"))?;
            }
            for k in &self.lags {
                push(format!("lag_{k}"))?;
            }
        }
        Ok(keys)
    }

    /// Rows of history the streaming state must keep: one more than the
    /// longest window or lag (the row leaving a window is read after the new
    /// one is stored).
    pub(crate) fn history(&self) -> usize {
        let longest = self
            .windows
            .iter()
            .chain(&self.lags)
            .copied()
            .max()
            .unwrap_or(0);
        longest + 1
    }
}
