//! Cleaning: putting series on a regular time grid and filling short gaps.

mod resample;

pub use resample::{
    Aggregation, Grid, MAX_GRID_LEN, Resample, resample, resample_frame, resample_to_frame,
};
