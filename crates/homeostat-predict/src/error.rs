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
