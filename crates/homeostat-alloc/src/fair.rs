//! Weighted max-min fair share of one divisible resource.

use crate::error::{Error, Result, check_non_negative};

/// Divides `capacity` among tenants with `(weight, demand)` so that no
/// tenant gets more than it asks for and the smallest share per unit of
/// weight is as large as possible (weighted max-min fairness).
///
/// Water-filling: every unsatisfied tenant's allocation rises in proportion
/// to its weight until the capacity runs out or it reaches its demand; a
/// satisfied tenant's unused share goes to the others. This is the exact
/// max-min fair allocation, found in `O(n log n)` without an LP solver.
///
/// ```
/// use homeostat_alloc::fair::max_min_fair;
/// // 10 units: the small tenant gets its 2, the others split 8 by weight 1:3.
/// let shares = max_min_fair(10.0, &[(1.0, 2.0), (1.0, 100.0), (3.0, 100.0)])?;
/// assert_eq!(shares, vec![2.0, 2.0, 6.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::InvalidValue`] for a NaN, infinite or negative capacity, weight
/// or demand, or a zero weight with a positive demand; [`Error::Empty`]
/// without tenants.
pub fn max_min_fair(capacity: f64, tenants: &[(f64, f64)]) -> Result<Vec<f64>> {
    check_non_negative("fair share", "capacity", capacity)?;
    if tenants.is_empty() {
        return Err(Error::Empty { what: "tenants" });
    }
    for (t, &(weight, demand)) in tenants.iter().enumerate() {
        let item = format!("tenant {t}");
        check_non_negative(&item, "weight", weight)?;
        check_non_negative(&item, "demand", demand)?;
        if weight == 0.0 && demand > 0.0 {
            return Err(Error::InvalidValue {
                item,
                field: "weight (zero with a positive demand)".into(),
                value: weight,
            });
        }
    }
    // Tenants in order of demand per unit of weight: they fill up first.
    let mut order: Vec<usize> = (0..tenants.len()).filter(|&t| tenants[t].1 > 0.0).collect();
    order.sort_by(|&a, &b| {
        let level = |t: usize| tenants[t].1 / tenants[t].0;
        level(a).total_cmp(&level(b)).then(a.cmp(&b))
    });
    let mut shares = vec![0.0; tenants.len()];
    let mut left = capacity;
    let mut weight_left: f64 = order.iter().map(|&t| tenants[t].0).sum();
    for (pos, &t) in order.iter().enumerate() {
        let (weight, demand) = tenants[t];
        let level = left / weight_left;
        if demand <= level * weight {
            shares[t] = demand;
            left -= demand;
            weight_left -= weight;
        } else {
            // Nobody from here on is satisfied: split the rest by weight.
            for &u in &order[pos..] {
                shares[u] = level * tenants[u].0;
            }
            break;
        }
    }
    Ok(shares)
}
