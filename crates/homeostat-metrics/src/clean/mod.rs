//! Cleaning: putting series on a regular time grid, filling short gaps,
//! and both at once for a set of raw series ([`align_series`]).

mod align;
mod fill;
mod resample;

pub use align::{align_series, is_counter};
pub use fill::{FillGaps, FillMethod, fill_frame, fill_gaps, fill_series};
pub use resample::{
    Aggregation, Grid, MAX_GRID_LEN, Resample, resample, resample_frame, resample_to_frame,
};
