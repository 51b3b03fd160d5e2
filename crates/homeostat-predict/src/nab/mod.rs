//! A port of the Numenta Anomaly Benchmark (NAB) scorer.
//!
//! [`sweep_file`] gives each row its reward (NAB's `S(t)` column),
//! [`scores_by_threshold`] the raw score at every threshold, and
//! [`score_corpus`] a corpus's normalised score for one profile at a fixed
//! or optimised threshold. [`Corpus`] reads and writes NAB's files.

mod corpus;
mod profile;
mod run;
mod score;
mod sweep;

pub use corpus::{Corpus, NabFile, read_column, read_series_csv, read_windows, windows_to_rows};
pub use profile::{CostMatrix, Profile};
pub use score::{ProfileScore, Threshold, score_corpus};
pub use sweep::{
    PROBATION_PERCENT, RowRole, SweepPoint, ThresholdScore, WindowRows, best_threshold,
    probationary_length, scaled_sigmoid, score_at, scores_by_threshold, sweep_file,
};
