#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! Feature windows given as durations: conversion with the grid's step, and
//! the errors for steps and windows that do not fit.

use homeostat_core::{Duration, Frame, Timestamp};
use homeostat_metrics::{Error, Feature, MAX_HISTORY, WindowFeatures};

fn d(text: &str) -> Duration {
    text.parse().unwrap()
}

fn minutes_frame(rows: i64) -> Frame {
    let index = (0..rows).map(|i| Timestamp::from_secs(60 * i)).collect();
    let values: Vec<f64> = (0..rows).map(|i| (i * i % 7) as f64).collect();
    Frame::from_columns(index, [("cpu", values)]).unwrap()
}

#[test]
fn durations_become_rows_of_the_step() {
    let rows = WindowFeatures::window_rows(&[d("5m"), d("15m"), d("1h")], d("10s")).unwrap();
    assert_eq!(rows, [30, 90, 360]);
    let rows = WindowFeatures::window_rows(&[d("1m"), d("90s")], d("30s")).unwrap();
    assert_eq!(rows, [2, 3]);
    assert_eq!(
        WindowFeatures::window_rows(&[], d("10s")).unwrap(),
        Vec::<usize>::new()
    );
}

#[test]
fn windows_that_do_not_fit_the_step_are_invalid_parameters() {
    let step = d("10s");
    for bad in [d("25s"), d("0"), d("-1m"), d("1s")] {
        let err = WindowFeatures::window_rows(&[bad], step).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { ref name, .. } if name == "window"),
            "{bad}: {err}"
        );
    }
    let err = WindowFeatures::window_rows(&[d("25s")], step).unwrap_err();
    assert!(err.to_string().contains("25s"), "{err}");
    // One step past the longest window the streaming state accepts.
    let too_long = Duration::from_secs(10 * (MAX_HISTORY as i64 + 1));
    assert!(WindowFeatures::window_rows(&[too_long], step).is_err());
    let longest = Duration::from_secs(10 * MAX_HISTORY as i64);
    assert_eq!(
        WindowFeatures::window_rows(&[longest], step).unwrap(),
        [MAX_HISTORY]
    );
    for bad_step in [Duration::ZERO, d("-10s")] {
        let err = WindowFeatures::window_rows(&[d("1m")], bad_step).unwrap_err();
        assert!(matches!(err, Error::InvalidParameter { ref name, .. } if name == "step"));
    }
}

#[test]
fn frames_give_their_step_or_a_typed_error() {
    let frame = minutes_frame(10);
    assert_eq!(
        WindowFeatures::frame_window_rows(&frame, &[d("5m"), d("1h")]).unwrap(),
        [5, 60]
    );
    assert!(matches!(
        WindowFeatures::frame_window_rows(&frame, &[d("90s")]),
        Err(Error::InvalidParameter { .. })
    ));

    let t = Timestamp::from_secs;
    let irregular =
        Frame::from_columns(vec![t(0), t(60), t(120), t(150)], [("cpu", vec![0.0; 4])]).unwrap();
    let err = WindowFeatures::frame_window_rows(&irregular, &[d("5m")]).unwrap_err();
    match err {
        Error::IrregularIndex { row, step, found } => {
            assert_eq!((row, step, found), (3, d("1m"), d("30s")));
        }
        other => panic!("expected an irregular index, got {other}"),
    }

    for rows in [0, 1] {
        let err = WindowFeatures::frame_window_rows(&minutes_frame(rows), &[d("5m")]).unwrap_err();
        assert!(matches!(err, Error::InsufficientData { .. }), "{err}");
    }
}

#[test]
fn duration_windows_compute_the_same_features_as_row_windows() {
    let frame = minutes_frame(200);
    let by_rows = WindowFeatures {
        windows: vec![5, 15],
        features: vec![Feature::Mean, Feature::Max, Feature::P90],
        ..WindowFeatures::default()
    };
    let by_time = WindowFeatures {
        windows: WindowFeatures::frame_window_rows(&frame, &[d("5m"), d("15m")]).unwrap(),
        ..by_rows.clone()
    };
    assert_eq!(by_time, by_rows);
    let a = by_rows.compute(&frame).unwrap();
    let b = by_time.compute(&frame).unwrap();
    assert_eq!(a.columns(), b.columns());
    assert!(a.value(199, "cpu:max_15").is_some());
}
