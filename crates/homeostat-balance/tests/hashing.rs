//! Consistent hashing: few keys move when the set changes, loads stay
//! bounded, and placement is the same in every process.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_balance::{BackendId, Balancer, Outcome, Request, Strategy};

const KEYS: u64 = 50_000;

fn key(k: u64) -> Request {
    Request::with_key_bytes(format!("user-{k}").as_bytes())
}

fn placement(lb: &Balancer) -> Vec<u64> {
    (0..KEYS)
        .map(|k| lb.pick(&key(k)).unwrap().backend().0)
        .collect()
}

fn moved(a: &[u64], b: &[u64]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as f64 / a.len() as f64
}

#[test]
fn adding_or_removing_one_backend_moves_at_most_one_nth_plus_one_percent() {
    for strategy in [
        Strategy::maglev(),
        Strategy::ring_hash(),
        Strategy::Rendezvous,
    ] {
        for n in [5u64, 10, 40] {
            let lb = Balancer::params(strategy)
                .uniform_backends(n)
                .build()
                .unwrap();
            let before = placement(&lb);
            lb.remove(BackendId(n / 2)).unwrap();
            let after_remove = placement(&lb);
            let bound = 1.0 / n as f64 + 0.01;
            let m = moved(&before, &after_remove);
            assert!(m <= bound, "{strategy} remove of {n}: {m:.4} > {bound:.4}");
            // Keys that did not live on the removed backend mostly stay.
            lb.add(BackendId(n / 2), 1.0).unwrap();
            let back = placement(&lb);
            let m = moved(&after_remove, &back);
            let bound = 1.0 / n as f64 + 0.01;
            assert!(m <= bound, "{strategy} add to {n}: {m:.4} > {bound:.4}");
            if strategy != Strategy::maglev() {
                assert_eq!(before, back, "{strategy}: same set, same placement");
            }
        }
    }
}

#[test]
fn jump_hash_moves_only_to_a_new_last_backend() {
    let lb = Balancer::params(Strategy::JumpHash)
        .uniform_backends(10)
        .build()
        .unwrap();
    let before = placement(&lb);
    lb.add(BackendId(10), 1.0).unwrap();
    let after = placement(&lb);
    for (a, b) in before.iter().zip(&after) {
        assert!(a == b || *b == 10);
    }
    assert!(moved(&before, &after) <= 1.0 / 11.0 + 0.01);
}

#[test]
fn hashing_spreads_keys_evenly_and_rendezvous_by_weight() {
    for strategy in [
        Strategy::maglev(),
        Strategy::ring_hash(),
        Strategy::JumpHash,
    ] {
        let lb = Balancer::params(strategy)
            .uniform_backends(10)
            .build()
            .unwrap();
        let mut counts = [0usize; 10];
        for b in placement(&lb) {
            counts[b as usize] += 1;
        }
        for c in counts {
            let share = c as f64 / KEYS as f64;
            assert!((0.07..0.13).contains(&share), "{strategy}: {counts:?}");
        }
    }
    let lb = Balancer::params(Strategy::Rendezvous)
        .backend(BackendId(0), 1.0)
        .backend(BackendId(1), 3.0)
        .build()
        .unwrap();
    let heavy = placement(&lb).iter().filter(|&&b| b == 1).count() as f64 / KEYS as f64;
    assert!((heavy - 0.75).abs() < 0.01, "{heavy}");
}

/// Weighted Maglev: key shares follow the weights (the table fill gives a
/// backend turns in proportion to its weight), a re-weight moves keys
/// towards the heavier backend, and equal weights give the unweighted
/// table.
#[test]
fn weighted_maglev_shares_follow_weights() {
    let weights = [1.0, 2.0, 3.0, 4.0];
    let lb = weights
        .iter()
        .enumerate()
        .fold(Balancer::params(Strategy::maglev()), |p, (i, &w)| {
            p.backend(BackendId(i as u64), w)
        })
        .build()
        .unwrap();
    let keys = 200_000u64;
    let mut counts = [0usize; 4];
    for k in 0..keys {
        counts[lb
            .lookup(&Request::with_key(k.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .unwrap()
            .0 as usize] += 1;
    }
    for (i, w) in weights.iter().enumerate() {
        let share = counts[i] as f64 / keys as f64;
        assert!((share - w / 10.0).abs() < 0.01, "{counts:?}");
    }
    // A heavy backend among light ones: 0.99 / 0.005 / 0.005.
    let lb = Balancer::params(Strategy::maglev())
        .backend(BackendId(0), 0.99)
        .backend(BackendId(1), 0.005)
        .backend(BackendId(2), 0.005)
        .build()
        .unwrap();
    let heavy = placement(&lb).iter().filter(|&&b| b == 0).count() as f64 / KEYS as f64;
    assert!((heavy - 0.99).abs() < 0.005, "{heavy}");
    // Doubling one of five equal weights moves keys only onto it, and
    // about the share it gains (1/5 → 2/6).
    let lb = Balancer::params(Strategy::maglev())
        .uniform_backends(5)
        .build()
        .unwrap();
    let before = placement(&lb);
    lb.set_weight(BackendId(2), 2.0).unwrap();
    let after = placement(&lb);
    let gained = 2.0 / 6.0 - 1.0 / 5.0;
    let m = moved(&before, &after);
    assert!(m <= gained + 0.02, "moved {m:.4}");
    let onto = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b && **b == 2)
        .count() as f64
        / KEYS as f64;
    assert!(
        onto >= 0.9 * m,
        "{onto:.4} of {m:.4} moved onto the heavier backend"
    );
    // Equal weights of any size give the same table as weight 1.
    let unit = Balancer::params(Strategy::maglev())
        .uniform_backends(7)
        .build()
        .unwrap();
    let scaled = (0..7)
        .fold(Balancer::params(Strategy::maglev()), |p, i| {
            p.backend(BackendId(i), 3.5)
        })
        .build()
        .unwrap();
    assert_eq!(placement(&unit), placement(&scaled));
}

#[test]
fn placement_is_fixed_by_ids_and_keys() {
    // The same ids in a different order give the same placement.
    let a = Balancer::params(Strategy::maglev())
        .uniform_backends(7)
        .build()
        .unwrap();
    let b = (0..7)
        .rev()
        .fold(Balancer::params(Strategy::maglev()), |p, i| {
            p.backend(BackendId(i), 1.0)
        })
        .build()
        .unwrap();
    let ring = Balancer::params(Strategy::ring_hash())
        .uniform_backends(7)
        .build()
        .unwrap();
    for k in 0..1000 {
        assert_eq!(
            a.pick(&key(k)).unwrap().backend(),
            b.pick(&key(k)).unwrap().backend()
        );
        assert_eq!(
            ring.pick(&key(k)).unwrap().backend(),
            ring.pick(&key(k)).unwrap().backend()
        );
    }
}

#[test]
fn bounded_load_ring_keeps_the_maximum_within_the_factor() {
    let epsilon = 0.25;
    let lb = Balancer::params(Strategy::bounded_ring_hash(1.0 + epsilon))
        .uniform_backends(10)
        .build()
        .unwrap();
    // 2000 requests in flight at once, keys skewed: a quarter of them are
    // one hot key.
    let held: Vec<_> = (0..2000u64)
        .map(|k| {
            let k = if k.is_multiple_of(4) { 0 } else { k };
            lb.pick(&key(k)).unwrap()
        })
        .collect();
    let pending: Vec<u64> = lb.backends().iter().map(|b| b.pending).collect();
    let mean = 2000.0 / 10.0;
    let max = *pending.iter().max().unwrap() as f64;
    assert!(max <= ((1.0 + epsilon) * mean).ceil(), "{pending:?}");
    for pick in held {
        pick.complete(Outcome::Success);
    }
    // Without the bound the hot key's backend takes 500 or more.
    let unbounded = Balancer::params(Strategy::ring_hash())
        .uniform_backends(10)
        .build()
        .unwrap();
    let held: Vec<_> = (0..2000u64)
        .map(|k| {
            unbounded
                .pick(&key(if k.is_multiple_of(4) { 0 } else { k }))
                .unwrap()
        })
        .collect();
    let max = unbounded
        .backends()
        .iter()
        .map(|b| b.pending)
        .max()
        .unwrap();
    assert!(max >= 500, "{max}");
    drop(held);
}
