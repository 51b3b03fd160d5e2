//! GPU cluster placement in the openb format: reading, the placement's
//! validity under every policy, bounds, fragmentation, and bad files; then
//! Alibaba's openb default trace when the shared data folder is present.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::path::PathBuf;

use homeostat_alloc::cluster::{
    Cluster, ClusterNode, ClusterPlacer, ClusterPlan, ClusterPod, GPU_MILLI, GpuRequest,
};
use homeostat_alloc::{Error, Objective, Policy};

const NODES: &str = include_str!("data/openb-small-nodes.csv");
const PODS: &str = include_str!("data/openb-small-pods.csv");

fn small() -> Cluster {
    Cluster::parse(NODES, "nodes.csv", PODS, "pods.csv").unwrap()
}

/// Every capacity, GPU share, whole-GPU exclusivity and model constraint
/// holds, and the counts agree with the assignment.
fn assert_valid(cluster: &Cluster, plan: &ClusterPlan) {
    let nodes = cluster.nodes();
    let mut cpu = vec![0u64; nodes.len()];
    let mut memory = vec![0u64; nodes.len()];
    let mut gpu: Vec<Vec<u32>> = nodes.iter().map(|n| vec![0; n.gpus as usize]).collect();
    let mut whole: Vec<Vec<bool>> = nodes.iter().map(|n| vec![false; n.gpus as usize]).collect();
    for (pod, placement) in cluster.pods().iter().zip(&plan.assignment) {
        let Some(p) = placement else { continue };
        let node = &nodes[p.node];
        cpu[p.node] += pod.cpu_milli;
        memory[p.node] += pod.memory_mib;
        if !pod.gpu_models.is_empty() {
            let model = node.gpu_model.as_deref().unwrap();
            assert!(pod.gpu_models.iter().any(|m| m == model), "{}", pod.name);
        }
        match pod.gpu {
            GpuRequest::None => assert!(p.gpus.is_empty()),
            GpuRequest::Share(m) => {
                assert_eq!(p.gpus.len(), 1);
                gpu[p.node][p.gpus[0] as usize] += m;
            }
            GpuRequest::Whole(n) => {
                assert_eq!(p.gpus.len(), n as usize);
                for &g in &p.gpus {
                    gpu[p.node][g as usize] += GPU_MILLI;
                    whole[p.node][g as usize] = true;
                }
            }
        }
    }
    for (j, node) in nodes.iter().enumerate() {
        assert!(cpu[j] <= node.cpu_milli, "{}: cpu", node.name);
        assert!(memory[j] <= node.memory_mib, "{}: memory", node.name);
        for (g, &used) in gpu[j].iter().enumerate() {
            assert!(used <= GPU_MILLI, "{} gpu {g}: {used}", node.name);
            if whole[j][g] {
                assert_eq!(used, GPU_MILLI, "{} gpu {g} shared", node.name);
            }
        }
    }
    let placed = plan.assignment.iter().flatten().count();
    assert_eq!(placed, plan.placed);
    assert_eq!(placed + plan.unplaced.len(), cluster.pods().len());
    let mut used: Vec<usize> = plan.assignment.iter().flatten().map(|p| p.node).collect();
    used.sort_unstable();
    used.dedup();
    assert_eq!(used.len(), plan.nodes_used);
    assert!(plan.lower_bound <= plan.nodes_used);
    assert!((0.0..=1.0).contains(&plan.gap));
    assert!(plan.gpu_fragmentation >= 0.0);
    assert!(plan.gpu_fragmentation <= plan.gpu_capacity - plan.gpu_allocated + 1e-9);
    assert!(plan.peak_utilisation <= 1.0 + 1e-12);
}

fn placer(policy: Policy, objective: Objective) -> ClusterPlacer {
    ClusterPlacer::params()
        .policy(policy)
        .objective(objective)
        .check()
        .unwrap()
}

#[test]
fn the_small_trace_is_read_column_by_name() {
    let cluster = small();
    assert_eq!(cluster.nodes().len(), 6);
    assert_eq!(cluster.pods().len(), 15);
    assert_eq!(cluster.nodes()[0].gpu_model, None);
    assert_eq!(cluster.nodes()[4].gpu_model.as_deref(), Some("V100M32"));
    assert_eq!(cluster.pods()[2].gpu, GpuRequest::Share(500));
    assert_eq!(cluster.pods()[6].gpu, GpuRequest::Whole(1));
    assert_eq!(cluster.pods()[7].gpu, GpuRequest::Whole(4));
    assert_eq!(cluster.pods()[7].gpu_models, ["V100M16", "V100M32"]);
    assert!(cluster.pods()[13].gpu_models.is_empty()); // "nan"
}

#[test]
fn every_policy_places_validly_and_explains_what_it_leaves_out() {
    let cluster = small();
    for objective in [Objective::Nodes, Objective::Balance] {
        for policy in Policy::ALL {
            let plan = placer(policy, objective).place(&cluster);
            assert_valid(&cluster, &plan);
            // p-14 asks for an A10, which no node has.
            assert_eq!(plan.placed, 14, "{policy:?} {objective:?}");
            assert_eq!(plan.unplaced[0].workload, "p-14");
            assert!(
                plan.unplaced[0]
                    .reason
                    .contains("GPU model not allowed on 6")
                    && plan.unplaced[0]
                        .reason
                        .contains("fits no node even when empty"),
                "{}",
                plan.unplaced[0].reason
            );
        }
    }
}

#[test]
fn packing_uses_fewer_nodes_than_spreading_and_respects_the_bound() {
    let cluster = small();
    let best = placer(Policy::BestFit, Objective::Nodes).place(&cluster);
    let spread = placer(Policy::LeastAllocated, Objective::Nodes).place(&cluster);
    assert!(best.nodes_used < spread.nodes_used);
    // The V100 pod needs the V100 node, the P100 pod the P100 node, the
    // T4-only pods a T4 node: three GPU nodes at least, and the GPU pods'
    // demand (5.6 GPUs of whole-GPU and shared work) needs capacity too.
    assert!(best.lower_bound >= 1);
    assert!(best.nodes_used >= best.lower_bound);
}

#[test]
fn fragmentation_counts_free_gpu_that_the_pod_mix_cannot_use() {
    let node = ClusterNode {
        name: "n".into(),
        cpu_milli: 8000,
        memory_mib: 8192,
        gpus: 2,
        gpu_model: Some("T4".into()),
    };
    let pod = |name: &str, gpu| ClusterPod {
        name: name.into(),
        cpu_milli: 1000,
        memory_mib: 1024,
        gpu,
        gpu_models: Vec::new(),
    };
    // Two 0.6 shares land on different GPUs, leaving 0.4 on each: no
    // pod of the mix (all 0.6) can use it, so all 0.8 GPU is fragmented.
    let two = Cluster::new(
        vec![node.clone()],
        vec![
            pod("a", GpuRequest::Share(600)),
            pod("b", GpuRequest::Share(600)),
        ],
    )
    .unwrap();
    let plan = placer(Policy::BestFit, Objective::Nodes).place(&two);
    assert_eq!(plan.placed, 2);
    assert!(
        (plan.gpu_fragmentation - 0.8).abs() < 1e-12,
        "{}",
        plan.gpu_fragmentation
    );
    assert!((plan.fragmentation_ratio - 1.0).abs() < 1e-12);
    // Half the mix asks 0.3: the 0.4 left on each GPU serves it, so only
    // the 0.6 half counts the free 0.8 as fragmented: 0.4 on average.
    let mixed = Cluster::new(
        vec![node],
        vec![
            pod("a", GpuRequest::Share(600)),
            pod("b", GpuRequest::Share(600)),
            pod("c", GpuRequest::Share(300)),
            pod("d", GpuRequest::Share(300)),
        ],
    )
    .unwrap();
    let plan = placer(Policy::FirstFit, Objective::Nodes).place(&mixed);
    assert_eq!(plan.placed, 4);
    // 0.6 + 0.3 on each GPU leaves 0.1 twice: too little for either class.
    assert!(
        (plan.gpu_fragmentation - 0.2).abs() < 1e-12,
        "{}",
        plan.gpu_fragmentation
    );
}

#[test]
fn same_input_same_plan() {
    let cluster = small();
    for policy in Policy::ALL {
        let a = placer(policy, Objective::Nodes).place(&cluster);
        let b = placer(policy, Objective::Nodes).place(&cluster);
        assert_eq!(a.assignment, b.assignment);
        assert_eq!(a.gpu_fragmentation, b.gpu_fragmentation);
    }
}

#[test]
fn malformed_files_name_the_file_and_line() {
    let pods_with =
        |row: &str| format!("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n{row}\n");
    let row_error = |pods: &str| Cluster::parse(NODES, "nodes.csv", pods, "pods.csv").unwrap_err();
    let cases = [
        ("a,1000,1024,0,0", 2, "5 fields"),
        ("a,-1000,1024,0,0,", 2, "cpu_milli \"-1000\""),
        ("a,1.5,1024,0,0,", 2, "cpu_milli \"1.5\""),
        ("a,NaN,1024,0,0,", 2, "cpu_milli"),
        ("a,1000,,0,0,", 2, "empty memory_mib"),
        ("a,1000,1024,2,500,", 2, "only single-GPU pods may share"),
        ("a,1000,1024,0,300,", 2, "gpu_milli 300 with num_gpu 0"),
        ("a,1000,1024,1,1500,", 2, "above 1000"),
        ("a,1000,1024,1,0,", 2, "gpu_milli 0"),
        ("a,1000,1024,1,500,T4||P100", 2, "empty GPU model"),
    ];
    for (row, line, needle) in cases {
        let err = row_error(&pods_with(row));
        match &err {
            Error::MalformedRow {
                file,
                line: l,
                reason,
            } => {
                assert_eq!(file, "pods.csv");
                assert_eq!(*l, line, "{row}");
                assert!(reason.contains(needle), "{row}: {reason}");
            }
            other => panic!("{row}: {other}"),
        }
    }
    // The line number counts the header and blank lines.
    let err = row_error(&pods_with("a,1000,1024,0,0,\n\nb,1000,x,0,0,"));
    assert!(matches!(err, Error::MalformedRow { line: 4, .. }), "{err}");
    // A missing column is reported on the header line.
    let err = row_error("name,cpu_milli,memory_mib,gpu_milli\na,1,1,0\n");
    assert!(
        matches!(&err, Error::MalformedRow { line: 1, reason, .. } if reason.contains("num_gpu")),
        "{err}"
    );
    // Nodes: GPUs without a model, an empty file.
    let err = Cluster::parse(
        "sn,cpu_milli,memory_mib,gpu,model\nn,1,1,2,\n",
        "n.csv",
        PODS,
        "p.csv",
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::MalformedRow { file, line: 2, .. } if file == "n.csv"),
        "{err}"
    );
    assert!(matches!(
        Cluster::parse("", "n.csv", PODS, "p.csv"),
        Err(Error::MalformedRow { line: 1, .. })
    ));
    // No data rows, duplicate names, a missing file.
    assert!(matches!(
        Cluster::parse(
            "sn,cpu_milli,memory_mib,gpu,model\n",
            "n.csv",
            PODS,
            "p.csv"
        ),
        Err(Error::Empty { what: "nodes" })
    ));
    assert!(matches!(
        Cluster::parse(NODES, "n.csv", &pods_with("a,1,1,0,0,\na,1,1,0,0,"), "p.csv"),
        Err(Error::DuplicateName(name)) if name == "a"
    ));
    assert!(matches!(
        Cluster::from_paths("/nonexistent/nodes.csv", "/nonexistent/pods.csv"),
        Err(Error::Malformed(_))
    ));
    assert!(
        ClusterPlacer::params()
            .objective(Objective::Cost)
            .check()
            .is_err()
    );
}

/// `../shared/data` beside the project, or `HOMEOSTAT_DATA`.
fn openb_dir() -> PathBuf {
    std::env::var_os("HOMEOSTAT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("cluster/alibaba-openb-2023")
}

#[test]
fn openb_default_trace_every_policy() {
    let dir = openb_dir();
    let nodes = dir.join("openb_node_list_all_node.csv");
    let pods = dir.join("openb_pod_list_default.csv");
    if !nodes.exists() || !pods.exists() {
        eprintln!(
            "SKIPPED openb_default_trace_every_policy: {} not found (set HOMEOSTAT_DATA to the shared data folder)",
            dir.display()
        );
        return;
    }
    let cluster = Cluster::from_paths(&nodes, &pods).unwrap();
    assert_eq!(cluster.nodes().len(), 1523);
    assert_eq!(cluster.pods().len(), 8152);
    let mut best = 0;
    for policy in Policy::ALL {
        let plan = placer(policy, Objective::Nodes).place(&cluster);
        assert_valid(&cluster, &plan);
        best = best.max(plan.placed);
        eprintln!(
            "openb default {:>16}: placed {} unplaced {} nodes {} bound {} fragmentation {:.1} GPUs ({:.1} % of idle) in {:?}",
            plan.placer,
            plan.placed,
            plan.unplaced.len(),
            plan.nodes_used,
            plan.lower_bound,
            plan.gpu_fragmentation,
            100.0 * plan.fragmentation_ratio,
            plan.solve_time
        );
        // The trace asks for 98 % of the cluster's GPUs with CPU and memory
        // per GPU that do not match every node: no greedy policy places
        // all of it, each places most.
        assert!(plan.placed >= 6500, "{policy:?}: {}", plan.placed);
        assert!(plan.gpu_allocated >= 0.8 * plan.gpu_capacity);
        assert!(plan.lower_bound >= 700, "{}", plan.lower_bound);
    }
    // Packing the shares first places more than any policy alone.
    let packed = ClusterPlacer::params()
        .policy(Policy::LeastAllocated)
        .pack_shares(true)
        .check()
        .unwrap()
        .place(&cluster);
    assert_valid(&cluster, &packed);
    eprintln!(
        "openb default {}: placed {} unplaced {} fragmentation {:.1} GPUs in {:?}",
        packed.placer,
        packed.placed,
        packed.unplaced.len(),
        packed.gpu_fragmentation,
        packed.solve_time
    );
    assert!(packed.placed > best, "{} <= {best}", packed.placed);
    // The shares alone need more GPUs than the whole-GPU pods leave: no
    // placement places every pod. The cutting-stock bound puts the
    // shortfall at 108 GPUs; packing places every whole-GPU pod and leaves
    // out only shares, so it leaves at least that many pods out, and it
    // leaves exactly that many: the bound and the packing meet.
    assert_eq!(packed.gpu_shortfall, 108);
    let whole_gpu_left = packed.unplaced.iter().any(|u| {
        cluster
            .pods()
            .iter()
            .any(|p| p.name == u.workload && !matches!(p.gpu, GpuRequest::Share(_)))
    });
    assert!(!whole_gpu_left);
    assert_eq!(packed.unplaced.len(), packed.gpu_shortfall);
}

/// One node with two GPUs and shares 0.5, 0.4, 0.3, 0.3, 0.25, 0.25: they
/// fill both GPUs exactly only as {0.5, 0.25, 0.25} and {0.4, 0.3, 0.3}.
fn two_exact_gpus() -> Cluster {
    let node = ClusterNode {
        name: "n".into(),
        cpu_milli: 32_000,
        memory_mib: 65_536,
        gpus: 2,
        gpu_model: Some("T4".into()),
    };
    let pods = [500, 400, 300, 300, 250, 250]
        .iter()
        .enumerate()
        .map(|(i, &m)| ClusterPod {
            name: format!("p{i}"),
            cpu_milli: 1000,
            memory_mib: 1024,
            gpu: GpuRequest::Share(m),
            gpu_models: Vec::new(),
        })
        .collect();
    Cluster::new(vec![node], pods).unwrap()
}

#[test]
fn share_packing_places_what_one_pod_at_a_time_cannot() {
    let cluster = two_exact_gpus();
    for policy in Policy::ALL {
        let params = || ClusterPlacer::params().policy(policy);
        // Largest first, each on the tightest GPU: 0.5 + 0.4 on one GPU,
        // 0.3 + 0.3 + 0.25 on the other, no room for the last 0.25, and
        // with a single node the repair has nowhere to move a pod.
        let alone = params().check().unwrap().place(&cluster);
        assert_valid(&cluster, &alone);
        assert_eq!(alone.placed, 5, "{policy:?}");
        let packed = params().pack_shares(true).check().unwrap().place(&cluster);
        assert_valid(&cluster, &packed);
        assert!(packed.is_complete(), "{policy:?}: {:?}", packed.unplaced);
        assert_eq!(packed.gpu_fragmentation, 0.0);
        assert_eq!(packed.gpu_shortfall, 0);
        assert!(packed.placer.ends_with("+pack-shares"));
    }
}

#[test]
fn share_packing_is_valid_deterministic_and_explains_what_it_leaves_out() {
    let small = small();
    for policy in Policy::ALL {
        let packed = ClusterPlacer::params()
            .policy(policy)
            .pack_shares(true)
            .check()
            .unwrap();
        let plan = packed.place(&small);
        assert_valid(&small, &plan);
        assert_eq!(plan.placed, 14, "{policy:?}");
        assert!(plan.unplaced[0].reason.contains("GPU model not allowed"));
        for seed in 0..30 {
            let cluster = crowded(seed);
            let plan = packed.place(&cluster);
            assert_valid(&cluster, &plan);
            assert_eq!(packed.place(&cluster).assignment, plan.assignment);
        }
    }
}

/// A crowded random cluster: a few nodes, more pods than fit.
fn crowded(seed: u64) -> Cluster {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let nodes = (0..8)
        .map(|j| {
            let gpus = rng.gen_range(0..5u32);
            ClusterNode {
                name: format!("n{j}"),
                cpu_milli: rng.gen_range(4..12u64) * 1000,
                memory_mib: 65536,
                gpus,
                gpu_model: (gpus > 0).then(|| "T4".to_string()),
            }
        })
        .collect();
    let pods = (0..40)
        .map(|i| ClusterPod {
            name: format!("p{i}"),
            cpu_milli: rng.gen_range(1..4u64) * 1000,
            memory_mib: 1024,
            gpu: match rng.gen_range(0..3) {
                0 => GpuRequest::None,
                1 => GpuRequest::Share(rng.gen_range(2..9u32) * 100),
                _ => GpuRequest::Whole(rng.gen_range(1..3u32)),
            },
            gpu_models: Vec::new(),
        })
        .collect();
    Cluster::new(nodes, pods).unwrap()
}

#[test]
fn the_repair_keeps_placements_valid_and_never_places_fewer() {
    let mut helped = 0;
    for seed in 0..30 {
        let cluster = crowded(seed);
        for policy in [
            Policy::BestFit,
            Policy::FirstFit,
            Policy::LeastAllocated,
            Policy::BalancedAllocation,
        ] {
            let place = |repair: bool| {
                ClusterPlacer::params()
                    .policy(policy)
                    .repair(repair)
                    .check()
                    .unwrap()
                    .place(&cluster)
            };
            let (with, without) = (place(true), place(false));
            assert_valid(&cluster, &with);
            assert!(with.placed >= without.placed, "seed {seed} {policy:?}");
            assert_eq!(with.unplaced.len(), cluster.pods().len() - with.placed);
            assert_eq!(place(true).assignment, with.assignment, "deterministic");
            helped += usize::from(with.placed > without.placed);
        }
    }
    // Moving a pod or two makes room on some of these crowded clusters.
    assert!(helped > 0, "the repair never placed a pod");
}
