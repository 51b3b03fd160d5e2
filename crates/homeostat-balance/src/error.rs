//! The balancer's error type.

use crate::BackendId;

/// A specialised `Result` whose error is the balancer's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when configuring a balancer, changing its
/// backends or picking one.
///
/// ```
/// use homeostat_balance::{Balancer, Error, Request, Strategy};
/// let lb = Balancer::params(Strategy::RoundRobin).build()?;
/// assert!(matches!(lb.pick(&Request::new()), Err(Error::NoBackends)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The balancer has no backends to pick from.
    #[error("no backends to pick from")]
    NoBackends,

    /// Every backend is ejected and the panic threshold is 0, so none may
    /// be used.
    #[error("all {backends} backends are ejected")]
    AllEjected {
        /// How many backends there are.
        backends: usize,
    },

    /// A weight that is zero, negative, NaN or infinite.
    #[error("invalid weight {weight} for backend {id}: weights must be finite and positive")]
    InvalidWeight {
        /// The backend.
        id: BackendId,
        /// The weight given.
        weight: f64,
    },

    /// A backend id that is already in the set.
    #[error("backend {id} is already in the set")]
    DuplicateBackend {
        /// The id given twice.
        id: BackendId,
    },

    /// A backend id that is not in the set.
    #[error("backend {id} is not in the set")]
    UnknownBackend {
        /// The id asked for.
        id: BackendId,
    },

    /// A hashing strategy was asked to pick for a request without a key.
    #[error("strategy {strategy} needs a request key (Request::with_key)")]
    MissingKey {
        /// The strategy's name.
        strategy: &'static str,
    },

    /// A parameter out of its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// The parameter's name.
        name: &'static str,
        /// Why the value is rejected, naming it.
        reason: String,
    },

    /// A server-reported utilisation that is negative, NaN or infinite.
    #[error("invalid utilisation {value} for backend {id}: must be finite and non-negative")]
    InvalidUtilisation {
        /// The backend.
        id: BackendId,
        /// The value reported.
        value: f64,
    },
}

impl Error {
    pub(crate) fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParam {
            name,
            reason: reason.into(),
        }
    }
}
