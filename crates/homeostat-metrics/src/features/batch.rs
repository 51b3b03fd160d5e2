//! Window features of a whole frame.

use homeostat_core::Frame;
use ndarray::Array2;

use super::columnwise::{Column, metric_features};
use super::config::WindowFeatures;
use crate::error::Result;
use crate::transform::Transform;

/// Metrics computed before their columns are written out together.
const GROUP: usize = 8;
/// Output rows written per tile.
const TILE: usize = 256;

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
        let mut out = Array2::from_elem((frame.nrows(), keys.len()), f64::NAN);
        let width = keys.len().max(1);
        let view = frame.values();
        let columns: Vec<_> = view.columns().into_iter().collect();
        for (group_index, group) in columns.chunks(GROUP).enumerate() {
            let computed: Vec<Vec<Vec<f64>>> = group
                .iter()
                .map(|input| {
                    let values: Vec<f64> = input.iter().copied().collect();
                    metric_features(self, &Column::new(&values, &times))
                })
                .collect();
            let first = group_index * GROUP * per_column;
            // Scatter into the row-major output a tile of rows at a time, so
            // the rows being filled stay in cache while every column of the
            // group is written.
            let Some(all) = out.as_slice_mut() else { break };
            for (tile_index, tile) in all.chunks_mut(TILE * width).enumerate() {
                let rows = tile_index * TILE..(tile_index * TILE + TILE).min(frame.nrows());
                let outputs = computed.iter().flatten().enumerate();
                for (offset, feature) in outputs {
                    let column = first + offset;
                    let source = feature.get(rows.clone()).unwrap_or_default();
                    for (row, &v) in tile.chunks_exact_mut(width).zip(source) {
                        if let Some(slot) = row.get_mut(column) {
                            *slot = v;
                        }
                    }
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
