//! The prediction crate's error type.

/// A specialised `Result` whose error is the prediction crate's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when fitting, predicting or evaluating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why the value is refused, with the value.
        reason: String,
    },

    /// Training or input data that cannot be used as given.
    #[error("invalid data: {0}")]
    InvalidData(String),

    /// Data with a different number of features than the model was fitted on.
    #[error("feature count mismatch: the model expects {expected} features, the data has {found}")]
    FeatureCountMismatch {
        /// Features the model was fitted on.
        expected: usize,
        /// Features in the data given.
        found: usize,
    },

    /// Training targets of one class only: nothing separates faults from the rest.
    #[error("single-class targets: all {rows} training rows are {class}")]
    SingleClass {
        /// Number of training rows.
        rows: usize,
        /// The one class present (`true` = fault).
        class: bool,
    },

    /// A value the model cannot use (NaN or infinite) where it does not handle missing values.
    #[error("non-finite value {value} at row {row}, feature {feature}")]
    NonFinite {
        /// Row of the value.
        row: usize,
        /// Feature (column) of the value.
        feature: usize,
        /// The value itself.
        value: f64,
    },

    /// A saved model that cannot be read: wrong format, other version, bad checksum, truncated.
    #[error("cannot load model: {0}")]
    ModelFile(String),

    /// An error reported by a linfa model.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),

    /// A model file written by another format version of this crate.
    #[error(
        "model file format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads and writes.
        supported: u32,
    },

    /// Turning metrics into features failed.
    #[error("feature pipeline: {0}")]
    Features(#[from] homeostat_metrics::Error),
    // Forecasts and detectors
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A file that does not have the expected format.
    #[error("malformed {path}: {reason}")]
    Malformed {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, naming the bad value.
        reason: String,
    },
}
