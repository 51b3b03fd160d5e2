//! The result of a run: one record per request, with summaries and series.

use homeostat_core::{Frame, Timestamp};

use super::policy::Completion;
use super::series::build_series;
use super::spec::RequestScenario;
use super::summary::RunSummary;
use crate::error::Result;

/// Everything a [`run`](super::run) produced: the scenario and one
/// [`Completion`] per request, in arrival (id) order.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRun {
    scenario: RequestScenario,
    records: Vec<Completion>,
}

impl RequestRun {
    pub(super) fn new(scenario: RequestScenario, records: Vec<Completion>) -> Self {
        RequestRun { scenario, records }
    }

    /// The scenario that was simulated.
    pub fn scenario(&self) -> &RequestScenario {
        &self.scenario
    }

    /// One record per request, in arrival order (`records()[i].id == i`).
    pub fn records(&self) -> &[Completion] {
        &self.records
    }

    /// The records, by value.
    pub fn into_records(self) -> Vec<Completion> {
        self.records
    }

    /// Counts, latency quantiles and picks over the whole run.
    ///
    /// ```
    /// use homeostat_sim::requests::{self, Discipline, RequestScenario, RoundRobin, Unlimited};
    /// let scenario = RequestScenario::single_queue(50.0, 10.0, 1, Discipline::Fcfs, 20.0);
    /// let run = requests::run(&scenario, &mut RoundRobin::new(), &mut Unlimited, 1)?;
    /// let summary = run.summary();
    /// assert_eq!(summary.ok, summary.requests);
    /// let latency = summary.latency.expect("some requests succeeded");
    /// assert!(latency.p50_secs <= latency.p99_secs);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summary(&self) -> RunSummary {
        RunSummary::of(&self.scenario, self.records.iter())
    }

    /// The summary of the requests that *arrived* in `[from_secs, to_secs)`.
    pub fn summary_between(&self, from_secs: f64, to_secs: f64) -> RunSummary {
        let records = self
            .records
            .iter()
            .filter(|r| r.arrival_secs >= from_secs && r.arrival_secs < to_secs);
        RunSummary::of(&self.scenario, records)
    }

    /// Per-interval metrics on a grid of `series_step_ms`, where `start`
    /// stands for simulated time 0. Like a scrape, and like the cluster
    /// mode, each row is stamped at the end of the interval it describes:
    /// the row at `t` covers `[t - step, t)` and counts the requests whose
    /// client-visible outcome fell in it (the way a Prometheus counter sees
    /// them):
    ///
    /// - `requests{outcome="ok"}` (and `error`, `timeout`, `rejected`);
    /// - `latency_p50_seconds`, `latency_p99_seconds`: quantiles of the
    ///   latency of the `Ok` requests, NaN when there were none;
    /// - `backend_requests{backend="NAME"}`: requests sent to that backend
    ///   (any outcome but `Rejected`).
    ///
    /// The grid covers the arrival window and any later completions. Fails
    /// only if the grid would overflow the timestamp range.
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// use homeostat_sim::requests::{self, RequestScenario, RoundRobin, Unlimited};
    /// let run = requests::run(&RequestScenario::slow_backend(), &mut RoundRobin::new(),
    ///                         &mut Unlimited, 1)?;
    /// let frame = run.series(Timestamp::from_secs(1_700_000_000))?;
    /// assert!(frame.nrows() >= 60);
    /// let ok = frame.value(30, r#"requests{outcome="ok"}"#).unwrap_or(0.0);
    /// assert!(ok > 800.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn series(&self, start: Timestamp) -> Result<Frame> {
        build_series(&self.scenario, &self.records, start)
    }
}
