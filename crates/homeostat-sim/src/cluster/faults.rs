//! Turning a fault plan into concrete faults on concrete targets, drawing
//! the random ones with the seed.

use homeostat_core::Duration;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

use super::spec::{ClusterSpec, FAULT_KIND_NAMES, FaultEffect, FaultSpec, Target};
use super::workload::uniform;
use crate::rng::SimRng;

/// A fault resolved to indices into the simulation's nodes, services and
/// replicas, with absolute times in ms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedFault {
    pub(crate) effect: FaultEffect,
    pub(crate) target: ResolvedTarget,
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
}

/// A target as an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResolvedTarget {
    Node(usize),
    Service(usize),
    Replica(usize),
}

/// Where each replica lives: `(service index, replica index within the
/// service, node index)`, in global replica order.
pub(crate) type Placement = Vec<(usize, u32, usize)>;

/// Spreads replicas over nodes round robin, continuing where the previous
/// service stopped so small services do not all land on the first node.
pub(crate) fn place_replicas(spec: &ClusterSpec) -> Placement {
    let nodes = spec.node_count().max(1);
    let mut next = 0;
    let mut placement = Vec::new();
    for (s, service) in spec.services.iter().enumerate() {
        for r in 0..service.replicas {
            placement.push((s, r, next % nodes));
            next += 1;
        }
    }
    placement
}

/// All faults of the run: the scheduled ones, then the random ones, sorted
/// by start. `spec` must have been validated.
pub(crate) fn plan_faults(
    spec: &ClusterSpec,
    placement: &Placement,
    rng: &mut SimRng,
) -> Vec<PlannedFault> {
    let start = spec.start.as_millis();
    let node_names = spec.node_names();
    let mut planned: Vec<PlannedFault> = spec
        .faults
        .scheduled
        .iter()
        .filter_map(|f| resolve(f, spec, &node_names, placement, start))
        .collect();
    if let Some(random) = &spec.faults.random
        && random.per_day > 0.0
    {
        let kinds: Vec<&str> = if random.kinds.is_empty() {
            FAULT_KIND_NAMES.to_vec()
        } else {
            random.kinds.iter().map(String::as_str).collect()
        };
        let mean_gap_ms = 86_400_000.0 / random.per_day;
        let end = start.saturating_add(spec.duration.as_millis());
        let mut t = start as f64;
        loop {
            let gap: f64 = Exp1.sample(rng);
            t += gap * mean_gap_ms;
            if t >= end as f64 || kinds.is_empty() {
                break;
            }
            let kind = kinds[rng.gen_range(0..kinds.len())];
            let duration_ms = uniform(
                rng,
                random.min_duration.as_millis() as f64,
                random.max_duration.as_millis() as f64,
            ) as i64;
            if let Some(fault) = draw_fault(kind, t as i64, duration_ms, spec, placement, rng) {
                planned.push(fault);
            }
        }
    }
    planned.sort_by_key(|f| (f.start_ms, f.end_ms));
    planned
}

fn resolve(
    f: &FaultSpec,
    spec: &ClusterSpec,
    node_names: &[String],
    placement: &Placement,
    start: i64,
) -> Option<PlannedFault> {
    let target = match &f.target {
        Target::Node(name) => ResolvedTarget::Node(node_names.iter().position(|n| n == name)?),
        Target::Service(name) => {
            ResolvedTarget::Service(spec.services.iter().position(|s| &s.name == name)?)
        }
        Target::Replica { service, index } => {
            let s = spec.services.iter().position(|x| &x.name == service)?;
            ResolvedTarget::Replica(
                placement
                    .iter()
                    .position(|&(ps, pr, _)| ps == s && pr == *index)?,
            )
        }
    };
    let start_ms = start.saturating_add(f.at.as_millis());
    // A crash has no duration of its own; keep the interval non-empty.
    let duration = if f.fault == FaultEffect::Crash {
        1
    } else {
        f.duration.as_millis()
    };
    Some(PlannedFault {
        effect: f.fault.clone(),
        target,
        start_ms,
        end_ms: start_ms.saturating_add(duration),
    })
}

/// A random fault of `kind` with typical parameters, sized so that its
/// impact happens within the fault (a leak reaches its OOM, a disk fills).
fn draw_fault(
    kind: &str,
    start_ms: i64,
    duration_ms: i64,
    spec: &ClusterSpec,
    placement: &Placement,
    rng: &mut SimRng,
) -> Option<PlannedFault> {
    let nodes = spec.node_count();
    let minutes = duration_ms as f64 / 60_000.0;
    let replica = rng.gen_range(0..placement.len().max(1));
    let node = rng.gen_range(0..nodes.max(1));
    let service = rng.gen_range(0..spec.services.len().max(1));
    let up_to_ramp = |rng: &mut SimRng| {
        Duration::from_millis(
            uniform(rng, 120_000.0, 600_000.0).min(duration_ms as f64 / 2.0) as i64,
        )
    };
    let (effect, target) = match kind {
        "memory_leak" => {
            let (s, _, _) = *placement.get(replica)?;
            let svc = spec.services.get(s)?;
            let headroom = svc.memory_limit_mib - svc.memory_mib;
            let oom_after_minutes = uniform(rng, 0.3, 0.9) * minutes;
            let mib_per_minute = headroom / oom_after_minutes.max(1.0);
            (
                FaultEffect::MemoryLeak { mib_per_minute },
                ResolvedTarget::Replica(replica),
            )
        }
        "cpu_hog" => {
            let cores = node_cores(spec, node) * uniform(rng, 0.6, 1.0);
            let ramp = up_to_ramp(rng);
            (
                FaultEffect::CpuHog { cores, ramp },
                ResolvedTarget::Node(node),
            )
        }
        "slow_node" => (
            FaultEffect::SlowNode {
                factor: uniform(rng, 2.0, 6.0),
            },
            ResolvedTarget::Node(node),
        ),
        "network_degradation" => (
            FaultEffect::NetworkDegradation {
                latency_ms: uniform(rng, 50.0, 300.0),
                loss: uniform(rng, 0.01, 0.1),
            },
            ResolvedTarget::Node(node),
        ),
        "disk_fill" => {
            let group = node_group(spec, node)?;
            let free = group.disk_gib * (1.0 - group.disk_used_fraction);
            let full_after_hours = uniform(rng, 0.3, 0.8) * minutes / 60.0;
            let gib_per_hour = free / full_after_hours.max(1e-3);
            (
                FaultEffect::DiskFill { gib_per_hour },
                ResolvedTarget::Node(node),
            )
        }
        "crash_loop" => (
            FaultEffect::CrashLoop {
                up: Duration::from_millis(uniform(rng, 10_000.0, 60_000.0) as i64),
            },
            ResolvedTarget::Replica(replica),
        ),
        "dependency_failure" => {
            let error_rate = uniform(rng, 0.2, 0.8);
            let ramp = up_to_ramp(rng);
            (
                FaultEffect::DependencyFailure {
                    error_rate,
                    slowdown_ms: 150.0,
                    ramp,
                },
                ResolvedTarget::Service(service),
            )
        }
        "crash" => (FaultEffect::Crash, ResolvedTarget::Replica(replica)),
        _ => return None,
    };
    let duration_ms = if effect == FaultEffect::Crash {
        1
    } else {
        duration_ms
    };
    Some(PlannedFault {
        effect,
        target,
        start_ms,
        end_ms: start_ms.saturating_add(duration_ms),
    })
}

fn node_group(spec: &ClusterSpec, node: usize) -> Option<&super::spec::NodeGroup> {
    let mut first = 0;
    for g in &spec.nodes {
        if node < first + g.count as usize {
            return Some(g);
        }
        first += g.count as usize;
    }
    None
}

pub(crate) fn node_cores(spec: &ClusterSpec, node: usize) -> f64 {
    node_group(spec, node).map_or(1.0, |g| g.cores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn replicas_spread_evenly() {
        let spec = ClusterSpec::mixed_faults();
        let placement = place_replicas(&spec);
        let mut per_node = vec![0; spec.node_count()];
        for &(_, _, n) in &placement {
            per_node[n] += 1;
        }
        let (min, max) = (
            per_node.iter().min().unwrap(),
            per_node.iter().max().unwrap(),
        );
        assert!(max - min <= 1, "{per_node:?}");
    }

    #[test]
    fn random_faults_follow_the_rate_and_the_seed() {
        let mut spec = ClusterSpec::mixed_faults();
        spec.duration = Duration::from_days(30);
        let placement = place_replicas(&spec);
        let a = plan_faults(&spec, &placement, &mut stream(5, 1));
        let b = plan_faults(&spec, &placement, &mut stream(5, 1));
        assert_eq!(a, b);
        let per_day = spec.faults.random.as_ref().unwrap().per_day;
        let random = a.len() - spec.faults.scheduled.len();
        let expected = per_day * 30.0;
        assert!(
            (random as f64 - expected).abs() < 4.0 * expected.sqrt(),
            "{random} vs {expected}"
        );
        assert!(a.windows(2).all(|w| w[0].start_ms <= w[1].start_ms));
        assert!(a.iter().all(|f| f.end_ms > f.start_ms));
    }
}
