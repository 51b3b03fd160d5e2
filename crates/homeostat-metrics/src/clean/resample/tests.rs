use super::*;
use homeostat_core::Quality;
use proptest::prelude::*;

fn t(s: i64) -> Timestamp {
    Timestamp::from_secs(s)
}

fn secs(s: i64) -> Duration {
    Duration::from_secs(s)
}

fn series(points: &[(i64, f64)]) -> Series {
    Series::builder("m")
        .unwrap()
        .build_from_points(points.iter().map(|&(s, v)| (t(s), v)))
        .unwrap()
}

#[test]
fn every_aggregation_by_hand() {
    // Buckets of the rows 10, 20, 30: (0,10] (10,20] (20,30].
    let s = series(&[
        (0, 100.0),
        (5, 2.0),
        (10, 4.0),
        (12, f64::NAN),
        (15, -1.0),
        (30, 9.0),
    ]);
    let grid = Grid::new(t(10), secs(10), 3).unwrap();
    let run = |a| resample(&s, &grid, a).unwrap().values().to_vec();
    assert_eq!(run(Aggregation::Mean), [3.0, -1.0, 9.0]);
    assert_eq!(run(Aggregation::Last), [4.0, -1.0, 9.0]);
    assert_eq!(run(Aggregation::Max), [4.0, -1.0, 9.0]);
    assert_eq!(run(Aggregation::Min), [2.0, -1.0, 9.0]);
    assert_eq!(run(Aggregation::Sum), [6.0, -1.0, 9.0]);
    assert_eq!(run(Aggregation::Count), [2.0, 1.0, 1.0]);
}

#[test]
fn buckets_are_open_on_the_left_and_closed_on_the_right() {
    let s = series(&[(10, 1.0), (20, 2.0)]);
    let grid = Grid::new(t(10), secs(10), 2).unwrap();
    assert_eq!(
        resample(&s, &grid, Aggregation::Sum).unwrap().values(),
        &[1.0, 2.0]
    );
    let shifted = Grid::new(t(15), secs(10), 2).unwrap(); // (5,15] (15,25]
    assert_eq!(
        resample(&s, &shifted, Aggregation::Sum).unwrap().values(),
        &[1.0, 2.0]
    );
    let ms = Series::new("m", vec![Timestamp::from_millis(10_001)], vec![1.0]).unwrap();
    assert_eq!(
        resample(&ms, &grid, Aggregation::Count).unwrap().values(),
        &[0.0, 1.0]
    );
}

#[test]
fn empty_buckets_are_missing_except_for_count() {
    let grid = Grid::new(t(10), secs(10), 2).unwrap();
    let empty = Series::empty("m").unwrap();
    for a in [
        Aggregation::Mean,
        Aggregation::Last,
        Aggregation::Max,
        Aggregation::Min,
        Aggregation::Sum,
    ] {
        assert!(
            resample(&empty, &grid, a)
                .unwrap()
                .values()
                .iter()
                .all(|v| v.is_nan())
        );
    }
    assert_eq!(
        resample(&empty, &grid, Aggregation::Count)
            .unwrap()
            .values(),
        &[0.0, 0.0]
    );
    let all_nan = series(&[(5, f64::NAN), (15, f64::NAN)]);
    assert!(
        resample(&all_nan, &grid, Aggregation::Mean)
            .unwrap()
            .values()
            .iter()
            .all(|v| v.is_nan())
    );
    let none = Grid::new(t(10), secs(10), 0).unwrap();
    assert!(
        resample(&series(&[(5, 1.0)]), &none, Aggregation::Mean)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn overflowing_sums_are_missing_not_infinite() {
    let s = series(&[(1, f64::MAX), (2, f64::MAX)]);
    let grid = Grid::new(t(10), secs(10), 1).unwrap();
    assert!(resample(&s, &grid, Aggregation::Sum).unwrap().values()[0].is_nan());
    assert_eq!(
        resample(&s, &grid, Aggregation::Max).unwrap().values(),
        &[f64::MAX]
    );
}

#[test]
fn grid_rejects_bad_parameters() {
    assert!(Grid::new(t(0), Duration::from_millis(-5), 1).is_err());
    assert!(Grid::new(t(0), secs(1), MAX_GRID_LEN + 1).is_err());
    assert!(Grid::new(Timestamp::MAX, secs(1), 2).is_err());
    assert!(Grid::covering(t(0), Timestamp::MAX, Duration::from_millis(1)).is_err());
    assert!(Grid::covering(Timestamp::MAX, Timestamp::MAX, secs(7)).is_err());
    let grid = Grid::covering(Timestamp::MIN, Timestamp::MIN, secs(1)).unwrap();
    assert_eq!(grid.len(), 1);
    assert_eq!(grid.bucket_of(Timestamp::MIN), Some(0));
    assert_eq!(grid.bucket_of(Timestamp::MAX), None);
}

#[test]
fn grid_covering_negative_times_rounds_up() {
    let grid = Grid::covering(
        Timestamp::from_millis(-15),
        Timestamp::from_millis(-1),
        Duration::from_millis(10),
    )
    .unwrap();
    let rows: Vec<i64> = grid.timestamps().iter().map(|t| t.as_millis()).collect();
    assert_eq!(rows, [-10, 0]);
}

#[test]
fn frames_resample_column_by_column() {
    let frame = Frame::from_columns(
        vec![t(1), t(9), t(18)],
        [
            ("a", vec![1.0, 3.0, f64::NAN]),
            ("b", vec![f64::NAN, 2.0, 4.0]),
        ],
    )
    .unwrap()
    .with_quality(ndarray::array![
        [Quality::Observed, Quality::Missing],
        [Quality::Filled, Quality::Observed],
        [Quality::Missing, Quality::Observed]
    ])
    .unwrap();
    let out = Resample::new(secs(10), Aggregation::Mean)
        .fit_transform(&frame)
        .unwrap();
    assert_eq!(out.index(), &[t(10), t(20)]);
    assert_eq!(out.value(0, "a"), Some(2.0));
    assert!(out.value(1, "a").unwrap().is_nan());
    assert_eq!(out.column("b").unwrap().to_vec(), [2.0, 4.0]);
    assert!(out.quality().is_none());

    let empty = Frame::from_columns(Vec::new(), [("a", Vec::new())]).unwrap();
    let out = Resample::new(secs(10), Aggregation::Mean)
        .transform(&empty)
        .unwrap();
    assert_eq!(out.shape(), (0, 1));
    assert!(
        Resample::new(Duration::ZERO, Aggregation::Mean)
            .fit(&frame)
            .is_err()
    );
    assert!(
        Resample::new(Duration::ZERO, Aggregation::Mean)
            .transform(&frame)
            .is_err()
    );
}

#[test]
fn duplicate_keys_are_an_error() {
    let grid = Grid::new(t(10), secs(10), 1).unwrap();
    let s = series(&[(1, 1.0)]);
    assert!(resample_to_frame(&[s.clone(), s], &grid, Aggregation::Sum).is_err());
}

#[test]
fn resample_config_round_trips_through_serde() {
    let r = Resample::new(Duration::from_minutes(5), Aggregation::Count);
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(json, r#"{"step":"5m","aggregation":"count"}"#);
    assert_eq!(serde_json::from_str::<Resample>(&json).unwrap(), r);
}

proptest! {
    #[test]
    fn counts_add_up_to_the_points_in_range(
        points in prop::collection::btree_map(-500i64..500, prop::option::weighted(0.8, -1e3f64..1e3), 0..100),
        start in -600i64..600,
        step in 1i64..100,
        len in 0usize..40,
    ) {
        let s = Series::builder("m").unwrap().build_from_points(
            points.iter().map(|(&ms, v)| (Timestamp::from_millis(ms), v.unwrap_or(f64::NAN)))).unwrap();
        let grid = Grid::new(Timestamp::from_millis(start), Duration::from_millis(step), len).unwrap();
        let counts = resample(&s, &grid, Aggregation::Count).unwrap();
        let total: f64 = counts.values().iter().sum();
        let lo = start - step;
        let hi = start + step * (len as i64 - 1);
        let expected = points.iter().filter(|&(&ms, v)| v.is_some() && ms > lo && ms <= hi && len > 0).count();
        prop_assert_eq!(total as usize, expected);

        let mean = resample(&s, &grid, Aggregation::Mean).unwrap();
        let min = resample(&s, &grid, Aggregation::Min).unwrap();
        let max = resample(&s, &grid, Aggregation::Max).unwrap();
        for ((m, lo), hi) in mean.values().iter().zip(min.values()).zip(max.values()) {
            prop_assert_eq!(m.is_nan(), lo.is_nan());
            if !m.is_nan() {
                prop_assert!(lo <= m && m <= hi);
            }
        }
    }

    #[test]
    fn covering_grid_holds_every_point(first in -10_000i64..10_000, span in 0i64..10_000, step in 1i64..1000) {
        let (a, b) = (Timestamp::from_millis(first), Timestamp::from_millis(first + span));
        let grid = Grid::covering(a, b, Duration::from_millis(step)).unwrap();
        prop_assert_eq!(grid.bucket_of(a), Some(0));
        prop_assert_eq!(grid.bucket_of(b), Some(grid.len() - 1));
        prop_assert_eq!(grid.start().as_millis().rem_euclid(step), 0);
    }

    #[test]
    fn the_cursor_finds_the_bucket_the_grid_finds(
        start in -1_000i64..1_000,
        step in 1i64..100,
        len in 1usize..50,
        points in proptest::collection::vec(prop_oneof![
            -3_000i64..6_000,
            Just(i64::MIN),
            Just(i64::MAX),
        ], 0..100),
    ) {
        let grid = Grid::new(Timestamp::from_millis(start), Duration::from_millis(step), len).unwrap();
        let mut cursor = grid.cursor();
        for ms in points {
            let t = Timestamp::from_millis(ms);
            prop_assert_eq!(cursor.bucket_of(t), grid.bucket_of(t), "at {} ms", ms);
        }
    }
}
