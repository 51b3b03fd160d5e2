//! What a cluster simulation is made of: nodes, services, workload, faults
//! and scraping. Every type reads from TOML or JSON (unknown fields are
//! errors) and is checked by [`ClusterSpec::validate`].

use homeostat_core::{Duration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ServiceTime;
use crate::error::{Result, check_range, invalid};
use crate::spec_serde;

/// A whole cluster scenario.
///
/// ```
/// use homeostat_sim::cluster::ClusterSpec;
/// let spec = ClusterSpec::steady();
/// spec.validate()?;
/// assert_eq!(spec.node_count(), 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Simulated wall-clock time of the first sample (default Monday
    /// 2026-01-05T00:00:00Z, so weekly patterns start on a weekday).
    #[serde(with = "spec_serde::timestamp", default = "default_start")]
    pub start: Timestamp,
    /// How long to simulate.
    pub duration: Duration,
    /// Scrape interval, which is also the model's time step.
    #[serde(default = "default_step")]
    pub step: Duration,
    /// Groups of identical nodes.
    pub nodes: Vec<NodeGroup>,
    /// The services and their replicas.
    pub services: Vec<ServiceSpec>,
    /// The shape of demand over time.
    #[serde(default)]
    pub workload: WorkloadSpec,
    /// Faults: scheduled ones and randomly drawn ones.
    #[serde(default)]
    pub faults: FaultPlan,
    /// Measurement noise and missed scrapes.
    #[serde(default)]
    pub scrape: ScrapeSpec,
}

pub(crate) fn default_start() -> Timestamp {
    Timestamp::from_millis(1_767_571_200_000) // 2026-01-05T00:00:00Z, a Monday
}

fn default_step() -> Duration {
    Duration::from_secs(10)
}

/// `count` identical nodes named `{prefix}-{i}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeGroup {
    /// How many nodes.
    pub count: u32,
    /// Name prefix (default `node`).
    #[serde(default = "default_node_prefix")]
    pub prefix: String,
    /// CPU cores.
    pub cores: f64,
    /// Memory in GiB.
    pub memory_gib: f64,
    /// Disk size in GiB.
    #[serde(default = "default_disk_gib")]
    pub disk_gib: f64,
    /// Memory the OS and daemons use, in GiB.
    #[serde(default = "default_system_memory_gib")]
    pub system_memory_gib: f64,
    /// Disk used at the start, as a fraction of the disk.
    #[serde(default = "default_disk_used")]
    pub disk_used_fraction: f64,
    /// Background disk growth (logs), GiB per day.
    #[serde(default = "default_disk_growth")]
    pub disk_growth_gib_per_day: f64,
}

fn default_node_prefix() -> String {
    "node".into()
}
fn default_disk_gib() -> f64 {
    200.0
}
fn default_system_memory_gib() -> f64 {
    1.0
}
fn default_disk_used() -> f64 {
    0.3
}
fn default_disk_growth() -> f64 {
    0.5
}

/// One service: its replicas, workers, cost per request and limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Service name (a label value in the metrics).
    pub name: String,
    /// Number of replicas, spread over the nodes round robin.
    pub replicas: u32,
    /// Concurrent workers (servers) per replica.
    pub workers: u32,
    /// CPU time of one request on an uncontended core.
    pub service_time: ServiceTime,
    /// Mean arrival rate over the whole service, requests per second,
    /// before the workload shape is applied.
    pub request_rate: f64,
    /// Resident memory of an idle replica, MiB.
    #[serde(default = "default_memory_mib")]
    pub memory_mib: f64,
    /// Memory per request in flight, MiB.
    #[serde(default = "default_memory_per_request_mib")]
    pub memory_per_request_mib: f64,
    /// The replica is killed (OOM) above this resident memory, MiB.
    #[serde(default = "default_memory_limit_mib")]
    pub memory_limit_mib: f64,
    /// Request size on the wire, KiB.
    #[serde(default = "default_request_kib")]
    pub request_kib: f64,
    /// Response size on the wire, KiB.
    #[serde(default = "default_response_kib")]
    pub response_kib: f64,
    /// Client timeout; slower requests count as errors.
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// Requests a replica queues at most; beyond it they are rejected.
    #[serde(default = "default_queue_limit")]
    pub queue_limit: u32,
    /// Errors that happen anyway, as a fraction of requests.
    #[serde(default = "default_base_error_rate")]
    pub base_error_rate: f64,
    /// Time from a crash to the restarted replica serving again.
    #[serde(default = "default_restart")]
    pub restart: Duration,
}

fn default_memory_mib() -> f64 {
    512.0
}
fn default_memory_per_request_mib() -> f64 {
    0.5
}
fn default_memory_limit_mib() -> f64 {
    2048.0
}
fn default_request_kib() -> f64 {
    2.0
}
fn default_response_kib() -> f64 {
    16.0
}
fn default_timeout() -> Duration {
    Duration::from_secs(2)
}
fn default_queue_limit() -> u32 {
    1000
}
fn default_base_error_rate() -> f64 {
    0.001
}
fn default_restart() -> Duration {
    Duration::from_secs(30)
}

/// The shape of demand: every service's rate is its `request_rate` times
/// `(1 + diurnal_amplitude * cos(2π (hour - peak_hour) / 24))`, times
/// `weekend_factor` on Saturdays and Sundays, times `burst.multiplier`
/// during bursts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Relative size of the daily swing, in `[0, 1)`.
    #[serde(default)]
    pub diurnal_amplitude: f64,
    /// Hour of the daily peak (UTC), in `[0, 24)`.
    #[serde(default = "default_peak_hour")]
    pub peak_hour: f64,
    /// Demand multiplier on weekends; 1 means no weekly pattern.
    #[serde(default = "default_one")]
    pub weekend_factor: f64,
    /// Short bursts of extra demand, drawn with the seed.
    #[serde(default)]
    pub bursts: Option<BurstSpec>,
}

fn default_peak_hour() -> f64 {
    14.0
}
fn default_one() -> f64 {
    1.0
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            diurnal_amplitude: 0.0,
            peak_hour: default_peak_hour(),
            weekend_factor: 1.0,
            bursts: None,
        }
    }
}

/// Bursts: a Poisson process of `per_day` bursts, each multiplying demand by
/// `multiplier` for `duration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstSpec {
    /// Mean number of bursts per day.
    pub per_day: f64,
    /// Demand multiplier during a burst.
    pub multiplier: f64,
    /// Length of a burst.
    pub duration: Duration,
}

/// Faults to inject: a fixed schedule plus, optionally, random ones.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Faults at fixed times.
    #[serde(default)]
    pub scheduled: Vec<FaultSpec>,
    /// Faults drawn with the seed.
    #[serde(default)]
    pub random: Option<RandomFaults>,
}

/// One fault: what, where, when (offset from the start) and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The fault and its parameters.
    pub fault: FaultEffect,
    /// Where it strikes.
    pub target: Target,
    /// When it begins, after the start of the run.
    pub at: Duration,
    /// How long the cause lasts (the leak leaks, the hog runs, ...).
    pub duration: Duration,
}

/// Where a fault strikes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Target {
    /// A node, by name.
    Node(String),
    /// A service (all replicas), by name.
    Service(String),
    /// One replica: the service name and the replica index.
    Replica {
        /// Service name.
        service: String,
        /// Replica index, from 0.
        index: u32,
    },
}

/// A fault and its parameters. Precursors, where the fault has them in
/// reality, are modelled: a leak grows memory long before the OOM kill, a
/// disk fills before it is full, a CPU hog ramps up, a failing dependency
/// slows down before it errors. A crash, a crash loop, a slow node and a
/// network degradation strike without warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FaultEffect {
    /// Replica memory grows by `mib_per_minute` until the OOM kill; the
    /// leak recurs after each restart while the fault lasts. Needs a
    /// replica target. Labelled: each OOM kill until the restart completes.
    MemoryLeak {
        /// Growth rate, MiB per minute.
        mib_per_minute: f64,
    },
    /// Another process takes CPU on a node, ramping up to `cores` over
    /// `ramp`. Labelled: from the end of the ramp to the end of the fault.
    CpuHog {
        /// Cores taken at full strength.
        cores: f64,
        /// Time to reach full strength.
        #[serde(default = "default_ramp")]
        ramp: Duration,
    },
    /// Everything on a node is `factor` times slower. Labelled: whole fault.
    SlowNode {
        /// Slowdown factor (> 1).
        factor: f64,
    },
    /// Added latency and packet loss on a node. Labelled: whole fault.
    NetworkDegradation {
        /// Added latency per request, ms.
        latency_ms: f64,
        /// Fraction of requests lost (they fail).
        loss: f64,
    },
    /// A node's disk fills at `gib_per_hour`; once full, half the requests
    /// of replicas there fail until the fault ends (cleanup). Labelled: from
    /// the moment the disk is full to the end of the fault.
    DiskFill {
        /// Fill rate, GiB per hour.
        gib_per_hour: f64,
    },
    /// A replica crashes `up` after each start, over and over. Needs a
    /// replica target. Labelled: whole fault.
    CrashLoop {
        /// Time a restarted replica survives.
        #[serde(default = "default_crash_loop_up")]
        up: Duration,
    },
    /// A dependency of a service slows down by up to `slowdown_ms` over
    /// `ramp`, then fails `error_rate` of the requests. Needs a service
    /// target. Labelled: from the end of the ramp to the end of the fault.
    DependencyFailure {
        /// Fraction of requests failing once the dependency is down.
        error_rate: f64,
        /// Added latency at the end of the ramp, ms.
        #[serde(default = "default_dependency_slowdown")]
        slowdown_ms: f64,
        /// Time from the first slowdown to the failure.
        #[serde(default = "default_ramp")]
        ramp: Duration,
    },
    /// A replica dies at once and restarts. Needs a replica target; the
    /// fault's duration is ignored. Labelled: crash until restart completes.
    Crash,
}

fn default_ramp() -> Duration {
    Duration::from_minutes(10)
}
fn default_crash_loop_up() -> Duration {
    Duration::from_secs(20)
}
fn default_dependency_slowdown() -> f64 {
    150.0
}

/// Random faults: a Poisson process of `per_day` faults, each of a kind
/// drawn uniformly from `kinds` with typical parameters, on a random target,
/// lasting between `min_duration` and `max_duration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    /// Mean faults per simulated day.
    pub per_day: f64,
    /// Kind names (`memory_leak`, `cpu_hog`, `slow_node`,
    /// `network_degradation`, `disk_fill`, `crash_loop`,
    /// `dependency_failure`, `crash`); empty means all.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Shortest fault.
    #[serde(default = "default_min_fault")]
    pub min_duration: Duration,
    /// Longest fault.
    #[serde(default = "default_max_fault")]
    pub max_duration: Duration,
}

fn default_min_fault() -> Duration {
    Duration::from_minutes(10)
}
fn default_max_fault() -> Duration {
    Duration::from_hours(1)
}

/// How metrics are observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeSpec {
    /// Relative Gaussian noise on gauges (0.02 = 2 %); counters are exact.
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// Probability that one scrape of one target fails (its values are NaN).
    #[serde(default = "default_missed")]
    pub missed_scrape_probability: f64,
}

fn default_noise() -> f64 {
    0.02
}
fn default_missed() -> f64 {
    0.005
}

impl Default for ScrapeSpec {
    fn default() -> Self {
        ScrapeSpec {
            noise: default_noise(),
            missed_scrape_probability: default_missed(),
        }
    }
}

/// Kind names accepted by [`RandomFaults::kinds`].
pub const FAULT_KIND_NAMES: [&str; 8] = [
    "memory_leak",
    "cpu_hog",
    "slow_node",
    "network_degradation",
    "disk_fill",
    "crash_loop",
    "dependency_failure",
    "crash",
];

impl ClusterSpec {
    /// Total number of nodes over all groups.
    pub fn node_count(&self) -> usize {
        self.nodes.iter().map(|g| g.count as usize).sum()
    }

    /// Node names in order: `{prefix}-{i}` within each group.
    pub fn node_names(&self) -> Vec<String> {
        self.nodes
            .iter()
            .flat_map(|g| (0..g.count).map(move |i| format!("{}-{i}", g.prefix)))
            .collect()
    }

    /// Checks every parameter; the error names the first bad field.
    pub fn validate(&self) -> Result<()> {
        if self.duration.as_millis() <= 0 {
            return Err(invalid(
                "duration",
                format!("{} must be positive", self.duration),
            ));
        }
        if self.step.as_millis() < 100 {
            return Err(invalid(
                "step",
                format!("{} must be at least 100ms", self.step),
            ));
        }
        let steps = self.duration.as_millis() / self.step.as_millis();
        if steps > 10_000_000 {
            return Err(invalid(
                "duration",
                format!(
                    "{} at step {} is {steps} steps; at most 10 million",
                    self.duration, self.step
                ),
            ));
        }
        if self.nodes.is_empty() || self.node_count() == 0 {
            return Err(invalid("nodes", "at least one node is needed"));
        }
        let mut names = std::collections::HashSet::new();
        for (i, g) in self.nodes.iter().enumerate() {
            let f = |name: &str| format!("nodes[{i}].{name}");
            if g.prefix.is_empty() || !names.insert(g.prefix.clone()) {
                return Err(invalid(
                    f("prefix"),
                    format!("{:?} must be non-empty and unique", g.prefix),
                ));
            }
            check_range(&f("cores"), g.cores, 0.1, 1e4)?;
            check_range(&f("memory_gib"), g.memory_gib, 0.1, 1e5)?;
            check_range(&f("disk_gib"), g.disk_gib, 0.1, 1e6)?;
            check_range(
                &f("system_memory_gib"),
                g.system_memory_gib,
                0.0,
                g.memory_gib,
            )?;
            check_range(&f("disk_used_fraction"), g.disk_used_fraction, 0.0, 0.99)?;
            check_range(
                &f("disk_growth_gib_per_day"),
                g.disk_growth_gib_per_day,
                0.0,
                1e5,
            )?;
        }
        if self.services.is_empty() {
            return Err(invalid("services", "at least one service is needed"));
        }
        let mut names = std::collections::HashSet::new();
        for (i, s) in self.services.iter().enumerate() {
            let f = |name: &str| format!("services[{i}].{name}");
            if s.name.is_empty() || !names.insert(s.name.clone()) {
                return Err(invalid(
                    f("name"),
                    format!("{:?} must be non-empty and unique", s.name),
                ));
            }
            if s.replicas == 0 || s.replicas > 10_000 {
                return Err(invalid(
                    f("replicas"),
                    format!("{} must be in 1..=10000", s.replicas),
                ));
            }
            if s.workers == 0 || s.workers > 100_000 {
                return Err(invalid(
                    f("workers"),
                    format!("{} must be in 1..=100000", s.workers),
                ));
            }
            s.service_time.validate(&f("service_time"))?;
            check_range(&f("request_rate"), s.request_rate, 0.0, 1e7)?;
            check_range(&f("memory_mib"), s.memory_mib, 0.0, 1e7)?;
            check_range(
                &f("memory_per_request_mib"),
                s.memory_per_request_mib,
                0.0,
                1e4,
            )?;
            check_range(
                &f("memory_limit_mib"),
                s.memory_limit_mib,
                s.memory_mib,
                1e7,
            )?;
            check_range(&f("request_kib"), s.request_kib, 0.0, 1e6)?;
            check_range(&f("response_kib"), s.response_kib, 0.0, 1e6)?;
            check_range(&f("base_error_rate"), s.base_error_rate, 0.0, 1.0)?;
            if s.timeout.as_millis() <= 0 {
                return Err(invalid(
                    f("timeout"),
                    format!("{} must be positive", s.timeout),
                ));
            }
            if s.restart.is_negative() {
                return Err(invalid(
                    f("restart"),
                    format!("{} must not be negative", s.restart),
                ));
            }
        }
        self.workload.validate()?;
        self.validate_faults()?;
        check_range("scrape.noise", self.scrape.noise, 0.0, 1.0)?;
        check_range(
            "scrape.missed_scrape_probability",
            self.scrape.missed_scrape_probability,
            0.0,
            1.0,
        )
    }

    fn validate_faults(&self) -> Result<()> {
        let nodes = self.node_names();
        for (i, spec) in self.faults.scheduled.iter().enumerate() {
            let f = |name: &str| format!("faults.scheduled[{i}].{name}");
            if spec.at.is_negative()
                || spec.duration.as_millis() <= 0 && spec.fault != FaultEffect::Crash
            {
                return Err(invalid(
                    f("at"),
                    format!(
                        "at {} must not be negative and duration {} must be positive",
                        spec.at, spec.duration
                    ),
                ));
            }
            spec.fault.validate(&f("fault"))?;
            let needs = spec.fault.target_kind();
            let ok = match (&spec.target, needs) {
                (Target::Node(n), TargetKind::Node) => nodes.contains(n),
                (Target::Service(s), TargetKind::Service) => self.service(s).is_some(),
                (Target::Replica { service, index }, TargetKind::Replica) => {
                    self.service(service).is_some_and(|s| *index < s.replicas)
                }
                _ => false,
            };
            if !ok {
                return Err(invalid(
                    f("target"),
                    format!(
                        "{:?} is not an existing {} (a {} fault needs one)",
                        spec.target,
                        needs.name(),
                        spec.fault.kind_name()
                    ),
                ));
            }
        }
        if let Some(random) = &self.faults.random {
            check_range("faults.random.per_day", random.per_day, 0.0, 1e4)?;
            for kind in &random.kinds {
                if !FAULT_KIND_NAMES.contains(&kind.as_str()) {
                    return Err(invalid(
                        "faults.random.kinds",
                        format!(
                            "unknown kind {kind:?}; known: {}",
                            FAULT_KIND_NAMES.join(", ")
                        ),
                    ));
                }
            }
            if random.min_duration.as_millis() <= 0 || random.max_duration < random.min_duration {
                return Err(invalid(
                    "faults.random",
                    format!(
                        "min_duration {} must be positive and at most max_duration {}",
                        random.min_duration, random.max_duration
                    ),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn service(&self, name: &str) -> Option<&ServiceSpec> {
        self.services.iter().find(|s| s.name == name)
    }
}

impl WorkloadSpec {
    fn validate(&self) -> Result<()> {
        check_range(
            "workload.diurnal_amplitude",
            self.diurnal_amplitude,
            0.0,
            0.99,
        )?;
        check_range("workload.peak_hour", self.peak_hour, 0.0, 24.0)?;
        check_range("workload.weekend_factor", self.weekend_factor, 0.0, 100.0)?;
        if let Some(b) = &self.bursts {
            check_range("workload.bursts.per_day", b.per_day, 0.0, 1e4)?;
            check_range("workload.bursts.multiplier", b.multiplier, 0.0, 1e3)?;
            if b.duration.as_millis() <= 0 {
                return Err(invalid(
                    "workload.bursts.duration",
                    format!("{} must be positive", b.duration),
                ));
            }
        }
        Ok(())
    }
}

/// What a fault needs as its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    Node,
    Service,
    Replica,
}

impl TargetKind {
    fn name(self) -> &'static str {
        match self {
            TargetKind::Node => "node",
            TargetKind::Service => "service",
            TargetKind::Replica => "replica",
        }
    }
}

impl FaultEffect {
    /// The kind's name, as in scenario files.
    pub fn kind_name(&self) -> &'static str {
        match self {
            FaultEffect::MemoryLeak { .. } => "memory_leak",
            FaultEffect::CpuHog { .. } => "cpu_hog",
            FaultEffect::SlowNode { .. } => "slow_node",
            FaultEffect::NetworkDegradation { .. } => "network_degradation",
            FaultEffect::DiskFill { .. } => "disk_fill",
            FaultEffect::CrashLoop { .. } => "crash_loop",
            FaultEffect::DependencyFailure { .. } => "dependency_failure",
            FaultEffect::Crash => "crash",
        }
    }

    pub(crate) fn target_kind(&self) -> TargetKind {
        match self {
            FaultEffect::MemoryLeak { .. } | FaultEffect::CrashLoop { .. } | FaultEffect::Crash => {
                TargetKind::Replica
            }
            FaultEffect::CpuHog { .. }
            | FaultEffect::SlowNode { .. }
            | FaultEffect::NetworkDegradation { .. }
            | FaultEffect::DiskFill { .. } => TargetKind::Node,
            FaultEffect::DependencyFailure { .. } => TargetKind::Service,
        }
    }

    fn validate(&self, field: &str) -> Result<()> {
        let f = |name: &str| format!("{field}.{name}");
        match *self {
            FaultEffect::MemoryLeak { mib_per_minute } => {
                check_range(&f("mib_per_minute"), mib_per_minute, 1e-6, 1e6)
            }
            FaultEffect::CpuHog { cores, ramp } => {
                check_range(&f("cores"), cores, 0.0, 1e4)?;
                non_negative(&f("ramp"), ramp)
            }
            FaultEffect::SlowNode { factor } => check_range(&f("factor"), factor, 1.0, 1e4),
            FaultEffect::NetworkDegradation { latency_ms, loss } => {
                check_range(&f("latency_ms"), latency_ms, 0.0, 1e6)?;
                check_range(&f("loss"), loss, 0.0, 1.0)
            }
            FaultEffect::DiskFill { gib_per_hour } => {
                check_range(&f("gib_per_hour"), gib_per_hour, 1e-6, 1e6)
            }
            FaultEffect::CrashLoop { up } => {
                if up.as_millis() <= 0 {
                    Err(invalid(f("up"), format!("{up} must be positive")))
                } else {
                    Ok(())
                }
            }
            FaultEffect::DependencyFailure {
                error_rate,
                slowdown_ms,
                ramp,
            } => {
                check_range(&f("error_rate"), error_rate, 0.0, 1.0)?;
                check_range(&f("slowdown_ms"), slowdown_ms, 0.0, 1e6)?;
                non_negative(&f("ramp"), ramp)
            }
            FaultEffect::Crash => Ok(()),
        }
    }
}

fn non_negative(field: &str, d: Duration) -> Result<()> {
    if d.is_negative() {
        Err(invalid(field, format!("{d} must not be negative")))
    } else {
        Ok(())
    }
}
