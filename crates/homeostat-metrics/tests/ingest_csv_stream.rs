#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! The streaming CSV readers agree with the collecting ones.

use std::collections::BTreeMap;

use homeostat_core::Frame;
use homeostat_metrics::ingest::csv::{CsvOptions, LongRows, WideRows, read_long, read_wide};

fn wide_text(rows: usize) -> String {
    let mut text = String::from("timestamp,cpu{node=\"a\"},mem\n");
    for r in 0..rows {
        let mem = if r % 7 == 3 {
            String::new()
        } else {
            format!("{}", 1000 + r * 3)
        };
        text += &format!(
            "{},{},{mem}\n",
            1_700_000_000 + 15 * r,
            (r % 11) as f64 / 10.0
        );
    }
    text
}

fn same(a: &Frame, b: &Frame) -> bool {
    a.index() == b.index()
        && a.columns() == b.columns()
        && a.values()
            .iter()
            .zip(b.values().iter())
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

#[test]
fn wide_frames_in_chunks_add_up_to_the_whole_file() {
    let text = wide_text(1000);
    let whole = read_wide(text.as_bytes(), CsvOptions::new()).unwrap();
    let mut rows = WideRows::new(text.as_bytes()).unwrap();
    assert_eq!(rows.keys(), whole.columns());
    let mut joined = rows.next_frame(97).unwrap().unwrap();
    let mut chunks = 1;
    while let Some(chunk) = rows.next_frame(97).unwrap() {
        assert!(chunk.nrows() <= 97);
        joined.append_rows(&chunk).unwrap();
        chunks += 1;
    }
    assert_eq!(chunks, 11);
    assert!(same(&joined, &whole));

    let by_row: Vec<_> = WideRows::new(text.as_bytes())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(by_row.len(), 1000);
    assert_eq!(by_row[3].1[0], 0.3);
    assert!(by_row[3].1[1].is_nan());
}

#[test]
fn wide_rows_reject_time_going_back_and_then_stop() {
    let text = "timestamp,x\n0,1\n60,2\n30,3\n90,4\n";
    let mut rows = WideRows::new(text.as_bytes()).unwrap();
    assert!(rows.next().unwrap().is_ok());
    assert!(rows.next().unwrap().is_ok());
    let err = rows.next().unwrap().unwrap_err().to_string();
    assert!(err.contains("line 4") && err.contains("not after"), "{err}");
    assert!(rows.next().is_none());

    let mut chunked = WideRows::new(text.as_bytes()).unwrap();
    assert!(chunked.next_frame(10).is_err());
    assert!(chunked.next_frame(10).unwrap().is_none());
}

#[test]
fn wide_rows_need_a_header_and_rows_of_its_width() {
    assert!(WideRows::new("".as_bytes()).is_err());
    assert!(WideRows::new("0,1\n".as_bytes()).is_err());
    let mut short = WideRows::new("timestamp,a,b\n0,1\n".as_bytes()).unwrap();
    assert!(short.next().unwrap().is_err());
}

#[test]
fn long_samples_group_into_the_series_read_long_builds() {
    let mut text = String::from("timestamp,metric,value\n");
    for r in 0..300 {
        let t = 1_700_000_000 + 10 * r;
        text += &format!("{t},cpu,{},node=a\n", r % 5);
        text += &format!("{t},cpu,{},node=b\n", r % 3);
        if r % 4 == 0 {
            text += &format!("{t},mem,{r}\n");
        }
    }
    let series = read_long(text.as_bytes(), CsvOptions::new()).unwrap();
    let mut grouped: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    let mut lines = Vec::new();
    for sample in LongRows::new(text.as_bytes()) {
        let sample = sample.unwrap();
        lines.push(sample.line);
        grouped
            .entry(sample.key.to_string())
            .or_default()
            .push((sample.timestamp.as_millis(), sample.value));
    }
    assert_eq!(lines.first(), Some(&2));
    assert!(lines.windows(2).all(|w| w[1] == w[0] + 1));
    assert_eq!(grouped.len(), series.len());
    for s in &series {
        let points = &grouped[&s.key().to_string()];
        let expected: Vec<(i64, f64)> = s
            .timestamps()
            .iter()
            .zip(s.values())
            .map(|(t, &v)| (t.as_millis(), v))
            .collect();
        assert_eq!(points, &expected);
    }
}

#[test]
fn long_rows_end_after_an_error() {
    let text = "0,cpu,1\n10,cpu,inf\n20,cpu,3\n";
    let results: Vec<_> = LongRows::new(text.as_bytes()).collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(
        results[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("line 2")
    );
}
