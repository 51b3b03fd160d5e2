//! Labelled fault intervals and the queries fault predictors need.

use std::fmt;
use std::ops::RangeBounds;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::time::{Duration, Timestamp, positions_in_range};

/// What went wrong.
///
/// `Display` and `FromStr` use snake case (`memory_leak`); any other text
/// parses as [`FaultKind::Other`].
///
/// ```
/// use homeostat_core::FaultKind;
/// assert_eq!("memory_leak".parse::<FaultKind>()?, FaultKind::MemoryLeak);
/// assert_eq!(FaultKind::Other("gc_storm".into()).to_string(), "gc_storm");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(into = "String", from = "String"))]
#[non_exhaustive]
pub enum FaultKind {
    /// Memory grows until the process is killed (OOM) and restarts.
    MemoryLeak,
    /// A process or neighbour takes CPU from the service.
    CpuHog,
    /// A node serves everything k times slower.
    SlowNode,
    /// Added network latency and packet loss.
    NetworkDegradation,
    /// A disk fills up.
    DiskFull,
    /// A process crashes repeatedly right after starting.
    CrashLoop,
    /// A dependency fails, so requests error.
    DependencyFailure,
    /// A sudden crash without precursors.
    Crash,
    /// An anomaly of unspecified cause (for example a labelled benchmark window).
    Anomaly,
    /// Any other kind, by name.
    Other(String),
}

impl FaultKind {
    /// The snake-case name.
    ///
    /// ```
    /// assert_eq!(homeostat_core::FaultKind::CpuHog.as_str(), "cpu_hog");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            FaultKind::MemoryLeak => "memory_leak",
            FaultKind::CpuHog => "cpu_hog",
            FaultKind::SlowNode => "slow_node",
            FaultKind::NetworkDegradation => "network_degradation",
            FaultKind::DiskFull => "disk_full",
            FaultKind::CrashLoop => "crash_loop",
            FaultKind::DependencyFailure => "dependency_failure",
            FaultKind::Crash => "crash",
            FaultKind::Anomaly => "anomaly",
            FaultKind::Other(name) => name,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for FaultKind {
    fn from(name: String) -> Self {
        match name.as_str() {
            "memory_leak" => FaultKind::MemoryLeak,
            "cpu_hog" => FaultKind::CpuHog,
            "slow_node" => FaultKind::SlowNode,
            "network_degradation" => FaultKind::NetworkDegradation,
            "disk_full" => FaultKind::DiskFull,
            "crash_loop" => FaultKind::CrashLoop,
            "dependency_failure" => FaultKind::DependencyFailure,
            "crash" => FaultKind::Crash,
            "anomaly" => FaultKind::Anomaly,
            _ => FaultKind::Other(name),
        }
    }
}

impl From<FaultKind> for String {
    fn from(kind: FaultKind) -> Self {
        kind.as_str().to_owned()
    }
}

impl FromStr for FaultKind {
    type Err = Error;
    /// Never fails; unknown names become [`FaultKind::Other`].
    fn from_str(s: &str) -> Result<Self> {
        Ok(FaultKind::from(s.to_owned()))
    }
}

/// Where a fault happened.
///
/// Text form: `cluster`, `node:<name>`, `service:<name>`, or
/// `replica:<service>@<node>`.
///
/// ```
/// use homeostat_core::Scope;
/// let scope: Scope = "replica:api@n3".parse()?;
/// assert!(scope.involves_node("n3") && scope.involves_service("api"));
/// assert_eq!(scope.to_string(), "replica:api@n3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Scope {
    /// The whole cluster.
    Cluster,
    /// One node (machine).
    Node(String),
    /// Every replica of one service.
    Service(String),
    /// One replica: a service on a node.
    Replica {
        /// The service.
        service: String,
        /// The node it runs on.
        node: String,
    },
}

impl Scope {
    /// Whether the fault touches node `node` (a cluster-wide fault touches all).
    ///
    /// ```
    /// use homeostat_core::Scope;
    /// assert!(Scope::Cluster.involves_node("n1"));
    /// assert!(!Scope::Service("api".into()).involves_node("n1"));
    /// ```
    pub fn involves_node(&self, node: &str) -> bool {
        match self {
            Scope::Cluster => true,
            Scope::Node(n) | Scope::Replica { node: n, .. } => n == node,
            Scope::Service(_) => false,
        }
    }

    /// Whether the fault touches service `service` (a cluster-wide fault touches all).
    ///
    /// ```
    /// use homeostat_core::Scope;
    /// assert!(Scope::Service("api".into()).involves_service("api"));
    /// assert!(!Scope::Node("n1".into()).involves_service("api"));
    /// ```
    pub fn involves_service(&self, service: &str) -> bool {
        match self {
            Scope::Cluster => true,
            Scope::Service(s) | Scope::Replica { service: s, .. } => s == service,
            Scope::Node(_) => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Cluster => f.write_str("cluster"),
            Scope::Node(n) => write!(f, "node:{n}"),
            Scope::Service(s) => write!(f, "service:{s}"),
            Scope::Replica { service, node } => write!(f, "replica:{service}@{node}"),
        }
    }
}

impl FromStr for Scope {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let fail = |reason: &str| Error::Parse {
            what: "fault scope".into(),
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        if input == "cluster" {
            return Ok(Scope::Cluster);
        }
        let (kind, name) = input
            .split_once(':')
            .ok_or_else(|| fail("expected cluster, node:N, service:S or replica:S@N"))?;
        if name.is_empty() {
            return Err(fail("empty name"));
        }
        match kind {
            "node" => Ok(Scope::Node(name.to_owned())),
            "service" => Ok(Scope::Service(name.to_owned())),
            "replica" => match name.rsplit_once('@') {
                Some((service, node)) if !service.is_empty() && !node.is_empty() => {
                    Ok(Scope::Replica {
                        service: service.to_owned(),
                        node: node.to_owned(),
                    })
                }
                _ => Err(fail("a replica is written replica:SERVICE@NODE")),
            },
            _ => Err(fail("scope kind must be node, service or replica")),
        }
    }
}

/// One labelled fault: a kind, a scope and the half-open interval
/// `[start, end)` during which it was active.
///
/// ```
/// use homeostat_core::{Fault, FaultKind, Scope, Timestamp};
/// let f = Fault::new(FaultKind::SlowNode, Timestamp::from_secs(15), Timestamp::from_secs(45),
///                    Scope::Node("b3".into()))?;
/// assert!(f.contains(Timestamp::from_secs(15)) && !f.contains(Timestamp::from_secs(45)));
/// assert!(Fault::new(FaultKind::Crash, Timestamp::from_secs(5), Timestamp::from_secs(5),
///                    Scope::Cluster).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Fault {
    start: Timestamp,
    end: Timestamp,
    kind: FaultKind,
    scope: Scope,
}

impl Fault {
    /// A fault active over `[start, end)`; `end` must be after `start`.
    ///
    /// ```
    /// use homeostat_core::{Error, Fault, FaultKind, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// assert!(Fault::new(FaultKind::DiskFull, t(0), t(60), Scope::Node("n1".into())).is_ok());
    /// let err = Fault::new(FaultKind::DiskFull, t(60), t(0), Scope::Cluster).unwrap_err();
    /// assert!(matches!(err, Error::InvalidInterval { .. }));
    /// ```
    pub fn new(kind: FaultKind, start: Timestamp, end: Timestamp, scope: Scope) -> Result<Self> {
        if end <= start {
            return Err(Error::InvalidInterval { start, end });
        }
        Ok(Fault {
            start,
            end,
            kind,
            scope,
        })
    }

    /// What went wrong.
    ///
    /// ```
    /// # use homeostat_core::{Fault, FaultKind, Scope, Timestamp};
    /// let f = Fault::new(FaultKind::Crash, Timestamp::from_secs(0), Timestamp::from_secs(1), Scope::Cluster)?;
    /// assert_eq!(f.kind(), &FaultKind::Crash);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }

    /// When it started (inclusive).
    ///
    /// ```
    /// # use homeostat_core::{Fault, FaultKind, Scope, Timestamp};
    /// let f = Fault::new(FaultKind::Crash, Timestamp::from_secs(0), Timestamp::from_secs(1), Scope::Cluster)?;
    /// assert_eq!(f.start(), Timestamp::from_secs(0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// When it ended (exclusive).
    ///
    /// ```
    /// # use homeostat_core::{Fault, FaultKind, Scope, Timestamp};
    /// let f = Fault::new(FaultKind::Crash, Timestamp::from_secs(0), Timestamp::from_secs(1), Scope::Cluster)?;
    /// assert_eq!(f.end(), Timestamp::from_secs(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn end(&self) -> Timestamp {
        self.end
    }

    /// How long it lasted.
    ///
    /// ```
    /// # use homeostat_core::{Duration, Fault, FaultKind, Scope, Timestamp};
    /// let f = Fault::new(FaultKind::Crash, Timestamp::from_secs(0), Timestamp::from_secs(90), Scope::Cluster)?;
    /// assert_eq!(f.duration(), Duration::from_secs(90));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn duration(&self) -> Duration {
        self.end.since(self.start)
    }

    /// Where it happened.
    ///
    /// ```
    /// # use homeostat_core::{Fault, FaultKind, Scope, Timestamp};
    /// let f = Fault::new(FaultKind::Crash, Timestamp::from_secs(0), Timestamp::from_secs(1), Scope::Cluster)?;
    /// assert_eq!(f.scope(), &Scope::Cluster);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether `t` is inside `[start, end)`.
    ///
    /// ```
    /// # use homeostat_core::{Fault, FaultKind, Scope, Timestamp};
    /// let f = Fault::new(FaultKind::Crash, Timestamp::from_secs(0), Timestamp::from_secs(1), Scope::Cluster)?;
    /// assert!(f.contains(Timestamp::from_millis(999)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Fault {
    /// Deserialising validates like [`Fault::new`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            start: Timestamp,
            end: Timestamp,
            kind: FaultKind,
            scope: Scope,
        }
        let raw = Raw::deserialize(deserializer)?;
        Fault::new(raw.kind, raw.start, raw.end, raw.scope).map_err(serde::de::Error::custom)
    }
}

/// Ground truth for fault prediction: a set of [`Fault`]s, kept sorted by
/// start, answering the questions a predictor asks of each time `t`.
///
/// - [`is_faulty`](FaultLabels::is_faulty): is `t` inside any fault (O(log n));
/// - [`starts_within`](FaultLabels::starts_within): does a fault start in
///   `(t, t + h]`, the target of "predict the fault h ahead" (O(log n));
/// - [`overlapping`](FaultLabels::overlapping) and
///   [`starting_in`](FaultLabels::starting_in): the events in a time range.
///
/// Faults may overlap. Use [`FaultLabels::filter`] to restrict to a scope or
/// kind before asking.
///
/// ```
/// use homeostat_core::{Duration, Fault, FaultKind, FaultLabels, Scope, Timestamp};
///
/// let t = Timestamp::from_secs;
/// let labels = FaultLabels::new(vec![
///     Fault::new(FaultKind::MemoryLeak, t(600), t(900), Scope::Node("n1".into()))?,
///     Fault::new(FaultKind::Crash, t(100), t(130), Scope::Service("api".into()))?,
/// ])?;
/// assert!(labels.is_faulty(t(120)));
/// assert!(!labels.is_faulty(t(300)));
/// assert!(labels.starts_within(t(300), Duration::from_minutes(5)));  // the leak at 600 s
/// assert!(!labels.starts_within(t(250), Duration::from_minutes(5)));
/// assert_eq!(labels.overlapping(t(0)..t(200)).count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FaultLabels {
    /// Sorted by `(start, end, kind, scope)`.
    faults: Vec<Fault>,
    /// `latest_end[i]` is the latest end among `faults[..=i]`, so "is any
    /// fault active at t" is one binary search.
    #[cfg_attr(feature = "serde", serde(skip))]
    latest_end: Vec<Timestamp>,
}

impl FaultLabels {
    /// Labels from a list of faults, in any order.
    ///
    /// Returns `Result` so that later validation (for example of overlapping
    /// faults of one scope) stays a compatible change; today every list of
    /// valid [`Fault`]s is accepted.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![
    ///     Fault::new(FaultKind::Crash, t(50), t(60), Scope::Cluster)?,
    ///     Fault::new(FaultKind::Crash, t(10), t(20), Scope::Cluster)?,
    /// ])?;
    /// assert_eq!(labels.faults()[0].start(), t(10)); // sorted by start
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(mut faults: Vec<Fault>) -> Result<Self> {
        faults.sort();
        let latest_end = faults
            .iter()
            .scan(Timestamp::MIN, |latest, f| {
                *latest = (*latest).max(f.end);
                Some(*latest)
            })
            .collect();
        Ok(FaultLabels { faults, latest_end })
    }

    /// The faults, sorted by start.
    ///
    /// ```
    /// assert!(homeostat_core::FaultLabels::default().faults().is_empty());
    /// ```
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Number of faults.
    ///
    /// ```
    /// assert_eq!(homeostat_core::FaultLabels::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.faults.len()
    }

    /// Whether there are no faults.
    ///
    /// ```
    /// assert!(homeostat_core::FaultLabels::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// Adds a fault, keeping the order.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let mut labels = FaultLabels::default();
    /// labels.insert(Fault::new(FaultKind::Crash, Timestamp::from_secs(1), Timestamp::from_secs(2), Scope::Cluster)?);
    /// assert!(labels.is_faulty(Timestamp::from_secs(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&mut self, fault: Fault) {
        let position = self.faults.partition_point(|f| *f <= fault);
        self.faults.insert(position, fault);
        // Only the running maxima from the new position on can change.
        self.latest_end.truncate(position);
        let mut latest = self.latest_end.last().copied().unwrap_or(Timestamp::MIN);
        for f in &self.faults[position..] {
            latest = latest.max(f.end);
            self.latest_end.push(latest);
        }
    }

    /// Whether `t` lies inside any fault.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(10), t(20), Scope::Cluster)?])?;
    /// assert!(labels.is_faulty(t(10)) && !labels.is_faulty(t(20)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_faulty(&self, t: Timestamp) -> bool {
        let started = self.faults.partition_point(|f| f.start <= t);
        started > 0 && self.latest_end[started - 1] > t
    }

    /// The faults active at `t`.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![
    ///     Fault::new(FaultKind::CpuHog, t(0), t(10), Scope::Node("a".into()))?,
    ///     Fault::new(FaultKind::SlowNode, t(5), t(20), Scope::Node("b".into()))?,
    /// ])?;
    /// assert_eq!(labels.active_at(t(7)).count(), 2);
    /// assert_eq!(labels.active_at(t(15)).count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn active_at(&self, t: Timestamp) -> impl Iterator<Item = &Fault> + '_ {
        let started = self.faults.partition_point(|f| f.start <= t);
        self.faults[..started].iter().filter(move |f| f.end > t)
    }

    /// Whether some fault starts in `(t, t + horizon]`: the label of the
    /// sample at `t` for "predict a fault within `horizon`". A fault starting
    /// exactly at `t` does not count, since it can no longer be predicted.
    ///
    /// ```
    /// use homeostat_core::{Duration, Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(60), t(70), Scope::Cluster)?])?;
    /// let h = Duration::from_secs(30);
    /// assert!(labels.starts_within(t(30), h));   // 60 is in (30, 60]
    /// assert!(!labels.starts_within(t(29), h));  // 60 is not in (29, 59]
    /// assert!(!labels.starts_within(t(60), h));  // already started
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn starts_within(&self, t: Timestamp, horizon: Duration) -> bool {
        self.next_start_after(t)
            .is_some_and(|f| f.start <= t + horizon)
    }

    /// The first fault that starts strictly after `t` (the one a prediction at
    /// `t` could warn about), for lead-time measurements.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(60), t(61), Scope::Cluster)?])?;
    /// assert_eq!(labels.next_start_after(t(0)).map(|f| f.start()), Some(t(60)));
    /// assert!(labels.next_start_after(t(60)).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_start_after(&self, t: Timestamp) -> Option<&Fault> {
        let first = self.faults.partition_point(|f| f.start <= t);
        self.faults.get(first)
    }

    /// The faults whose start lies in `range`.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(60), t(61), Scope::Cluster)?])?;
    /// assert_eq!(labels.starting_in(t(0)..t(60)).count(), 0);
    /// assert_eq!(labels.starting_in(t(0)..=t(60)).count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn starting_in(
        &self,
        range: impl RangeBounds<Timestamp>,
    ) -> impl Iterator<Item = &Fault> + '_ {
        let positions = positions_in_range(&self.faults, |f| f.start, range);
        self.faults[positions].iter()
    }

    /// The faults that are active at some instant of the half-open range
    /// `[from, to)`.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(60), t(90), Scope::Cluster)?])?;
    /// assert_eq!(labels.overlapping(t(80)..t(100)).count(), 1);
    /// assert_eq!(labels.overlapping(t(90)..t(100)).count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overlapping(
        &self,
        range: std::ops::Range<Timestamp>,
    ) -> impl Iterator<Item = &Fault> + '_ {
        let started = self.faults.partition_point(|f| f.start < range.end);
        self.faults[..started]
            .iter()
            .filter(move |f| f.end > range.start)
    }

    /// The labels restricted to the faults for which `keep` is true, for
    /// example one scope or one kind.
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![
    ///     Fault::new(FaultKind::CpuHog, t(0), t(10), Scope::Node("a".into()))?,
    ///     Fault::new(FaultKind::SlowNode, t(5), t(20), Scope::Node("b".into()))?,
    /// ])?;
    /// let on_a = labels.filter(|f| f.scope().involves_node("a"));
    /// assert_eq!(on_a.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn filter(&self, mut keep: impl FnMut(&Fault) -> bool) -> FaultLabels {
        let kept = self.faults.iter().filter(|f| keep(f)).cloned().collect();
        FaultLabels::new(kept).unwrap_or_default()
    }

    /// For each timestamp of `index`, whether it lies inside a fault
    /// (a "currently faulty" target vector).
    ///
    /// ```
    /// use homeostat_core::{Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(10), t(20), Scope::Cluster)?])?;
    /// assert_eq!(labels.faulty_targets(&[t(0), t(10), t(20)]), vec![false, true, false]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn faulty_targets(&self, index: &[Timestamp]) -> Vec<bool> {
        index.iter().map(|&t| self.is_faulty(t)).collect()
    }

    /// For each timestamp of `index`, whether a fault starts within `horizon`
    /// after it (the target vector of fault prediction).
    ///
    /// ```
    /// use homeostat_core::{Duration, Fault, FaultKind, FaultLabels, Scope, Timestamp};
    /// let t = Timestamp::from_secs;
    /// let labels = FaultLabels::new(vec![Fault::new(FaultKind::Crash, t(30), t(40), Scope::Cluster)?])?;
    /// let index = [t(0), t(10), t(20), t(30)];
    /// assert_eq!(labels.horizon_targets(&index, Duration::from_secs(15)),
    ///            vec![false, false, true, false]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn horizon_targets(&self, index: &[Timestamp], horizon: Duration) -> Vec<bool> {
        index
            .iter()
            .map(|&t| self.starts_within(t, horizon))
            .collect()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for FaultLabels {
    /// Rebuilds the search index after reading the faults.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            faults: Vec<Fault>,
        }
        let raw = Raw::deserialize(deserializer)?;
        FaultLabels::new(raw.faults).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fault(start: i64, end: i64) -> Fault {
        Fault::new(
            FaultKind::Crash,
            Timestamp::from_millis(start),
            Timestamp::from_millis(end),
            Scope::Cluster,
        )
        .unwrap()
    }

    #[test]
    fn kinds_round_trip_through_text() {
        for kind in [
            FaultKind::MemoryLeak,
            FaultKind::CpuHog,
            FaultKind::SlowNode,
            FaultKind::NetworkDegradation,
            FaultKind::DiskFull,
            FaultKind::CrashLoop,
            FaultKind::DependencyFailure,
            FaultKind::Crash,
            FaultKind::Anomaly,
            FaultKind::Other("gc_storm".into()),
        ] {
            assert_eq!(kind.to_string().parse::<FaultKind>().unwrap(), kind);
        }
    }

    #[test]
    fn scopes_round_trip_and_reject_malformed_text() {
        for scope in [
            Scope::Cluster,
            Scope::Node("n1".into()),
            Scope::Service("api".into()),
            Scope::Replica {
                service: "api".into(),
                node: "n1".into(),
            },
        ] {
            assert_eq!(scope.to_string().parse::<Scope>().unwrap(), scope);
        }
        for bad in [
            "",
            "node",
            "node:",
            "pod:x",
            "replica:api",
            "replica:@n1",
            "replica:api@",
        ] {
            assert!(
                matches!(bad.parse::<Scope>(), Err(Error::Parse { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_long_fault_hides_no_later_short_one() {
        // The prefix maximum of ends must see through a short fault that
        // starts later but ends earlier.
        let labels = FaultLabels::new(vec![fault(0, 100), fault(10, 20)]).unwrap();
        assert!(labels.is_faulty(Timestamp::from_millis(50)));
        assert!(!labels.is_faulty(Timestamp::from_millis(100)));
    }

    #[test]
    fn empty_labels_answer_no() {
        let labels = FaultLabels::default();
        assert!(!labels.is_faulty(Timestamp::EPOCH));
        assert!(!labels.starts_within(Timestamp::EPOCH, Duration::from_days(1)));
        assert_eq!(
            labels.overlapping(Timestamp::MIN..Timestamp::MAX).count(),
            0
        );
    }

    #[test]
    fn horizon_saturates_instead_of_overflowing() {
        let labels = FaultLabels::new(vec![fault(i64::MAX - 1, i64::MAX)]).unwrap();
        assert!(labels.starts_within(Timestamp::from_millis(0), Duration::from_millis(i64::MAX)));
    }

    fn arb_faults() -> impl Strategy<Value = Vec<Fault>> {
        prop::collection::vec((0i64..1000, 1i64..200), 0..30).prop_map(|spans| {
            spans
                .into_iter()
                .map(|(start, len)| fault(start, start + len))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn queries_agree_with_brute_force(faults in arb_faults(), t in -10i64..1300, h in 0i64..300) {
            let labels = FaultLabels::new(faults.clone()).unwrap();
            let t = Timestamp::from_millis(t);
            let h = Duration::from_millis(h);
            prop_assert_eq!(labels.is_faulty(t), faults.iter().any(|f| f.contains(t)));
            prop_assert_eq!(labels.active_at(t).count(), faults.iter().filter(|f| f.contains(t)).count());
            prop_assert_eq!(
                labels.starts_within(t, h),
                faults.iter().any(|f| f.start() > t && f.start() <= t + h)
            );
            let (a, b) = (t, t + h);
            prop_assert_eq!(
                labels.overlapping(a..b).count(),
                faults.iter().filter(|f| f.start() < b && f.end() > a).count()
            );
            prop_assert_eq!(
                labels.starting_in(a..b).count(),
                faults.iter().filter(|f| f.start() >= a && f.start() < b).count()
            );
        }

        #[test]
        fn insertion_order_does_not_matter(mut faults in arb_faults()) {
            let forward = FaultLabels::new(faults.clone()).unwrap();
            faults.reverse();
            let mut inserted = FaultLabels::default();
            for f in faults {
                inserted.insert(f);
            }
            prop_assert_eq!(forward, inserted);
        }
    }
}
