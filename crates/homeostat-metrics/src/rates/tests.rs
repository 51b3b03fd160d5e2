//! Worked PromQL examples, computed by hand from Prometheus' algorithm.

use homeostat_core::{Duration, Frame, Series, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::Transform;

fn series(points: &[(i64, f64)]) -> Series {
    let ts = points.iter().map(|p| Timestamp::from_secs(p.0)).collect();
    let vs = points.iter().map(|p| p.1).collect();
    Series::new("x", ts, vs).unwrap()
}

/// The value of `function(x[range_secs s])` at `at_secs`.
fn at(function: RangeFunction, points: &[(i64, f64)], range_secs: i64, at_secs: i64) -> f64 {
    let t = Timestamp::from_secs(at_secs);
    let grid = Grid::spanning(t, t, Duration::from_secs(1)).unwrap();
    let out = function
        .evaluate(&series(points), Duration::from_secs(range_secs), &grid)
        .unwrap();
    out.values()[0]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// 0, 15, 30, ... every 15 s: one per second.
fn linear_counter() -> Vec<(i64, f64)> {
    (0..=8).map(|i| (15 * i, 15.0 * i as f64)).collect()
}

#[test]
fn steady_counter_rates_one_per_second() {
    // Window (0, 60] holds 15..60: difference 45 over 45 s, 15 s to the
    // start (< 1.1 × 15 s) so extrapolated to 60 s: increase 60, rate 1.
    let c = linear_counter();
    assert!(close(at(RangeFunction::Rate, &c, 60, 60), 1.0));
    assert!(close(at(RangeFunction::Increase, &c, 60, 60), 60.0));
    assert!(close(at(RangeFunction::Delta, &c, 60, 60), 60.0));
    assert!(close(at(RangeFunction::Irate, &c, 60, 60), 1.0));
    assert!(close(at(RangeFunction::Idelta, &c, 60, 60), 15.0));
    assert!(close(at(RangeFunction::Deriv, &c, 60, 60), 1.0));
    // Off the scrape phase: (7, 67] holds 15..60, 8 s to the start and 7 s
    // to the end, both extrapolated: 45 × 60 / 45 = 60.
    assert!(close(at(RangeFunction::Increase, &c, 60, 67), 60.0));
}

#[test]
fn counter_reset_adds_the_value_before_the_drop() {
    // (0, 60] holds 10, 25, 10, 25: 15 + 25 (lost at the reset) = 40 over
    // 45 s, extrapolated 15 s to the start: zero point is 45 × 10/40 =
    // 11.25 s back, which is nearer, so the start moves only 11.25 s.
    let c = [(15, 10.0), (30, 25.0), (45, 10.0), (60, 25.0)];
    let increase = 40.0 * (45.0 + 11.25) / 45.0;
    assert!(close(at(RangeFunction::Increase, &c, 60, 60), increase));
    assert!(close(at(RangeFunction::Rate, &c, 60, 60), increase / 60.0));
    // delta sees a gauge: 25 - 10 = 15, extrapolated by 60/45.
    assert!(close(at(RangeFunction::Delta, &c, 60, 60), 20.0));
    // irate at the reset: the counter restarted, so 10 / 15 s.
    assert!(close(at(RangeFunction::Irate, &c, 60, 45), 10.0 / 15.0));
    assert!(close(at(RangeFunction::Idelta, &c, 60, 45), -15.0));
}

#[test]
fn series_starting_mid_window_extrapolates_half_an_interval() {
    // (0, 60] holds 40, 50, 60: 40 s to the start ≥ 1.1 × 10 s, so only
    // 5 s; the zero point (20 × 100/20 = 100 s back) is further.
    let c = [(40, 100.0), (50, 110.0), (60, 120.0)];
    assert!(close(at(RangeFunction::Increase, &c, 60, 60), 25.0));
    assert!(close(at(RangeFunction::Rate, &c, 60, 60), 25.0 / 60.0));
    // A gauge ending mid-window: (0, 60] holds 10, 20, 30; 10 s to the
    // start (< 11) and 30 s to the end (≥ 11, so 5 s): 20 × 35/20 = 35.
    let g = [(10, 10.0), (20, 20.0), (30, 30.0)];
    assert!(close(at(RangeFunction::Delta, &g, 60, 60), 35.0));
}

#[test]
fn counters_are_not_extrapolated_below_zero() {
    // Starts at 1 after 40 s: half an interval back would be 5 s, but the
    // counter reached zero 1 s before the first sample.
    let c = [(40, 1.0), (50, 11.0), (60, 21.0)];
    assert!(close(at(RangeFunction::Increase, &c, 60, 60), 21.0));
    // delta has no such clamp.
    assert!(close(at(RangeFunction::Delta, &c, 60, 60), 25.0));
}

#[test]
fn windows_with_fewer_than_two_samples_are_missing() {
    let c = linear_counter();
    for f in [
        RangeFunction::Rate,
        RangeFunction::Increase,
        RangeFunction::Delta,
        RangeFunction::Irate,
        RangeFunction::Idelta,
        RangeFunction::Deriv,
    ] {
        // (0, 15] holds one sample; (-60, -1] none; an empty series none.
        assert!(at(f, &c, 15, 15).is_nan(), "{f:?}");
        assert!(at(f, &c, 59, -1).is_nan(), "{f:?}");
        assert!(at(f, &[], 60, 60).is_nan(), "{f:?}");
    }
}

#[test]
fn the_window_is_open_on_the_left() {
    // (0, 15] excludes the sample at 0: one sample, so missing; (−1, 15]
    // holds both.
    let c = [(0, 0.0), (15, 15.0)];
    assert!(at(RangeFunction::Rate, &c, 15, 15).is_nan());
    assert!(!at(RangeFunction::Rate, &c, 16, 15).is_nan());
}

#[test]
fn missing_samples_are_skipped_as_if_not_scraped() {
    let with_gap = [(15, 15.0), (30, f64::NAN), (45, 45.0), (60, 60.0)];
    let without = [(15, 15.0), (45, 45.0), (60, 60.0)];
    for f in [
        RangeFunction::Increase,
        RangeFunction::Irate,
        RangeFunction::Deriv,
    ] {
        assert_eq!(at(f, &with_gap, 60, 60), at(f, &without, 60, 60));
    }
    let all_missing = [(15, f64::NAN), (30, f64::NAN)];
    assert!(at(RangeFunction::Rate, &all_missing, 60, 60).is_nan());
}

#[test]
fn deriv_is_the_least_squares_slope() {
    // Points (0, 0), (10, 6), (20, 10): slope of the fit is 0.5 per second.
    let g = [(0, 0.0), (10, 6.0), (20, 10.0)];
    assert!(close(at(RangeFunction::Deriv, &g, 30, 20), 0.5));
    let flat = [(0, 3.0), (10, 3.0)];
    assert_eq!(at(RangeFunction::Deriv, &flat, 30, 20), 0.0);
}

#[test]
fn overflow_is_missing_not_infinite() {
    let g = [(0, -f64::MAX), (10, f64::MAX)];
    assert!(at(RangeFunction::Delta, &g, 30, 10).is_nan());
}

#[test]
fn bad_parameters_are_typed_errors() {
    let t = Timestamp::from_secs(0);
    let grid = Grid::spanning(t, t, Duration::from_secs(1)).unwrap();
    let err = RangeFunction::Rate
        .evaluate(&series(&[]), Duration::from_secs(-5), &grid)
        .unwrap_err();
    assert!(err.to_string().contains("-5s"), "{err}");
    let huge = Grid::spanning(Timestamp::MIN, Timestamp::MAX, Duration::from_millis(1));
    assert!(matches!(huge, Err(crate::Error::InvalidParameter { .. })));
    let frame = Frame::from_columns(vec![t], [("x", vec![1.0])]).unwrap();
    let bad_step = Rate::new(RangeFunction::Rate, Duration::from_secs(60), Duration::ZERO);
    assert!(bad_step.transform(&frame).is_err());
    let empty = Frame::from_columns(Vec::new(), [("x", Vec::new())]).unwrap();
    assert!(bad_step.transform(&empty).is_err());
}

#[test]
fn grids_align_to_step_multiples_including_before_the_epoch() {
    let step = Duration::from_secs(30);
    let g = Grid::aligned_within(Timestamp::from_secs(-45), Timestamp::from_secs(0), step)
        .unwrap()
        .unwrap();
    let secs: Vec<i64> = g
        .timestamps()
        .into_iter()
        .map(|t| t.as_millis() / 1000)
        .collect();
    assert_eq!(secs, [-30, 0]);
    assert!(
        Grid::aligned_within(Timestamp::MIN, Timestamp::MIN, step)
            .unwrap()
            .is_none()
    );
}

#[test]
fn frame_transform_renames_and_handles_empty_frames() {
    let rate = Rate::new(
        RangeFunction::Increase,
        Duration::from_minutes(1),
        Duration::from_secs(60),
    );
    let empty = Frame::from_columns(Vec::new(), [("x", Vec::new())]).unwrap();
    let out = rate.transform(&empty).unwrap();
    assert_eq!(out.nrows(), 0);
    assert_eq!(out.columns()[0].name(), "increase(x[1m])");
    // A span that holds no multiple of the step.
    let short = Frame::from_columns(
        vec![Timestamp::from_secs(61), Timestamp::from_secs(62)],
        [("x", vec![1.0, 2.0])],
    )
    .unwrap();
    assert_eq!(rate.transform(&short).unwrap().nrows(), 0);
    let back: Rate = serde_json::from_str(&serde_json::to_string(&rate).unwrap()).unwrap();
    assert_eq!(back, rate);
}

proptest! {
    #[test]
    fn increase_of_a_monotone_counter_is_nonnegative_and_rate_is_increase_over_range(
        start in 0.0..1e6f64,
        steps in proptest::collection::vec((1i64..60_000, 0.0..1e3f64), 0..60),
        range_ms in 1i64..600_000,
        step_ms in 1_000i64..60_000,
    ) {
        let mut t = 0i64;
        let mut v = start;
        let mut ts = vec![Timestamp::from_millis(t)];
        let mut vs = vec![v];
        for (dt, dv) in steps {
            t += dt;
            v += dv;
            ts.push(Timestamp::from_millis(t));
            vs.push(v);
        }
        let counter = Series::new("c", ts, vs).unwrap();
        let grid = Grid::spanning(Timestamp::from_millis(0), Timestamp::from_millis(t + range_ms), Duration::from_millis(step_ms)).unwrap();
        let range = Duration::from_millis(range_ms);
        let inc = RangeFunction::Increase.evaluate(&counter, range, &grid).unwrap();
        let rate = RangeFunction::Rate.evaluate(&counter, range, &grid).unwrap();
        for (i, r) in inc.values().iter().zip(rate.values()) {
            prop_assert_eq!(i.is_nan(), r.is_nan());
            if !i.is_nan() {
                prop_assert!(*i >= 0.0);
                let expected = i / range.as_secs_f64();
                prop_assert!((r - expected).abs() <= 1e-9 * expected.abs().max(1e-9));
            }
        }
    }
}
