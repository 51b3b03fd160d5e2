//! Smooth weighted round robin (nginx), unrolled into one period so picks
//! only need an atomic cursor.

/// The resolution of weights: the largest weight becomes this many slots.
pub(crate) const WEIGHT_RESOLUTION: f64 = 1000.0;

/// One period of nginx's smooth weighted round robin over the weights
/// rounded to integers (the largest → [`WEIGHT_RESOLUTION`], every weight at
/// least 1, all divided by their gcd). Each step adds every backend's weight
/// to its current value, picks the largest current value (the first on
/// ties) and subtracts the total from it; after `total` steps every backend
/// has been picked exactly its integer weight times, spread evenly.
pub(crate) fn smooth_weighted_sequence(weights: &[f64]) -> Vec<u32> {
    let max = weights.iter().copied().fold(0.0, f64::max);
    if weights.is_empty() || max.is_nan() || max <= 0.0 {
        return Vec::new();
    }
    let ints: Vec<i64> = weights
        .iter()
        .map(|w| ((w / max * WEIGHT_RESOLUTION).round() as i64).max(1))
        .collect();
    let g = ints.iter().copied().fold(0, gcd).max(1);
    let ints: Vec<i64> = ints.iter().map(|w| w / g).collect();
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
    fn counts_follow_weights_and_equal_weights_alternate() {
        let seq = smooth_weighted_sequence(&[3.0, 3.0, 3.0]);
        assert_eq!(seq, [0, 1, 2]);
        let seq = smooth_weighted_sequence(&[0.99, 0.005, 0.005]);
        assert_eq!(seq.len(), 202); // 1000 : 5 : 5 reduced by their gcd
        assert_eq!(seq.iter().filter(|&&i| i == 0).count(), 200);
        assert!(smooth_weighted_sequence(&[]).is_empty());
    }
}
