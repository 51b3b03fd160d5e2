//! The placement problem: nodes with multi-dimensional capacity, workloads
//! with demands and constraints, and what to optimise.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::error::{Error, Result, check_non_negative};

/// A machine that workloads can be placed on.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Node {
    /// Unique name.
    pub name: String,
    /// Capacity in each of the problem's resources, in the problem's order.
    pub capacity: Vec<f64>,
    /// Cost of using the node at all (objective [`Objective::Cost`]); default 1.
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub cost: f64,
    /// Attributes such as `zone`, `gpu_model`, or any label.
    #[cfg_attr(feature = "serde", serde(default))]
    pub labels: BTreeMap<String, String>,
}

#[cfg(feature = "serde")]
fn one() -> f64 {
    1.0
}

impl Node {
    /// A node of cost 1 and no labels.
    pub fn new(name: impl Into<String>, capacity: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            capacity,
            cost: 1.0,
            labels: BTreeMap::new(),
        }
    }

    /// Sets the cost of using the node.
    #[must_use]
    pub fn with_cost(mut self, cost: f64) -> Self {
        self.cost = cost;
        self
    }

    /// Adds a label (attribute) `key=value`.
    #[must_use]
    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
}

/// Something to place: a pod, a replica, a job.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Workload {
    /// Unique name.
    pub name: String,
    /// Demand in each of the problem's resources.
    pub demand: Vec<f64>,
    /// Higher priorities are placed first by the heuristics (default 0).
    pub priority: i32,
    /// Labels a node must have (affinity), e.g. `gpu_model=V100`.
    pub required_labels: BTreeMap<String, String>,
    /// Labels a node must not have (anti-affinity to node attributes).
    pub forbidden_labels: BTreeMap<String, String>,
    /// If set, the only nodes allowed.
    pub allowed_nodes: Option<Vec<String>>,
    /// Workloads sharing a group name go on distinct nodes (spread).
    pub anti_affinity: Option<String>,
    /// If set, the workload must run on this node.
    pub pinned: Option<String>,
    /// The node the workload runs on now, if any (objective
    /// [`Objective::Migrations`]).
    pub current: Option<String>,
    /// What moving the workload off its current node costs (default 1).
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub migration_cost: f64,
}

impl Default for Workload {
    fn default() -> Self {
        Self {
            name: String::new(),
            demand: Vec::new(),
            priority: 0,
            required_labels: BTreeMap::new(),
            forbidden_labels: BTreeMap::new(),
            allowed_nodes: None,
            anti_affinity: None,
            pinned: None,
            current: None,
            migration_cost: 1.0,
        }
    }
}

impl Workload {
    /// A workload with no constraints, priority 0, not running anywhere yet.
    pub fn new(name: impl Into<String>, demand: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            demand,
            ..Self::default()
        }
    }

    /// Records the node the workload runs on now: moving it elsewhere
    /// costs its migration cost under [`Objective::Migrations`].
    #[must_use]
    pub fn currently_on(mut self, node: impl Into<String>) -> Self {
        self.current = Some(node.into());
        self
    }

    /// Sets the cost of moving the workload off its current node
    /// (default 1).
    #[must_use]
    pub fn with_migration_cost(mut self, cost: f64) -> Self {
        self.migration_cost = cost;
        self
    }

    /// Requires the node label `key=value`.
    #[must_use]
    pub fn require(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.required_labels.insert(key.into(), value.into());
        self
    }

    /// Forbids nodes with the label `key=value`.
    #[must_use]
    pub fn forbid(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.forbidden_labels.insert(key.into(), value.into());
        self
    }

    /// Restricts the workload to the named nodes.
    #[must_use]
    pub fn allow_only<S: Into<String>>(mut self, nodes: impl IntoIterator<Item = S>) -> Self {
        self.allowed_nodes = Some(nodes.into_iter().map(Into::into).collect());
        self
    }

    /// Puts the workload in an anti-affinity group: at most one member per node.
    #[must_use]
    pub fn spread(mut self, group: impl Into<String>) -> Self {
        self.anti_affinity = Some(group.into());
        self
    }

    /// Pins the workload to a node.
    #[must_use]
    pub fn pin(mut self, node: impl Into<String>) -> Self {
        self.pinned = Some(node.into());
        self
    }

    /// Sets the priority.
    #[must_use]
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }
}

/// What a plan minimises.
///
/// ```
/// use homeostat_alloc::{Objective, Weights};
/// // One node is worth ten migrations of cost 1.
/// let objective = Objective::Weighted(Weights::default().nodes(10.0).migrations(1.0));
/// assert_eq!(objective.weights().nodes, 10.0);
/// assert_eq!(Objective::Balance.weights(), Weights::default().balance(1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Objective {
    /// The number of nodes used (bin packing).
    #[default]
    Nodes,
    /// The summed cost of the nodes used.
    Cost,
    /// The highest utilisation of any resource on any node.
    Balance,
    /// The summed migration cost of the workloads placed elsewhere than
    /// their current node (a workload without one costs nothing).
    Migrations,
    /// A weighted sum of the four above, e.g. nodes used plus migrations.
    /// Weights must be finite and non-negative, one at least positive.
    Weighted(Weights),
}

impl Objective {
    /// The weight of each single objective in this one (a single objective
    /// has weight 1 on itself).
    pub fn weights(&self) -> Weights {
        let none = Weights::default();
        match *self {
            Self::Nodes => none.nodes(1.0),
            Self::Cost => none.cost(1.0),
            Self::Balance => none.balance(1.0),
            Self::Migrations => none.migrations(1.0),
            Self::Weighted(w) => w,
        }
    }
}

/// The weights of an [`Objective::Weighted`] (all 0 by default).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Weights {
    /// Per node used.
    pub nodes: f64,
    /// Per unit of node cost.
    pub cost: f64,
    /// Per unit of peak utilisation (1.0 = a full resource).
    pub balance: f64,
    /// Per unit of migration cost.
    pub migrations: f64,
}

impl Weights {
    /// Sets the weight of the number of nodes used.
    #[must_use]
    pub fn nodes(mut self, w: f64) -> Self {
        self.nodes = w;
        self
    }

    /// Sets the weight of the summed node cost.
    #[must_use]
    pub fn cost(mut self, w: f64) -> Self {
        self.cost = w;
        self
    }

    /// Sets the weight of the peak utilisation.
    #[must_use]
    pub fn balance(mut self, w: f64) -> Self {
        self.balance = w;
        self
    }

    /// Sets the weight of the migration cost.
    #[must_use]
    pub fn migrations(mut self, w: f64) -> Self {
        self.migrations = w;
        self
    }

    /// `(objective, weight)` of each single objective with a positive weight.
    pub(crate) fn terms(&self) -> impl Iterator<Item = (Objective, f64)> {
        [
            (Objective::Nodes, self.nodes),
            (Objective::Cost, self.cost),
            (Objective::Balance, self.balance),
            (Objective::Migrations, self.migrations),
        ]
        .into_iter()
        .filter(|&(_, w)| w > 0.0)
    }

    /// Whether greedy placement should pack onto used nodes: unless only
    /// balance counts among nodes, cost and balance.
    pub(crate) fn packs(&self) -> bool {
        self.nodes > 0.0 || self.cost > 0.0 || self.balance == 0.0
    }

    fn check(&self) -> Result<()> {
        for (name, w) in [
            ("nodes", self.nodes),
            ("cost", self.cost),
            ("balance", self.balance),
            ("migrations", self.migrations),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidParameter {
                    name: "objective",
                    reason: format!("weight of {name} must be finite and >= 0, got {w}"),
                });
            }
        }
        if self.terms().next().is_none() {
            return Err(Error::InvalidParameter {
                name: "objective",
                reason: "a weighted objective needs at least one positive weight".into(),
            });
        }
        Ok(())
    }
}

/// A placement problem.
///
/// ```
/// use homeostat_alloc::{Node, Problem, Workload};
/// let problem = Problem::new(["cpu", "memory"])
///     .node(Node::new("a", vec![4.0, 16.0]).with_label("zone", "eu-1"))
///     .node(Node::new("b", vec![4.0, 16.0]).with_label("zone", "eu-2"))
///     .workload(Workload::new("web-0", vec![1.0, 2.0]).spread("web"))
///     .workload(Workload::new("web-1", vec![1.0, 2.0]).spread("web"))
///     .workload(Workload::new("db", vec![2.0, 8.0]).require("zone", "eu-1"));
/// problem.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Problem {
    /// Resource names, e.g. `["cpu", "memory", "gpu"]`.
    pub resources: Vec<String>,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The workloads.
    pub workloads: Vec<Workload>,
    /// What to minimise.
    #[cfg_attr(feature = "serde", serde(default))]
    pub objective: Objective,
}

impl Problem {
    /// An empty problem over the named resources.
    pub fn new<S: Into<String>>(resources: impl IntoIterator<Item = S>) -> Self {
        Self {
            resources: resources.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Adds a node.
    #[must_use]
    pub fn node(mut self, node: Node) -> Self {
        self.nodes.push(node);
        self
    }

    /// Adds a workload.
    #[must_use]
    pub fn workload(mut self, workload: Workload) -> Self {
        self.workloads.push(workload);
        self
    }

    /// Sets the objective.
    #[must_use]
    pub fn minimise(mut self, objective: Objective) -> Self {
        self.objective = objective;
        self
    }

    /// Checks every value and constraint; the errors name the culprit.
    pub fn validate(&self) -> Result<()> {
        Instance::new(self).map(|_| ())
    }
}

/// A checked problem in index form, shared by every solver.
#[derive(Debug, Clone)]
pub(crate) struct Instance<'p> {
    pub(crate) problem: &'p Problem,
    /// Nodes each workload may go on (labels, allow list, pin), capacity
    /// of an empty node permitting. Unconstrained workloads that fit every
    /// node share one list, so large problems do not hold workloads × nodes
    /// indices.
    pub(crate) eligible: Vec<Arc<[usize]>>,
    /// Anti-affinity group index of each workload.
    pub(crate) group: Vec<Option<usize>>,
    /// Number of anti-affinity groups.
    pub(crate) groups: usize,
    /// Largest capacity of each resource over the nodes (1 where all are 0),
    /// the unit in which sizes are compared.
    pub(crate) largest: Vec<f64>,
    /// Index of each workload's current node.
    pub(crate) current: Vec<Option<usize>>,
    /// Nodes in the order packing policies open them: by
    /// [`crate::greedy::fresh_value`], highest first, then by index.
    pub(crate) fresh_order: Vec<usize>,
}

impl<'p> Instance<'p> {
    pub(crate) fn new(problem: &'p Problem) -> Result<Self> {
        let dims = problem.resources.len();
        if dims == 0 {
            return Err(Error::Empty { what: "resources" });
        }
        if problem.nodes.is_empty() {
            return Err(Error::Empty { what: "nodes" });
        }
        if problem.workloads.is_empty() {
            return Err(Error::Empty { what: "workloads" });
        }
        if let Objective::Weighted(w) = problem.objective {
            w.check()?;
        }
        let mut node_index = HashMap::new();
        for (j, node) in problem.nodes.iter().enumerate() {
            if node_index.insert(node.name.as_str(), j).is_some() {
                return Err(Error::DuplicateName(node.name.clone()));
            }
            check_len(&node.name, "capacity", dims, node.capacity.len())?;
            for (k, &c) in node.capacity.iter().enumerate() {
                check_non_negative(
                    &node.name,
                    &format!("capacity[{}]", problem.resources[k]),
                    c,
                )?;
            }
            check_non_negative(&node.name, "cost", node.cost)?;
        }
        let all_nodes: Arc<[usize]> = (0..problem.nodes.len()).collect();
        // A demand within the smallest capacity of each resource fits
        // every empty node.
        let smallest: Vec<f64> = (0..dims)
            .map(|k| {
                problem
                    .nodes
                    .iter()
                    .map(|n| n.capacity[k])
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let mut names = HashSet::new();
        let mut group_index: HashMap<&str, usize> = HashMap::new();
        let mut eligible = Vec::with_capacity(problem.workloads.len());
        let mut group = Vec::with_capacity(problem.workloads.len());
        let mut current = Vec::with_capacity(problem.workloads.len());
        for w in &problem.workloads {
            if !names.insert(w.name.as_str()) {
                return Err(Error::DuplicateName(w.name.clone()));
            }
            check_len(&w.name, "demand", dims, w.demand.len())?;
            check_non_negative(&w.name, "migration_cost", w.migration_cost)?;
            current.push(
                w.current
                    .as_ref()
                    .map(|name| {
                        node_index
                            .get(name.as_str())
                            .copied()
                            .ok_or_else(|| Error::UnknownNode {
                                workload: w.name.clone(),
                                node: name.clone(),
                            })
                    })
                    .transpose()?,
            );
            for (k, &d) in w.demand.iter().enumerate() {
                check_non_negative(&w.name, &format!("demand[{}]", problem.resources[k]), d)?;
            }
            let lookup = |name: &String| {
                node_index
                    .get(name.as_str())
                    .copied()
                    .ok_or_else(|| Error::UnknownNode {
                        workload: w.name.clone(),
                        node: name.clone(),
                    })
            };
            let unconstrained = w.pinned.is_none()
                && w.allowed_nodes.is_none()
                && w.required_labels.is_empty()
                && w.forbidden_labels.is_empty();
            if unconstrained && fits(&vec![0.0; dims], &w.demand, &smallest) {
                eligible.push(Arc::clone(&all_nodes));
                group.push(w.anti_affinity.as_deref().map(|g| {
                    let next = group_index.len();
                    *group_index.entry(g).or_insert(next)
                }));
                continue;
            }
            let pinned = w.pinned.as_ref().map(lookup).transpose()?;
            let allowed: Option<HashSet<usize>> = w
                .allowed_nodes
                .as_ref()
                .map(|list| list.iter().map(lookup).collect())
                .transpose()?;
            let nodes: Vec<usize> = (0..problem.nodes.len())
                .filter(|&j| pinned.is_none_or(|p| p == j))
                .filter(|j| allowed.as_ref().is_none_or(|a| a.contains(j)))
                .filter(|&j| labels_match(w, &problem.nodes[j]))
                .filter(|&j| fits_empty(w, &problem.nodes[j]))
                .collect();
            if nodes.is_empty() {
                return Err(Error::Unplaceable {
                    workload: w.name.clone(),
                    reason: why_no_node(problem, w, pinned, allowed.as_ref()),
                });
            }
            eligible.push(nodes.into());
            group.push(w.anti_affinity.as_deref().map(|g| {
                let next = group_index.len();
                *group_index.entry(g).or_insert(next)
            }));
        }
        let largest = (0..dims)
            .map(|k| {
                let c = problem
                    .nodes
                    .iter()
                    .map(|n| n.capacity[k])
                    .fold(0.0, f64::max);
                if c > 0.0 { c } else { 1.0 }
            })
            .collect();
        let mut inst = Self {
            problem,
            eligible,
            group,
            groups: group_index.len(),
            largest,
            current,
            fresh_order: Vec::new(),
        };
        let value: Vec<f64> = (0..problem.nodes.len())
            .map(|j| crate::greedy::fresh_value(&inst, j))
            .collect();
        let mut order: Vec<usize> = (0..problem.nodes.len()).collect();
        order.sort_by(|&a, &b| value[b].total_cmp(&value[a]).then(a.cmp(&b)));
        inst.fresh_order = order;
        Ok(inst)
    }

    pub(crate) fn dims(&self) -> usize {
        self.problem.resources.len()
    }

    pub(crate) fn demand(&self, i: usize) -> &[f64] {
        &self.problem.workloads[i].demand
    }

    pub(crate) fn capacity(&self, j: usize) -> &[f64] {
        &self.problem.nodes[j].capacity
    }
}

/// Refuses a vector whose length differs from the problem's resources.
pub(crate) fn check_len(
    item: &str,
    field: &'static str,
    expected: usize,
    found: usize,
) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            item: item.to_owned(),
            field,
            expected,
            found,
        })
    }
}

fn labels_match(w: &Workload, node: &Node) -> bool {
    w.required_labels
        .iter()
        .all(|(k, v)| node.labels.get(k) == Some(v))
        && !w
            .forbidden_labels
            .iter()
            .any(|(k, v)| node.labels.get(k) == Some(v))
}

/// Tolerance on capacity checks, relative to the capacity, so that sums of
/// decimal demands that equal a capacity are accepted.
pub(crate) const EPS: f64 = 1e-9;

pub(crate) fn fits(used: &[f64], demand: &[f64], capacity: &[f64]) -> bool {
    used.iter()
        .zip(demand)
        .zip(capacity)
        .all(|((u, d), c)| u + d <= c + EPS * c.max(1.0))
}

fn fits_empty(w: &Workload, node: &Node) -> bool {
    fits(&vec![0.0; w.demand.len()], &w.demand, &node.capacity)
}

/// The first constraint that, alone, rules out every node for `w`.
fn why_no_node(
    problem: &Problem,
    w: &Workload,
    pinned: Option<usize>,
    allowed: Option<&HashSet<usize>>,
) -> String {
    let candidates: Vec<&Node> = problem
        .nodes
        .iter()
        .enumerate()
        .filter(|(j, _)| pinned.is_none_or(|p| p == *j))
        .filter(|(j, _)| allowed.is_none_or(|a| a.contains(j)))
        .map(|(_, n)| n)
        .collect();
    let scope = match (pinned, allowed) {
        (Some(_), _) => "the pinned node",
        (None, Some(_)) => "the allowed nodes",
        (None, None) => "all nodes",
    };
    let labelled: Vec<&Node> = candidates
        .iter()
        .copied()
        .filter(|n| labels_match(w, n))
        .collect();
    if labelled.is_empty() {
        return format!(
            "no node among {scope} has the required labels {:?} without the forbidden {:?}",
            w.required_labels, w.forbidden_labels
        );
    }
    for (k, name) in problem.resources.iter().enumerate() {
        let largest = labelled
            .iter()
            .map(|n| n.capacity.get(k).copied().unwrap_or(0.0))
            .fold(0.0, f64::max);
        let demand = w.demand.get(k).copied().unwrap_or(0.0);
        if demand > largest {
            return format!(
                "{name} demand {demand} exceeds the largest {name} capacity {largest} of the matching nodes"
            );
        }
    }
    "no single matching node has room in every resource at once".to_owned()
}
