//! The simulator's error type.

use std::path::PathBuf;

/// A specialised `Result` whose error is the simulator's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when configuring or running a simulation.
///
/// ```
/// use homeostat_sim::{Error, Scenario};
/// let err = Scenario::named("no-such-scenario").unwrap_err();
/// assert!(matches!(err, Error::UnknownScenario { .. }));
/// assert!(err.to_string().contains("no-such-scenario"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of its valid range.
    #[error("invalid {field}: {reason}")]
    InvalidSpec {
        /// The parameter, as a path such as `services[2].replicas`.
        field: String,
        /// Why the value is rejected, naming it.
        reason: String,
    },

    /// A scenario name that is not built in.
    #[error("unknown scenario {name:?}; built-in scenarios are {known}")]
    UnknownScenario {
        /// The name asked for.
        name: String,
        /// The built-in names, comma separated.
        known: String,
    },

    /// A scenario file could not be parsed; the message names the field and
    /// the line and column.
    #[error("cannot read scenario {path}: {message}")]
    ScenarioFile {
        /// The file.
        path: PathBuf,
        /// What is wrong and where.
        message: String,
    },

    /// Reading a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// Building a core value (frame, series, label) failed.
    #[error(transparent)]
    Core(#[from] homeostat_core::Error),
}

/// Shorthand for an [`Error::InvalidSpec`].
pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidSpec {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Checks that `value` is finite and within `[min, max]`.
pub(crate) fn check_range(field: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if value.is_finite() && value >= min && value <= max {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{value} is outside the valid range [{min}, {max}]"),
        ))
    }
}
