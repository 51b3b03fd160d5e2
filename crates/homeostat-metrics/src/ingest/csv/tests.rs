use super::*;
use homeostat_core::Duration;
use proptest::prelude::*;

fn t(s: i64) -> Timestamp {
    Timestamp::from_secs(s)
}

/// The position and message of a parse error.
fn parse_error(result: Result<impl std::fmt::Debug>) -> (Position, String) {
    match result {
        Err(Error::Parse {
            format,
            position,
            message,
        }) => {
            assert_eq!(format, "csv");
            (position, message)
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn at(line: u64, column: u64, byte: u64) -> Position {
    Position { line, column, byte }
}

#[test]
fn long_form_groups_by_key_with_or_without_header() {
    let body = "0,cpu,1,node=n1\n0,cpu,2,node=n2\n10,cpu,3, node = n1 \n10,up,1\n";
    for text in [body.to_owned(), format!("timestamp,metric,value\n{body}")] {
        let series = read_long(text.as_bytes(), CsvOptions::new()).unwrap();
        let keys: Vec<String> = series.iter().map(|s| s.key().to_string()).collect();
        assert_eq!(keys, [r#"cpu{node="n1"}"#, r#"cpu{node="n2"}"#, "up"]);
        assert_eq!(series[0].timestamps(), &[t(0), t(10)]);
        assert_eq!(series[0].values(), &[1.0, 3.0]);
    }
    assert!(read_long(&b""[..], CsvOptions::new()).unwrap().is_empty());
    assert!(
        read_long(&b"timestamp,metric,value\n"[..], CsvOptions::new())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn long_form_policies() {
    let text = "20,m,1\n10,m,2\n20,m,3\n";
    let (position, message) = parse_error(read_long(text.as_bytes(), CsvOptions::new()));
    assert_eq!(position, at(2, 1, 7));
    assert!(message.contains("1970-01-01T00:00:10Z"), "{message}");

    let sorted = CsvOptions::new().order(Order::Sort);
    let (position, message) = parse_error(read_long(text.as_bytes(), sorted));
    assert_eq!(position, at(3, 1, 14));
    assert!(message.contains("repeats for series m"), "{message}");
    let last = read_long(text.as_bytes(), sorted.duplicates(Duplicates::KeepLast)).unwrap();
    assert_eq!(last[0].values(), &[2.0, 3.0]);

    let repeated = "10,m,1\n10,m,2\n";
    let (position, message) = parse_error(read_long(repeated.as_bytes(), CsvOptions::new()));
    assert_eq!(position.line, 2);
    assert!(message.contains("repeats"), "{message}");
    let mean = CsvOptions::new().duplicates(Duplicates::Mean);
    assert_eq!(
        read_long(repeated.as_bytes(), mean).unwrap()[0].values(),
        &[1.5]
    );
}

#[test]
fn long_form_errors_are_positioned_and_quote_the_text() {
    let cases: [(&str, Position, &str); 7] = [
        ("0,m,1\n5,m\n", at(2, 4, 9), "at least 3 fields"),
        ("0,m,1\n5,m,abc\n", at(2, 5, 10), "\"abc\""),
        ("0,m,1\n5,m,-inf\n", at(2, 5, 10), "\"-inf\""),
        ("0,m,1\nsoon,m,1\n", at(2, 1, 6), "\"soon\""),
        ("soon,m,1\n", at(1, 1, 0), "\"soon\""),
        ("0,m,1\n5,m,1,node\n", at(2, 7, 12), "\"node\""),
        ("0,m,1\n5,m,1,1x=y\n", at(2, 7, 12), "1x"),
    ];
    for (text, position, needle) in cases {
        let (got, message) = parse_error(read_long(text.as_bytes(), CsvOptions::new()));
        assert_eq!(got, position, "{text:?}: {message}");
        assert!(message.contains(needle), "{text:?}: {message}");
    }
    let (position, message) = parse_error(read_long(&b"0,m,1\n5,m{,1\n"[..], CsvOptions::new()));
    assert_eq!(position, at(2, 3, 8));
    assert!(message.contains("m{"), "{message}");
}

#[test]
fn non_utf8_is_a_positioned_error() {
    let text = b"0,m,1\n5,caf\xe9,1\n";
    let (position, message) = parse_error(read_long(&text[..], CsvOptions::new()));
    assert_eq!(position, at(2, 6, 11));
    assert!(
        message.contains("UTF-8") && message.contains("caf"),
        "{message}"
    );
}

#[test]
fn nan_and_empty_cells_are_missing() {
    let series = read_nab(
        &b"timestamp,value\n0,NaN\n1,\n2,3\n"[..],
        "m",
        CsvOptions::new(),
    )
    .unwrap();
    assert!(series.values()[0].is_nan() && series.values()[1].is_nan());
    assert_eq!(series.values()[2], 3.0);
}

#[test]
fn nab_reads_the_benchmark_layout() {
    let text = "timestamp,value\n2014-03-07 03:41:00,45.868\n2014-03-07 03:46:00,47.606\n";
    let series = read_nab(text.as_bytes(), "ec2", CsvOptions::new()).unwrap();
    assert_eq!(series.name(), "ec2");
    assert_eq!(
        series.timestamps()[1] - series.timestamps()[0],
        Duration::from_minutes(5)
    );
    assert_eq!(series.values(), &[45.868, 47.606]);
}

#[test]
fn nab_errors() {
    let (position, message) = parse_error(read_nab(&b""[..], "m", CsvOptions::new()));
    assert_eq!(position.byte, 0);
    assert!(message.contains("empty"), "{message}");
    let (position, message) = parse_error(read_nab(&b"time,v\n0,1\n"[..], "m", CsvOptions::new()));
    assert_eq!(position, at(1, 1, 0));
    assert!(message.contains("time,v"), "{message}");
    let (position, message) = parse_error(read_nab(
        &b"timestamp,value\n0,1,2\n"[..],
        "m",
        CsvOptions::new(),
    ));
    assert_eq!(position, at(2, 5, 20));
    assert!(message.contains("expected 2 fields, found 3"), "{message}");
    assert!(read_nab(&b"timestamp,value\n"[..], "bad{", CsvOptions::new()).is_err());
}

#[test]
fn wide_form_reads_labelled_keys_and_missing_cells() {
    let text = "timestamp,\"cpu{node=\"\"n1\"\",zone=\"\"a\"\"}\",up\n\
                2026-01-05T00:00:10Z,0.5,1\n\
                2026-01-05T00:00:20Z,,0\n";
    let frame = read_wide(text.as_bytes(), CsvOptions::new()).unwrap();
    assert_eq!(frame.shape(), (2, 2));
    let key = &frame.columns()[0];
    assert_eq!((key.name(), key.labels().get("zone")), ("cpu", Some("a")));
    assert!(frame.value(1, &key.to_string()).unwrap().is_nan());
    assert_eq!(frame.value(1, "up"), Some(0.0));
    assert_eq!(frame.index()[1] - frame.index()[0], Duration::from_secs(10));
}

#[test]
fn wide_form_policies() {
    let text = "t,a,b\n20,1,2\n10,3,\n20,5,6\n";
    let (position, _) = parse_error(read_wide(text.as_bytes(), CsvOptions::new()));
    assert_eq!(position, at(3, 1, 13));
    let sorted = CsvOptions::new().order(Order::Sort);
    let (position, message) = parse_error(read_wide(text.as_bytes(), sorted));
    assert_eq!(position.line, 4, "{message}");
    let first = read_wide(text.as_bytes(), sorted.duplicates(Duplicates::KeepFirst)).unwrap();
    assert_eq!(first.index(), &[t(10), t(20)]);
    assert_eq!(first.value(1, "a"), Some(1.0));
    let last = read_wide(text.as_bytes(), sorted.duplicates(Duplicates::KeepLast)).unwrap();
    assert_eq!(last.value(1, "b"), Some(6.0));
    let mean = read_wide(
        "t,a,b\n10,1,\n10,3,\n".as_bytes(),
        CsvOptions::new().duplicates(Duplicates::Mean),
    )
    .unwrap();
    assert_eq!(mean.value(0, "a"), Some(2.0));
    assert!(mean.value(0, "b").unwrap().is_nan());
}

#[test]
fn wide_form_errors() {
    let cases: [(&[u8], Position, &str); 7] = [
        (b"", at(1, 1, 0), "header"),
        (b"0,1,2\n", at(1, 1, 0), "expected a header"),
        (b"t,a,a\n", at(1, 5, 4), "twice"),
        (b"t,a{x=1}\n", at(1, 7, 6), "bad column key \"a{x=1}\""),
        (b"t, a{x=1}\n", at(1, 8, 7), "bad column key"),
        (b"t,a,b\n0,1\n", at(2, 4, 9), "expected 3 fields, found 2"),
        (b"t,a,b\n0,1,inf\n", at(2, 5, 10), "\"inf\""),
    ];
    for (text, position, needle) in cases {
        let (got, message) = parse_error(read_wide(text, CsvOptions::new()));
        assert_eq!(
            got,
            position,
            "{:?}: {message}",
            String::from_utf8_lossy(text)
        );
        assert!(message.contains(needle), "{message}");
    }
}

#[test]
fn wide_form_with_only_a_timestamp_column() {
    let frame = read_wide(&b"timestamp\n0\n10\n"[..], CsvOptions::new()).unwrap();
    assert_eq!(frame.shape(), (2, 0));
}

#[test]
fn options_round_trip_through_serde() {
    let options = CsvOptions::new()
        .order(Order::Sort)
        .duplicates(Duplicates::Mean);
    let json = serde_json::to_string(&options).unwrap();
    assert_eq!(serde_json::from_str::<CsvOptions>(&json).unwrap(), options);
    assert_eq!(
        serde_json::from_str::<CsvOptions>("{}").unwrap(),
        CsvOptions::new()
    );
}

#[test]
fn io_errors_are_reported_as_io() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk gone"))
        }
    }
    assert!(matches!(
        read_long(Failing, CsvOptions::new()),
        Err(Error::Io(_))
    ));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = read_long(&bytes[..], CsvOptions::new().order(Order::Sort));
        let _ = read_wide(&bytes[..], CsvOptions::new().duplicates(Duplicates::Mean));
        let _ = read_nab(&bytes[..], "m", CsvOptions::new());
    }

    #[test]
    fn wide_round_trips_what_it_reads(
        rows in prop::collection::vec(prop::collection::vec(prop::option::of(-1e9f64..1e9), 2), 0..20),
    ) {
        let mut text = String::from("timestamp,\"a{n=\"\"1\"\"}\",b\n");
        for (i, row) in rows.iter().enumerate() {
            let cell = |v: &Option<f64>| v.map_or_else(String::new, |v| v.to_string());
            text.push_str(&format!("{},{},{}\n", i * 10, cell(&row[0]), cell(&row[1])));
        }
        let frame = read_wide(text.as_bytes(), CsvOptions::new()).unwrap();
        prop_assert_eq!(frame.nrows(), rows.len());
        for (i, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let got = frame.values()[[i, c]];
                match v {
                    Some(v) => prop_assert_eq!(got, *v),
                    None => prop_assert!(got.is_nan()),
                }
            }
        }
    }
}
