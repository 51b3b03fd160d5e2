//! The metric columns a cluster run emits, and how a scrape observes them:
//! Gaussian noise on gauges, exact counters, and missed scrapes as NaN.

use homeostat_core::{Labels, Result as CoreResult, SeriesKey, Timestamp};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::rng::SimRng;

/// Per node, in column order.
pub(crate) const NODE_METRICS: [(&str, Kind); 5] = [
    ("node_cpu_utilisation", Kind::Gauge),
    ("node_memory_used_bytes", Kind::Gauge),
    ("node_network_receive_bytes_total", Kind::Counter),
    ("node_network_transmit_bytes_total", Kind::Counter),
    ("node_disk_used_bytes", Kind::Gauge),
];

/// Per replica, in column order. `up` is Prometheus' scrape-success gauge.
pub(crate) const REPLICA_METRICS: [(&str, Kind); 4] = [
    ("http_requests_total", Kind::Counter),
    ("http_request_errors_total", Kind::Counter),
    ("process_resident_memory_bytes", Kind::Gauge),
    ("up", Kind::Up),
];

/// Per service, in column order.
pub(crate) const SERVICE_METRICS: [(&str, Kind); 5] = [
    ("http_request_duration_seconds_p50", Kind::Gauge),
    ("http_request_duration_seconds_p99", Kind::Gauge),
    ("service_queue_depth", Kind::Gauge),
    ("service_in_flight", Kind::Gauge),
    ("service_replicas_up", Kind::Exact),
];

/// How a scrape treats a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Noisy measurement, NaN when the scrape is missed.
    Gauge,
    /// Exact monotonic count (reset on restart), NaN when missed.
    Counter,
    /// Exact value, NaN when missed.
    Exact,
    /// 1 when the scrape succeeded, else 0; never NaN.
    Up,
}

/// The rows of a run, filled one scrape at a time.
#[derive(Debug)]
pub(crate) struct Recorder {
    pub(crate) columns: Vec<SeriesKey>,
    kinds: Vec<Kind>,
    pub(crate) index: Vec<Timestamp>,
    pub(crate) data: Vec<f64>,
    noise: f64,
    missed_probability: f64,
    rng: SimRng,
}

/// The raw values of one scrape target, before observation.
#[derive(Debug)]
pub(crate) struct Target<'a> {
    /// First column of the target.
    pub(crate) first: usize,
    /// True values, one per column of the target.
    pub(crate) values: &'a [f64],
    /// Whether the target answers at all (a crashed replica does not).
    pub(crate) reachable: bool,
}

impl Recorder {
    /// Columns for `nodes`, `replicas` as `(instance, service, node)` and
    /// `services`, in the layout of the constants above.
    pub(crate) fn new(
        nodes: &[String],
        replicas: &[(String, String, String)],
        services: &[String],
        noise: f64,
        missed_probability: f64,
        rng: SimRng,
        rows: usize,
    ) -> CoreResult<Self> {
        let mut columns = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |name: &str, kind: Kind, labels: Labels| -> CoreResult<()> {
            columns.push(SeriesKey::new(name)?.with_labels(labels));
            kinds.push(kind);
            Ok(())
        };
        for node in nodes {
            for (name, kind) in NODE_METRICS {
                add(name, kind, Labels::from_pairs([("node", node.as_str())])?)?;
            }
        }
        for (instance, service, node) in replicas {
            let labels = Labels::from_pairs([
                ("instance", instance.as_str()),
                ("service", service.as_str()),
                ("node", node.as_str()),
            ])?;
            for (name, kind) in REPLICA_METRICS {
                add(name, kind, labels.clone())?;
            }
        }
        for service in services {
            for (name, kind) in SERVICE_METRICS {
                add(
                    name,
                    kind,
                    Labels::from_pairs([("service", service.as_str())])?,
                )?;
            }
        }
        let ncols = columns.len();
        Ok(Recorder {
            columns,
            kinds,
            index: Vec::with_capacity(rows),
            data: Vec::with_capacity(rows.saturating_mul(ncols)),
            noise,
            missed_probability,
            rng,
        })
    }

    /// Starts the row stamped `t`; the caller then observes every target.
    pub(crate) fn begin_row(&mut self, t: Timestamp) {
        self.index.push(t);
        let width = self.columns.len();
        self.data.resize(self.data.len() + width, f64::NAN);
    }

    /// Observes one target into the current row.
    pub(crate) fn observe(&mut self, target: Target<'_>) {
        let missed = !target.reachable
            || (self.missed_probability > 0.0 && self.rng.r#gen::<f64>() < self.missed_probability);
        let row_start = self.data.len() - self.columns.len();
        for (offset, &value) in target.values.iter().enumerate() {
            let column = target.first + offset;
            let observed = match self.kinds[column] {
                Kind::Up => {
                    if missed {
                        0.0
                    } else {
                        1.0
                    }
                }
                _ if missed => f64::NAN,
                Kind::Gauge if self.noise > 0.0 => {
                    let z: f64 = StandardNormal.sample(&mut self.rng);
                    (value * (1.0 + self.noise * z)).max(0.0)
                }
                _ => value,
            };
            self.data[row_start + column] = observed;
        }
    }
}
