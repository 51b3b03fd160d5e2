//! Placing a generated fleet of services on a heterogeneous cluster with
//! every greedy policy of `homeostat::alloc`, then asking for something
//! impossible to see how the library explains it.
//!
//! 2 000 replicas (CPU, memory, GPUs; some must land on A100 nodes, each
//! service's replicas spread over distinct nodes) on 400 nodes of three
//! shapes. Prints nodes used, the lower bound and the gap per policy.
//!
//! Run with `cargo run -p homeostat-examples --bin placement`.

use homeostat::alloc::{Allocator, Error, Greedy, GreedyParams, Node, Policy, Problem, Workload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(3);
    let mut problem = Problem::new(["cpu", "memory_gib", "gpu"]);
    for j in 0..400 {
        let (shape, capacity, gpu_model) = match j % 8 {
            0 => ("gpu", vec![64.0, 512.0, 8.0], "a100"),
            1 => ("gpu", vec![32.0, 256.0, 4.0], "t4"),
            2 | 3 => ("large", vec![64.0, 256.0, 0.0], "none"),
            _ => ("small", vec![16.0, 64.0, 0.0], "none"),
        };
        problem = problem.node(
            Node::new(format!("{shape}-{j}"), capacity)
                .with_label("gpu_model", gpu_model)
                .with_label("zone", ["a", "b", "c"][j % 3]),
        );
    }
    let mut replicas = 0;
    for s in 0..200 {
        let count = rng.gen_range(4..=16);
        let cpu = f64::from(rng.gen_range(1u32..=8));
        let memory = cpu * f64::from(rng.gen_range(2u32..=6));
        let gpus = if s % 10 == 0 {
            f64::from(rng.gen_range(1u32..=2))
        } else {
            0.0
        };
        for r in 0..count {
            if replicas == 2_000 {
                break;
            }
            let mut w = Workload::new(format!("svc{s}-{r}"), vec![cpu, memory, gpus])
                .spread(format!("svc{s}"));
            if s % 20 == 0 {
                w = w.require("gpu_model", "a100");
            }
            problem = problem.workload(w);
            replicas += 1;
        }
    }
    println!(
        "{replicas} replicas of up to 200 services on {} nodes",
        problem.nodes.len()
    );
    println!(
        "{:<24} {:>6} {:>6} {:>7} {:>9} {:>9}",
        "policy", "nodes", "bound", "gap", "unplaced", "time"
    );
    let mut runs: Vec<GreedyParams> = Policy::ALL
        .into_iter()
        .map(|p| Greedy::params().policy(p).local_search(false))
        .collect();
    runs.push(Greedy::params().policy(Policy::FirstFit));
    runs.push(Greedy::params());
    for params in runs {
        let greedy = params.check()?;
        let plan = greedy.allocate(&problem)?;
        println!(
            "{:<24} {:>6} {:>6} {:>6.1}% {:>9} {:>9.2?}",
            greedy.name(),
            plan.nodes_used(),
            plan.lower_bound,
            100.0 * plan.gap.unwrap_or(f64::NAN),
            plan.unplaced.len(),
            plan.solve_time
        );
    }

    // Ask for 60 replicas spread over distinct A100 nodes: there are 50.
    let mut impossible = problem.clone();
    for r in 0..60 {
        impossible = impossible.workload(
            Workload::new(format!("trainer-{r}"), vec![4.0, 32.0, 1.0])
                .require("gpu_model", "a100")
                .spread("trainer"),
        );
    }
    match Greedy::params().check()?.allocate(&impossible) {
        Err(err @ Error::Infeasible { .. }) => println!("as expected: {err}"),
        Err(err) => return Err(err.into()),
        Ok(plan) => println!("unexpectedly placed with {} unplaced", plan.unplaced.len()),
    }
    Ok(())
}
