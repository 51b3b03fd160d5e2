//! Per-column scalers: z-score, median / IQR and min-max, fitted on training
//! data and applied to any frame with the same columns.

mod affine;
mod minmax;
mod robust;
mod standard;

pub use affine::ColumnScaling;
pub use minmax::MinMaxScaler;
pub use robust::RobustScaler;
pub use standard::StandardScaler;
