//! The cluster model, advanced one scrape step at a time.
//!
//! Each step, for every replica: Poisson arrivals at its share of the
//! service's demand; a multi-server FCFS queue whose servers are the
//! replica's workers and whose service rate falls when the node's CPU is
//! oversubscribed (processor sharing of the cores among everything on the
//! node) or slowed by a fault. A backlog carries over between steps when
//! arrivals exceed capacity; below capacity the waiting time follows the
//! M/M/c steady state (Erlang C), scaled by the Allen–Cunneen factor for the
//! service-time variability. Latencies are sampled per request from that
//! model, so percentiles, timeouts and errors respond to load the way a real
//! service's do.

use homeostat_core::{Fault, FaultKind, FaultLabels, Frame, Scope, Timestamp};
use ndarray::Array2;
use rand::Rng;
use rand_distr::{Binomial, Distribution, Exp1, Poisson};

use super::faults::{PlannedFault, ResolvedTarget, place_replicas, plan_faults};
use super::metrics::{NODE_METRICS, REPLICA_METRICS, Recorder, SERVICE_METRICS, Target};
use super::spec::{ClusterSpec, FaultEffect, ServiceSpec};
use super::workload::DemandShape;
use crate::error::Result;
use crate::queueing::{allen_cunneen_factor, erlang_c};
use crate::rng::{SimRng, label, stream};

/// Latency samples per service per step, shared among replicas by traffic.
const SAMPLES_PER_SERVICE: usize = 200;
/// Fraction of requests failing on a node whose disk is full.
const DISK_FULL_ERROR_RATE: f64 = 0.5;
const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;

/// The outcome of a cluster simulation.
#[derive(Debug, Clone)]
pub struct ClusterRun {
    /// Every metric at every scrape (see the crate docs for the columns).
    pub frame: Frame,
    /// Ground truth: when and where the cluster was impaired.
    pub labels: FaultLabels,
    /// Totals of what happened.
    pub stats: RunStats,
}

/// Totals of a cluster run, from the model's ground truth.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunStats {
    /// Scrape steps simulated.
    pub steps: usize,
    /// Faults injected (scheduled and random).
    pub faults_injected: usize,
    /// Replicas killed for exceeding a memory limit.
    pub oom_kills: usize,
    /// Replica crashes (crash and crash-loop faults).
    pub crashes: usize,
    /// Requests that reached a replica.
    pub requests: u64,
    /// Of those, requests that failed (errors, timeouts, rejections).
    pub errors: u64,
    /// Requests that found no healthy replica.
    pub unserved: u64,
    /// Demand bursts drawn.
    pub bursts: usize,
}

/// Runs the scenario. Same spec and seed, same output, bit for bit.
///
/// ```
/// use homeostat_core::Duration;
/// use homeostat_sim::cluster::{simulate, ClusterSpec};
///
/// let mut spec = ClusterSpec::leak();
/// spec.duration = Duration::from_hours(3);
/// let run = simulate(&spec, 7)?;
/// assert_eq!(run.frame.nrows(), 3 * 360);
/// assert!(run.stats.oom_kills >= 1);               // the leak ends in an OOM kill
/// assert!(!run.labels.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simulate(spec: &ClusterSpec, seed: u64) -> Result<ClusterRun> {
    spec.validate()?;
    Engine::new(spec, seed)?.run()
}

struct NodeState {
    name: String,
    cores: f64,
    memory_mib: f64,
    system_mib: f64,
    disk_gib: f64,
    disk_base_gib: f64,
    disk_fill_gib: f64,
    disk_growth_gib_per_ms: f64,
    disk_full: bool,
    rx_bytes: f64,
    tx_bytes: f64,
}

struct ReplicaState {
    service: usize,
    node: usize,
    up: bool,
    down_until: i64,
    up_since: i64,
    backlog: f64,
    leak_mib: f64,
    memory_mib: f64,
    in_flight: f64,
    queue_depth: f64,
    requests_total: u64,
    errors_total: u64,
    rng: SimRng,
}

/// Fault effects in force during one step.
#[derive(Default)]
struct Effects {
    hog_cores: Vec<f64>,
    slowdown: Vec<f64>,
    net_ms: Vec<f64>,
    net_loss: Vec<f64>,
    disk_fill_gib_per_ms: Vec<f64>,
    disk_fill_end: Vec<i64>,
    dep_ms: Vec<f64>,
    dep_error: Vec<f64>,
    leak_mib_per_ms: Vec<f64>,
    crash_loop_up_ms: Vec<Option<i64>>,
    crash_now: Vec<bool>,
}

impl Effects {
    fn reset(&mut self, nodes: usize, services: usize, replicas: usize) {
        let fill = |v: &mut Vec<f64>, n: usize, x: f64| {
            v.clear();
            v.resize(n, x);
        };
        fill(&mut self.hog_cores, nodes, 0.0);
        fill(&mut self.slowdown, nodes, 1.0);
        fill(&mut self.net_ms, nodes, 0.0);
        fill(&mut self.net_loss, nodes, 0.0);
        fill(&mut self.disk_fill_gib_per_ms, nodes, 0.0);
        self.disk_fill_end.clear();
        self.disk_fill_end.resize(nodes, i64::MIN);
        fill(&mut self.dep_ms, services, 0.0);
        fill(&mut self.dep_error, services, 0.0);
        fill(&mut self.leak_mib_per_ms, replicas, 0.0);
        self.crash_loop_up_ms.clear();
        self.crash_loop_up_ms.resize(replicas, None);
        self.crash_now.clear();
        self.crash_now.resize(replicas, false);
    }
}

struct Engine<'a> {
    spec: &'a ClusterSpec,
    step_ms: i64,
    end_ms: i64,
    nodes: Vec<NodeState>,
    replicas: Vec<ReplicaState>,
    faults: Vec<PlannedFault>,
    labels: Vec<Fault>,
    shape: DemandShape,
    recorder: Recorder,
    effects: Effects,
    stats: RunStats,
    samples: Vec<f64>,
}

/// What one replica did in one step, before latencies are sampled.
struct ReplicaStep {
    replica: usize,
    served: u64,
    rejected: u64,
    /// Deterministic part of the wait: draining the backlog.
    wait_base: f64,
    /// Probability of waiting in steady state, and the tail rate of that wait.
    wait_prob: f64,
    wait_rate: f64,
    /// Multiplier on the service-time draw (CPU contention and slow nodes).
    cpu_scale: f64,
    /// Added latency (dependency and network), seconds.
    extra: f64,
    error_prob: f64,
}

impl<'a> Engine<'a> {
    fn new(spec: &'a ClusterSpec, seed: u64) -> Result<Self> {
        let node_names = spec.node_names();
        let mut nodes = Vec::new();
        for group in &spec.nodes {
            for i in 0..group.count {
                nodes.push(NodeState {
                    name: format!("{}-{i}", group.prefix),
                    cores: group.cores,
                    memory_mib: group.memory_gib * 1024.0,
                    system_mib: group.system_memory_gib * 1024.0,
                    disk_gib: group.disk_gib,
                    disk_base_gib: group.disk_gib * group.disk_used_fraction,
                    disk_fill_gib: 0.0,
                    disk_growth_gib_per_ms: group.disk_growth_gib_per_day / 86_400_000.0,
                    disk_full: false,
                    rx_bytes: 0.0,
                    tx_bytes: 0.0,
                });
            }
        }
        let placement = place_replicas(spec);
        let start = spec.start.as_millis();
        let replicas: Vec<ReplicaState> = placement
            .iter()
            .enumerate()
            .map(|(i, &(service, _, node))| ReplicaState {
                service,
                node,
                up: true,
                down_until: start,
                up_since: start,
                backlog: 0.0,
                leak_mib: 0.0,
                memory_mib: spec.services[service].memory_mib,
                in_flight: 0.0,
                queue_depth: 0.0,
                requests_total: 0,
                errors_total: 0,
                rng: stream(seed, label::REPLICA + i as u64),
            })
            .collect();
        let replica_names: Vec<(String, String, String)> = placement
            .iter()
            .map(|&(s, r, n)| {
                let service = &spec.services[s].name;
                (
                    format!("{service}-{r}"),
                    service.clone(),
                    node_names[n].clone(),
                )
            })
            .collect();
        let service_names: Vec<String> = spec.services.iter().map(|s| s.name.clone()).collect();
        let step_ms = spec.step.as_millis();
        let steps = (spec.duration.as_millis() / step_ms) as usize;
        let end_ms = start.saturating_add(steps as i64 * step_ms);
        let faults = plan_faults(spec, &placement, &mut stream(seed, label::FAULT_SCHEDULE));
        let shape = DemandShape::new(
            &spec.workload,
            spec.start,
            spec.duration,
            &mut stream(seed, label::WORKLOAD),
        );
        let recorder = Recorder::new(
            &node_names,
            &replica_names,
            &service_names,
            spec.scrape.noise,
            spec.scrape.missed_scrape_probability,
            stream(seed, label::SCRAPE),
            steps,
        )?;
        let stats = RunStats {
            steps,
            faults_injected: faults.len(),
            bursts: shape.burst_count(),
            ..RunStats::default()
        };
        let mut engine = Engine {
            spec,
            step_ms,
            end_ms,
            nodes,
            replicas,
            faults,
            labels: Vec::new(),
            shape,
            recorder,
            effects: Effects::default(),
            stats,
            samples: Vec::with_capacity(SAMPLES_PER_SERVICE * 2),
        };
        engine.label_interval_faults(&service_names)?;
        Ok(engine)
    }

    /// Labels the faults whose impact window is known up front.
    fn label_interval_faults(&mut self, service_names: &[String]) -> Result<()> {
        for f in &self.faults {
            let (kind, impact_start) = match f.effect {
                FaultEffect::CpuHog { ramp, .. } => {
                    (FaultKind::CpuHog, f.start_ms + ramp.as_millis())
                }
                FaultEffect::SlowNode { .. } => (FaultKind::SlowNode, f.start_ms),
                FaultEffect::NetworkDegradation { .. } => {
                    (FaultKind::NetworkDegradation, f.start_ms)
                }
                FaultEffect::CrashLoop { .. } => (FaultKind::CrashLoop, f.start_ms),
                FaultEffect::DependencyFailure { ramp, .. } => {
                    (FaultKind::DependencyFailure, f.start_ms + ramp.as_millis())
                }
                // Leaks, full disks and crashes are labelled when they strike.
                _ => continue,
            };
            let scope = self.scope_of(f.target, service_names);
            push_label(
                &mut self.labels,
                kind,
                impact_start,
                f.end_ms.min(self.end_ms),
                scope,
            )?;
        }
        Ok(())
    }

    fn scope_of(&self, target: ResolvedTarget, service_names: &[String]) -> Scope {
        match target {
            ResolvedTarget::Node(n) => Scope::Node(self.nodes[n].name.clone()),
            ResolvedTarget::Service(s) => Scope::Service(service_names[s].clone()),
            ResolvedTarget::Replica(r) => self.replica_scope(r),
        }
    }

    fn replica_scope(&self, r: usize) -> Scope {
        let replica = &self.replicas[r];
        Scope::Replica {
            service: self.spec.services[replica.service].name.clone(),
            node: self.nodes[replica.node].name.clone(),
        }
    }

    fn run(mut self) -> Result<ClusterRun> {
        let start = self.spec.start.as_millis();
        for i in 0..self.stats.steps {
            let t0 = start + i as i64 * self.step_ms;
            self.step(t0)?;
        }
        let ncols = self.recorder.columns.len();
        let rows = self.recorder.index.len();
        let values = Array2::from_shape_vec((rows, ncols), std::mem::take(&mut self.recorder.data))
            .map_err(|e| crate::error::invalid("frame", e.to_string()))?;
        let frame = Frame::new(
            std::mem::take(&mut self.recorder.index),
            std::mem::take(&mut self.recorder.columns),
            values,
        )?;
        Ok(ClusterRun {
            frame,
            labels: FaultLabels::new(self.labels)?,
            stats: self.stats,
        })
    }

    fn step(&mut self, t0: i64) -> Result<()> {
        let t1 = t0 + self.step_ms;
        self.apply_faults(t0, t1);
        self.restart_and_crash(t0)?;
        let demand = self.shape.factor(t0 + self.step_ms / 2);
        let (cpu_demand, replica_demand) = self.cpu_demand(demand);
        let contention = self.contention(&cpu_demand, &replica_demand);
        let mut service_gauges = Vec::with_capacity(self.spec.services.len());
        for s in 0..self.spec.services.len() {
            service_gauges.push(self.serve(s, demand, &contention)?);
        }
        self.update_memory(t1)?;
        self.update_disks(t1)?;
        self.record(t1, &cpu_demand, &service_gauges);
        Ok(())
    }

    /// Collects the effects of the faults active in `[t0, t1)`.
    fn apply_faults(&mut self, t0: i64, t1: i64) {
        let (n, s, r) = (
            self.nodes.len(),
            self.spec.services.len(),
            self.replicas.len(),
        );
        self.effects.reset(n, s, r);
        let e = &mut self.effects;
        for f in &self.faults {
            if f.start_ms >= t1 {
                break; // sorted by start
            }
            let active = f.start_ms <= t0 && t0 < f.end_ms;
            let ramp_fraction = |ramp: homeostat_core::Duration| {
                let ramp = ramp.as_millis();
                if ramp <= 0 {
                    1.0
                } else {
                    ((t0 - f.start_ms) as f64 / ramp as f64).clamp(0.0, 1.0)
                }
            };
            match (f.effect.clone(), f.target) {
                (FaultEffect::Crash, ResolvedTarget::Replica(r)) if f.start_ms >= t0 => {
                    e.crash_now[r] = true;
                }
                _ if !active => {}
                (FaultEffect::MemoryLeak { mib_per_minute }, ResolvedTarget::Replica(r)) => {
                    e.leak_mib_per_ms[r] += mib_per_minute / 60_000.0;
                }
                (FaultEffect::CpuHog { cores, ramp }, ResolvedTarget::Node(n)) => {
                    e.hog_cores[n] += cores * ramp_fraction(ramp);
                }
                (FaultEffect::SlowNode { factor }, ResolvedTarget::Node(n)) => {
                    e.slowdown[n] *= factor
                }
                (FaultEffect::NetworkDegradation { latency_ms, loss }, ResolvedTarget::Node(n)) => {
                    e.net_ms[n] += latency_ms;
                    e.net_loss[n] = 1.0 - (1.0 - e.net_loss[n]) * (1.0 - loss);
                }
                (FaultEffect::DiskFill { gib_per_hour }, ResolvedTarget::Node(n)) => {
                    e.disk_fill_gib_per_ms[n] += gib_per_hour / 3_600_000.0;
                    e.disk_fill_end[n] = e.disk_fill_end[n].max(f.end_ms);
                }
                (FaultEffect::CrashLoop { up }, ResolvedTarget::Replica(r)) => {
                    e.crash_loop_up_ms[r] = Some(up.as_millis());
                }
                (
                    FaultEffect::DependencyFailure {
                        error_rate,
                        slowdown_ms,
                        ramp,
                    },
                    ResolvedTarget::Service(s),
                ) => {
                    let fraction = ramp_fraction(ramp);
                    e.dep_ms[s] += slowdown_ms * fraction;
                    if t0 >= f.start_ms + ramp.as_millis() {
                        e.dep_error[s] = 1.0 - (1.0 - e.dep_error[s]) * (1.0 - error_rate);
                    }
                }
                _ => {} // targets were checked when the plan was made
            }
        }
    }

    fn restart_and_crash(&mut self, t0: i64) -> Result<()> {
        for r in 0..self.replicas.len() {
            let replica = &mut self.replicas[r];
            if !replica.up && t0 >= replica.down_until {
                // A restarted process starts from zero: counters reset.
                replica.up = true;
                replica.up_since = t0;
                replica.requests_total = 0;
                replica.errors_total = 0;
                replica.leak_mib = 0.0;
            }
            if !replica.up {
                continue;
            }
            if self.effects.crash_now[r] {
                self.stats.crashes += 1;
                let restart = self.kill(r, t0);
                let scope = self.replica_scope(r);
                push_label(&mut self.labels, FaultKind::Crash, t0, restart, scope)?;
            } else if let Some(up) = self.effects.crash_loop_up_ms[r]
                && t0 - self.replicas[r].up_since >= up
            {
                self.stats.crashes += 1;
                self.kill(r, t0);
            }
        }
        Ok(())
    }

    /// Takes replica `r` down at `t`; returns when it will be back.
    fn kill(&mut self, r: usize, t: i64) -> i64 {
        let restart = self.spec.services[self.replicas[r].service]
            .restart
            .as_millis();
        let replica = &mut self.replicas[r];
        replica.up = false;
        // Down for at least one step, so the outage is observable.
        replica.down_until = t + restart.max(1);
        replica.backlog = 0.0;
        replica.in_flight = 0.0;
        replica.queue_depth = 0.0;
        replica.down_until.max(t + self.step_ms)
    }

    /// CPU demand in cores, per node (hogs plus the runnable workers of every
    /// replica there) and per replica.
    fn cpu_demand(&self, demand: f64) -> (Vec<f64>, Vec<f64>) {
        let mut per_node = self.effects.hog_cores.clone();
        let mut per_replica = vec![0.0; self.replicas.len()];
        let up_counts = self.up_counts();
        for (r, replica) in self.replicas.iter().enumerate().filter(|(_, r)| r.up) {
            let service = &self.spec.services[replica.service];
            let lambda = service.request_rate * demand / up_counts[replica.service].max(1) as f64;
            let workers = f64::from(service.workers);
            // A replica with a backlog keeps every worker runnable.
            let runnable = if replica.backlog > 0.5 {
                workers
            } else {
                (lambda * service.service_time.mean_secs() * self.effects.slowdown[replica.node])
                    .min(workers)
            };
            per_replica[r] = runnable;
            per_node[replica.node] += runnable;
        }
        (per_node, per_replica)
    }

    /// How much slower CPU work runs on each replica because the node's cores
    /// are shared (processor sharing among everything runnable there).
    ///
    /// Below saturation, the mean stretch of an M/M/k processor-sharing
    /// system: `1 + C(k, D) / (k (1 - D/k))` for `k` cores and demand `D`.
    /// At or above saturation each replica gets its proportional share of the
    /// cores, `k · d_r / D`, so its `c` workers run at `c / share` times
    /// their speed: the node's throughput is bounded by its cores.
    fn contention(&self, node_demand: &[f64], replica_demand: &[f64]) -> Vec<f64> {
        const MAX_STRETCH: f64 = 50.0;
        self.replicas
            .iter()
            .enumerate()
            .map(|(r, replica)| {
                let cores = self.nodes[replica.node].cores;
                let d = node_demand[replica.node];
                let stretch = if d < cores {
                    let k = cores.round().max(1.0) as u32;
                    1.0 + erlang_c(k, d) / (f64::from(k) * (1.0 - d / cores))
                } else {
                    let workers = f64::from(self.spec.services[replica.service].workers);
                    let share = cores * replica_demand[r] / d;
                    if share > 0.0 {
                        (workers / share).max(d / cores)
                    } else {
                        MAX_STRETCH
                    }
                };
                stretch.min(MAX_STRETCH)
            })
            .collect()
    }

    fn up_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.spec.services.len()];
        for r in self.replicas.iter().filter(|r| r.up) {
            counts[r.service] += 1;
        }
        counts
    }

    /// Serves one step of service `s`; returns its gauges
    /// `[p50, p99, queue depth, in flight, replicas up]`.
    fn serve(&mut self, s: usize, demand: f64, contention: &[f64]) -> Result<[f64; 5]> {
        let spec: &ServiceSpec = &self.spec.services[s];
        let dt = self.step_ms as f64 / 1000.0;
        let up: Vec<usize> = (0..self.replicas.len())
            .filter(|&r| self.replicas[r].service == s && self.replicas[r].up)
            .collect();
        let service_rate = spec.request_rate * demand;
        if up.is_empty() {
            let lost = Poisson::new(service_rate * dt)
                .map_or(0.0, |p| p.sample(&mut self.replicas[0].rng));
            self.stats.unserved += lost as u64;
            return Ok([f64::NAN, f64::NAN, 0.0, 0.0, 0.0]);
        }
        let lambda = service_rate / up.len() as f64;
        let workers = f64::from(spec.workers);
        let mean_s = spec.service_time.mean_secs();
        let ac = allen_cunneen_factor(spec.service_time.scv());
        let mut steps = Vec::with_capacity(up.len());
        for &r in &up {
            let node = self.replicas[r].node;
            let cpu_scale = self.effects.slowdown[node] * contention[r];
            let extra_hold = self.effects.dep_ms[s] / 1000.0;
            let mu = 1.0 / (mean_s * cpu_scale + extra_hold);
            let capacity = workers * mu; // requests per second
            let replica = &mut self.replicas[r];
            let arrivals = if lambda * dt > 0.0 {
                Poisson::new(lambda * dt).map_or(0.0, |p| p.sample(&mut replica.rng))
            } else {
                0.0
            };
            let backlog = replica.backlog;
            let total = backlog + arrivals;
            let servable = total.min(capacity * dt);
            // Stochastic rounding keeps counts integral and unbiased.
            let served = (servable + replica.rng.r#gen::<f64>())
                .floor()
                .min(total)
                .max(0.0);
            let mut queued = total - served;
            let limit = f64::from(spec.queue_limit);
            let rejected = if queued > limit {
                let over = (queued - limit).round();
                queued -= over;
                over
            } else {
                0.0
            };
            replica.backlog = queued;
            let node_state = &mut self.nodes[node];
            node_state.rx_bytes += (arrivals * spec.request_kib * 1024.0).round();
            node_state.tx_bytes += (served * spec.response_kib * 1024.0).round();
            let rho = lambda / capacity;
            let (wait_prob, wait_rate, steady_queue) = if rho < 1.0 {
                let c = erlang_c(spec.workers, lambda / mu);
                // Near saturation the steady state lies far beyond what one
                // step's arrivals can build up; cap it at that and the limit.
                let steady = (c * rho / (1.0 - rho)).min(lambda * dt).min(limit);
                (c, (capacity - lambda) / ac, steady)
            } else {
                (0.0, 1.0, 0.0)
            };
            let overflow = (arrivals - capacity * dt).max(0.0);
            let busy = if queued > 0.5 {
                workers
            } else {
                (lambda / mu).min(workers)
            };
            replica.queue_depth = queued + steady_queue;
            replica.in_flight = busy + replica.queue_depth;
            let disk_error = if self.nodes[node].disk_full {
                DISK_FULL_ERROR_RATE
            } else {
                0.0
            };
            let ok_prob = (1.0 - spec.base_error_rate)
                * (1.0 - self.effects.dep_error[s])
                * (1.0 - self.effects.net_loss[node])
                * (1.0 - disk_error);
            steps.push(ReplicaStep {
                replica: r,
                served: served as u64,
                rejected: rejected as u64,
                wait_base: (backlog + overflow / 2.0) / capacity,
                wait_prob,
                wait_rate,
                cpu_scale,
                extra: (self.effects.dep_ms[s] + self.effects.net_ms[node]) / 1000.0,
                error_prob: 1.0 - ok_prob,
            });
        }
        self.sample_latencies_and_count(spec, &steps)?;
        let p50 = quantile(&mut self.samples, 0.5);
        let p99 = quantile(&mut self.samples, 0.99);
        let queue_depth: f64 = up.iter().map(|&r| self.replicas[r].queue_depth).sum();
        let in_flight: f64 = up.iter().map(|&r| self.replicas[r].in_flight).sum();
        Ok([p50, p99, queue_depth, in_flight, up.len() as f64])
    }

    /// Draws latency samples (into `self.samples`), turns the share above the
    /// timeout into timeouts, and updates the request and error counters.
    fn sample_latencies_and_count(
        &mut self,
        spec: &ServiceSpec,
        steps: &[ReplicaStep],
    ) -> Result<()> {
        self.samples.clear();
        let timeout = spec.timeout.as_secs_f64();
        let total_served: u64 = steps.iter().map(|x| x.served).sum();
        for step in steps {
            let replica = &mut self.replicas[step.replica];
            let mut timeouts = 0u64;
            if step.served > 0 {
                let share = step.served as f64 / total_served as f64;
                let n = ((SAMPLES_PER_SERVICE as f64 * share).round() as u64).clamp(1, step.served);
                let mut over = 0u64;
                for _ in 0..n {
                    let mut wait = step.wait_base;
                    if replica.rng.r#gen::<f64>() < step.wait_prob {
                        let e: f64 = Exp1.sample(&mut replica.rng);
                        wait += e / step.wait_rate;
                    }
                    let service = spec.service_time.sample(&mut replica.rng) * step.cpu_scale;
                    let latency = wait + service + step.extra;
                    if latency > timeout {
                        over += 1;
                    }
                    // Clients stop waiting at the timeout, so that is what they record.
                    self.samples.push(latency.min(timeout));
                }
                let fraction = over as f64 / n as f64;
                timeouts =
                    ((step.served as f64 * fraction) + replica.rng.r#gen::<f64>()).floor() as u64;
                timeouts = timeouts.min(step.served);
            }
            let completed = step.served - timeouts;
            let failed = if completed > 0 && step.error_prob > 0.0 {
                Binomial::new(completed, step.error_prob.clamp(0.0, 1.0))
                    .map_err(|e| crate::error::invalid("error probability", e.to_string()))?
                    .sample(&mut replica.rng)
            } else {
                0
            };
            let errors = failed + timeouts + step.rejected;
            replica.requests_total += step.served + step.rejected;
            replica.errors_total += errors;
            self.stats.requests += step.served + step.rejected;
            self.stats.errors += errors;
        }
        Ok(())
    }

    /// Grows leaks, applies per-request memory and kills what exceeds a limit.
    fn update_memory(&mut self, t1: i64) -> Result<()> {
        let dt = self.step_ms as f64;
        for r in 0..self.replicas.len() {
            if !self.replicas[r].up {
                continue;
            }
            let leak = self.effects.leak_mib_per_ms[r];
            let service = &self.spec.services[self.replicas[r].service];
            let replica = &mut self.replicas[r];
            replica.leak_mib += leak * dt;
            replica.memory_mib = service.memory_mib
                + replica.leak_mib
                + service.memory_per_request_mib * replica.in_flight;
            if replica.memory_mib > service.memory_limit_mib {
                self.oom_kill(r, t1)?;
            }
        }
        // The node's OOM killer picks the largest process when the node is out of memory.
        for n in 0..self.nodes.len() {
            loop {
                let used = self.node_memory_mib(n);
                if used <= self.nodes[n].memory_mib {
                    break;
                }
                let largest = (0..self.replicas.len())
                    .filter(|&r| self.replicas[r].up && self.replicas[r].node == n)
                    .max_by(|&a, &b| {
                        self.replicas[a]
                            .memory_mib
                            .total_cmp(&self.replicas[b].memory_mib)
                    });
                match largest {
                    Some(r) => self.oom_kill(r, t1)?,
                    None => break,
                }
            }
        }
        Ok(())
    }

    fn oom_kill(&mut self, r: usize, t: i64) -> Result<()> {
        self.stats.oom_kills += 1;
        let leaking = self.effects.leak_mib_per_ms[r] > 0.0;
        let back = self.kill(r, t);
        let kind = if leaking {
            FaultKind::MemoryLeak
        } else {
            FaultKind::Other("oom_kill".into())
        };
        let scope = self.replica_scope(r);
        push_label(&mut self.labels, kind, t, back, scope)
    }

    fn node_memory_mib(&self, n: usize) -> f64 {
        self.nodes[n].system_mib
            + self
                .replicas
                .iter()
                .filter(|r| r.up && r.node == n)
                .map(|r| r.memory_mib)
                .sum::<f64>()
    }

    fn update_disks(&mut self, t1: i64) -> Result<()> {
        let dt = self.step_ms as f64;
        for n in 0..self.nodes.len() {
            let fill_rate = self.effects.disk_fill_gib_per_ms[n];
            let fill_end = self.effects.disk_fill_end[n];
            let node = &mut self.nodes[n];
            node.disk_base_gib =
                (node.disk_base_gib + node.disk_growth_gib_per_ms * dt).min(node.disk_gib);
            if fill_rate > 0.0 {
                node.disk_fill_gib += fill_rate * dt;
            } else {
                node.disk_fill_gib = 0.0; // the fault is over: cleaned up
            }
            let was_full = node.disk_full;
            node.disk_full = node.disk_base_gib + node.disk_fill_gib >= node.disk_gib;
            if node.disk_full && !was_full && fill_rate > 0.0 {
                let scope = Scope::Node(node.name.clone());
                push_label(
                    &mut self.labels,
                    FaultKind::DiskFull,
                    t1,
                    fill_end.min(self.end_ms),
                    scope,
                )?;
            }
        }
        Ok(())
    }

    fn record(&mut self, t1: i64, cpu_demand: &[f64], service_gauges: &[[f64; 5]]) {
        self.recorder.begin_row(Timestamp::from_millis(t1));
        let nodes_block = NODE_METRICS.len();
        for (n, demand) in cpu_demand.iter().enumerate() {
            let memory = self.node_memory_mib(n) * MIB;
            let node = &self.nodes[n];
            let cpu = (demand / node.cores).min(1.0);
            let disk = (node.disk_base_gib + node.disk_fill_gib).min(node.disk_gib) * GIB;
            let values = [cpu, memory, node.rx_bytes, node.tx_bytes, disk];
            self.recorder.observe(Target {
                first: n * nodes_block,
                values: &values,
                reachable: true,
            });
        }
        let replicas_first = self.nodes.len() * nodes_block;
        for (r, replica) in self.replicas.iter().enumerate() {
            let values = [
                replica.requests_total as f64,
                replica.errors_total as f64,
                replica.memory_mib * MIB,
                1.0,
            ];
            self.recorder.observe(Target {
                first: replicas_first + r * REPLICA_METRICS.len(),
                values: &values,
                reachable: replica.up,
            });
        }
        let services_first = replicas_first + self.replicas.len() * REPLICA_METRICS.len();
        for (s, gauges) in service_gauges.iter().enumerate() {
            self.recorder.observe(Target {
                first: services_first + s * SERVICE_METRICS.len(),
                values: gauges,
                reachable: true,
            });
        }
    }
}

fn push_label(
    labels: &mut Vec<Fault>,
    kind: FaultKind,
    start: i64,
    end: i64,
    scope: Scope,
) -> Result<()> {
    if end > start {
        labels.push(Fault::new(
            kind,
            Timestamp::from_millis(start),
            Timestamp::from_millis(end),
            scope,
        )?);
    }
    Ok(())
}

/// The `q` quantile of `samples` (reordered in place), NaN when empty.
fn quantile(samples: &mut [f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let k = ((samples.len() - 1) as f64 * q).round() as usize;
    let (_, value, _) = samples.select_nth_unstable_by(k, f64::total_cmp);
    *value
}
