//! Per-series denoising filters that keep the time index: Hampel outlier
//! removal, winsorising, EWMA, rolling median and Savitzky–Golay smoothing.
//!
//! Windows count samples, not time: the filters assume (roughly) equally
//! spaced samples, as after resampling onto a grid. Every filter keeps
//! missing values (NaN) missing and never fills them; how a missing value
//! inside a window is treated is documented per filter. Applied to a
//! [`Frame`](homeostat_core::Frame), each filter works column by column and
//! keeps the index and the keys; the frame's quality mask is not carried
//! over.

mod columns;
mod ewma;
mod filter;
mod hampel;
mod median;
mod rolling_median;
mod savitzky_golay;
mod winsorize;

pub use ewma::Ewma;
pub use filter::SeriesFilter;
pub use hampel::{Hampel, OutlierAction};
pub use rolling_median::{Alignment, RollingMedian};
pub use savitzky_golay::SavitzkyGolay;
pub use winsorize::{ColumnBounds, Winsorizer};
