//! The metrics crate's error type.

/// A specialised `Result` whose error is the metrics crate's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem was found.
///
/// `line` and `column` count from 1; `byte` from 0. Formats that are not
/// line-oriented leave `line` and `column` at 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Line, from 1 (0 when unknown).
    pub line: u64,
    /// Column in characters, from 1 (0 when unknown).
    pub column: u64,
    /// Byte offset from the start of the input.
    pub byte: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "line {}, column {} (byte {})",
                self.line, self.column, self.byte
            )
        } else {
            write!(f, "byte {}", self.byte)
        }
    }
}

/// Everything that can go wrong when ingesting or transforming metrics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that does not follow its format.
    #[error("{format} input is malformed at {position}: {message}")]
    Parse {
        /// The format being read (`csv`, `prometheus text`, ...).
        format: &'static str,
        /// Where.
        position: Position,
        /// What is wrong, naming the offending text.
        message: String,
    },

    /// A metrics store answered a query with an error (Prometheus HTTP API
    /// `"status": "error"`).
    #[error("query failed ({error_type}): {message}")]
    QueryFailed {
        /// The store's error class (`errorType`: `bad_data`, `timeout`, ...).
        error_type: String,
        /// The store's message (`error`).
        message: String,
    },

    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// Why the value is rejected, naming it.
        reason: String,
    },

    /// A transform was applied before it was fitted.
    #[error("{what} must be fitted before it transforms data")]
    NotFitted {
        /// The transform.
        what: String,
    },

    /// Input that is valid but not enough for the operation (for example an
    /// empty series where a window needs points).
    #[error("not enough data: {reason}")]
    InsufficientData {
        /// What was missing.
        reason: String,
    },

    /// An operation that needs a regular index (every gap equal) got one
    /// whose gap before `row` differs from the first.
    #[error(
        "the index is irregular: row {row} comes {found} after the one before, not the step {step}"
    )]
    IrregularIndex {
        /// The first row whose gap from the row before is not `step`.
        row: usize,
        /// The gap between the first two rows.
        step: homeostat_core::Duration,
        /// The gap before `row`.
        found: homeostat_core::Duration,
    },

    /// Reading the input failed.
    #[error("cannot read input: {0}")]
    Io(#[from] std::io::Error),

    /// Building a core value (series, frame) failed.
    #[error(transparent)]
    Core(#[from] homeostat_core::Error),
}

/// Shorthand for an [`Error::InvalidParameter`].
pub(crate) fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        name: name.into(),
        reason: reason.into(),
    }
}
