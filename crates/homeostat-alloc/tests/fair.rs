//! Max-min fair share: the defining properties on random inputs, bad input.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_alloc::Error;
use homeostat_alloc::fair::max_min_fair;
use proptest::prelude::*;

proptest! {
    /// Shares never exceed demands, use min(capacity, total demand), and
    /// every tenant short of its demand has the highest share per weight.
    #[test]
    fn water_filling_is_max_min_fair(
        capacity in 0.0f64..100.0,
        tenants in prop::collection::vec((0.1f64..5.0, 0.0f64..40.0), 1..8),
    ) {
        let shares = max_min_fair(capacity, &tenants).unwrap();
        let total_demand: f64 = tenants.iter().map(|t| t.1).sum();
        let used: f64 = shares.iter().sum();
        prop_assert!((used - capacity.min(total_demand)).abs() < 1e-6, "{used}");
        let top = tenants.iter().zip(&shares).map(|(t, s)| s / t.0).fold(0.0, f64::max);
        for ((w, d), s) in tenants.iter().zip(&shares) {
            prop_assert!(*s <= d + 1e-9 && *s >= 0.0);
            if *s < d - 1e-9 {
                prop_assert!((s / w - top).abs() < 1e-6, "short tenant below the top level");
            }
        }
    }
}

#[test]
fn bad_input_is_typed() {
    assert!(matches!(max_min_fair(1.0, &[]), Err(Error::Empty { .. })));
    assert!(matches!(
        max_min_fair(f64::NAN, &[(1.0, 1.0)]),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        max_min_fair(1.0, &[(-1.0, 1.0)]),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        max_min_fair(1.0, &[(1.0, f64::INFINITY)]),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        max_min_fair(1.0, &[(0.0, 1.0)]),
        Err(Error::InvalidValue { .. })
    ));
    assert_eq!(
        max_min_fair(5.0, &[(0.0, 0.0), (1.0, 2.0)]).unwrap(),
        vec![0.0, 2.0]
    );
}
