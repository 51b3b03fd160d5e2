//! Conversion of a [`Frame`] into a linfa `Dataset`, so frames feed any linfa model.

use linfa::Dataset;
use ndarray::{Array1, Axis, Ix1};

use super::Frame;
use crate::error::{Error, Result};

impl Frame {
    /// The frame as a linfa dataset: records are the values (NaN kept),
    /// feature names are the column keys, and `targets` holds one target per
    /// row.
    ///
    /// Most linfa models do not accept NaN; use
    /// [`Frame::to_complete_dataset`] to drop incomplete rows first.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use ndarray::array;
    ///
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(10)], [("cpu", vec![0.2, 0.9])])?;
    /// let dataset = frame.to_dataset(array![false, true])?;
    /// assert_eq!(dataset.records().dim(), (2, 1));
    /// assert_eq!(dataset.feature_names(), vec!["cpu".to_string()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_dataset<T>(&self, targets: Array1<T>) -> Result<Dataset<f64, T, Ix1>> {
        if targets.len() != self.nrows() {
            return Err(Error::length(
                "dataset targets",
                self.nrows(),
                targets.len(),
            ));
        }
        Ok(Dataset::new(self.values.clone(), targets).with_feature_names(self.feature_names()))
    }

    /// Like [`Frame::to_dataset`], but keeps only the rows in which every
    /// column has a value. Returns the dataset and the positions of the rows
    /// kept, so predictions can be placed back on the time index.
    ///
    /// ```
    /// use homeostat_core::{Frame, Timestamp};
    /// use ndarray::array;
    ///
    /// let t = Timestamp::from_secs;
    /// let frame = Frame::from_columns(vec![t(0), t(10), t(20)], [("cpu", vec![0.2, f64::NAN, 0.9])])?;
    /// let (dataset, kept) = frame.to_complete_dataset(array![0, 1, 2])?;
    /// assert_eq!(kept, vec![0, 2]);
    /// assert_eq!(dataset.targets().to_vec(), vec![0, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_complete_dataset<T: Clone>(
        &self,
        targets: Array1<T>,
    ) -> Result<(Dataset<f64, T, Ix1>, Vec<usize>)> {
        if targets.len() != self.nrows() {
            return Err(Error::length(
                "dataset targets",
                self.nrows(),
                targets.len(),
            ));
        }
        let kept: Vec<usize> = self
            .complete_rows()
            .into_iter()
            .enumerate()
            .filter_map(|(row, complete)| complete.then_some(row))
            .collect();
        let records = self.values.select(Axis(0), &kept);
        let targets = targets.select(Axis(0), &kept);
        let dataset = Dataset::new(records, targets).with_feature_names(self.feature_names());
        Ok((dataset, kept))
    }

    fn feature_names(&self) -> Vec<String> {
        self.columns.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use linfa::prelude::Records;
    use ndarray::array;

    #[test]
    fn rejects_targets_of_the_wrong_length() {
        let f = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])]).unwrap();
        assert!(matches!(
            f.to_dataset(array![1, 2]),
            Err(Error::LengthMismatch {
                expected: 1,
                found: 2,
                ..
            })
        ));
        assert!(f.to_complete_dataset(array![1, 2]).is_err());
    }

    #[test]
    fn complete_dataset_of_an_all_missing_frame_is_empty() {
        let t = Timestamp::from_secs;
        let f = Frame::from_columns(vec![t(0), t(1)], [("x", vec![f64::NAN; 2])]).unwrap();
        let (dataset, kept) = f.to_complete_dataset(array![true, false]).unwrap();
        assert!(kept.is_empty());
        assert_eq!(dataset.nsamples(), 0);
    }
}
