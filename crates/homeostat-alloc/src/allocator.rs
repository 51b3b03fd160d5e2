//! The `Allocator` trait that every solver implements.

use crate::error::Result;
use crate::model::Problem;
use crate::plan::Plan;

/// Decides where each workload of a [`Problem`] runs.
///
/// Heuristic and exact allocators are interchangeable; every [`Plan`]
/// carries its objective, a lower bound and the gap.
pub trait Allocator {
    /// A short name for reports (`"bfd+ls"`, `"exact-microlp"`, ...).
    fn name(&self) -> String;

    /// Places the workloads.
    ///
    /// # Errors
    /// An invalid problem ([`crate::Error::InvalidValue`],
    /// [`crate::Error::Unplaceable`], ...) or, when the allocator proves
    /// that no complete placement exists, [`crate::Error::Infeasible`]
    /// naming the conflicting constraints. A heuristic that merely fails to
    /// place everything returns a plan whose `unplaced` lists the rest.
    fn allocate(&self, problem: &Problem) -> Result<Plan>;
}
