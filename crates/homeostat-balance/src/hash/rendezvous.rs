//! Weighted rendezvous hashing and jump hashing.

use super::hash2;

/// The weighted highest-random-weight score of a backend for a key:
/// `-weight / ln(u)` with `u` uniform in (0, 1) from the hash, so a backend
/// wins a share of keys proportional to its weight (Schindelhauer and
/// Schomaker's logarithmic method).
pub(crate) fn score(key: u64, id: u64, weight: f64) -> f64 {
    // 53 random bits, offset by half a step so u is never 0 or 1.
    let u = ((hash2(key, id) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    -weight / u.ln()
}

/// Lamping and Veach's jump consistent hash: a bucket in `0..buckets`;
/// growing the bucket count from n to n + 1 moves only 1/(n + 1) of keys.
pub(crate) fn jump(mut key: u64, buckets: usize) -> usize {
    let mut b: i64 = -1;
    let mut j: i64 = 0;
    let n = buckets as i64;
    while j < n {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = (((b + 1) as f64) * ((1u64 << 31) as f64 / (((key >> 33) + 1) as f64))) as i64;
    }
    b.max(0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jump_stays_in_range_and_moves_few_keys() {
        let mut moved = 0;
        for key in 0..10_000u64 {
            let a = jump(super::super::mix64(key), 10);
            let b = jump(super::super::mix64(key), 11);
            assert!(a < 10 && b < 11);
            if a != b {
                assert_eq!(b, 10, "keys only move to the new bucket");
                moved += 1;
            }
        }
        assert!((700..1150).contains(&moved), "{moved}");
        assert_eq!(jump(1, 0), 0);
    }
}
