//! The error type shared by the core vocabulary.

use crate::time::Timestamp;

/// A specialised `Result` whose error is the core [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when building or querying core types.
///
/// Messages are lower case and name the offending value, so they can be shown
/// to a user as they are.
///
/// ```
/// use homeostat_core::{Error, Timestamp};
///
/// let err = "yesterday".parse::<Timestamp>().unwrap_err();
/// assert!(matches!(err, Error::InvalidTimestamp { .. }));
/// assert!(err.to_string().contains("yesterday"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A timestamp string is not in any accepted format, or is out of range.
    #[error("invalid timestamp {input:?}: {reason}")]
    InvalidTimestamp {
        /// The text that failed to parse.
        input: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A duration string does not follow the `1h30m` grammar, or overflows.
    #[error("invalid duration {input:?}: {reason}")]
    InvalidDuration {
        /// The text that failed to parse.
        input: String,
        /// Why it was rejected.
        reason: String,
    },

    /// Arithmetic on timestamps or durations left the representable range.
    #[error("time arithmetic overflowed: {what}")]
    TimeOverflow {
        /// The operation that overflowed.
        what: String,
    },

    /// A value is `+inf` or `-inf`; missing values must be NaN instead.
    #[error("value at position {position} is {value}, which is not allowed (use NaN for missing)")]
    NonFiniteValue {
        /// Position of the value in its input (row-major for matrices).
        position: usize,
        /// The offending value.
        value: f64,
    },

    /// Timestamps are not increasing and the caller asked for sorted input.
    #[error("timestamps are not sorted: {current} at position {position} comes after {previous}")]
    Unsorted {
        /// Position of the first out-of-order timestamp.
        position: usize,
        /// The timestamp before it.
        previous: Timestamp,
        /// The out-of-order timestamp.
        current: Timestamp,
    },

    /// The same timestamp appears twice and the caller asked to reject duplicates.
    #[error("duplicate timestamp {timestamp} at position {position}")]
    DuplicateTimestamp {
        /// Position of the second occurrence in the (sorted) input.
        position: usize,
        /// The repeated timestamp.
        timestamp: Timestamp,
    },

    /// Two inputs that must have the same length or shape do not.
    #[error("length mismatch for {what}: expected {expected}, found {found}")]
    LengthMismatch {
        /// What was being compared.
        what: String,
        /// The required length.
        expected: usize,
        /// The length that was given.
        found: usize,
    },

    /// A metric or label name is empty or malformed.
    #[error("invalid name {name:?}: {reason}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A column was looked up by a key that the frame does not have.
    #[error("no column {key:?} in frame")]
    UnknownColumn {
        /// The key that was asked for.
        key: String,
    },

    /// Two columns of one frame have the same key.
    #[error("duplicate column {key:?}")]
    DuplicateColumn {
        /// The repeated key.
        key: String,
    },

    /// Two series or frames that must share a time grid do not.
    #[error("time grids differ: {reason}")]
    GridMismatch {
        /// Where they first differ.
        reason: String,
    },

    /// A quality mask disagrees with the values: `Missing` must mark exactly
    /// the NaN values.
    #[error(
        "quality mask disagrees with the values at row {row}, column {column}: missing must mark exactly the NaN values"
    )]
    QualityMismatch {
        /// Row of the first disagreement.
        row: usize,
        /// Column of the first disagreement.
        column: usize,
    },

    /// A labelled fault interval does not end after it starts.
    #[error("invalid fault interval: end {end} is not after start {start}")]
    InvalidInterval {
        /// Start of the interval.
        start: Timestamp,
        /// End of the interval (exclusive).
        end: Timestamp,
    },

    /// A text could not be parsed into an enumerated value (for example a fault scope).
    #[error("cannot parse {input:?} as {what}: {reason}")]
    Parse {
        /// What the text was meant to be.
        what: String,
        /// The text.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
}

impl Error {
    pub(crate) fn length(what: &str, expected: usize, found: usize) -> Self {
        Error::LengthMismatch {
            what: what.to_owned(),
            expected,
            found,
        }
    }
}
