//! The tuning crate's error type.

/// A specialised `Result` whose error is this crate's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when configuring a controller or fitting a
/// model.
///
/// ```
/// use homeostat_tune::{Error, limit::Aimd};
/// let err = Aimd::params().backoff_ratio(f64::NAN).check().unwrap_err();
/// assert!(matches!(err, Error::InvalidParameter { name: "backoff_ratio", .. }));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is NaN, infinite or outside its valid range.
    #[error("invalid {name}: {value} is outside {valid}")]
    InvalidParameter {
        /// The parameter's name, as its builder method is called.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The valid range, in words.
        valid: &'static str,
    },
    /// A lower bound is above its upper bound.
    #[error("invalid bounds: {min_name} = {min} is above {max_name} = {max}")]
    MinAboveMax {
        /// Name of the lower bound.
        min_name: &'static str,
        /// Its value.
        min: f64,
        /// Name of the upper bound.
        max_name: &'static str,
        /// Its value.
        max: f64,
    },
    /// An observation that cannot be used (NaN or infinite).
    #[error("non-finite {name}: {value}")]
    NonFinite {
        /// What was observed.
        name: &'static str,
        /// The value.
        value: f64,
    },
    /// Too little data to fit a model.
    #[error("not enough data: {got} rows given, at least {needed} needed")]
    NotEnoughData {
        /// Rows given.
        got: usize,
        /// Rows needed.
        needed: usize,
    },
    /// Arrays whose shapes do not fit together.
    #[error("shape mismatch: {what}")]
    ShapeMismatch {
        /// Which shapes, and what they are.
        what: String,
    },
    /// The data do not determine the model (collinear regressors, or an
    /// input that never varies).
    #[error("singular least-squares problem: the data do not determine {what}")]
    Singular {
        /// What could not be determined.
        what: &'static str,
    },
}

/// Checks that `value` is finite and in `[min, max]`.
pub(crate) fn check_range(
    name: &'static str,
    value: f64,
    min: f64,
    max: f64,
    valid: &'static str,
) -> Result<f64> {
    if value.is_finite() && value >= min && value <= max {
        Ok(value)
    } else {
        Err(Error::InvalidParameter { name, value, valid })
    }
}

/// Checks that a lower bound is not above an upper bound.
pub(crate) fn check_order(
    min_name: &'static str,
    min: f64,
    max_name: &'static str,
    max: f64,
) -> Result<()> {
    if min <= max {
        Ok(())
    } else {
        Err(Error::MinAboveMax {
            min_name,
            min,
            max_name,
            max,
        })
    }
}
