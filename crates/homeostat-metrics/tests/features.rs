#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! Window features: a direct reference implementation, batch against it,
//! streaming against batch, bounded state and bad input.

use homeostat_core::{Frame, Labels, SeriesKey, Timestamp};
use homeostat_metrics::{
    Error, Feature, MAX_HISTORY, StreamingWindowFeatures, Transform, WindowFeatures,
};
use proptest::prelude::*;

/// The `p`-quantile by linear interpolation, straight from the definition.
fn quantile(mut v: Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = p * (v.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// One feature of the window `rows` of a column, computed from scratch.
fn reference(feature: Feature, times: &[f64], values: &[f64]) -> f64 {
    let points: Vec<(f64, f64)> = times
        .iter()
        .zip(values)
        .filter(|(_, v)| !v.is_nan())
        .map(|(&t, &v)| (t, v))
        .collect();
    let xs: Vec<f64> = points.iter().map(|p| p.1).collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let std = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let last = xs.last().copied().unwrap_or(f64::NAN);
    if xs.is_empty() && feature != Feature::MissingCount {
        return f64::NAN;
    }
    match feature {
        Feature::Mean => mean,
        Feature::Std => std,
        Feature::Min => xs.iter().copied().fold(f64::INFINITY, f64::min),
        Feature::Max => xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Feature::P50 => quantile(xs, 0.5),
        Feature::P90 => quantile(xs, 0.9),
        Feature::P99 => quantile(xs, 0.99),
        Feature::Last => last,
        Feature::Slope => {
            if points.len() < 2 {
                return f64::NAN;
            }
            let mt = points.iter().map(|p| p.0).sum::<f64>() / n;
            let stt: f64 = points.iter().map(|p| (p.0 - mt).powi(2)).sum();
            let stx: f64 = points.iter().map(|p| (p.0 - mt) * (p.1 - mean)).sum();
            stx / stt
        }
        Feature::RateOfChange => {
            if points.len() < 2 {
                return f64::NAN;
            }
            let (a, b) = (points[0], points[points.len() - 1]);
            (b.1 - a.1) / (b.0 - a.0)
        }
        Feature::ZScore => {
            let all_equal = xs.iter().all(|&x| x == xs[0]);
            if all_equal {
                f64::NAN
            } else {
                (last - mean) / std
            }
        }
        Feature::MissingCount => values.iter().filter(|v| v.is_nan()).count() as f64,
    }
}

/// The whole expected feature frame, column by column, from the definitions.
fn reference_frame(config: &WindowFeatures, frame: &Frame) -> Vec<Vec<f64>> {
    // Seconds since the first row, from exact integer milliseconds.
    let t0 = frame.index().first().map_or(0, |t| t.as_millis());
    let times: Vec<f64> = frame
        .index()
        .iter()
        .map(|t| (t.as_millis() - t0) as f64 / 1000.0)
        .collect();
    let mut columns = Vec::new();
    for column in frame.values().columns() {
        let values = column.to_vec();
        for &w in &config.windows {
            for &f in &config.features {
                columns.push(
                    (0..values.len())
                        .map(|r| {
                            let start = (r + 1).saturating_sub(w);
                            reference(f, &times[start..=r], &values[start..=r])
                        })
                        .collect(),
                );
            }
        }
        for &alpha in &config.ewma_alphas {
            let mut ewma = f64::NAN;
            columns.push(
                values
                    .iter()
                    .map(|&x| {
                        if !x.is_nan() {
                            ewma = if ewma.is_nan() {
                                x
                            } else {
                                ewma + alpha * (x - ewma)
                            };
                        }
                        ewma
                    })
                    .collect(),
            );
        }
        for &k in &config.lags {
            columns.push(
                (0..values.len())
                    .map(|r| if r >= k { values[r - k] } else { f64::NAN })
                    .collect(),
            );
        }
    }
    columns
}

/// Equal within 1e-9 relative to the larger magnitude (and 1e-9 absolute
/// near zero), or both NaN.
fn close(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn frames() -> impl Strategy<Value = Frame> {
    let value = prop_oneof![4 => -1e3..1e3f64, 1 => Just(f64::NAN), 1 => Just(2.5)];
    (1usize..4, 1usize..50).prop_flat_map(move |(cols, rows)| {
        (
            proptest::collection::vec(1i64..5_000, rows),
            proptest::collection::vec(proptest::collection::vec(value.clone(), rows), cols),
        )
            .prop_map(move |(steps, columns)| {
                let mut t = 1_700_000_000_000i64;
                let index = steps
                    .iter()
                    .map(|s| {
                        t += s;
                        Timestamp::from_millis(t)
                    })
                    .collect();
                let named = columns
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (format!("m{i}"), c));
                Frame::from_columns(index, named).unwrap()
            })
    })
}

fn configs() -> impl Strategy<Value = WindowFeatures> {
    (
        proptest::sample::subsequence(vec![1usize, 2, 3, 5, 8, 13, 40], 1..4),
        proptest::sample::subsequence(Feature::ALL.to_vec(), 1..13),
        proptest::sample::subsequence(vec![0.1, 0.5, 1.0], 0..3),
        proptest::sample::subsequence(vec![1usize, 2, 7], 0..3),
    )
        .prop_map(|(windows, features, ewma_alphas, lags)| WindowFeatures {
            windows,
            features,
            ewma_alphas,
            lags,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn batch_matches_the_definitions(frame in frames(), config in configs()) {
        let features = config.compute(&frame).unwrap();
        prop_assert_eq!(features.index(), frame.index());
        let expected = reference_frame(&config, &frame);
        prop_assert_eq!(features.ncols(), expected.len());
        for (c, column) in expected.iter().enumerate() {
            for (r, &want) in column.iter().enumerate() {
                let got = features.values()[[r, c]];
                prop_assert!(close(got, want), "row {} column {}: got {}, want {}", r, features.columns()[c], got, want);
            }
        }
    }

    #[test]
    fn streaming_equals_batch(frame in frames(), config in configs()) {
        let batch = config.compute(&frame).unwrap();
        let mut stream = StreamingWindowFeatures::new(&config, frame.columns().to_vec()).unwrap();
        prop_assert_eq!(stream.columns(), batch.columns());
        for (r, &t) in frame.index().iter().enumerate() {
            let row = frame.row(r).unwrap().to_vec();
            let got = stream.push(t, &row).unwrap();
            for (c, &g) in got.iter().enumerate() {
                let want = batch.values()[[r, c]];
                let column = stream.columns()[c].name();
                // Order statistics, counts and copies are exact in both engines.
                let exact = ["min", "max", "p50", "p90", "p99", "last", "missing", "lag", "ewma"]
                    .iter()
                    .any(|f| column.contains(&format!(":{f}")));
                prop_assert!(close(g, want), "row {} column {}: {} vs {}", r, c, g, want);
                prop_assert!(!exact || same_bits(g, want), "row {} column {}: {} vs {}", r, c, g, want);
            }
        }
    }
}

#[test]
fn long_streams_keep_mean_and_std_accurate() {
    // A slow drift plus noise over many refresh cycles: compare with the
    // definitions at the end.
    let config = WindowFeatures {
        windows: vec![1000],
        features: vec![Feature::Mean, Feature::Std],
        ..WindowFeatures::default()
    };
    let mut stream =
        StreamingWindowFeatures::new(&config, vec![SeriesKey::new("x").unwrap()]).unwrap();
    let value = |i: u64| 1e6 + (i as f64) * 1e-3 + ((i * 7919) % 1000) as f64 * 0.01;
    let mut out = vec![0.0; 2];
    let n = 200_500u64;
    for i in 0..n {
        stream
            .push_into(Timestamp::from_secs(i as i64), &[value(i)], &mut out)
            .unwrap();
    }
    let window: Vec<f64> = (n - 1000..n).map(value).collect();
    let times = vec![0.0; window.len()];
    assert!(close(out[0], reference(Feature::Mean, &times, &window)));
    let want_std = reference(Feature::Std, &times, &window);
    assert!(
        (out[1] - want_std).abs() <= 1e-9 * want_std,
        "{} vs {want_std}",
        out[1]
    );
}

/// Pushes a million rows (increasing, decreasing and missing stretches, to
/// exercise every queue) and checks the state did not grow.
/// Pushes `rows` rows of two metrics and checks the state never grows.
fn assert_bounded_over(config: &WindowFeatures, rows: i64) -> usize {
    let keys = vec![SeriesKey::new("a").unwrap(), SeriesKey::new("b").unwrap()];
    let mut stream = StreamingWindowFeatures::new(config, keys).unwrap();
    let mut out = vec![0.0; stream.columns().len()];
    let before = stream.state_len();
    for i in 0..rows {
        let a = if i % 97 < 3 {
            f64::NAN
        } else {
            (i % 1000) as f64
        };
        let b = -(i as f64);
        stream
            .push_into(Timestamp::from_millis(i), &[a, b], &mut out)
            .unwrap();
    }
    assert_eq!(stream.rows_seen(), rows as u64);
    assert_eq!(stream.state_len(), before);
    before
}

#[test]
fn batch_std_stays_accurate_after_a_spike_or_a_level_shift() {
    // A spike 1e8 times the later spread, then a level shift of 1e6: the
    // batch engine's sliding sums must re-centre instead of cancelling.
    let config = WindowFeatures {
        windows: vec![50],
        features: vec![Feature::Mean, Feature::Std],
        ..WindowFeatures::default()
    };
    let value = |i: usize| {
        let noise = ((i * 7919) % 1000) as f64 * 1.234_567e-5;
        match i {
            10 => 12_345_678.9,
            _ if i >= 120 => 1e6 + noise,
            _ => 1.0 + noise,
        }
    };
    let n = 240;
    let index = (0..n).map(|i| Timestamp::from_secs(i as i64)).collect();
    let frame = Frame::from_columns(index, [("x", (0..n).map(value).collect())]).unwrap();
    let features = config.compute(&frame).unwrap();
    for i in 0..n {
        let start = (i + 1).saturating_sub(50);
        let window: Vec<f64> = (start..=i).map(value).collect();
        let times = vec![0.0; window.len()];
        let mean = reference(Feature::Mean, &times, &window);
        let std = reference(Feature::Std, &times, &window);
        let (got_mean, got_std) = (features.values()[[i, 0]], features.values()[[i, 1]]);
        assert!(
            (got_mean - mean).abs() <= 1e-12 * mean.abs(),
            "row {i}: mean {got_mean} vs {mean}"
        );
        assert!(
            (got_std - std).abs() <= 1e-9 * std,
            "row {i}: std {got_std} vs {std}"
        );
    }
}

#[test]
fn std_stays_accurate_after_a_spike_leaves_the_window() {
    // A spike 1e8 times the later spread would leave Welford's inverse
    // update with no correct digits; the cancellation check recomputes.
    let config = WindowFeatures {
        windows: vec![50],
        features: vec![Feature::Std, Feature::ZScore],
        ..WindowFeatures::default()
    };
    let mut stream =
        StreamingWindowFeatures::new(&config, vec![SeriesKey::new("x").unwrap()]).unwrap();
    let value = |i: usize| {
        if i == 10 {
            12_345_678.9
        } else {
            1.0 + ((i * 7919) % 1000) as f64 * 1.234_567e-5
        }
    };
    for i in 0..75usize {
        let out = stream
            .push(Timestamp::from_secs(i as i64), &[value(i)])
            .unwrap();
        let start = (i + 1).saturating_sub(50);
        let window: Vec<f64> = (start..=i).map(value).collect();
        let times = vec![0.0; window.len()];
        let want = reference(Feature::Std, &times, &window);
        assert!(
            (out[0] - want).abs() <= 1e-9 * want,
            "row {i}: {} vs {want}",
            out[0]
        );
        assert!(
            close(out[1], reference(Feature::ZScore, &times, &window)),
            "row {i}"
        );
    }
}

#[test]
fn streaming_state_does_not_grow_over_ten_million_samples() {
    // The constant-time features on a long window (the O(w) ones only add a
    // scratch buffer, checked below; unoptimised test builds make them slow).
    let constant_time = WindowFeatures {
        windows: vec![5, 60],
        features: vec![
            Feature::Mean,
            Feature::Std,
            Feature::Min,
            Feature::Max,
            Feature::Last,
            Feature::RateOfChange,
            Feature::ZScore,
            Feature::MissingCount,
        ],
        ewma_alphas: vec![0.2],
        lags: vec![3],
    };
    // 5 M rows of two metrics: the 10 M samples of the memory target.
    let slots = assert_bounded_over(&constant_time, 5_000_000);
    // Per metric: a ring of 64 (60 + 1 rounded up), queues of about 2 * (w + 1)
    // per window and one EWMA; plus the shared ring of timestamps and scratch.
    assert!(
        slots < 64 * 3 + 2 * 2 * (8 + 64) + 2 + 60,
        "state of {slots} slots"
    );
    let everything = WindowFeatures {
        windows: vec![3],
        features: Feature::ALL.to_vec(),
        ..WindowFeatures::default()
    };
    assert_bounded_over(&everything, 1_000_000);
}

#[test]
fn names_keep_labels_and_order() {
    let config = WindowFeatures {
        windows: vec![30, 5],
        features: vec![Feature::Mean, Feature::P99],
        ewma_alphas: vec![0.3],
        lags: vec![1],
    };
    let key = SeriesKey::new("node:cpu")
        .unwrap()
        .with_labels(Labels::from_pairs([("node", "a")]).unwrap());
    let names: Vec<String> = config
        .output_keys(&[key])
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        names,
        [
            r#"node:cpu:mean_30{node="a"}"#,
            r#"node:cpu:p99_30{node="a"}"#,
            r#"node:cpu:mean_5{node="a"}"#,
            r#"node:cpu:p99_5{node="a"}"#,
            r#"node:cpu:ewma_0.3{node="a"}"#,
            r#"node:cpu:lag_1{node="a"}"#,
        ]
    );
}

#[test]
fn documented_values_on_a_small_frame() {
    let t = Timestamp::from_secs;
    let frame = Frame::from_columns(
        vec![t(0), t(10), t(20), t(30), t(40)],
        [("x", vec![2.0, 2.0, f64::NAN, 2.0, 6.0])],
    )
    .unwrap();
    let config = WindowFeatures {
        windows: vec![4],
        features: Feature::ALL.to_vec(),
        ..WindowFeatures::default()
    };
    let f = config.compute(&frame).unwrap();
    let at = |r: usize, name: &str| f.value(r, &format!("x:{name}_4")).unwrap();
    // Row 3: window 2, 2, NaN, 2 — constant, so std 0 and z-score NaN.
    assert_eq!(at(3, "std"), 0.0);
    assert!(at(3, "zscore").is_nan());
    assert_eq!(at(3, "missing"), 1.0);
    assert_eq!(at(3, "rate"), 0.0);
    // Row 4: window 2, NaN, 2, 6 (rows 1..=4).
    assert!((at(4, "mean") - 10.0 / 3.0).abs() < 1e-12);
    assert_eq!(at(4, "min"), 2.0);
    assert_eq!(at(4, "max"), 6.0);
    assert_eq!(at(4, "p50"), 2.0);
    assert!((at(4, "p90") - 5.2).abs() < 1e-12);
    assert_eq!(at(4, "last"), 6.0);
    assert_eq!(at(4, "rate"), 4.0 / 30.0);
    let std = (((2.0f64 - 10.0 / 3.0).powi(2) * 2.0 + (6.0f64 - 10.0 / 3.0).powi(2)) / 3.0).sqrt();
    assert!((at(4, "std") - std).abs() < 1e-12); // population std
    assert!((at(4, "zscore") - (6.0 - 10.0 / 3.0) / std).abs() < 1e-12);
    // Row 0: a partial window of one value.
    assert_eq!(at(0, "mean"), 2.0);
    assert!(at(0, "slope").is_nan());
}

#[test]
fn all_missing_windows_give_nan_and_count() {
    let t = Timestamp::from_secs;
    let frame = Frame::from_columns(
        vec![t(0), t(1), t(2)],
        [("x", vec![1.0, f64::NAN, f64::NAN])],
    )
    .unwrap();
    let config = WindowFeatures {
        windows: vec![2],
        features: Feature::ALL.to_vec(),
        ..Default::default()
    };
    let f = config.compute(&frame).unwrap();
    for feature in Feature::ALL {
        let v = f.value(2, &format!("x:{}_2", feature.name())).unwrap();
        if feature == Feature::MissingCount {
            assert_eq!(v, 2.0);
        } else {
            assert!(v.is_nan(), "{} is {v}", feature.name());
        }
    }
}

#[test]
fn empty_and_column_less_frames() {
    let config = WindowFeatures::default();
    let empty = Frame::with_columns(vec![SeriesKey::new("x").unwrap()]).unwrap();
    let f = config.compute(&empty).unwrap();
    assert_eq!(f.shape(), (0, 24));
    let none = Frame::from_columns(
        vec![Timestamp::from_secs(0)],
        Vec::<(&str, Vec<f64>)>::new(),
    )
    .unwrap();
    assert_eq!(config.compute(&none).unwrap().shape(), (1, 0));
}

#[test]
fn bad_configurations_name_the_value() {
    let base = WindowFeatures::default();
    let cases = [
        (
            WindowFeatures {
                windows: vec![0],
                ..base.clone()
            },
            "0 rows",
        ),
        (
            WindowFeatures {
                windows: vec![MAX_HISTORY + 1],
                ..base.clone()
            },
            "1048577",
        ),
        (
            WindowFeatures {
                windows: vec![3, 3],
                ..base.clone()
            },
            "3 rows is listed twice",
        ),
        (
            WindowFeatures {
                features: vec![Feature::Min, Feature::Min],
                ..base.clone()
            },
            "min",
        ),
        (
            WindowFeatures {
                ewma_alphas: vec![0.0],
                ..base.clone()
            },
            "0 is outside",
        ),
        (
            WindowFeatures {
                ewma_alphas: vec![f64::NAN],
                ..base.clone()
            },
            "NaN",
        ),
        (
            WindowFeatures {
                lags: vec![0],
                ..base.clone()
            },
            "0 rows",
        ),
    ];
    let frame = Frame::from_columns(vec![Timestamp::from_secs(0)], [("x", vec![1.0])]).unwrap();
    for (mut config, needle) in cases {
        let err = config.compute(&frame).unwrap_err();
        assert!(matches!(err, Error::InvalidParameter { .. }));
        assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        assert!(config.fit(&frame).is_err());
    }
}

#[test]
fn bad_rows_are_rejected_without_changing_state() {
    let config = WindowFeatures {
        windows: vec![2],
        features: vec![Feature::Mean],
        ..Default::default()
    };
    let mut s = StreamingWindowFeatures::new(&config, vec![SeriesKey::new("x").unwrap()]).unwrap();
    s.push(Timestamp::from_secs(10), &[1.0]).unwrap();
    assert!(
        s.push(Timestamp::from_secs(10), &[5.0])
            .unwrap_err()
            .to_string()
            .contains("not after")
    );
    assert!(s.push(Timestamp::from_secs(9), &[5.0]).is_err());
    assert!(
        s.push(Timestamp::from_secs(11), &[1.0, 2.0])
            .unwrap_err()
            .to_string()
            .contains("2 values")
    );
    assert!(
        s.push(Timestamp::from_secs(11), &[f64::NEG_INFINITY])
            .unwrap_err()
            .to_string()
            .contains("`x`")
    );
    let mut short = vec![0.0; 0];
    assert!(
        s.push_into(Timestamp::from_secs(11), &[1.0], &mut short)
            .is_err()
    );
    assert_eq!(s.rows_seen(), 1);
    assert_eq!(s.push(Timestamp::from_secs(11), &[3.0]).unwrap(), vec![2.0]);
}

#[test]
fn overflowing_features_are_a_typed_error_in_batch() {
    let t = Timestamp::from_millis;
    let frame = Frame::from_columns(vec![t(0), t(1)], [("x", vec![-1e308, 1e308])]).unwrap();
    let config = WindowFeatures {
        windows: vec![2],
        features: vec![Feature::RateOfChange],
        ..Default::default()
    };
    assert!(matches!(config.compute(&frame), Err(Error::Core(_))));
}

#[test]
fn configuration_round_trips_through_json() {
    let config = WindowFeatures {
        windows: vec![6, 30],
        features: vec![Feature::ZScore, Feature::P90],
        ewma_alphas: vec![0.25],
        lags: vec![1, 2],
    };
    let json = serde_json::to_string(&config).unwrap();
    assert!(json.contains("\"zscore\"") || json.contains("\"z_score\""));
    assert_eq!(
        serde_json::from_str::<WindowFeatures>(&json).unwrap(),
        config
    );
    let minimal: WindowFeatures =
        serde_json::from_str(r#"{"windows":[3],"features":["mean"]}"#).unwrap();
    assert!(minimal.lags.is_empty() && minimal.ewma_alphas.is_empty());
}
