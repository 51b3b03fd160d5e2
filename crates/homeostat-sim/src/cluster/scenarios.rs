//! The built-in cluster scenarios, each documented with its parameters.

use homeostat_core::Duration;

use super::spec::{
    BurstSpec, ClusterSpec, FaultEffect, FaultPlan, FaultSpec, NodeGroup, RandomFaults, ScrapeSpec,
    ServiceSpec, Target, WorkloadSpec, default_start,
};
use crate::ServiceTime;

fn nodes(count: u32, cores: f64, memory_gib: f64) -> NodeGroup {
    NodeGroup {
        count,
        prefix: "node".into(),
        cores,
        memory_gib,
        disk_gib: 200.0,
        system_memory_gib: 1.0,
        disk_used_fraction: 0.3,
        disk_growth_gib_per_day: 0.5,
    }
}

fn service(
    name: &str,
    replicas: u32,
    workers: u32,
    service_time: ServiceTime,
    rate: f64,
) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        replicas,
        workers,
        service_time,
        request_rate: rate,
        memory_mib: 512.0,
        memory_per_request_mib: 0.5,
        memory_limit_mib: 2048.0,
        request_kib: 2.0,
        response_kib: 16.0,
        timeout: Duration::from_secs(2),
        queue_limit: 1000,
        base_error_rate: 0.001,
        restart: Duration::from_secs(30),
    }
}

/// frontend, api and search: a small web stack.
fn three_services() -> Vec<ServiceSpec> {
    vec![
        service(
            "frontend",
            4,
            32,
            ServiceTime::LogNormal {
                mean_ms: 15.0,
                cv: 1.0,
            },
            400.0,
        ),
        service(
            "api",
            4,
            16,
            ServiceTime::LogNormal {
                mean_ms: 25.0,
                cv: 1.2,
            },
            300.0,
        ),
        service(
            "search",
            3,
            8,
            ServiceTime::Pareto {
                mean_ms: 60.0,
                shape: 2.5,
            },
            60.0,
        ),
    ]
}

/// The three above plus checkout and a batch worker.
fn five_services() -> Vec<ServiceSpec> {
    let mut services = three_services();
    services.push(service(
        "checkout",
        2,
        8,
        ServiceTime::LogNormal {
            mean_ms: 40.0,
            cv: 0.8,
        },
        40.0,
    ));
    services.push(service(
        "worker",
        2,
        4,
        ServiceTime::Exponential { mean_ms: 200.0 },
        10.0,
    ));
    services
}

impl ClusterSpec {
    /// `steady`: 8 nodes (8 cores, 32 GiB), frontend / api / search at a
    /// constant 760 requests/s in total (about a third of the CPU), no
    /// faults, 1 h at a 10 s step.
    pub fn steady() -> ClusterSpec {
        ClusterSpec {
            start: default_start(),
            duration: Duration::from_hours(1),
            step: Duration::from_secs(10),
            nodes: vec![nodes(8, 8.0, 32.0)],
            services: three_services(),
            workload: WorkloadSpec::default(),
            faults: FaultPlan::default(),
            scrape: ScrapeSpec::default(),
        }
    }

    /// `diurnal`: 20 nodes, five services, demand swinging ±50 % around its
    /// mean with a 14:00 UTC peak, weekends at 60 %, and about four 5-minute
    /// bursts of double demand a day; no faults; 24 h at a 10 s step.
    pub fn diurnal() -> ClusterSpec {
        ClusterSpec {
            nodes: vec![nodes(20, 8.0, 32.0)],
            services: five_services(),
            duration: Duration::from_hours(24),
            workload: WorkloadSpec {
                diurnal_amplitude: 0.5,
                peak_hour: 14.0,
                weekend_factor: 0.6,
                bursts: Some(BurstSpec {
                    per_day: 4.0,
                    multiplier: 2.0,
                    duration: Duration::from_minutes(5),
                }),
            },
            ..ClusterSpec::steady()
        }
    }

    /// `leak`: the steady cluster for 6 h with a diurnal swing of ±30 %,
    /// where replica `api-1` leaks 20 MiB/min from 1 h to 5 h: with 512 MiB
    /// at rest and a 2 GiB limit it is OOM-killed about every 77 minutes,
    /// and its memory climbs visibly long before each kill.
    pub fn leak() -> ClusterSpec {
        ClusterSpec {
            duration: Duration::from_hours(6),
            workload: WorkloadSpec {
                diurnal_amplitude: 0.3,
                ..WorkloadSpec::default()
            },
            faults: FaultPlan {
                scheduled: vec![FaultSpec {
                    fault: FaultEffect::MemoryLeak {
                        mib_per_minute: 20.0,
                    },
                    target: Target::Replica {
                        service: "api".into(),
                        index: 1,
                    },
                    at: Duration::from_hours(1),
                    duration: Duration::from_hours(4),
                }],
                random: None,
            },
            ..ClusterSpec::steady()
        }
    }

    /// `mixed-faults`: the diurnal cluster (20 nodes, five services,
    /// ±40 % daily swing) with about 8 random faults a day of every kind,
    /// each 10–60 minutes, plus a scheduled memory leak on `api-0` from 2 h
    /// to 8 h; 24 h at a 10 s step.
    pub fn mixed_faults() -> ClusterSpec {
        let mut spec = ClusterSpec::diurnal();
        spec.workload.diurnal_amplitude = 0.4;
        spec.faults = FaultPlan {
            scheduled: vec![FaultSpec {
                fault: FaultEffect::MemoryLeak {
                    mib_per_minute: 12.0,
                },
                target: Target::Replica {
                    service: "api".into(),
                    index: 0,
                },
                at: Duration::from_hours(2),
                duration: Duration::from_hours(6),
            }],
            random: Some(RandomFaults {
                per_day: 8.0,
                kinds: Vec::new(),
                min_duration: Duration::from_minutes(10),
                max_duration: Duration::from_hours(1),
            }),
        };
        spec
    }

    /// `overload`: the steady cluster with api demand at 800 requests/s
    /// swinging ±50 % (peak 1200/s at 14:00 UTC), 24 h at a 10 s step.
    /// api's four replicas are CPU-bound, one per 8-core node, with 25 ms of
    /// CPU per request and 16 workers each: as a node's CPU nears 100 %,
    /// requests stretch, the worker pools fill, and the service saturates
    /// near 1100 requests/s. For about three hours around the peak, queues
    /// fill, latency climbs to the 2 s timeout and requests are rejected;
    /// the rest of the day the service is healthy.
    pub fn overload() -> ClusterSpec {
        let mut spec = ClusterSpec::steady();
        spec.duration = Duration::from_hours(24);
        spec.workload.diurnal_amplitude = 0.5;
        if let Some(api) = spec.services.iter_mut().find(|s| s.name == "api") {
            api.request_rate = 800.0;
        }
        spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_scenarios_are_valid() {
        for spec in [
            ClusterSpec::steady(),
            ClusterSpec::diurnal(),
            ClusterSpec::leak(),
            ClusterSpec::mixed_faults(),
            ClusterSpec::overload(),
        ] {
            spec.validate().unwrap();
        }
    }
}
