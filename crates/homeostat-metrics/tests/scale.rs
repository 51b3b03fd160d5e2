#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! Scalers: fitted state, degenerate columns, column checks and round trips.

use homeostat_core::{Frame, Quality, Timestamp};
use homeostat_metrics::{Error, MinMaxScaler, RobustScaler, StandardScaler, Transform};
use proptest::prelude::*;

fn frame(columns: &[(&str, Vec<f64>)]) -> Frame {
    let rows = columns.first().map_or(0, |(_, c)| c.len());
    let index = (0..rows as i64).map(Timestamp::from_secs).collect();
    Frame::from_columns(index, columns.iter().map(|(k, v)| (*k, v.clone()))).unwrap()
}

fn column(frame: &Frame, key: &str) -> Vec<f64> {
    frame.column(key).unwrap().to_vec()
}

#[test]
fn standard_scaler_ignores_nan_at_fit_and_keeps_it() {
    let train = frame(&[("a", vec![1.0, f64::NAN, 3.0])]);
    let mut scaler = StandardScaler::new();
    let out = scaler.fit_transform(&train).unwrap();
    let a = column(&out, "a");
    assert_eq!(a[0], -1.0);
    assert!(a[1].is_nan());
    assert_eq!(a[2], 1.0);
}

#[test]
fn degenerate_columns_get_scale_one() {
    let train = frame(&[
        ("constant", vec![4.0; 6]),
        ("missing", vec![f64::NAN; 6]),
        ("zero_iqr", vec![1.0, 2.0, 2.0, 2.0, 2.0, 3.0]),
    ]);
    let new = frame(&[
        ("constant", vec![5.0]),
        ("missing", vec![7.0]),
        ("zero_iqr", vec![3.0]),
    ]);

    let mut standard = StandardScaler::new();
    standard.fit(&train).unwrap();
    let out = standard.transform(&new).unwrap();
    assert_eq!(column(&out, "constant"), vec![1.0]); // centred on 4, scale 1
    assert_eq!(column(&out, "missing"), vec![7.0]); // identity

    let mut robust = RobustScaler::new();
    robust.fit(&train).unwrap();
    let fitted = robust.fitted().unwrap();
    assert_eq!(fitted.scale(), &[1.0, 1.0, 1.0]);
    assert_eq!(fitted.center(), &[4.0, 0.0, 2.0]);
    assert_eq!(
        column(&robust.transform(&new).unwrap(), "zero_iqr"),
        vec![1.0]
    );

    let mut minmax = MinMaxScaler::with_range(2.0, 3.0).unwrap();
    minmax.fit(&train).unwrap();
    let out = minmax.transform(&new).unwrap();
    assert_eq!(column(&out, "constant"), vec![3.0]); // 5 - 4 + low
    assert_eq!(column(&out, "missing"), vec![9.0]); // 7 + low
}

#[test]
fn quality_mask_is_kept() {
    let train = frame(&[("a", vec![1.0, f64::NAN, 3.0])]);
    let mask = ndarray::array![
        [Quality::Observed],
        [Quality::Missing],
        [Quality::Interpolated]
    ];
    let train = train.with_quality(mask.clone()).unwrap();
    let mut scaler = RobustScaler::new();
    let scaled = scaler.fit_transform(&train).unwrap();
    assert_eq!(scaled.quality().unwrap(), mask);
    assert_eq!(
        scaler
            .inverse_transform(&scaled)
            .unwrap()
            .quality()
            .unwrap(),
        mask
    );
}

#[test]
fn transform_before_fit_is_not_fitted() {
    let f = frame(&[("a", vec![1.0])]);
    assert!(matches!(
        StandardScaler::new().transform(&f),
        Err(Error::NotFitted { .. })
    ));
    assert!(matches!(
        RobustScaler::new().inverse_transform(&f),
        Err(Error::NotFitted { .. })
    ));
    assert!(matches!(
        MinMaxScaler::new().transform(&f),
        Err(Error::NotFitted { .. })
    ));
}

#[test]
fn other_columns_are_an_error_naming_the_column() {
    let mut scaler = StandardScaler::new();
    scaler
        .fit(&frame(&[("a", vec![1.0]), ("b", vec![2.0])]))
        .unwrap();
    let renamed = scaler.transform(&frame(&[("a", vec![1.0]), ("c", vec![2.0])]));
    assert!(renamed.unwrap_err().to_string().contains("`c`"));
    let fewer = scaler.transform(&frame(&[("a", vec![1.0])]));
    assert!(fewer.unwrap_err().to_string().contains("`b`"));
    let more = scaler.transform(&frame(&[
        ("a", vec![1.0]),
        ("b", vec![2.0]),
        ("d", vec![3.0]),
    ]));
    assert!(more.unwrap_err().to_string().contains("`d`"));
    let reordered = scaler.transform(&frame(&[("b", vec![1.0]), ("a", vec![2.0])]));
    assert!(matches!(reordered, Err(Error::InvalidParameter { .. })));
}

#[test]
fn scale_overflow_is_a_typed_error() {
    let mut scaler = StandardScaler::new();
    scaler.fit(&frame(&[("a", vec![0.0, 1e-150])])).unwrap();
    let huge = frame(&[("a", vec![1e300])]);
    assert!(matches!(scaler.transform(&huge), Err(Error::Core(_))));
}

#[test]
fn fitted_state_round_trips_through_json() {
    let train = frame(&[
        ("a", vec![1.0, 2.0, 10.0]),
        ("b", vec![f64::NAN, 0.5, 0.25]),
    ]);
    let mut standard = StandardScaler::new();
    standard.fit(&train).unwrap();
    let json = serde_json::to_string(&standard).unwrap();
    assert_eq!(
        serde_json::from_str::<StandardScaler>(&json).unwrap(),
        standard
    );

    let mut robust = RobustScaler::new();
    robust.fit(&train).unwrap();
    let json = serde_json::to_string(&robust).unwrap();
    assert_eq!(serde_json::from_str::<RobustScaler>(&json).unwrap(), robust);

    let mut minmax = MinMaxScaler::with_range(-1.0, 1.0).unwrap();
    minmax.fit(&train).unwrap();
    let json = serde_json::to_string(&minmax).unwrap();
    let back: MinMaxScaler = serde_json::from_str(&json).unwrap();
    assert_eq!(back, minmax);
    let (a, b) = (
        back.transform(&train).unwrap(),
        minmax.transform(&train).unwrap(),
    );
    let same = a
        .values()
        .iter()
        .zip(b.values().iter())
        .all(|(x, y)| x.to_bits() == y.to_bits());
    assert!(same);
}

/// Up to 3 columns of up to 40 rows; values in ±1e6, about one in six missing.
fn frames() -> impl Strategy<Value = Frame> {
    let value = prop_oneof![5 => -1e6..1e6f64, 1 => Just(f64::NAN)];
    (1usize..4, 1usize..40).prop_flat_map(move |(cols, rows)| {
        proptest::collection::vec(proptest::collection::vec(value.clone(), rows), cols).prop_map(
            move |columns| {
                let index = (0..rows as i64).map(Timestamp::from_secs).collect();
                let named = columns
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (format!("m{i}"), c));
                Frame::from_columns(index, named).unwrap()
            },
        )
    })
}

/// `inverse(transform(x)) == x` within 1e-9 relative to the larger of the
/// value and the column's fitted centre and scale (the round trip adds and
/// subtracts the centre, so that is the magnitude the error scales with).
fn assert_round_trip(
    scaler: &mut dyn Transform,
    inverse: impl Fn(&Frame) -> homeostat_metrics::Result<Frame>,
    center_scale: impl Fn(usize) -> (f64, f64),
    x: &Frame,
) {
    scaler.fit(x).unwrap();
    let y = scaler.transform(x).unwrap();
    let back = inverse(&y).unwrap();
    for ((r, c), &original) in x.values().indexed_iter() {
        let got = back.values()[[r, c]];
        if original.is_nan() {
            assert!(got.is_nan());
            continue;
        }
        let (center, scale) = center_scale(c);
        let magnitude = original
            .abs()
            .max(center.abs())
            .max(scale.abs())
            .max(1e-300);
        assert!(
            (got - original).abs() <= 1e-9 * magnitude,
            "row {r} column {c}: {original} came back as {got}"
        );
    }
}

proptest! {
    #[test]
    fn inverse_undoes_transform(x in frames()) {
        let mut s = StandardScaler::new();
        s.fit(&x).unwrap();
        let fitted = s.fitted().unwrap().clone();
        assert_round_trip(&mut s.clone(), |y| s.inverse_transform(y), |c| (fitted.center()[c], fitted.scale()[c]), &x);

        let mut r = RobustScaler::new();
        r.fit(&x).unwrap();
        let fitted = r.fitted().unwrap().clone();
        assert_round_trip(&mut r.clone(), |y| r.inverse_transform(y), |c| (fitted.center()[c], fitted.scale()[c]), &x);

        let mut m = MinMaxScaler::with_range(-3.0, 5.0).unwrap();
        m.fit(&x).unwrap();
        let fitted = m.fitted().unwrap().clone();
        assert_round_trip(&mut m.clone(), |y| m.inverse_transform(y), |c| (fitted.center()[c], fitted.scale()[c]), &x);
    }

    #[test]
    fn standard_output_has_zero_mean_unit_std(x in frames()) {
        let y = StandardScaler::new().fit_transform(&x).unwrap();
        for column in y.values().columns() {
            let present: Vec<f64> = column.iter().copied().filter(|v| !v.is_nan()).collect();
            if present.len() < 2 { continue; }
            let n = present.len() as f64;
            let mean = present.iter().sum::<f64>() / n;
            let var = present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            prop_assert!(mean.abs() < 1e-9);
            prop_assert!(var < 1e-12 || (var - 1.0).abs() < 1e-9);
        }
    }
}
