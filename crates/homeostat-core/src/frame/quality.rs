//! The per-value quality mask a frame may carry: where each value came from.

use ndarray::{Array2, ArrayView2, Axis};

use super::Frame;
use crate::error::{Error, Result};

/// How one value of a [`Frame`] came to be.
///
/// Cleaning steps (resampling, gap filling) record it so that a model, a
/// report or a person can tell measured values from reconstructed ones.
///
/// ```
/// use homeostat_core::{Frame, Quality, Timestamp};
/// use ndarray::array;
///
/// let t = Timestamp::from_secs;
/// let frame = Frame::from_columns(vec![t(0), t(10), t(20)], [("cpu", vec![0.5, 0.6, f64::NAN])])?
///     .with_quality(array![[Quality::Observed], [Quality::Interpolated], [Quality::Missing]])?;
/// assert_eq!(frame.quality_at(1, 0), Some(Quality::Interpolated));
/// assert_eq!(frame.slice_time(t(10)..).quality_at(0, 0), Some(Quality::Interpolated));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[repr(u8)]
#[non_exhaustive]
pub enum Quality {
    /// Measured.
    #[default]
    Observed,
    /// Estimated from neighbouring observations (for example linearly).
    Interpolated,
    /// Carried forward from an earlier observation.
    Filled,
    /// No value (NaN).
    Missing,
}

impl Quality {
    /// The quality a value has when nothing else is known: `Missing` for
    /// NaN, `Observed` otherwise.
    ///
    /// ```
    /// use homeostat_core::Quality;
    /// assert_eq!(Quality::of(f64::NAN), Quality::Missing);
    /// assert_eq!(Quality::of(1.0), Quality::Observed);
    /// ```
    pub fn of(value: f64) -> Quality {
        if value.is_nan() {
            Quality::Missing
        } else {
            Quality::Observed
        }
    }
}

impl Frame {
    /// The frame with a quality mask, one [`Quality`] per value. The mask
    /// must have the frame's shape and agree with the values: `Missing`
    /// exactly where the value is NaN.
    ///
    /// ```
    /// use homeostat_core::{Error, Frame, Quality, Timestamp};
    /// use ndarray::array;
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])])?;
    /// let err = f.with_quality(array![[Quality::Missing]]).unwrap_err();
    /// assert!(matches!(err, Error::QualityMismatch { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_quality(mut self, mask: Array2<Quality>) -> Result<Frame> {
        if mask.dim() != self.values.dim() {
            return Err(Error::length(
                "quality mask values",
                self.values.len(),
                mask.len(),
            ));
        }
        let bad = self
            .values
            .iter()
            .zip(mask.iter())
            .position(|(v, q)| v.is_nan() != (*q == Quality::Missing));
        if let Some(position) = bad {
            let ncols = self.ncols().max(1);
            return Err(Error::QualityMismatch {
                row: position / ncols,
                column: position % ncols,
            });
        }
        self.quality = Some(mask);
        Ok(self)
    }

    /// The quality mask, if the frame carries one.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])])?;
    /// assert!(f.quality().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn quality(&self) -> Option<ArrayView2<'_, Quality>> {
        self.quality.as_ref().map(Array2::view)
    }

    /// The quality of one value: from the mask when there is one, else
    /// [`Quality::of`] the value. `None` outside the frame.
    ///
    /// ```
    /// use homeostat_core::{Frame, Quality, Timestamp};
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![f64::NAN])])?;
    /// assert_eq!(f.quality_at(0, 0), Some(Quality::Missing));
    /// assert_eq!(f.quality_at(1, 0), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn quality_at(&self, row: usize, column: usize) -> Option<Quality> {
        match &self.quality {
            Some(mask) => mask.get((row, column)).copied(),
            None => self.values.get((row, column)).map(|&v| Quality::of(v)),
        }
    }

    /// Drops the quality mask.
    ///
    /// ```
    /// use homeostat_core::{Frame, Quality, Timestamp};
    /// use ndarray::array;
    /// let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])])?
    ///     .with_quality(array![[Quality::Filled]])?
    ///     .without_quality();
    /// assert_eq!(f.quality_at(0, 0), Some(Quality::Observed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn without_quality(mut self) -> Frame {
        self.quality = None;
        self
    }

    /// The mask of the rows `rows`, if any (for slicing).
    pub(super) fn quality_rows(&self, rows: std::ops::Range<usize>) -> Option<Array2<Quality>> {
        self.quality.as_ref().map(|mask| {
            mask.slice_axis(Axis(0), ndarray::Slice::from(rows))
                .to_owned()
        })
    }

    /// The mask of the columns `columns`, if any (for selection).
    pub(super) fn quality_columns(&self, columns: &[usize]) -> Option<Array2<Quality>> {
        self.quality
            .as_ref()
            .map(|mask| mask.select(Axis(1), columns))
    }

    /// The mask or, when absent, the one implied by the values.
    pub(super) fn quality_or_implied(&self) -> Array2<Quality> {
        match &self.quality {
            Some(mask) => mask.clone(),
            None => self.values.mapv(Quality::of),
        }
    }

    /// Extends the mask for rows appended after it (`push_row`, `append_rows`).
    pub(super) fn extend_quality(&mut self, rows: ArrayView2<'_, Quality>) -> Result<()> {
        if let Some(mask) = &mut self.quality {
            mask.append(Axis(0), rows)
                .map_err(|e| Error::GridMismatch {
                    reason: e.to_string(),
                })?;
        }
        Ok(())
    }

    /// The implied quality of one new row.
    pub(super) fn implied_row(row: &[f64]) -> Array2<Quality> {
        Array2::from_shape_fn((1, row.len()), |(_, c)| Quality::of(row[c]))
    }
}
