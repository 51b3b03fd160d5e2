//! Local search that improves a placement without breaking any constraint.

use crate::greedy::{Policy, choose, sizes};
use crate::model::Objective;
use crate::state::State;

/// Improves `state` in place for its problem's objective, for at most
/// `max_rounds` sweeps (node closing) or moves (balancing); then retries
/// the unplaced workloads.
///
/// A weighted objective runs the phase of each of its terms with a positive
/// weight (migrations first, then nodes or cost, then balance), each on a
/// copy that is kept only when the weighted objective does not get worse.
pub(crate) fn improve(state: &mut State<'_, '_>, max_rounds: usize) {
    match state.inst.problem.objective {
        Objective::Nodes | Objective::Cost => empty_nodes(state, max_rounds),
        Objective::Balance => level_peaks(state, max_rounds),
        Objective::Migrations => return_home(state, max_rounds),
        Objective::Weighted(w) => {
            let mut phases: Vec<fn(&mut State<'_, '_>, usize)> = Vec::new();
            if w.migrations > 0.0 {
                phases.push(return_home);
            }
            if w.nodes > 0.0 || w.cost > 0.0 {
                phases.push(empty_nodes);
            }
            if w.balance > 0.0 {
                phases.push(level_peaks);
            }
            for phase in phases {
                let mut trial = state.clone();
                phase(&mut trial, max_rounds);
                let unplaced = |s: &State<'_, '_>| s.unplaced().count();
                if unplaced(&trial) <= unplaced(state) && trial.objective() <= state.objective() {
                    *state = trial;
                }
            }
        }
    }
    let unplaced: Vec<usize> = state.unplaced().collect();
    for i in unplaced {
        if let Some(j) = choose(state, i, Policy::BestFit) {
            state.place(i, j);
        }
    }
}

/// Closes nodes: tries to move every workload of a used node onto the other
/// used nodes (best fit, largest first), least loaded (or, for cost, most
/// expensive) nodes first; keeps the move only if the node empties. At most
/// `max_rounds` sweeps over the used nodes.
fn empty_nodes(state: &mut State<'_, '_>, max_rounds: usize) {
    let inst = state.inst;
    let size = sizes(inst);
    let w = inst.problem.objective.weights();
    let by_cost = w.cost > 0.0 && w.nodes == 0.0;
    for _ in 0..max_rounds {
        let mut used: Vec<usize> = (0..inst.problem.nodes.len())
            .filter(|&j| state.count[j] > 0)
            .collect();
        let load = |j: usize| -> f64 {
            state.used[j]
                .iter()
                .zip(&inst.largest)
                .map(|(u, l)| u / l)
                .sum()
        };
        used.sort_by(|&a, &b| {
            let cost = |j: usize| inst.problem.nodes[j].cost;
            let primary = if by_cost {
                cost(b).total_cmp(&cost(a))
            } else {
                std::cmp::Ordering::Equal
            };
            primary.then(load(a).total_cmp(&load(b))).then(a.cmp(&b))
        });
        // One sweep tries every used node once, so a sweep costs about as
        // much as the greedy pass itself; sweeps repeat while nodes close.
        let mut closed = false;
        for &victim in &used {
            if state.count[victim] > 0 && try_close(state, victim, &size) {
                closed = true;
            }
        }
        if !closed {
            break;
        }
    }
}

/// Moves every workload off `victim` onto other used nodes, or changes nothing.
fn try_close(state: &mut State<'_, '_>, victim: usize, size: &[f64]) -> bool {
    let inst = state.inst;
    let mut members: Vec<usize> = (0..state.assign.len())
        .filter(|&i| state.assign[i] == Some(victim))
        .collect();
    members.sort_by(|&a, &b| size[b].total_cmp(&size[a]).then(a.cmp(&b)));
    let mut moved = Vec::with_capacity(members.len());
    for &i in &members {
        // Only used nodes qualify: scan them directly when every node is
        // eligible (large problems), else filter the eligible list.
        let candidates: &[usize] = if inst.eligible[i].len() == inst.problem.nodes.len() {
            &state.in_use
        } else {
            &inst.eligible[i]
        };
        let target = candidates
            .iter()
            .copied()
            .filter(|&j| j != victim && state.count[j] > 0 && state.can_place(i, j))
            .map(|j| (slack_after(state, i, j), j))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, j)| j);
        match target {
            Some(j) => {
                state.remove(i);
                state.place(i, j);
                moved.push(i);
            }
            None => {
                for &m in &moved {
                    state.remove(m);
                    state.place(m, victim);
                }
                return false;
            }
        }
    }
    true
}

fn slack_after(state: &State<'_, '_>, i: usize, j: usize) -> f64 {
    let inst = state.inst;
    (0..inst.dims())
        .map(|k| (inst.capacity(j)[k] - state.used[j][k] - inst.demand(i)[k]) / inst.largest[k])
        .sum()
}

/// Lowers the highest node peak utilisation: moves one workload off the
/// hottest node to wherever the larger of the two new peaks is lowest.
fn level_peaks(state: &mut State<'_, '_>, max_rounds: usize) {
    let inst = state.inst;
    let m = inst.problem.nodes.len();
    for _ in 0..max_rounds {
        let Some(hot) =
            (0..m).max_by(|&a, &b| state.peak(a).total_cmp(&state.peak(b)).then(b.cmp(&a)))
        else {
            return;
        };
        let current = state.peak(hot);
        let members: Vec<usize> = (0..state.assign.len())
            .filter(|&i| state.assign[i] == Some(hot))
            .collect();
        let mut best: Option<(f64, usize, usize)> = None;
        for &i in &members {
            state.remove(i);
            let hot_after = state.peak(hot);
            for &j in inst.eligible[i].iter() {
                if j == hot || !state.can_place(i, j) {
                    continue;
                }
                state.place(i, j);
                let worst = hot_after.max(state.peak(j));
                state.remove(i);
                if worst < current - 1e-12 && best.is_none_or(|(w, _, _)| worst < w) {
                    best = Some((worst, i, j));
                }
            }
            state.place(i, hot);
        }
        match best {
            Some((_, i, j)) => {
                state.remove(i);
                state.place(i, j);
            }
            None => return,
        }
    }
}

/// Brings moved workloads back to their current node: directly when it has
/// room, else by sending one cheaper workload from there elsewhere (best
/// fit) when that lowers the migration cost. At most `max_rounds` sweeps,
/// while something improves.
fn return_home(state: &mut State<'_, '_>, max_rounds: usize) {
    let inst = state.inst;
    let cost = |i: usize| inst.problem.workloads[i].migration_cost;
    for _ in 0..max_rounds {
        let mut improved = false;
        for i in 0..state.assign.len() {
            let Some(home) = inst.current[i] else {
                continue;
            };
            if state.assign[i].is_none()
                || state.assign[i] == Some(home)
                || inst.eligible[i].binary_search(&home).is_err()
            {
                continue;
            }
            if go_home(state, i, home, &cost) {
                improved = true;
            }
        }
        if !improved {
            return;
        }
    }
}

/// Moves `i` (placed elsewhere) to `home`, possibly evicting one cheaper
/// workload; changes nothing unless the migration cost drops.
fn go_home(state: &mut State<'_, '_>, i: usize, home: usize, cost: &dyn Fn(usize) -> f64) -> bool {
    let inst = state.inst;
    let Some(away) = state.assign[i] else {
        return false;
    };
    state.remove(i);
    if state.can_place(i, home) {
        state.place(i, home);
        return true;
    }
    // What moving a workload `k` off `home` adds to the cost.
    let extra = |k: usize| {
        if inst.current[k] == Some(home) {
            cost(k)
        } else {
            0.0
        }
    };
    let mut evictable: Vec<usize> = (0..state.assign.len())
        .filter(|&k| state.assign[k] == Some(home) && extra(k) < cost(i))
        .collect();
    evictable.sort_by(|&a, &b| extra(a).total_cmp(&extra(b)).then(a.cmp(&b)));
    for k in evictable {
        state.remove(k);
        if state.can_place(i, home) {
            state.place(i, home);
            let target = inst.eligible[k]
                .iter()
                .copied()
                .filter(|&j| j != home && state.can_place(k, j))
                .map(|j| (slack_after(state, k, j), j))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, j)| j);
            if let Some(j) = target {
                state.place(k, j);
                return true;
            }
            state.remove(i);
        }
        state.place(k, home);
    }
    state.place(i, away);
    false
}
