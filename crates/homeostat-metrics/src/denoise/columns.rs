//! Applying a per-column function to a frame.

use homeostat_core::{Frame, SeriesKey};

use crate::error::Result;

/// A frame with the same index and keys whose column `j` is
/// `f(key, values of column j)`.
pub(crate) fn map_columns(
    frame: &Frame,
    mut f: impl FnMut(&SeriesKey, &[f64]) -> Result<Vec<f64>>,
) -> Result<Frame> {
    let values = frame.values();
    let columns = frame
        .columns()
        .iter()
        .zip(values.columns())
        .map(|(key, column)| Ok((key.clone(), f(key, &column.to_vec())?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Frame::from_columns(frame.index().to_vec(), columns)?)
}
