//! Running a streaming detector over a corpus and scoring it.

use super::{Corpus, Profile, ProfileScore, Threshold, score_corpus};
use crate::Result;
use crate::detect::Detector;

impl Corpus {
    /// Runs a fresh detector from `make` over every file (one detector per
    /// file, no labels seen) and returns each file's anomaly scores.
    ///
    /// # Errors
    /// Whatever `make` returns.
    pub fn run_detector<D: Detector>(
        &self,
        mut make: impl FnMut() -> Result<D>,
    ) -> Result<Vec<Vec<f64>>> {
        self.files
            .iter()
            .map(|f| Ok(make()?.score_all(&f.timestamps, &f.values)))
            .collect()
    }

    /// Scores per-file anomaly scores with each of NAB's three profiles,
    /// the threshold of each chosen as given.
    ///
    /// # Errors
    /// As [`score_corpus`].
    pub fn score(
        &self,
        scores: &[Vec<f64>],
        threshold: impl Fn(&Profile) -> Threshold,
    ) -> Result<Vec<ProfileScore>> {
        let files: Vec<_> = self
            .files
            .iter()
            .zip(scores)
            .map(|(f, s)| (f.windows.clone(), s.clone()))
            .collect();
        Profile::nab_profiles()
            .iter()
            .map(|p| score_corpus(&files, self.window_count(), p, threshold(p)))
            .collect()
    }
}
