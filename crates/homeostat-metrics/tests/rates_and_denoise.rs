#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

//! A counter scraped with a restart and a bad scrape, turned into a rate
//! and cleaned, through the public API only.

use homeostat_core::{Duration, Frame, Labels, SeriesKey, Timestamp};
use homeostat_metrics::Transform;
use homeostat_metrics::denoise::{Hampel, OutlierAction, SavitzkyGolay};
use homeostat_metrics::rates::{RangeFunction, Rate};

fn key() -> SeriesKey {
    SeriesKey::new("http_requests_total")
        .unwrap()
        .with_labels(Labels::from_pairs([("code", "200")]).unwrap())
}

/// 10 requests per second, scraped every 15 s for 30 minutes; the process
/// restarts at 10 minutes and one scrape at 20 minutes is lost.
fn counter() -> Frame {
    let n = 121;
    let index = (0..n).map(|i| Timestamp::from_secs(15 * i)).collect();
    let values = (0..n)
        .map(|i| {
            if i == 80 {
                f64::NAN
            } else if i >= 40 {
                150.0 * (i - 40) as f64
            } else {
                1_000.0 + 150.0 * i as f64
            }
        })
        .collect();
    Frame::from_columns(index, [(key(), values)]).unwrap()
}

#[test]
fn rate_survives_restarts_and_lost_scrapes() {
    let rate = Rate::new(
        RangeFunction::Rate,
        Duration::from_minutes(5),
        Duration::from_minutes(1),
    );
    let out = rate.transform(&counter()).unwrap();
    assert_eq!(out.nrows(), 31);
    assert_eq!(
        out.columns()[0].to_string(),
        r#"rate(http_requests_total[5m]){code="200"}"#
    );
    let column = out.values().column(0).to_vec();
    // (-5m, 0] holds one sample: missing.
    assert!(column[0].is_nan());
    // Windows that hold the restart or the lost scrape are still ~10/s; the
    // restart window loses the 15 s between the last sample before the
    // restart and the first after it at most.
    for (minute, r) in column.iter().enumerate().skip(5) {
        assert!((9.4..=10.0 + 1e-9).contains(r), "minute {minute}: {r}");
    }
}

#[test]
fn a_spike_in_a_rate_is_removed_then_smoothed() {
    let index: Vec<_> = (0..30).map(Timestamp::from_secs).collect();
    let mut values: Vec<f64> = (0..30).map(|i| 10.0 + (i % 3) as f64 * 0.1).collect();
    values[12] = 500.0;
    let frame = Frame::from_columns(index, [("rps", values)]).unwrap();
    let cleaned = Hampel::new(7, 3.0, OutlierAction::Median)
        .transform(&frame)
        .unwrap();
    let smooth = SavitzkyGolay::new(5, 2).transform(&cleaned).unwrap();
    assert_eq!(smooth.index(), frame.index());
    assert!(
        smooth.values().iter().all(|v| (9.9..=10.3).contains(v)),
        "{:?}",
        smooth.values()
    );
}
