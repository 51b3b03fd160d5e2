//! Window features of a whole frame.

use homeostat_core::Frame;
use ndarray::Array2;

use super::columnwise::{Column, Scratch, metric_features};
use super::config::{Feature, WindowFeatures};
use crate::error::Result;
use crate::transform::Transform;

/// Metrics computed before their columns are written out together.
const GROUP: usize = 8;

impl WindowFeatures {
    /// The feature frame of `frame`: same index, the columns named by
    /// [`output_keys`](Self::output_keys). Row `r` holds what
    /// [`StreamingWindowFeatures::push`](super::StreamingWindowFeatures::push)
    /// returns for row `r`: exactly for min, max, percentiles, last, missing
    /// count, EWMAs and lags, within 1e-9 relative for the others (batch
    /// works a column at a time with its own algorithms; memory beyond the
    /// output is a few columns).
    ///
    /// Fails on an invalid configuration, or when a feature overflows to
    /// infinity (values near `f64::MAX`).
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use homeostat_metrics::{Feature, WindowFeatures};
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(60)], [("rps", vec![100.0, 160.0])])?;
    /// let config = WindowFeatures {
    ///     windows: vec![2],
    ///     features: vec![Feature::RateOfChange],
    ///     ..WindowFeatures::default()
    /// };
    /// let features = config.compute(&frame)?;
    /// assert!(features.value(0, "rps:rate_2").is_some_and(f64::is_nan));
    /// assert_eq!(features.value(1, "rps:rate_2"), Some(1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(&self, frame: &Frame) -> Result<Frame> {
        let keys = self.output_keys(frame.columns())?;
        let per_column = self.outputs_per_column();
        let times: Vec<i64> = frame.index().iter().map(|t| t.as_millis()).collect();
        // Zeros come from the allocator's zeroed pages without a pass over
        // the matrix; every cell is written below.
        let mut out = Array2::zeros((frame.nrows(), keys.len()));
        let width = keys.len().max(1);
        let row_features = self.features.iter().any(|f| {
            matches!(
                f,
                Feature::Last | Feature::RateOfChange | Feature::ZScore | Feature::MissingCount
            )
        });
        let view = frame.values();
        let columns: Vec<_> = view.columns().into_iter().collect();
        // Output columns of a group and working columns, reused from group
        // to group and metric to metric (see `Scratch`).
        let mut computed = vec![Vec::new(); GROUP * per_column];
        let mut scratch = Scratch::default();
        let mut values = Vec::with_capacity(frame.nrows());
        for (group_index, group) in columns.chunks(GROUP).enumerate() {
            for (input, outputs) in group.iter().zip(computed.chunks_mut(per_column.max(1))) {
                values.clear();
                values.extend(input.iter().copied());
                let column = Column::new(&values, &times, row_features);
                metric_features(self, &column, outputs, &mut scratch);
            }
            let computed = computed.get(..group.len() * per_column).unwrap_or_default();
            let first = group_index * GROUP * per_column;
            let Some(all) = out.as_slice_mut() else { break };
            // Fill the group's span of each output row from every computed
            // column: the writes are contiguous, the reads one sequential
            // stream per column.
            let span = first..first + computed.len();
            for (row, slots) in all.chunks_exact_mut(width).enumerate() {
                let Some(slots) = slots.get_mut(span.clone()) else {
                    break;
                };
                for (slot, feature) in slots.iter_mut().zip(computed) {
                    *slot = feature.get(row).copied().unwrap_or(f64::NAN);
                }
            }
        }
        Ok(Frame::new(frame.index().to_vec(), keys, out)?)
    }
}

/// Stateless: `fit` only validates the configuration; `transform` is
/// [`WindowFeatures::compute`].
impl Transform for WindowFeatures {
    fn fit(&mut self, _training: &Frame) -> Result<()> {
        self.validate()
    }

    fn transform(&self, frame: &Frame) -> Result<Frame> {
        self.compute(frame)
    }
}
