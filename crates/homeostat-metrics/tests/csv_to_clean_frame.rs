#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

//! From CSV text to a clean, regular frame: ingest, resample, fill.

use homeostat_core::{Duplicates, Duration, Order, Quality, Timestamp};
use homeostat_metrics::Transform;
use homeostat_metrics::clean::{
    Aggregation, FillGaps, FillMethod, Grid, Resample, fill_frame, resample_to_frame,
};
use homeostat_metrics::ingest::csv::{CsvOptions, read_long, read_nab, read_wide};

fn t(s: i64) -> Timestamp {
    Timestamp::from_secs(s)
}

/// A trace laid out as `homeostat simulate` writes it: quoted labelled
/// keys, RFC 3339 stamps every 10 s, a dropped scrape at 00:00:40 and a
/// missing cell at 00:00:20.
const WIDE: &str = "timestamp,\"cpu{node=\"\"n0\"\"}\",\"cpu{node=\"\"n1\"\"}\"\n\
    1970-01-01T00:00:10Z,1,10\n\
    1970-01-01T00:00:20Z,3,\n\
    1970-01-01T00:00:30Z,5,30\n\
    1970-01-01T00:00:50Z,9,50\n\
    1970-01-01T00:01:00Z,11,60\n";

#[test]
fn wide_trace_becomes_a_regular_filled_frame() {
    let frame = read_wide(WIDE.as_bytes(), CsvOptions::new()).unwrap();
    assert_eq!(frame.shape(), (5, 2));

    let regular = Resample::new(Duration::from_secs(10), Aggregation::Last)
        .fit_transform(&frame)
        .unwrap();
    assert_eq!(
        regular.index(),
        &(1..=6).map(|k| t(10 * k)).collect::<Vec<_>>()[..]
    );
    assert!(regular.value(3, r#"cpu{node="n0"}"#).unwrap().is_nan());

    let mut fill = FillGaps::new(FillMethod::Linear, Duration::from_secs(20));
    let clean = fill.fit_transform(&regular).unwrap();
    let n0 = clean.column(r#"cpu{node="n0"}"#).unwrap().to_vec();
    assert_eq!(n0, [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]);
    let n1 = clean.column(r#"cpu{node="n1"}"#).unwrap().to_vec();
    assert_eq!(n1, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
    let quality = clean.quality().unwrap();
    assert_eq!(quality[[3, 0]], Quality::Interpolated);
    assert_eq!(quality[[1, 1]], Quality::Interpolated);
    assert_eq!(quality[[0, 0]], Quality::Observed);
    assert_eq!(clean.missing_count(), 0);
}

#[test]
fn long_rows_from_several_sources_align_on_one_grid() {
    let text = "timestamp,metric,value\n\
        25,rps,4,job=api\n\
        5,rps,2,job=api\n\
        5,rps,1,job=db\n\
        5,rps,3,job=api\n\
        41,rps,5,job=db\n";
    let options = CsvOptions::new()
        .order(Order::Sort)
        .duplicates(Duplicates::Mean);
    let series = read_long(text.as_bytes(), options).unwrap();
    let grid = Grid::covering(t(5), t(41), Duration::from_secs(20)).unwrap();
    let frame = resample_to_frame(&series, &grid, Aggregation::Mean).unwrap();
    assert_eq!(frame.index(), &[t(20), t(40), t(60)]);
    let api = frame.column(r#"rps{job="api"}"#).unwrap().to_vec();
    assert!(api[0] == 2.5 && api[1] == 4.0 && api[2].is_nan());

    let filled = fill_frame(&frame, FillMethod::Forward, Duration::from_secs(20)).unwrap();
    assert_eq!(
        filled.column(r#"rps{job="api"}"#).unwrap().to_vec(),
        [2.5, 4.0, 4.0]
    );
    assert_eq!(
        filled.column(r#"rps{job="db"}"#).unwrap().to_vec(),
        [1.0, 1.0, 5.0]
    );
    assert_eq!(filled.quality_at(2, 0), Some(Quality::Filled));
}

#[test]
fn nab_files_with_a_byte_order_mark_and_crlf_read_cleanly() {
    let text =
        "\u{feff}timestamp,value\r\n2014-03-07 03:41:00,45.868\r\n2014-03-07 03:46:00,47.606\r\n";
    let series = read_nab(text.as_bytes(), "ec2_request_latency", CsvOptions::new()).unwrap();
    assert_eq!(series.values(), &[45.868, 47.606]);
    assert_eq!(
        series.timestamps()[0],
        "2014-03-07T03:41:00Z".parse().unwrap()
    );
}
