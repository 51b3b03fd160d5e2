//! The exact GAP solver through HiGHS (feature `highs`), with a time limit
//! and a relative MIP gap.

use std::time::{Duration, Instant};

use super::lp::{INFEASIBLE, formulation, read_assignment};
use super::{GapInstance, GapSolution, gap_lp_bound, relative_gap};
use crate::error::{Error, Result};
use crate::mip::{MipStop, solve_highs};

/// Unchecked parameters of [`GapHighs`].
#[derive(Debug, Clone, PartialEq)]
pub struct GapHighsParams {
    time_limit: Option<Duration>,
    mip_gap: f64,
}

impl GapHighsParams {
    /// Wall-clock budget of HiGHS (default 60 s; `None` for none). When it
    /// runs out, the best assignment found so far is returned with the best
    /// bound HiGHS proved (or the LP bound, when that is higher).
    #[must_use]
    pub fn time_limit(mut self, limit: Option<Duration>) -> Self {
        self.time_limit = limit;
        self
    }

    /// Relative MIP gap at which HiGHS stops (default 0: proven optimal).
    #[must_use]
    pub fn mip_gap(mut self, gap: f64) -> Self {
        self.mip_gap = gap;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero time limit or a MIP gap that
    /// is negative, not finite or at least 1.
    pub fn check(self) -> Result<GapHighs> {
        if self.time_limit.is_some_and(|t| t.is_zero()) {
            return Err(Error::InvalidParameter {
                name: "time_limit",
                reason: "must be positive, got 0".into(),
            });
        }
        if !(self.mip_gap.is_finite() && (0.0..1.0).contains(&self.mip_gap)) {
            return Err(Error::InvalidParameter {
                name: "mip_gap",
                reason: format!("must be in [0, 1), got {}", self.mip_gap),
            });
        }
        Ok(GapHighs(self))
    }
}

/// Solves a GAP instance as a binary program with HiGHS.
///
/// ```
/// use homeostat_alloc::gap::{GapHighs, GapInstance};
/// let gap = GapInstance::parse("2 3  1 2 3  3 2 1   1 1 1  1 1 1   2 2")?;
/// let solution = GapHighs::params().check()?.solve(&gap)?;
/// assert_eq!(solution.objective, 4.0);
/// assert_eq!(solution.gap, 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GapHighs(GapHighsParams);

impl GapHighs {
    /// Default parameters: 60 s, MIP gap 0.
    pub fn params() -> GapHighsParams {
        GapHighsParams {
            time_limit: Some(Duration::from_secs(60)),
            mip_gap: 0.0,
        }
    }

    /// Solves `gap`; the solution's `solver` says `exact-highs` when HiGHS
    /// proved optimality, `highs-time-limit` or `highs-gap-limit` when it
    /// stopped early (then `bound` is the best bound HiGHS proved, or the LP
    /// relaxation's when that is higher).
    ///
    /// # Errors
    /// [`Error::Infeasible`] when no assignment fits; [`Error::Solver`] when
    /// HiGHS fails or finds no assignment within the time limit.
    pub fn solve(&self, gap: &GapInstance) -> Result<GapSolution> {
        let started = Instant::now();
        let (vars, x, cost, constraints) = formulation(gap, true, None);
        let outcome = solve_highs(
            vars,
            cost,
            constraints,
            self.0.time_limit,
            self.0.mip_gap,
            INFEASIBLE,
        )?;
        let assignment = read_assignment(gap, &x, |v| outcome.value(v))?;
        let objective = gap.total_cost(&assignment)?;
        let solver = match outcome.stop {
            MipStop::Optimal => "exact-highs",
            MipStop::GapLimit => "highs-gap-limit",
            MipStop::TimeLimit => "highs-time-limit",
        };
        let bound = if outcome.stop == MipStop::Optimal {
            objective
        } else {
            // The MIP's own bound, or the LP relaxation's when HiGHS stopped
            // before its root relaxation proved more; integral costs round
            // it up.
            let mip = if gap.integral_costs() {
                (outcome.dual_bound - 1e-6).ceil()
            } else {
                outcome.dual_bound
            };
            let bound = gap_lp_bound(gap)?.max(mip);
            bound.min(objective)
        };
        Ok(GapSolution {
            solver: solver.into(),
            feasible: gap.is_feasible(&assignment)?,
            assignment,
            objective,
            bound,
            gap: relative_gap(objective, bound),
            solve_time: started.elapsed(),
        })
    }
}
