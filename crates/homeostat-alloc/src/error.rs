//! The allocation crate's error type.

/// A specialised `Result` whose error is the allocation crate's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when checking or solving an allocation problem.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The problem has nothing to allocate or nowhere to put it.
    #[error("empty problem: no {what}")]
    Empty {
        /// What is missing (`"nodes"`, `"workloads"`, `"resources"`, ...).
        what: &'static str,
    },

    /// A number that must be finite and non-negative is not.
    #[error("invalid {field} of {item}: {value} (must be finite and >= 0)")]
    InvalidValue {
        /// The node, workload or service the value belongs to.
        item: String,
        /// Which value (for example `capacity[cpu]`).
        field: String,
        /// The refused value.
        value: f64,
    },

    /// A vector has the wrong number of resource dimensions.
    #[error("{item} has {found} {field} values, the problem has {expected} resources")]
    DimensionMismatch {
        /// The node or workload.
        item: String,
        /// `capacity` or `demand`.
        field: &'static str,
        /// The number of resources of the problem.
        expected: usize,
        /// The number given.
        found: usize,
    },

    /// Two nodes or two workloads share a name.
    #[error("duplicate name {0:?}")]
    DuplicateName(String),

    /// A workload names a node that does not exist (pin or allow list).
    #[error("workload {workload:?} names unknown node {node:?}")]
    UnknownNode {
        /// The workload.
        workload: String,
        /// The name it gives.
        node: String,
    },

    /// A workload fits on no node, even an empty one, given its constraints.
    #[error("workload {workload:?} cannot be placed on any node: {reason}")]
    Unplaceable {
        /// The workload.
        workload: String,
        /// The constraint that rules out every node, with numbers.
        reason: String,
    },

    /// No assignment satisfies all constraints together.
    #[error("infeasible: {reason}")]
    Infeasible {
        /// The conflicting constraints or the workloads that cannot all be
        /// placed, with numbers.
        reason: String,
    },

    /// The exact solver was asked for a problem above its size limit.
    #[error("problem too large for the exact solver: {size} binary variables, limit {limit}")]
    TooLarge {
        /// Binary variables the model would need.
        size: usize,
        /// The configured limit.
        limit: usize,
    },

    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why the value is refused, with the value.
        reason: String,
    },

    /// An instance file that cannot be read as its format says.
    #[error("malformed instance: {0}")]
    Malformed(String),

    /// A row of a CSV file that cannot be read as its format says.
    #[error("{file}:{line}: {reason}")]
    MalformedRow {
        /// The file (or the name the caller gave the text).
        file: String,
        /// 1-based line number; the header is line 1.
        line: usize,
        /// What is wrong, naming the column and the value.
        reason: String,
    },

    /// The LP / MIP solver failed for a reason other than infeasibility.
    #[error("solver failed: {0}")]
    Solver(String),
}

/// Checks that `value` is finite and non-negative.
pub(crate) fn check_non_negative(item: &str, field: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidValue {
            item: item.to_owned(),
            field: field.to_owned(),
            value,
        })
    }
}
