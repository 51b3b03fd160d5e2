use super::*;
use proptest::prelude::*;

const NAN: f64 = f64::NAN;
use Quality::{Filled as F, Interpolated as I, Missing as M, Observed as O};

fn t(s: i64) -> Timestamp {
    Timestamp::from_secs(s)
}

fn grid(n: i64) -> Vec<Timestamp> {
    (0..n).map(|k| t(10 * k)).collect()
}

/// Values with NaN compared as equal, for assertions.
fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

fn fill(values: &[f64], method: FillMethod, max_gap_secs: i64) -> (Vec<f64>, Vec<Quality>) {
    let ts = grid(values.len() as i64);
    fill_gaps(&ts, values, method, Duration::from_secs(max_gap_secs)).unwrap()
}

#[test]
fn linear_by_hand() {
    let (v, q) = fill(
        &[NAN, 0.0, NAN, NAN, 6.0, NAN, NAN, NAN, NAN, 1.0, NAN],
        FillMethod::Linear,
        30,
    );
    // The gap between 0 and 6 spans 30 s: filled. The one between 6 and 1 spans 50 s: not.
    assert!(same(
        &v,
        &[NAN, 0.0, 2.0, 4.0, 6.0, NAN, NAN, NAN, NAN, 1.0, NAN]
    ));
    assert_eq!(q, [M, O, I, I, O, M, M, M, M, O, M]);
}

#[test]
fn linear_uses_time_not_positions() {
    let ts = [t(0), t(1), t(4)];
    let (v, _) = fill_gaps(
        &ts,
        &[0.0, NAN, 8.0],
        FillMethod::Linear,
        Duration::from_secs(4),
    )
    .unwrap();
    assert_eq!(v, [0.0, 2.0, 8.0]);
}

#[test]
fn forward_by_hand() {
    let (v, q) = fill(
        &[NAN, 1.0, NAN, NAN, NAN, 5.0, NAN],
        FillMethod::Forward,
        20,
    );
    assert!(same(&v, &[NAN, 1.0, 1.0, 1.0, NAN, 5.0, 5.0]));
    assert_eq!(q, [M, O, F, F, M, O, F]);
}

#[test]
fn gap_of_exactly_max_gap_is_filled_and_one_millisecond_more_is_not() {
    let ts = [t(0), t(5), t(10)];
    let values = [1.0, NAN, 3.0];
    let at = Duration::from_secs(10);
    let below = Duration::from_millis(9_999);
    assert_eq!(
        fill_gaps(&ts, &values, FillMethod::Linear, at).unwrap().0,
        [1.0, 2.0, 3.0]
    );
    assert!(
        fill_gaps(&ts, &values, FillMethod::Linear, below)
            .unwrap()
            .0[1]
            .is_nan()
    );
    let forward = [1.0, NAN, NAN];
    let (v, _) = fill_gaps(&ts, &forward, FillMethod::Forward, at).unwrap();
    assert_eq!(v, [1.0, 1.0, 1.0]);
    let (v, _) = fill_gaps(&ts, &forward, FillMethod::Forward, below).unwrap();
    assert!(same(&v, &[1.0, 1.0, NAN]));
}

#[test]
fn edge_cases() {
    for method in [FillMethod::Linear, FillMethod::Forward] {
        assert_eq!(fill(&[], method, 10), (vec![], vec![]));
        assert_eq!(fill(&[2.0], method, 10), (vec![2.0], vec![O]));
        let (v, q) = fill(&[NAN, NAN], method, 1000);
        assert!(v.iter().all(|v| v.is_nan()));
        assert_eq!(q, [M, M]);
        // max_gap zero fills nothing.
        let (v, _) = fill(&[1.0, NAN, 2.0], method, 0);
        assert!(v[1].is_nan());
    }
    let (v, q) = fill(&[NAN, 1.0, NAN], FillMethod::Linear, 1000);
    assert!(v[0].is_nan() && v[2].is_nan());
    assert_eq!(q, [M, O, M]);
}

#[test]
fn bad_input_is_an_error() {
    let d = Duration::from_secs(1);
    assert!(fill_gaps(&[t(0)], &[], FillMethod::Linear, d).is_err());
    assert!(fill_gaps(&[t(1), t(1)], &[1.0, NAN], FillMethod::Linear, d).is_err());
    assert!(fill_gaps(&[t(0)], &[1.0], FillMethod::Linear, Duration::from_secs(-1)).is_err());
    let frame = Frame::from_columns(vec![t(0)], [("x", vec![1.0])]).unwrap();
    assert!(
        FillGaps::new(FillMethod::Forward, Duration::from_secs(-1))
            .fit(&frame)
            .is_err()
    );
    assert!(
        FillGaps::new(FillMethod::Forward, Duration::from_secs(-1))
            .transform(&frame)
            .is_err()
    );
}

#[test]
fn interpolation_between_extremes_stays_finite() {
    let (v, _) = fill(&[-f64::MAX, NAN, f64::MAX], FillMethod::Linear, 100);
    assert!(v[1].is_finite());
}

#[test]
fn series_keep_their_key() {
    let s = Series::new("temp", grid(3), vec![1.0, NAN, 2.0]).unwrap();
    let (filled, q) = fill_series(&s, FillMethod::Linear, Duration::from_secs(20)).unwrap();
    assert_eq!(filled.key(), s.key());
    assert_eq!(filled.values(), &[1.0, 1.5, 2.0]);
    assert_eq!(q, [O, I, O]);
}

#[test]
fn frames_get_a_quality_mask_and_keep_earlier_qualities() {
    let frame = Frame::from_columns(
        grid(4),
        [
            ("a", vec![0.0, NAN, NAN, 3.0]),
            ("b", vec![NAN, 1.0, NAN, NAN]),
        ],
    )
    .unwrap()
    .with_quality(ndarray::array![[I, M], [M, O], [M, M], [F, M]])
    .unwrap();
    let out = FillGaps::new(FillMethod::Linear, Duration::from_secs(30))
        .fit_transform(&frame)
        .unwrap();
    assert_eq!(out.column("a").unwrap().to_vec(), [0.0, 1.0, 2.0, 3.0]);
    let mask = out.quality().unwrap();
    assert_eq!(mask.column(0).to_vec(), [I, I, I, F]);
    assert_eq!(mask.column(1).to_vec(), [M, O, M, M]);

    let forward = fill_frame(&frame, FillMethod::Forward, Duration::from_secs(10)).unwrap();
    assert_eq!(forward.column("b").unwrap()[2], 1.0);
    assert!(forward.column("b").unwrap()[3].is_nan());
    assert_eq!(forward.quality_at(2, 1), Some(F));

    let empty = Frame::from_columns(Vec::new(), [("a", Vec::new())]).unwrap();
    assert_eq!(
        fill_frame(&empty, FillMethod::Linear, Duration::ZERO)
            .unwrap()
            .shape(),
        (0, 1)
    );
}

#[test]
fn fill_config_round_trips_through_serde() {
    let f = FillGaps::new(FillMethod::Forward, Duration::from_minutes(1));
    let json = serde_json::to_string(&f).unwrap();
    assert_eq!(json, r#"{"method":"forward","max_gap":"1m"}"#);
    assert_eq!(serde_json::from_str::<FillGaps>(&json).unwrap(), f);
}

fn arbitrary_column() -> impl Strategy<Value = (Vec<Timestamp>, Vec<f64>)> {
    prop::collection::btree_map(
        -1000i64..1000,
        prop::option::weighted(0.5, -1e6f64..1e6),
        0..60,
    )
    .prop_map(|points| {
        let ts = points
            .keys()
            .map(|&ms| Timestamp::from_millis(ms))
            .collect();
        let vs = points.values().map(|v| v.unwrap_or(NAN)).collect();
        (ts, vs)
    })
}

proptest! {
    #[test]
    fn linear_fills_lie_between_their_neighbours((ts, vs) in arbitrary_column(), max_gap in 0i64..500) {
        let (filled, quality) = fill_gaps(&ts, &vs, FillMethod::Linear, Duration::from_millis(max_gap)).unwrap();
        let mut left: Option<(Timestamp, f64)> = None;
        for i in 0..vs.len() {
            prop_assert_eq!(quality[i] == M, filled[i].is_nan());
            if !vs[i].is_nan() {
                prop_assert_eq!(quality[i], O);
                prop_assert_eq!(filled[i], vs[i]);
                left = Some((ts[i], vs[i]));
                continue;
            }
            let right = (i..vs.len()).find(|&j| !vs[j].is_nan()).map(|j| (ts[j], vs[j]));
            match (left, right) {
                (Some((t0, a)), Some((t1, b))) if t1.since(t0) <= Duration::from_millis(max_gap) => {
                    prop_assert_eq!(quality[i], I);
                    prop_assert!(a.min(b) <= filled[i] && filled[i] <= a.max(b));
                }
                _ => prop_assert_eq!(quality[i], M),
            }
        }
    }

    #[test]
    fn forward_fills_repeat_a_recent_observation((ts, vs) in arbitrary_column(), max_gap in 0i64..500) {
        let (filled, quality) = fill_gaps(&ts, &vs, FillMethod::Forward, Duration::from_millis(max_gap)).unwrap();
        let mut last: Option<(Timestamp, f64)> = None;
        for i in 0..vs.len() {
            if !vs[i].is_nan() {
                last = Some((ts[i], vs[i]));
                prop_assert_eq!(quality[i], O);
            } else if let Some((t0, v0)) = last.filter(|(t0, _)| ts[i].since(*t0) <= Duration::from_millis(max_gap)) {
                let _ = t0;
                prop_assert_eq!(quality[i], F);
                prop_assert_eq!(filled[i], v0);
            } else {
                prop_assert_eq!(quality[i], M);
                prop_assert!(filled[i].is_nan());
            }
        }
    }

    #[test]
    fn frame_fill_agrees_with_fill_gaps((ts, vs) in arbitrary_column(), max_gap in 0i64..500) {
        let frame = Frame::from_columns(ts.clone(), [("x", vs.clone())]).unwrap();
        let d = Duration::from_millis(max_gap);
        let out = fill_frame(&frame, FillMethod::Linear, d).unwrap();
        let (filled, quality) = fill_gaps(&ts, &vs, FillMethod::Linear, d).unwrap();
        prop_assert!(same(&out.column("x").unwrap().to_vec(), &filled));
        prop_assert_eq!(out.quality().unwrap().column(0).to_vec(), quality);
    }
}
