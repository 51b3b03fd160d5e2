//! Invariants over arbitrary weights, sets and keys.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_balance::{BackendId, Balancer, Outcome, Request, Strategy};
use proptest::prelude::*;

fn strategies() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop_oneof![
        Just(Strategy::RoundRobin),
        Just(Strategy::SmoothWeightedRoundRobin),
        Just(Strategy::EarliestDeadlineFirst),
        Just(Strategy::WeightedRandom),
        Just(Strategy::p2c()),
        Just(Strategy::peak_ewma()),
        Just(Strategy::bounded_ring_hash(1.5)),
        Just(Strategy::Maglev { table_size: 251 }),
        Just(Strategy::Rendezvous),
        Just(Strategy::JumpHash),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every pick names a backend of the current set, and once all guards
    /// are done nothing is pending.
    #[test]
    fn picks_land_in_the_set_and_leave_nothing_pending(
        strategy in strategies(),
        weights in proptest::collection::vec(1e-6f64..1e6, 1..20),
        removed in proptest::collection::vec(0usize..20, 0..5),
        keys in proptest::collection::vec(any::<u64>(), 1..200),
    ) {
        let lb = weights
            .iter()
            .enumerate()
            .fold(Balancer::params(strategy), |p, (i, &w)| p.backend(BackendId(i as u64), w))
            .build()
            .unwrap();
        for r in removed {
            let _ = lb.remove(BackendId(r as u64));
        }
        let ids: Vec<BackendId> = lb.backends().iter().map(|b| b.id).collect();
        let mut held = Vec::new();
        for key in keys {
            match lb.pick(&Request::with_key(key)) {
                Ok(pick) => {
                    prop_assert!(ids.contains(&pick.backend()));
                    held.push(pick);
                }
                Err(e) => prop_assert!(ids.is_empty(), "{e}"),
            }
        }
        for (i, pick) in held.into_iter().enumerate() {
            pick.complete(if i % 2 == 0 { Outcome::Success } else { Outcome::Failure });
        }
        prop_assert!(lb.backends().iter().all(|b| b.pending == 0));
    }

    /// Smooth weighted round robin and EDF give each backend its share of
    /// a period, to the 1/1000-of-the-largest rounding.
    #[test]
    fn sequences_follow_the_rounded_weights(
        edf in any::<bool>(),
        weights in proptest::collection::vec(1.0f64..100.0, 1..8),
    ) {
        let strategy = if edf {
            Strategy::EarliestDeadlineFirst
        } else {
            Strategy::SmoothWeightedRoundRobin
        };
        let lb = weights
            .iter()
            .enumerate()
            .fold(Balancer::params(strategy), |p, (i, &w)| {
                p.backend(BackendId(i as u64), w)
            })
            .build()
            .unwrap();
        let total: f64 = weights.iter().sum();
        let picks = 20_000;
        let mut counts = vec![0usize; weights.len()];
        for _ in 0..picks {
            counts[lb.pick(&Request::new()).unwrap().backend().0 as usize] += 1;
        }
        for (c, w) in counts.iter().zip(&weights) {
            let share = *c as f64 / picks as f64;
            prop_assert!((share - w / total).abs() < 0.01, "{counts:?} {weights:?}");
        }
    }
}
