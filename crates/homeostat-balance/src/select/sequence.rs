//! Smooth weighted round robin (nginx) and the earliest-deadline-first
//! scheduler (Envoy, gRPC), each unrolled into one period so picks only
//! need an atomic cursor.

/// The resolution of weights: the largest weight becomes this many slots.
pub(crate) const WEIGHT_RESOLUTION: f64 = 1000.0;

/// One period of nginx's smooth weighted round robin over the weights
/// rounded to integers (the largest → [`WEIGHT_RESOLUTION`], every weight at
/// least 1, all divided by their gcd). Each step adds every backend's weight
/// to its current value, picks the largest current value (the first on
/// ties) and subtracts the total from it; after `total` steps every backend
/// has been picked exactly its integer weight times, spread evenly.
pub(crate) fn smooth_weighted_sequence(weights: &[f64]) -> Vec<u32> {
    let ints = integer_weights(weights);
    let total: i64 = ints.iter().sum();
    let mut current = vec![0i64; ints.len()];
    let mut sequence = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let (mut best_i, mut best_v) = (0usize, i64::MIN);
        for (i, (c, w)) in current.iter_mut().zip(&ints).enumerate() {
            *c += w;
            if *c > best_v {
                best_v = *c;
                best_i = i;
            }
        }
        if let Some(c) = current.get_mut(best_i) {
            *c -= total;
        }
        sequence.push(best_i as u32);
    }
    sequence
}

/// One period of an earliest-deadline-first weighted scheduler (Envoy's
/// and gRPC's EDF): backend `i` with integer weight `w_i` (rounded as for
/// [`smooth_weighted_sequence`]) has deadlines `k / w_i` for `k = 1..=w_i`,
/// and the period lists every deadline in order (ties to the lower index).
/// Each backend appears exactly `w_i` times, and a backend's picks are
/// spaced by `1 / w_i` of the period.
pub(crate) fn edf_sequence(weights: &[f64]) -> Vec<u32> {
    let ints = integer_weights(weights);
    let mut deadlines: Vec<(u64, u64, u32)> = Vec::new();
    for (i, &w) in ints.iter().enumerate() {
        let w = w as u64;
        for k in 1..=w {
            // The deadline k / w as an exact fraction (numerator, denominator).
            deadlines.push((k, w, i as u32));
        }
    }
    deadlines.sort_by(|a, b| {
        (u128::from(a.0) * u128::from(b.1))
            .cmp(&(u128::from(b.0) * u128::from(a.1)))
            .then(a.2.cmp(&b.2))
    });
    deadlines.into_iter().map(|(_, _, i)| i).collect()
}

/// Weights rounded to integers (largest → [`WEIGHT_RESOLUTION`], each at
/// least 1) and divided by their gcd; empty when there are no usable
/// weights.
fn integer_weights(weights: &[f64]) -> Vec<i64> {
    let max = weights.iter().copied().fold(0.0, f64::max);
    if weights.is_empty() || max.is_nan() || max <= 0.0 {
        return Vec::new();
    }
    let ints: Vec<i64> = weights
        .iter()
        .map(|w| ((w / max * WEIGHT_RESOLUTION).round() as i64).max(1))
        .collect();
    let g = ints.iter().copied().fold(0, gcd).max(1);
    ints.iter().map(|w| w / g).collect()
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_example_5_1_1() {
        // nginx's documented sequence for weights 5, 1, 1: a a b a c a a.
        let seq = smooth_weighted_sequence(&[5.0, 1.0, 1.0]);
        assert_eq!(seq, [0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn edf_spaces_each_backend_by_its_weight() {
        // Deadlines 1/5 .. 5/5 for a, 1/1 for b and c: a a a a then a b c
        // at 1 (ties to the lower index).
        assert_eq!(edf_sequence(&[5.0, 1.0, 1.0]), [0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(edf_sequence(&[2.0, 1.0]), [0, 0, 1]);
        assert_eq!(edf_sequence(&[1.0, 1.0, 1.0]), [0, 1, 2]);
        // 1 : 2/3 rounds to 1000 : 667; every backend keeps its count.
        let seq = edf_sequence(&[3.0, 2.0]);
        assert_eq!(seq.len(), 1667);
        assert_eq!(seq.iter().filter(|&&i| i == 1).count(), 667);
        assert!(edf_sequence(&[]).is_empty());
    }

    #[test]
    fn counts_follow_weights_and_equal_weights_alternate() {
        let seq = smooth_weighted_sequence(&[3.0, 3.0, 3.0]);
        assert_eq!(seq, [0, 1, 2]);
        let seq = smooth_weighted_sequence(&[0.99, 0.005, 0.005]);
        assert_eq!(seq.len(), 202); // 1000 : 5 : 5 reduced by their gcd
        assert_eq!(seq.iter().filter(|&&i| i == 0).count(), 200);
        assert!(smooth_weighted_sequence(&[]).is_empty());
    }
}
