//! Invariants of `Frame`: slicing, selection, chunked appends and the round
//! trip through `Series`.
#![allow(clippy::unwrap_used)] // helpers of a test crate: a panic is a failed test

use homeostat_core::{Duration, Error, Frame, SeriesKey, Timestamp};
use ndarray::Array2;
use proptest::prelude::*;

/// A frame with strictly increasing (irregular) timestamps, 0–4 columns and
/// some missing values.
fn arb_frame() -> impl Strategy<Value = Frame> {
    (0usize..40, 0usize..5).prop_flat_map(|(rows, cols)| {
        (
            prop::collection::vec(1i64..5_000, rows),
            prop::collection::vec(prop::option::weighted(0.9, -1e9f64..1e9), rows * cols),
        )
            .prop_map(move |(gaps, cells)| {
                let index = gaps
                    .iter()
                    .scan(0i64, |t, gap| {
                        *t += gap;
                        Some(Timestamp::from_millis(*t))
                    })
                    .collect();
                let keys = (0..cols)
                    .map(|c| SeriesKey::new(format!("m{c}")).unwrap())
                    .collect();
                let values = Array2::from_shape_vec(
                    (rows, cols),
                    cells.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                )
                .unwrap();
                Frame::new(index, keys, values).unwrap()
            })
    })
}

/// NaN-aware equality of frames (NaN == NaN for missing values).
fn same(a: &Frame, b: &Frame) -> bool {
    a.index() == b.index()
        && a.columns() == b.columns()
        && a.values()
            .iter()
            .zip(b.values().iter())
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

proptest! {
    #[test]
    fn slicing_keeps_exactly_the_rows_in_range(frame in arb_frame(), a in 0i64..200_000, len in 0i64..100_000) {
        let from = Timestamp::from_millis(a);
        let to = from + Duration::from_millis(len);
        let slice = frame.slice_time(from..to);
        let expected: Vec<_> = frame.index().iter().copied().filter(|&t| from <= t && t < to).collect();
        prop_assert_eq!(slice.index(), expected.as_slice());
        prop_assert_eq!(slice.columns(), frame.columns());
        // Every sliced row equals the original row at the same timestamp.
        for (r, t) in slice.index().iter().enumerate() {
            let original = frame.index().binary_search(t).unwrap();
            let (x, y) = (slice.row(r).unwrap(), frame.row(original).unwrap());
            prop_assert!(x.iter().zip(y.iter()).all(|(p, q)| p == q || (p.is_nan() && q.is_nan())));
        }
    }

    #[test]
    fn adjacent_slices_append_back_to_the_whole(frame in arb_frame(), cut in 0i64..200_000) {
        let cut = Timestamp::from_millis(cut);
        let mut left = frame.slice_time(..cut);
        left.append_rows(&frame.slice_time(cut..)).unwrap();
        prop_assert!(same(&left, &frame));
    }

    #[test]
    fn series_round_trip(frame in arb_frame()) {
        let rebuilt = Frame::from_aligned_series(frame.to_series());
        if frame.ncols() == 0 {
            // No series means no index to recover.
            prop_assert_eq!(rebuilt.unwrap().shape(), (0, 0));
        } else {
            prop_assert!(same(&rebuilt.unwrap(), &frame));
        }
    }

    #[test]
    fn selecting_every_column_in_order_is_identity(frame in arb_frame()) {
        let keys: Vec<String> = frame.columns().iter().map(ToString::to_string).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        prop_assert!(same(&frame.select(&refs).unwrap(), &frame));
    }

    #[test]
    fn pushing_rows_one_by_one_rebuilds_the_frame(frame in arb_frame()) {
        let mut pushed = Frame::with_columns(frame.columns().to_vec()).unwrap();
        for (r, &t) in frame.index().iter().enumerate() {
            pushed.push_row(t, frame.row(r).unwrap().to_vec().as_slice()).unwrap();
        }
        prop_assert!(same(&pushed, &frame));
    }
}

#[test]
fn construction_errors_name_the_problem() {
    let t = Timestamp::from_secs;
    let key = |n: &str| SeriesKey::new(n).unwrap();
    assert!(matches!(
        Frame::new(vec![t(1), t(0)], vec![key("a")], Array2::zeros((2, 1))),
        Err(Error::Unsorted { position: 1, .. })
    ));
    assert!(matches!(
        Frame::new(vec![t(1), t(1)], vec![key("a")], Array2::zeros((2, 1))),
        Err(Error::DuplicateTimestamp { position: 1, .. })
    ));
    assert!(matches!(
        Frame::new(vec![t(0)], vec![key("a"), key("a")], Array2::zeros((1, 2))),
        Err(Error::DuplicateColumn { .. })
    ));
    assert!(matches!(
        Frame::new(vec![t(0)], vec![key("a")], Array2::zeros((1, 2))),
        Err(Error::LengthMismatch { .. })
    ));
    let mut values = Array2::zeros((2, 2));
    values[[1, 0]] = f64::INFINITY;
    assert!(matches!(
        Frame::new(vec![t(0), t(1)], vec![key("a"), key("b")], values),
        Err(Error::NonFiniteValue { position: 2, .. })
    ));
}

/// The check runs over whole chunks first: an infinity deep in a large
/// frame, and one in a frame that is not row-major, are still found at the
/// right row-major position.
#[test]
fn infinities_are_found_in_large_and_transposed_frames() {
    let t = Timestamp::from_secs;
    let key = |n: &str| SeriesKey::new(n).unwrap();
    let rows = 1000;
    let index: Vec<_> = (0..rows).map(|i| t(i as i64)).collect();
    let mut values = Array2::zeros((rows, 3));
    values[[777, 2]] = f64::NEG_INFINITY;
    assert!(matches!(
        Frame::new(index.clone(), vec![key("a"), key("b"), key("c")], values),
        Err(Error::NonFiniteValue { position: 2333, .. })
    ));
    let mut transposed = Array2::zeros((3, rows)).reversed_axes();
    transposed[[5, 1]] = f64::INFINITY;
    assert!(matches!(
        Frame::new(index, vec![key("a"), key("b"), key("c")], transposed),
        Err(Error::NonFiniteValue { position: 16, .. })
    ));
}

#[test]
fn failed_appends_leave_the_frame_unchanged() {
    let t = Timestamp::from_secs;
    let mut frame = Frame::from_columns(vec![t(0), t(1)], [("a", vec![1.0, 2.0])]).unwrap();
    let before = frame.clone();
    assert!(frame.push_row(t(2), &[f64::INFINITY]).is_err());
    assert!(frame.push_row(t(1), &[3.0]).is_err());
    let other_columns = Frame::from_columns(vec![t(5)], [("b", vec![1.0])]).unwrap();
    assert!(matches!(
        frame.append_rows(&other_columns),
        Err(Error::GridMismatch { .. })
    ));
    let overlapping = Frame::from_columns(vec![t(1)], [("a", vec![1.0])]).unwrap();
    assert!(frame.append_rows(&overlapping).is_err());
    assert_eq!(frame, before);
}

#[test]
fn misaligned_series_are_a_grid_mismatch() {
    use homeostat_core::Series;
    let t = Timestamp::from_secs;
    let a = Series::new("a", vec![t(0), t(10)], vec![1.0, 2.0]).unwrap();
    let b = Series::new("b", vec![t(0), t(11)], vec![1.0, 2.0]).unwrap();
    let err = Frame::from_aligned_series([a, b]).unwrap_err();
    assert!(err.to_string().contains("position 1"), "{err}");
}

#[test]
fn the_quality_mask_follows_every_operation() {
    use homeostat_core::Quality;
    use ndarray::array;
    let t = Timestamp::from_secs;
    let frame = Frame::from_columns(
        vec![t(0), t(10), t(20)],
        [("a", vec![1.0, 2.0, f64::NAN]), ("b", vec![4.0, 5.0, 6.0])],
    )
    .unwrap()
    .with_quality(array![
        [Quality::Observed, Quality::Filled],
        [Quality::Interpolated, Quality::Observed],
        [Quality::Missing, Quality::Observed],
    ])
    .unwrap();
    assert_eq!(
        frame.slice_time(t(10)..).quality_at(0, 0),
        Some(Quality::Interpolated)
    );
    assert_eq!(
        frame.select(&["b"]).unwrap().quality_at(0, 0),
        Some(Quality::Filled)
    );

    let mut grown = frame.clone();
    grown.push_row(t(30), &[f64::NAN, 7.0]).unwrap();
    assert_eq!(grown.quality_at(3, 0), Some(Quality::Missing));
    assert_eq!(grown.quality_at(3, 1), Some(Quality::Observed));
    assert_eq!(grown.quality_at(1, 0), Some(Quality::Interpolated));

    // Appending a masked frame to an unmasked one keeps both masks' meaning.
    let mut plain = frame.slice_time(..t(10)).without_quality();
    plain.append_rows(&frame.slice_time(t(10)..)).unwrap();
    assert_eq!(plain.quality_at(0, 1), Some(Quality::Observed));
    assert_eq!(plain.quality_at(1, 0), Some(Quality::Interpolated));
    assert_eq!(plain.quality().unwrap().dim(), (3, 2));
}
