//! Cleaning: putting series on a regular time grid and filling short gaps.

mod fill;
mod resample;

pub use fill::{FillGaps, FillMethod, fill_frame, fill_gaps, fill_series};
pub use resample::{
    Aggregation, Grid, MAX_GRID_LEN, Resample, resample, resample_frame, resample_to_frame,
};
