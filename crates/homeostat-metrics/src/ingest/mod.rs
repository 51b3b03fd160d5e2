//! Reading metrics from files and streams.
pub mod csv;
