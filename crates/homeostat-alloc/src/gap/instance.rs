//! OR-Library GAP instances: reading and checking.

use std::path::Path;

use crate::error::{Error, Result};

/// A generalised assignment instance (minimisation form).
///
/// ```
/// use homeostat_alloc::gap::GapInstance;
/// // 2 agents, 3 jobs: costs, then weights, then capacities.
/// let gap = GapInstance::parse("2 3  1 2 3  3 2 1   1 1 1  1 1 1   2 2")?;
/// assert_eq!((gap.agents(), gap.jobs()), (2, 3));
/// assert_eq!(gap.cost(1, 2), 1.0);
/// assert_eq!(gap.total_cost(&[0, 0, 1])?, 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GapInstance {
    agents: usize,
    jobs: usize,
    /// `cost[agent * jobs + job]`.
    cost: Vec<f64>,
    /// `weight[agent * jobs + job]`.
    weight: Vec<f64>,
    capacity: Vec<f64>,
}

impl GapInstance {
    /// Builds an instance from row-major `agents × jobs` cost and weight
    /// matrices and the agents' capacities, checking every value.
    pub fn new(
        agents: usize,
        jobs: usize,
        cost: Vec<f64>,
        weight: Vec<f64>,
        capacity: Vec<f64>,
    ) -> Result<Self> {
        if agents == 0 {
            return Err(Error::Empty { what: "agents" });
        }
        if jobs == 0 {
            return Err(Error::Empty { what: "jobs" });
        }
        let cells = agents * jobs;
        for (name, len, want) in [
            ("cost", cost.len(), cells),
            ("weight", weight.len(), cells),
            ("capacity", capacity.len(), agents),
        ] {
            if len != want {
                return Err(Error::Malformed(format!(
                    "{name} has {len} values, expected {want}"
                )));
            }
        }
        for (idx, &c) in cost.iter().enumerate() {
            if !c.is_finite() {
                return Err(Error::InvalidValue {
                    item: format!("job {}", idx % jobs),
                    field: format!("cost on agent {}", idx / jobs),
                    value: c,
                });
            }
        }
        for (idx, &w) in weight.iter().enumerate() {
            crate::error::check_non_negative(
                &format!("job {}", idx % jobs),
                &format!("weight on agent {}", idx / jobs),
                w,
            )?;
        }
        for (i, &c) in capacity.iter().enumerate() {
            crate::error::check_non_negative(&format!("agent {i}"), "capacity", c)?;
        }
        let gap = Self {
            agents,
            jobs,
            cost,
            weight,
            capacity,
        };
        for j in 0..jobs {
            if !(0..agents).any(|i| gap.weight(i, j) <= gap.capacity[i]) {
                return Err(Error::Unplaceable {
                    workload: format!("job {j}"),
                    reason: "its weight exceeds the capacity of every agent".into(),
                });
            }
        }
        Ok(gap)
    }

    /// Parses the OR-Library format: `m n`, the `m × n` cost matrix, the
    /// `m × n` weight matrix, then the `m` capacities, whitespace separated.
    pub fn parse(text: &str) -> Result<Self> {
        let mut tokens = text.split_whitespace().enumerate();
        let mut count = |what: &str| -> Result<usize> {
            let (pos, tok) = tokens
                .next()
                .ok_or_else(|| Error::Malformed(format!("missing {what}")))?;
            tok.parse::<usize>()
                .map_err(|_| Error::Malformed(format!("token {pos} ({tok:?}) is not a {what}")))
        };
        let agents = count("number of agents")?;
        let jobs = count("number of jobs")?;
        let cells = agents
            .checked_mul(jobs)
            .filter(|&c| c <= 100_000_000)
            .ok_or_else(|| Error::Malformed(format!("{agents} x {jobs} is too large")))?;
        let mut numbers = Vec::with_capacity(2 * cells + agents);
        for (pos, tok) in tokens {
            let x: f64 = tok
                .parse()
                .map_err(|_| Error::Malformed(format!("token {pos} ({tok:?}) is not a number")))?;
            numbers.push(x);
        }
        let want = 2 * cells + agents;
        if numbers.len() != want {
            return Err(Error::Malformed(format!(
                "{} numbers after the header, expected {want} for {agents} agents and {jobs} jobs",
                numbers.len()
            )));
        }
        let capacity = numbers.split_off(2 * cells);
        let weight = numbers.split_off(cells);
        Self::new(agents, jobs, numbers, weight, capacity)
    }

    /// A random instance of Chu and Beasley's type "c" (the generator of
    /// OR-Library's `c*` instances): costs uniform in 10..50, weights
    /// uniform in 5..25, each agent's capacity 80 % of its share of its
    /// weights, `floor(0.8 * sum_j w[i][j] / agents)`. Same seed, same
    /// instance.
    ///
    /// ```
    /// use homeostat_alloc::gap::GapInstance;
    /// let gap = GapInstance::chu_beasley_c(5, 40, 7)?;
    /// assert_eq!((gap.agents(), gap.jobs()), (5, 40));
    /// assert_eq!(gap, GapInstance::chu_beasley_c(5, 40, 7)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Empty`] without agents or jobs; [`Error::Unplaceable`]
    /// when so few jobs per agent are drawn that some job is heavier than
    /// every capacity.
    pub fn chu_beasley_c(agents: usize, jobs: usize, seed: u64) -> Result<Self> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let cells = agents.saturating_mul(jobs);
        let cost: Vec<f64> = (0..cells)
            .map(|_| f64::from(rng.gen_range(10u32..50)))
            .collect();
        let weight: Vec<f64> = (0..cells)
            .map(|_| f64::from(rng.gen_range(5u32..25)))
            .collect();
        let capacity = (0..agents)
            .map(|i| {
                let own: f64 = weight[i * jobs..(i + 1) * jobs].iter().sum();
                (0.8 * own / agents as f64).floor()
            })
            .collect();
        Self::new(agents, jobs, cost, weight, capacity)
    }

    /// Reads and parses a file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Malformed(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text)
    }

    /// Number of agents.
    pub fn agents(&self) -> usize {
        self.agents
    }

    /// Number of jobs.
    pub fn jobs(&self) -> usize {
        self.jobs
    }

    /// Cost of giving `job` to `agent`. Panics if either is out of range.
    pub fn cost(&self, agent: usize, job: usize) -> f64 {
        self.cost[agent * self.jobs + job]
    }

    /// Weight of `job` on `agent`. Panics if either is out of range.
    pub fn weight(&self, agent: usize, job: usize) -> f64 {
        self.weight[agent * self.jobs + job]
    }

    /// Capacities of the agents.
    pub fn capacity(&self) -> &[f64] {
        &self.capacity
    }

    /// Whether all costs are integers (then bounds may be rounded up).
    pub fn integral_costs(&self) -> bool {
        self.cost.iter().all(|c| c.fract() == 0.0)
    }

    /// Total cost of an assignment (agent per job).
    pub fn total_cost(&self, assignment: &[usize]) -> Result<f64> {
        self.check_assignment(assignment)?;
        Ok(assignment
            .iter()
            .enumerate()
            .map(|(j, &i)| self.cost(i, j))
            .sum())
    }

    /// Whether an assignment keeps every agent within capacity.
    pub fn is_feasible(&self, assignment: &[usize]) -> Result<bool> {
        self.check_assignment(assignment)?;
        let mut load = vec![0.0; self.agents];
        for (j, &i) in assignment.iter().enumerate() {
            load[i] += self.weight(i, j);
        }
        Ok(load
            .iter()
            .zip(&self.capacity)
            .all(|(l, c)| *l <= c + 1e-9 * c.max(1.0)))
    }

    fn check_assignment(&self, assignment: &[usize]) -> Result<()> {
        if assignment.len() != self.jobs {
            return Err(Error::InvalidParameter {
                name: "assignment",
                reason: format!(
                    "{} entries, expected one per job ({})",
                    assignment.len(),
                    self.jobs
                ),
            });
        }
        if let Some((j, &i)) = assignment
            .iter()
            .enumerate()
            .find(|(_, i)| **i >= self.agents)
        {
            return Err(Error::InvalidParameter {
                name: "assignment",
                reason: format!("job {j} given agent {i}, there are {}", self.agents),
            });
        }
        Ok(())
    }
}
