//! Lower bounds on the GPUs that the shared-GPU pods need: bin packing of
//! shares in thousandths of a GPU into GPUs of 1000.
//!
//! Two bounds, the larger reported. Martello and Toth's L2 counts the
//! shares that cannot meet; the cutting-stock LP of Gilmore and Gomory
//! (one variable per packing pattern of one GPU) is much stronger when a
//! few share sizes repeat thousands of times, as in the openb trace, where
//! L2 stays 43 GPUs below what the packing needs. The LP is solved through
//! its dual: one weight `y_s ∈ [0, 1]` per share size, no GPU's pattern
//! worth more than 1, maximising the count-weighted sum. Any weights are a
//! valid bound once divided by the most a pattern is worth (found exactly
//! by a knapsack over the 1000 thousandths), so the bound stays valid
//! whenever the rounds stop; a pattern worth more than 1 becomes a new
//! constraint (the column generation of the primal).
//!
//! The LP's cost grows fast with the number of distinct sizes (about 30 ms
//! for 40 sizes over 8 000 shares, 0.8 s for 100, 36 s for 300), so above
//! [`MAX_SIZES`] the shares are first rounded down to multiples of
//! `1000 / MAX_SIZES` thousandths: smaller shares need no more GPUs, so the
//! bound stays valid, only weaker.

use std::collections::BTreeMap;

use good_lp::solvers::microlp::microlp;
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use super::GPU_MILLI;

/// Rounds of the dual's row generation; each adds one pattern. The openb
/// trace (20 sizes) closes in far fewer.
const MAX_ROUNDS: usize = 400;

/// Most distinct share sizes the LP takes as they are (see the module
/// documentation).
const MAX_SIZES: usize = 40;

/// The fewest GPUs that shares of `shares` thousandths (each below one
/// GPU; zeros need none) can be packed into: the larger of the L2 bound
/// and the cutting-stock LP bound, each rounded up.
pub(super) fn share_gpus_lower_bound(shares: &[u32]) -> u64 {
    l2_bound(shares).max(cutting_stock_bound(shares))
}

/// Martello and Toth's L2 bound. For a threshold `k`, shares above
/// `1000 - k` and those above 500 each need their own GPU, and the shares
/// from `k` to 500 need at least what they exceed of the room the latter
/// leave; the bound is the best `k`.
fn l2_bound(shares: &[u32]) -> u64 {
    let cap = u64::from(GPU_MILLI);
    let mut thresholds: Vec<u32> = shares
        .iter()
        .copied()
        .filter(|&m| 2 * m <= GPU_MILLI)
        .collect();
    thresholds.push(0);
    thresholds.sort_unstable();
    thresholds.dedup();
    thresholds
        .into_iter()
        .map(|k| {
            let (mut alone, mut big, mut big_sum, mut small_sum) = (0u64, 0u64, 0u64, 0u64);
            for &m in shares.iter().filter(|&&m| m > 0) {
                if m > GPU_MILLI - k {
                    alone += 1;
                } else if 2 * m > GPU_MILLI {
                    big += 1;
                    big_sum += u64::from(m);
                } else if m >= k {
                    small_sum += u64::from(m);
                }
            }
            let room = big * cap - big_sum;
            alone + big + small_sum.saturating_sub(room).div_ceil(cap)
        })
        .max()
        .unwrap_or(0)
}

/// The cutting-stock LP bound, rounded up (0 if the LP solver fails: the
/// L2 bound then stands alone).
fn cutting_stock_bound(shares: &[u32]) -> u64 {
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    for &m in shares.iter().filter(|&&m| m > 0 && m < GPU_MILLI) {
        *counts.entry(m).or_default() += 1;
    }
    if counts.len() > MAX_SIZES {
        let grid = GPU_MILLI / MAX_SIZES as u32;
        let mut coarse: BTreeMap<u32, u64> = BTreeMap::new();
        for (m, n) in counts {
            if m >= grid {
                *coarse.entry(m / grid * grid).or_default() += n;
            }
        }
        counts = coarse;
    }
    let sizes: Vec<(u32, u64)> = counts.into_iter().collect();
    if sizes.is_empty() {
        return 0;
    }
    // Each size alone, as many copies as one GPU holds: the dual is then
    // bounded from the first round.
    let mut patterns: Vec<Vec<u64>> = (0..sizes.len())
        .map(|s| {
            let mut p = vec![0; sizes.len()];
            p[s] = most_copies(&sizes, s);
            p
        })
        .collect();
    let mut best = 0.0f64;
    for _ in 0..MAX_ROUNDS {
        let Some(y) = solve_dual(&sizes, &patterns) else {
            break;
        };
        let (worth, pattern) = best_pattern(&sizes, &y);
        let value: f64 = sizes.iter().zip(&y).map(|(&(_, n), w)| n as f64 * w).sum();
        // Divided by the most a pattern is worth, the weights are feasible.
        best = best.max(value / worth.max(1.0));
        if worth <= 1.0 + 1e-9 || patterns.contains(&pattern) {
            break;
        }
        patterns.push(pattern);
    }
    // Floating-point slack below the next integer is not a GPU.
    (best - 1e-6).ceil().max(0.0) as u64
}

/// How many copies of size `s` one GPU holds, at most its count.
fn most_copies(sizes: &[(u32, u64)], s: usize) -> u64 {
    let (m, n) = sizes[s];
    (u64::from(GPU_MILLI) / u64::from(m)).min(n)
}

/// The dual of the restricted cutting-stock LP: maximise `Σ n_s y_s` over
/// `y ∈ [0, 1]^sizes` with every known pattern worth at most 1.
fn solve_dual(sizes: &[(u32, u64)], patterns: &[Vec<u64>]) -> Option<Vec<f64>> {
    let mut vars = ProblemVariables::new();
    let y: Vec<Variable> = sizes
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let objective: Expression = sizes.iter().zip(&y).map(|(&(_, n), &v)| n as f64 * v).sum();
    let mut problem = vars.maximise(objective).using(microlp);
    for p in patterns {
        let worth: Expression = p.iter().zip(&y).map(|(&k, &v)| k as f64 * v).sum();
        problem = problem.with(worth.leq(1.0));
    }
    let solution = problem.solve().ok()?;
    Some(
        y.iter()
            .map(|&v| solution.value(v).clamp(0.0, 1.0))
            .collect(),
    )
}

/// The pattern of one GPU worth most under weights `y` (a bounded
/// knapsack over the thousandths, each size at most [`most_copies`]
/// times), and its worth.
fn best_pattern(sizes: &[(u32, u64)], y: &[f64]) -> (f64, Vec<u64>) {
    let cap = GPU_MILLI as usize;
    // One 0/1 item per copy; `take[item][r]` records the choices.
    let copies: Vec<usize> = (0..sizes.len())
        .flat_map(|s| std::iter::repeat_n(s, most_copies(sizes, s) as usize))
        .filter(|&s| y[s] > 0.0)
        .collect();
    let mut worth = vec![0.0f64; cap + 1];
    let mut take = vec![false; copies.len() * (cap + 1)];
    for (t, &s) in copies.iter().enumerate() {
        let w = sizes[s].0 as usize;
        for r in (w..=cap).rev() {
            let with = worth[r - w] + y[s];
            if with > worth[r] {
                worth[r] = with;
                take[t * (cap + 1) + r] = true;
            }
        }
    }
    let mut pattern = vec![0u64; sizes.len()];
    let mut r = cap;
    for (t, &s) in copies.iter().enumerate().rev() {
        if take[t * (cap + 1) + r] {
            pattern[s] += 1;
            r -= sizes[s].0 as usize;
        }
    }
    (worth[cap], pattern)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_l2_bound_counts_shares_that_cannot_meet() {
        assert_eq!(l2_bound(&[]), 0);
        // 1.5 GPUs of shares, and the 0.3 can join a 0.6: two GPUs.
        assert_eq!(l2_bound(&[600, 600, 300]), 2);
        assert_eq!(l2_bound(&[600, 600, 600]), 3);
        // Threshold 300: the 0.75s take a GPU each and leave 0.25, too
        // little for a 0.3; the four 0.3s need two more GPUs.
        assert_eq!(l2_bound(&[750, 750, 300, 300, 300, 300]), 4);
        // Sum bound alone: ten 0.1s fit one GPU.
        assert_eq!(l2_bound(&[100; 10]), 1);
    }

    #[test]
    fn the_lp_bound_sees_what_l2_misses() {
        // Five 0.4s: two a GPU, so three GPUs; L2 only sees their sum.
        assert_eq!(l2_bound(&[400; 5]), 2);
        assert_eq!(cutting_stock_bound(&[400; 5]), 3);
        assert_eq!(share_gpus_lower_bound(&[400; 5]), 3);
        // Seven 0.34s: two a GPU (three would be 1.02), four GPUs.
        assert_eq!(share_gpus_lower_bound(&[340; 7]), 4);
        assert_eq!(share_gpus_lower_bound(&[]), 0);
        assert_eq!(share_gpus_lower_bound(&[0, 0]), 0);
    }

    /// First fit decreasing: a feasible packing, so at least the bound.
    fn first_fit_decreasing(shares: &[u32]) -> u64 {
        let mut sorted = shares.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let mut free: Vec<u32> = Vec::new();
        for m in sorted.into_iter().filter(|&m| m > 0) {
            match free.iter_mut().find(|f| **f >= m) {
                Some(f) => *f -= m,
                None => free.push(GPU_MILLI - m),
            }
        }
        free.len() as u64
    }

    #[test]
    fn the_bounds_never_exceed_a_packing_and_the_lp_is_at_least_the_sum() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for round in 0..40 {
            let kinds = rng.gen_range(1..12);
            let palette: Vec<u32> = (0..kinds).map(|_| rng.gen_range(1..1000)).collect();
            let shares: Vec<u32> = (0..rng.gen_range(1..300))
                .map(|_| palette[rng.gen_range(0..kinds)])
                .collect();
            let packed = first_fit_decreasing(&shares);
            let bound = share_gpus_lower_bound(&shares);
            assert!(bound <= packed, "round {round}: {bound} > {packed}");
            let sum: u64 = shares.iter().map(|&m| u64::from(m)).sum();
            assert!(
                cutting_stock_bound(&shares) >= sum.div_ceil(1000),
                "round {round}"
            );
        }
    }

    #[test]
    fn many_distinct_sizes_are_rounded_down_and_the_bound_stays_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        // 8 000 shares of up to 999 sizes: on the exact sizes the LP would
        // take minutes; rounded to 25 thousandths it takes milliseconds.
        let shares: Vec<u32> = (0..8000).map(|_| rng.gen_range(1..1000)).collect();
        let lp = cutting_stock_bound(&shares);
        let packed = first_fit_decreasing(&shares);
        assert!(lp <= packed, "{lp} > {packed}");
        // The rounded shares still need their sum.
        let rounded: u64 = shares.iter().map(|&m| u64::from(m / 25 * 25)).sum();
        assert!(lp >= rounded.div_ceil(1000), "{lp}");
        assert!(share_gpus_lower_bound(&shares) >= l2_bound(&shares));
    }
}
