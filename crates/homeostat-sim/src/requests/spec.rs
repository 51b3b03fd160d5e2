//! What a request-level scenario is made of: the arrival process, the client
//! timeout and the backends with their service times and slowdowns.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::distributions::ServiceTime;
use crate::error::{Result, check_range, invalid};

/// Upper bound on the expected number of requests of one run
/// (`arrival_rate * duration_secs`), so a typo cannot ask for terabytes of
/// records. Each record takes about 48 bytes.
pub const MAX_EXPECTED_REQUESTS: f64 = 500_000_000.0;

/// Upper bound on the number of backends of one scenario.
pub const MAX_BACKENDS: usize = 100_000;

/// A request-level scenario: Poisson arrivals spread by a router over
/// backends that queue and serve them.
///
/// Written as TOML (or JSON) with the field names below; times are in
/// seconds where the name says `_secs` and in milliseconds where it says
/// `_ms`. Unknown fields are an error.
///
/// ```
/// use homeostat_sim::requests::{Discipline, RequestScenario};
///
/// let scenario: RequestScenario = toml::from_str(r#"
///     duration_secs = 10.0
///     arrival_rate = 200.0
///     timeout_ms = 500.0
///
///     [[backends]]
///     name = "a"
///     workers = 4
///     service_time = { dist = "exponential", mean_ms = 10.0 }
///
///     [[backends]]
///     name = "b"
///     workers = 4
///     discipline = "processor_sharing"
///     service_time = { dist = "lognormal", mean_ms = 10.0, cv = 1.0 }
///     slowdowns = [{ start_secs = 2.0, end_secs = 4.0, effect = { kind = "multiply", factor = 3.0 } }]
/// "#)?;
/// scenario.validate()?;
/// assert_eq!(scenario.series_step_ms, 1000);
/// assert_eq!(scenario.backends[1].discipline, Discipline::ProcessorSharing);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestScenario {
    /// Length of the arrival window in seconds: requests arrive in
    /// `[0, duration_secs)`, and the run continues until every one of them
    /// has a client-visible outcome.
    pub duration_secs: f64,
    /// Poisson arrival rate, requests per second.
    pub arrival_rate: f64,
    /// Client-side timeout in milliseconds; `None` (the default) waits for
    /// every response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<f64>,
    /// Step of [`RequestRun::series`](super::RequestRun::series) in
    /// milliseconds; default 1000.
    #[serde(default = "default_series_step_ms")]
    pub series_step_ms: u64,
    /// The backends, addressed by their position.
    pub backends: Vec<BackendSpec>,
}

fn default_series_step_ms() -> u64 {
    1000
}

/// One backend: a pool of workers with a queueing discipline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSpec {
    /// Name, unique within the scenario; used as the `backend` label.
    pub name: String,
    /// Number of workers (servers, or cores under processor sharing).
    pub workers: u32,
    /// How the workers share the requests; default [`Discipline::Fcfs`].
    #[serde(default)]
    pub discipline: Discipline,
    /// Service time of one request on a dedicated worker.
    pub service_time: ServiceTime,
    /// Probability in `[0, 1]` that a served request fails; default 0.
    #[serde(default)]
    pub error_rate: f64,
    /// Windows in which the backend is slow; default none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slowdowns: Vec<Slowdown>,
}

impl BackendSpec {
    /// A healthy FCFS backend with no errors and no slowdowns.
    ///
    /// ```
    /// use homeostat_sim::ServiceTime;
    /// use homeostat_sim::requests::BackendSpec;
    /// let b = BackendSpec::new("api-0", 8, ServiceTime::Exponential { mean_ms: 20.0 });
    /// assert_eq!(b.error_rate, 0.0);
    /// ```
    pub fn new(name: impl Into<String>, workers: u32, service_time: ServiceTime) -> Self {
        BackendSpec {
            name: name.into(),
            workers,
            discipline: Discipline::Fcfs,
            service_time,
            error_rate: 0.0,
            slowdowns: Vec::new(),
        }
    }

    /// Checks the parameters; `field` names the backend in errors, as in
    /// `backends[3]`.
    pub fn validate(&self, field: &str) -> Result<()> {
        if self.name.is_empty() {
            return Err(invalid(format!("{field}.name"), "\"\" must not be empty"));
        }
        if self.workers == 0 || self.workers > 1_000_000 {
            return Err(invalid(
                format!("{field}.workers"),
                format!("{} is outside the valid range [1, 1000000]", self.workers),
            ));
        }
        self.service_time
            .validate(&format!("{field}.service_time"))?;
        check_range(&format!("{field}.error_rate"), self.error_rate, 0.0, 1.0)?;
        for (i, slowdown) in self.slowdowns.iter().enumerate() {
            slowdown.validate(&format!("{field}.slowdowns[{i}]"))?;
        }
        Ok(())
    }
}

/// How a backend's workers serve the requests it holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Discipline {
    /// `workers` servers and one first-come-first-served queue (M/G/c).
    #[default]
    Fcfs,
    /// Egalitarian processor sharing of `workers` cores: each of the `n`
    /// requests present progresses at rate `min(1, workers / n)` (M/G/c-PS,
    /// the usual model of a thread-per-request server on a few cores).
    ProcessorSharing,
}

/// A window in which a backend is slow.
///
/// The effect applies to requests that *start service* in
/// `[start_secs, end_secs)` (under processor sharing: that arrive at the
/// backend in it); overlapping windows apply in order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slowdown {
    /// Start of the window, seconds since the start of the run.
    pub start_secs: f64,
    /// End of the window (exclusive), after `start_secs`.
    pub end_secs: f64,
    /// What happens to service times in the window.
    pub effect: SlowdownEffect,
}

impl Slowdown {
    /// Whether a request starting service at `t` seconds is affected.
    pub fn covers(&self, t: f64) -> bool {
        t >= self.start_secs && t < self.end_secs
    }

    /// Checks the parameters; `field` names the slowdown in errors.
    pub fn validate(&self, field: &str) -> Result<()> {
        check_range(&format!("{field}.start_secs"), self.start_secs, 0.0, 1e9)?;
        check_range(&format!("{field}.end_secs"), self.end_secs, 0.0, 1e9)?;
        if self.end_secs <= self.start_secs {
            return Err(invalid(
                format!("{field}.end_secs"),
                format!(
                    "{} must be after start_secs = {}",
                    self.end_secs, self.start_secs
                ),
            ));
        }
        self.effect.validate(&format!("{field}.effect"))
    }
}

/// How a [`Slowdown`] changes the service time of a request.
///
/// Written with a `kind` tag: `{ kind = "pinned", latency_ms = 2000.0 }` or
/// `{ kind = "multiply", factor = 3.0 }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SlowdownEffect {
    /// The service time becomes exactly `latency_ms`.
    Pinned {
        /// The service time in milliseconds.
        latency_ms: f64,
    },
    /// The service time is multiplied by `factor`.
    Multiply {
        /// The factor, positive.
        factor: f64,
    },
}

impl SlowdownEffect {
    /// The service time, in seconds, of a request that would otherwise take
    /// `secs`.
    ///
    /// ```
    /// use homeostat_sim::requests::SlowdownEffect;
    /// assert_eq!(SlowdownEffect::Pinned { latency_ms: 2000.0 }.apply(0.1), 2.0);
    /// assert_eq!(SlowdownEffect::Multiply { factor: 3.0 }.apply(0.5), 1.5);
    /// ```
    pub fn apply(&self, secs: f64) -> f64 {
        match *self {
            SlowdownEffect::Pinned { latency_ms } => latency_ms / 1000.0,
            SlowdownEffect::Multiply { factor } => secs * factor,
        }
    }

    /// Checks the parameters; `field` names the effect in errors.
    pub fn validate(&self, field: &str) -> Result<()> {
        match *self {
            SlowdownEffect::Pinned { latency_ms } => {
                check_range(&format!("{field}.latency_ms"), latency_ms, 0.0, 3.6e6)
            }
            SlowdownEffect::Multiply { factor } => {
                check_range(&format!("{field}.factor"), factor, 1e-6, 1e6)
            }
        }
    }
}

impl RequestScenario {
    /// The published "slow backend" experiment.
    ///
    /// - 11 FCFS backends `backend-0` … `backend-10`, each with 256 workers
    ///   and a log-normal service time of mean 167 ms and coefficient of
    ///   variation 0.5;
    /// - Poisson arrivals at 1000 requests per second for 60 s (about 91
    ///   requests per second per backend, 15 of its workers busy on
    ///   average, so a healthy backend practically never queues);
    /// - no client timeout, no errors;
    /// - `backend-0` pinned at 2 s per request (for requests starting
    ///   service) from t = 15 s to t = 45 s. Its 256 workers still keep up
    ///   with round robin's 91 requests per second (182 busy on average), so
    ///   the slow requests take exactly 2 s; but they are 1/11 of the
    ///   traffic, more than 1 %, so round robin's fleet-wide p99 in that
    ///   window is 2 s. A router that watches in-flight requests sends the
    ///   slow backend far less and keeps the p99 near the healthy one.
    ///
    /// ```
    /// use homeostat_sim::requests::RequestScenario;
    /// let s = RequestScenario::slow_backend();
    /// s.validate()?;
    /// assert_eq!(s.backends.len(), 11);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slow_backend() -> Self {
        let backends = (0..11)
            .map(|i| {
                let mut b = BackendSpec::new(
                    format!("backend-{i}"),
                    256,
                    ServiceTime::LogNormal {
                        mean_ms: 167.0,
                        cv: 0.5,
                    },
                );
                if i == 0 {
                    b.slowdowns.push(Slowdown {
                        start_secs: 15.0,
                        end_secs: 45.0,
                        effect: SlowdownEffect::Pinned { latency_ms: 2000.0 },
                    });
                }
                b
            })
            .collect();
        RequestScenario {
            duration_secs: 60.0,
            arrival_rate: 1000.0,
            timeout_ms: None,
            series_step_ms: 1000,
            backends,
        }
    }

    /// The request-level overload experiment, for concurrency limiters.
    ///
    /// - one processor-sharing backend `server` with 40 cores and a
    ///   log-normal service time of mean 25 ms and coefficient of variation
    ///   0.5: a capacity of 1600 requests per second, reached with 40
    ///   requests in service (more in service only makes each one slower);
    /// - Poisson arrivals at 3200 requests per second, twice the capacity,
    ///   for 60 s, and a client timeout of 1 s;
    /// - a capacity change: service times double for requests arriving at
    ///   the server in `[20 s, 40 s)`, so the capacity halves to 800
    ///   requests per second and then recovers.
    ///
    /// Without a limit the server's queue grows without bound, every request
    /// slows down, and past the timeout nearly nothing succeeds. A
    /// concurrency limit near 40 keeps the goodput at capacity and the
    /// latency near the unloaded one.
    ///
    /// ```
    /// use homeostat_sim::requests::RequestScenario;
    /// let s = RequestScenario::overload();
    /// s.validate()?;
    /// assert_eq!(s.arrival_rate, 2.0 * RequestScenario::OVERLOAD_CAPACITY_RPS);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overload() -> Self {
        let mut server = BackendSpec::new(
            "server",
            40,
            ServiceTime::LogNormal {
                mean_ms: 25.0,
                cv: 0.5,
            },
        );
        server.discipline = Discipline::ProcessorSharing;
        server.slowdowns.push(Slowdown {
            start_secs: 20.0,
            end_secs: 40.0,
            effect: SlowdownEffect::Multiply { factor: 2.0 },
        });
        RequestScenario {
            duration_secs: 60.0,
            arrival_rate: 2.0 * RequestScenario::OVERLOAD_CAPACITY_RPS,
            timeout_ms: Some(1000.0),
            series_step_ms: 1000,
            backends: vec![server],
        }
    }

    /// Capacity, requests per second, of the [`overload`](Self::overload)
    /// scenario's server outside its slowdown (40 cores / 25 ms).
    pub const OVERLOAD_CAPACITY_RPS: f64 = 1600.0;

    /// A single backend with exponential service times: an M/M/c queue
    /// under FCFS, M/M/c-PS under processor sharing. For tests and
    /// benchmarks.
    ///
    /// ```
    /// use homeostat_sim::requests::{Discipline, RequestScenario};
    /// let s = RequestScenario::single_queue(80.0, 10.0, 1, Discipline::Fcfs, 100.0);
    /// s.validate()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn single_queue(
        arrival_rate: f64,
        mean_service_ms: f64,
        workers: u32,
        discipline: Discipline,
        duration_secs: f64,
    ) -> Self {
        let mut backend = BackendSpec::new(
            "backend-0",
            workers,
            ServiceTime::Exponential {
                mean_ms: mean_service_ms,
            },
        );
        backend.discipline = discipline;
        RequestScenario {
            duration_secs,
            arrival_rate,
            timeout_ms: None,
            series_step_ms: 1000,
            backends: vec![backend],
        }
    }

    /// The client timeout in seconds, if any.
    pub fn timeout_secs(&self) -> Option<f64> {
        self.timeout_ms.map(|ms| ms / 1000.0)
    }

    /// Checks every parameter; the error names the first bad field (such as
    /// `backends[3].workers`) and its value.
    ///
    /// ```
    /// use homeostat_sim::Error;
    /// use homeostat_sim::requests::RequestScenario;
    /// let mut s = RequestScenario::slow_backend();
    /// s.backends[3].workers = 0;
    /// let err = s.validate().unwrap_err();
    /// assert!(matches!(&err, Error::InvalidSpec { field, .. } if field == "backends[3].workers"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_range("duration_secs", self.duration_secs, 1e-9, 1e9)?;
        check_range("arrival_rate", self.arrival_rate, 1e-9, 1e9)?;
        let expected = self.arrival_rate * self.duration_secs;
        if expected > MAX_EXPECTED_REQUESTS {
            return Err(invalid(
                "arrival_rate",
                format!(
                    "{} requests/s over {} s is {expected:e} requests, more than the \
                     {MAX_EXPECTED_REQUESTS:e} one run may hold",
                    self.arrival_rate, self.duration_secs
                ),
            ));
        }
        if let Some(timeout) = self.timeout_ms {
            check_range("timeout_ms", timeout, 1e-6, 3.6e9)?;
        }
        if self.series_step_ms == 0 || self.series_step_ms > 86_400_000 {
            return Err(invalid(
                "series_step_ms",
                format!(
                    "{} is outside the valid range [1, 86400000]",
                    self.series_step_ms
                ),
            ));
        }
        if self.backends.is_empty() {
            return Err(invalid("backends", "[] must list at least one backend"));
        }
        if self.backends.len() > MAX_BACKENDS {
            return Err(invalid(
                "backends",
                format!(
                    "{} backends are more than the {MAX_BACKENDS} supported",
                    self.backends.len()
                ),
            ));
        }
        let mut names = HashSet::with_capacity(self.backends.len());
        for (i, backend) in self.backends.iter().enumerate() {
            let field = format!("backends[{i}]");
            backend.validate(&field)?;
            if !names.insert(backend.name.as_str()) {
                return Err(invalid(
                    format!("{field}.name"),
                    format!(
                        "{:?} is already the name of an earlier backend",
                        backend.name
                    ),
                ));
            }
        }
        Ok(())
    }
}
