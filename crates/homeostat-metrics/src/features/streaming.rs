//! Window features one row at a time, with state bounded by the longest
//! window or lag.

use homeostat_core::{SeriesKey, Timestamp};

use super::config::WindowFeatures;
use super::window::{History, WindowState, slot_index};
use crate::error::{Result, invalid};

/// The state of one input column.
#[derive(Debug, Clone)]
struct MetricState {
    /// Ring of the recent values (NaN = missing).
    values: Vec<f64>,
    windows: Vec<WindowState>,
    ewma: Vec<f64>,
    /// The most recent row with a present value.
    last_present: Option<u64>,
}

/// [`WindowFeatures`] computed row by row: [`push`](Self::push) a row of
/// the input metrics and get the feature vector for that row, with the same
/// values (up to the rounding documented below) and column order as
/// [`WindowFeatures::compute`] on the whole frame.
///
/// State per metric is a ring of the last `h` rows (`h` = the longest window
/// or lag plus one, rounded up to a power of two), two monotonic queues per
/// window, and a few numbers; it does not grow with the number of rows
/// pushed ([`state_len`](Self::state_len) reports it).
///
/// Cost per row and metric: amortised O(1) per window for mean, std, min,
/// max, last, rate of change, z-score and missing count; O(w) for the
/// slope; for the percentiles, an ordered copy of each window is kept up to
/// date with one binary-search insertion and removal per row (O(log w)
/// comparisons and a move of at most w values).
///
/// Mean and std are updated incrementally (Welford's update and its
/// inverse) and recomputed exactly from the ring every `w` rows and whenever
/// removals cancel (the sum of squared deviations falls below 2^-20 of the
/// summed magnitude of its updates since the last recomputation, as when a
/// spike leaves the window). That bounds the std's relative error near
/// `w * 1.2e-10` at worst; the tests check 1e-9 relative against a
/// from-scratch computation.
///
/// ```
/// use homeostat_core::{SeriesKey, Timestamp};
/// use homeostat_metrics::{Feature, StreamingWindowFeatures, WindowFeatures};
///
/// let config = WindowFeatures {
///     windows: vec![3],
///     features: vec![Feature::Mean, Feature::Max],
///     ewma_alphas: vec![],
///     lags: vec![1],
/// };
/// let mut stream = StreamingWindowFeatures::new(&config, vec![SeriesKey::new("cpu")?])?;
/// assert_eq!(stream.columns()[0].to_string(), "cpu:mean_3");
/// stream.push(Timestamp::from_secs(0), &[1.0])?;
/// stream.push(Timestamp::from_secs(10), &[5.0])?;
/// let row = stream.push(Timestamp::from_secs(20), &[3.0])?;
/// assert_eq!(row, vec![3.0, 5.0, 5.0]); // mean_3, max_3, lag_1
/// let row = stream.push(Timestamp::from_secs(30), &[f64::NAN])?;
/// assert_eq!(&row[..2], &[4.0, 5.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamingWindowFeatures {
    config: WindowFeatures,
    inputs: Vec<SeriesKey>,
    outputs: Vec<SeriesKey>,
    /// Rows pushed so far; the next row's number.
    rows: u64,
    last_time: Option<Timestamp>,
    /// Ring of the recent timestamps in ms, shared by all metrics.
    times: Vec<i64>,
    metrics: Vec<MetricState>,
}

impl StreamingWindowFeatures {
    /// Empty state for the input columns `inputs`; fails when `config` is
    /// invalid (see [`WindowFeatures::validate`]) or a feature name is not a
    /// valid metric name.
    ///
    /// ```
    /// use homeostat_core::SeriesKey;
    /// use homeostat_metrics::{StreamingWindowFeatures, WindowFeatures};
    /// let bad = WindowFeatures { windows: vec![0], ..WindowFeatures::default() };
    /// assert!(StreamingWindowFeatures::new(&bad, vec![SeriesKey::new("cpu")?]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: &WindowFeatures, inputs: Vec<SeriesKey>) -> Result<Self> {
        let outputs = config.output_keys(&inputs)?;
        let history = config.history().next_power_of_two();
        let percentiles = config.features.iter().any(|f| f.quantile().is_some());
        let metrics = inputs
            .iter()
            .map(|_| MetricState {
                values: vec![f64::NAN; history],
                windows: config
                    .windows
                    .iter()
                    .map(|&w| WindowState::new(w, percentiles))
                    .collect(),
                ewma: vec![f64::NAN; config.ewma_alphas.len()],
                last_present: None,
            })
            .collect();
        Ok(StreamingWindowFeatures {
            config: config.clone(),
            inputs,
            outputs,
            rows: 0,
            last_time: None,
            times: vec![0; history],
            metrics,
        })
    }

    /// The output column keys, in the order of the pushed feature vectors.
    ///
    /// ```
    /// use homeostat_core::SeriesKey;
    /// use homeostat_metrics::{StreamingWindowFeatures, WindowFeatures};
    /// let stream = StreamingWindowFeatures::new(
    ///     &WindowFeatures::default(),
    ///     vec![SeriesKey::new("cpu")?],
    /// )?;
    /// assert_eq!(stream.columns()[0].name(), "cpu:mean_6");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns(&self) -> &[SeriesKey] {
        &self.outputs
    }

    /// The input column keys, in the order `push` expects their values.
    ///
    /// ```
    /// use homeostat_core::SeriesKey;
    /// use homeostat_metrics::{StreamingWindowFeatures, WindowFeatures};
    /// let stream = StreamingWindowFeatures::new(&WindowFeatures::default(), vec![SeriesKey::new("cpu")?])?;
    /// assert_eq!(stream.inputs()[0].name(), "cpu");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inputs(&self) -> &[SeriesKey] {
        &self.inputs
    }

    /// How many rows have been pushed.
    ///
    /// ```
    /// use homeostat_core::{SeriesKey, Timestamp};
    /// use homeostat_metrics::{StreamingWindowFeatures, WindowFeatures};
    /// let mut stream = StreamingWindowFeatures::new(&WindowFeatures::default(), vec![SeriesKey::new("x")?])?;
    /// stream.push(Timestamp::from_secs(1), &[0.0])?;
    /// assert_eq!(stream.rows_seen(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows_seen(&self) -> u64 {
        self.rows
    }

    /// Number of allocated `f64`/timestamp/queue slots held as state; fixed
    /// by the configuration and the number of inputs, whatever the number of
    /// rows pushed.
    ///
    /// ```
    /// use homeostat_core::{SeriesKey, Timestamp};
    /// use homeostat_metrics::{StreamingWindowFeatures, WindowFeatures};
    /// let mut stream = StreamingWindowFeatures::new(&WindowFeatures::default(), vec![SeriesKey::new("x")?])?;
    /// let before = stream.state_len();
    /// for i in 0..1000 {
    ///     stream.push(Timestamp::from_secs(i), &[i as f64])?;
    /// }
    /// assert_eq!(stream.state_len(), before);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn state_len(&self) -> usize {
        let per_metric: usize = self
            .metrics
            .iter()
            .map(|m| {
                m.values.capacity()
                    + m.ewma.capacity()
                    + m.windows.iter().map(WindowState::state_len).sum::<usize>()
            })
            .sum();
        self.times.capacity() + per_metric
    }

    /// Takes the row at `t` with one value per input (NaN = missing) and
    /// returns its feature vector (see [`push_into`](Self::push_into)).
    ///
    /// ```
    /// use homeostat_core::{SeriesKey, Timestamp};
    /// use homeostat_metrics::{Feature, StreamingWindowFeatures, WindowFeatures};
    /// let config = WindowFeatures { windows: vec![2], features: vec![Feature::Slope], ..Default::default() };
    /// let mut stream = StreamingWindowFeatures::new(&config, vec![SeriesKey::new("x")?])?;
    /// stream.push(Timestamp::from_secs(0), &[1.0])?;
    /// assert_eq!(stream.push(Timestamp::from_secs(4), &[3.0])?, vec![0.5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, t: Timestamp, values: &[f64]) -> Result<Vec<f64>> {
        let mut out = vec![f64::NAN; self.outputs.len()];
        self.push_into(t, values, &mut out)?;
        Ok(out)
    }

    /// Takes the row at `t` and writes its feature vector into `out`, which
    /// must have [`columns`](Self::columns)`.len()` slots.
    ///
    /// Fails, leaving the state unchanged, when `values` or `out` has the
    /// wrong length, `t` is not after the previous row's timestamp, or a
    /// value is infinite. Features of values near `f64::MAX` may overflow
    /// to infinity.
    ///
    /// ```
    /// use homeostat_core::{SeriesKey, Timestamp};
    /// use homeostat_metrics::{StreamingWindowFeatures, WindowFeatures};
    /// let mut stream = StreamingWindowFeatures::new(&WindowFeatures::default(), vec![SeriesKey::new("x")?])?;
    /// let mut out = vec![0.0; stream.columns().len()];
    /// stream.push_into(Timestamp::from_secs(5), &[1.0], &mut out)?;
    /// assert!(stream.push_into(Timestamp::from_secs(5), &[1.0], &mut out).is_err());
    /// assert!(stream.push_into(Timestamp::from_secs(6), &[f64::INFINITY], &mut out).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_into(&mut self, t: Timestamp, values: &[f64], out: &mut [f64]) -> Result<()> {
        self.check(t, values, out.len())?;
        let row = self.rows;
        let at = slot_index(self.times.len(), row);
        if let Some(time) = self.times.get_mut(at) {
            *time = t.as_millis();
        }
        let per_column = self.config.outputs_per_column();
        let n_features = self.config.features.len();
        for ((metric, &x), out) in self
            .metrics
            .iter_mut()
            .zip(values)
            .zip(out.chunks_mut(per_column.max(1)))
        {
            if let Some(v) = metric.values.get_mut(at) {
                *v = x;
            }
            if !x.is_nan() {
                metric.last_present = Some(row);
            }
            let history = History {
                values: &metric.values,
                times: &self.times,
            };
            let (windowed, rest) =
                out.split_at_mut((self.config.windows.len() * n_features).min(out.len()));
            for (window, out) in metric
                .windows
                .iter_mut()
                .zip(windowed.chunks_mut(n_features.max(1)))
            {
                window.push(row, x, history);
                window.write_features(
                    &self.config.features,
                    row,
                    metric.last_present,
                    history,
                    out,
                );
            }
            let (ewma_out, lag_out) = rest.split_at_mut(metric.ewma.len().min(rest.len()));
            for ((ewma, &alpha), slot) in metric
                .ewma
                .iter_mut()
                .zip(&self.config.ewma_alphas)
                .zip(ewma_out)
            {
                if !x.is_nan() {
                    *ewma = if ewma.is_nan() {
                        x
                    } else {
                        *ewma + alpha * (x - *ewma)
                    };
                }
                *slot = *ewma;
            }
            for (&k, slot) in self.config.lags.iter().zip(lag_out) {
                *slot = match row.checked_sub(k as u64) {
                    Some(back) => history.value(back),
                    None => f64::NAN,
                };
            }
        }
        self.rows += 1;
        self.last_time = Some(t);
        Ok(())
    }

    fn check(&self, t: Timestamp, values: &[f64], out_len: usize) -> Result<()> {
        if values.len() != self.inputs.len() {
            return Err(invalid(
                "row",
                format!(
                    "{} values given for {} input columns",
                    values.len(),
                    self.inputs.len()
                ),
            ));
        }
        if out_len != self.outputs.len() {
            return Err(invalid(
                "output buffer",
                format!(
                    "{out_len} slots given for {} feature columns",
                    self.outputs.len()
                ),
            ));
        }
        if let Some(previous) = self.last_time.filter(|&p| t <= p) {
            return Err(invalid(
                "timestamp",
                format!("{t} is not after the previous row's {previous}"),
            ));
        }
        if let Some((key, x)) = self
            .inputs
            .iter()
            .zip(values)
            .find(|(_, x)| x.is_infinite())
        {
            return Err(invalid("value", format!("{x} for `{key}` is not finite")));
        }
        Ok(())
    }
}
