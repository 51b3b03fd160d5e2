#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! The Prometheus text and OpenMetrics parsers on the formats' worked
//! examples, on malformed input, and on arbitrary bytes.

use homeostat_core::{Labels, Timestamp};
use homeostat_metrics::Error;
use homeostat_metrics::ingest::prometheus::{
    Format, MetricType, Parser, Sample, ScrapeCollector, parse_str,
};
use proptest::prelude::*;

const PROM: Format = Format::PrometheusText;
const OM: Format = Format::OpenMetrics;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied()).unwrap()
}

/// The example of the Prometheus exposition format documentation.
const DOCS_EXAMPLE: &str = r#"# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
"#;

#[test]
fn reads_the_prometheus_documentation_example() {
    let parsed = parse_str(DOCS_EXAMPLE, PROM).unwrap();
    let s = &parsed.samples;
    assert_eq!(s.len(), 2 + 1 + 1 + 1 + 8 + 7);

    // A counter with timestamps in milliseconds.
    assert_eq!(
        s[0],
        Sample {
            name: "http_requests_total".into(),
            labels: labels(&[("method", "post"), ("code", "200")]),
            value: 1027.0,
            timestamp: Some(Timestamp::from_millis(1_395_066_363_000)),
        }
    );
    assert_eq!(s[1].value, 3.0);
    let counter = parsed.metadata.family_of("http_requests_total").unwrap();
    assert_eq!(counter.metric_type, MetricType::Counter);
    assert_eq!(
        counter.help.as_deref(),
        Some("The total number of HTTP requests.")
    );

    // Escapes.
    assert_eq!(s[2].labels.get("path"), Some(r"C:\DIR\FILE.TXT"));
    assert_eq!(
        s[2].labels.get("error"),
        Some("Cannot find file:\n\"FILE.TXT\"")
    );
    assert_eq!(s[2].value, 1.458255915e9);

    // Minimal line, an infinite value and a timestamp before the epoch.
    assert_eq!(s[3].labels, Labels::new());
    assert_eq!(s[3].timestamp, None);
    assert_eq!(s[4].value, f64::INFINITY);
    assert_eq!(s[4].timestamp, Some(Timestamp::from_millis(-3_982_045)));
    assert_eq!(parsed.metadata.type_of(&s[4].name), MetricType::Unknown);

    // The histogram, with its +Inf bucket, sum and count in one family.
    let histogram = &s[5..13];
    assert_eq!(histogram[5].labels.get("le"), Some("+Inf"));
    assert_eq!(histogram[5].value, 144_320.0);
    for sample in histogram {
        let family = parsed.metadata.family_of(&sample.name).unwrap();
        assert_eq!(family.name, "http_request_duration_seconds");
        assert_eq!(family.metric_type, MetricType::Histogram);
    }

    // The summary, with quantiles, sum and count in one family.
    let summary = &s[13..];
    assert_eq!(summary[4].labels.get("quantile"), Some("0.99"));
    assert_eq!(summary[5].value, 1.7560473e7);
    for sample in summary {
        assert_eq!(parsed.metadata.type_of(&sample.name), MetricType::Summary);
    }
    assert_eq!(parsed.metadata.len(), 3);
}

/// Close to the example of the OpenMetrics specification.
const OPENMETRICS_EXAMPLE: &str = r#"# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
# TYPE go_goroutines gauge
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
process_cpu_seconds_total 4.20072246e+06 1520879607.789
# TYPE foo histogram
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# TYPE build info
build_info{version="1.2.3"} 1
# TYPE state stateset
state{state="ready"} 1
state{state="failed"} 0
# TYPE queue gaugehistogram
queue_bucket{le="+Inf"} 4
queue_gsum 9
queue_gcount 4
# EOF
"#;

#[test]
fn reads_openmetrics_with_units_suffixes_exemplars_and_eof() {
    let parsed = parse_str(OPENMETRICS_EXAMPLE, OM).unwrap();
    let s = &parsed.samples;
    assert_eq!(s.len(), 3 + 1 + 1 + 8 + 1 + 2 + 3);
    let meta = &parsed.metadata;

    let summary = meta.get("acme_http_router_request_seconds").unwrap();
    assert_eq!(summary.unit.as_deref(), Some("seconds"));
    assert_eq!(
        summary.help.as_deref(),
        Some("Latency though all of ACME's HTTP request router.")
    );
    for sample in &s[..3] {
        assert_eq!(meta.type_of(&sample.name), MetricType::Summary);
    }

    // Counter samples carry `_total`; timestamps are float seconds.
    let cpu = &s[4];
    assert_eq!(cpu.name, "process_cpu_seconds_total");
    assert_eq!(
        meta.family_of(&cpu.name).unwrap().name,
        "process_cpu_seconds"
    );
    assert_eq!(
        cpu.timestamp,
        Some(Timestamp::from_millis(1_520_879_607_789))
    );

    // Exemplars are dropped; the sample before them is kept.
    assert_eq!(s[6].value, 8.0);
    assert_eq!(s[8].labels.get("le"), Some("10"));
    assert_eq!(s[8].timestamp, None);
    assert_eq!(meta.type_of("foo_created"), MetricType::Histogram);

    assert_eq!(meta.type_of("build_info"), MetricType::Info);
    assert_eq!(meta.type_of("state"), MetricType::StateSet);
    assert_eq!(meta.type_of("queue_gsum"), MetricType::GaugeHistogram);
    assert_eq!(meta.type_of("queue_sum"), MetricType::Unknown);
}

#[test]
fn the_parser_streams_one_sample_at_a_time() {
    let mut parser = Parser::new(DOCS_EXAMPLE.as_bytes(), PROM);
    let first = parser.next().unwrap().unwrap();
    assert_eq!(first.name, "http_requests_total");
    // Metadata seen so far only.
    assert_eq!(parser.metadata().len(), 1);
    assert_eq!(parser.by_ref().filter(Result::is_ok).count(), 19);
    assert_eq!(parser.metadata().len(), 3);
}

#[test]
fn crlf_line_ends_and_blank_lines_are_accepted() {
    let parsed = parse_str("a 1\r\n\r\n  \nb{x=\"y\"} 2\r\n", PROM).unwrap();
    assert_eq!(parsed.samples.len(), 2);
    assert_eq!(parsed.samples[1].value, 2.0);
}

#[test]
fn nan_and_infinities_are_read_in_any_case() {
    let parsed = parse_str("a NaN\nb +Inf\nc -Inf\nd nan\ne Inf\n", PROM).unwrap();
    let v: Vec<f64> = parsed.samples.iter().map(|s| s.value).collect();
    assert!(v[0].is_nan() && v[3].is_nan());
    assert_eq!(v[1..3], [f64::INFINITY, f64::NEG_INFINITY]);
    assert_eq!(v[4], f64::INFINITY);
}

#[test]
fn eof_is_only_special_in_openmetrics() {
    // In the Prometheus text format `# EOF` is a comment.
    assert_eq!(parse_str("# EOF\na 1\n", PROM).unwrap().samples.len(), 1);
    // Blank lines after it are tolerated in OpenMetrics.
    assert_eq!(parse_str("a 1\n# EOF\n\n", OM).unwrap().samples.len(), 1);
}

/// Input, format, expected (line, column, byte), text the message must hold.
type Case = (&'static str, Format, (u64, u64, u64), &'static str);

/// The error of parsing `text`, which must be a positioned parse error.
fn parse_error(text: &str, format: Format) -> (u64, u64, u64, String) {
    match parse_str(text, format) {
        Err(Error::Parse {
            format: name,
            position,
            message,
        }) => {
            assert_eq!(name, format.name());
            (position.line, position.column, position.byte, message)
        }
        other => panic!("expected a parse error for {text:?}, got {other:?}"),
    }
}

#[test]
fn malformed_lines_are_positioned_errors_naming_the_text() {
    let cases: &[Case] = &[
        // Bad label syntax: no `=`.
        (
            "ok 1\nm{a \"x\"} 1\n",
            PROM,
            (2, 5, 9),
            "expected `=` after label name `a`",
        ),
        // Unterminated quote.
        ("m{a=\"x} 1\n", PROM, (1, 5, 4), "unterminated quoted value"),
        // Missing value.
        (
            "m{a=\"x\"}\n",
            PROM,
            (1, 9, 8),
            "missing value after `m{a=\"x\"}`",
        ),
        ("m   \n", PROM, (1, 5, 4), "missing value"),
        // Bad float.
        ("m 1.2.3\n", PROM, (1, 3, 2), "invalid value `1.2.3`"),
        // Bad timestamps: a float in 0.0.4, a word in OpenMetrics.
        (
            "m 1 1395066363000.5\n",
            PROM,
            (1, 5, 4),
            "invalid timestamp `1395066363000.5`",
        ),
        (
            "m 1 soon\n# EOF\n",
            OM,
            (1, 5, 4),
            "invalid timestamp `soon`",
        ),
        // Invalid label name.
        (
            "m{a-b=\"x\"} 1\n",
            PROM,
            (1, 3, 2),
            "invalid label name `a-b`",
        ),
        (
            "m{1a=\"x\"} 1\n",
            PROM,
            (1, 3, 2),
            "invalid label name `1a`",
        ),
        // Duplicate label.
        (
            "m{a=\"x\",a=\"y\"} 1\n",
            PROM,
            (1, 9, 8),
            "duplicate label `a`",
        ),
        // Text after # EOF.
        (
            "a 1\n# EOF\nb 2\n",
            OM,
            (3, 1, 10),
            "text after `# EOF`: `b 2`",
        ),
        // Missing # EOF.
        ("a 1\n", OM, (2, 1, 4), "without `# EOF`"),
        // Unknown escape, missing separator, bad metric names and types.
        ("m{a=\"\\t\"} 1\n", PROM, (1, 6, 5), "invalid escape `\\t`"),
        (
            "m{a=\"x\" b=\"y\"} 1\n",
            PROM,
            (1, 9, 8),
            "expected `,` or `}`",
        ),
        ("m{a=\"x\"\n", PROM, (1, 8, 7), "unterminated label set"),
        ("1m 1\n", PROM, (1, 1, 0), "invalid metric name `1m`"),
        (
            "m-n 1\n",
            PROM,
            (1, 2, 1),
            "unexpected `-n 1` after metric name `m`",
        ),
        ("{a=\"x\"} 1\n", PROM, (1, 1, 0), "expected a metric name"),
        ("m 1 2 3\n", PROM, (1, 7, 6), "unexpected text `3`"),
        (
            "# TYPE m histo\n",
            PROM,
            (1, 10, 9),
            "unknown metric type `histo`",
        ),
        (
            "# TYPE m gauge\n# TYPE m counter\n",
            PROM,
            (2, 8, 22),
            "second `# TYPE` line for `m`",
        ),
        (
            "# HELP\n",
            PROM,
            (1, 7, 6),
            "`# HELP` without a metric name",
        ),
        // Malformed exemplars.
        (
            "m 1 # trace\n# EOF\n",
            OM,
            (1, 7, 6),
            "expected `{` to open an exemplar",
        ),
        (
            "m 1 # {a=\"b\"} x\n# EOF\n",
            OM,
            (1, 15, 14),
            "invalid exemplar value `x`",
        ),
        // Columns count characters, bytes count bytes.
        ("m{é=\"x\"} 1\n", PROM, (1, 3, 2), "invalid label name `é`"),
        (
            "m{a=\"é\",b=} 1\n",
            PROM,
            (1, 11, 11),
            "expected `\"` to open the value of label `b`",
        ),
    ];
    let mut wrong = Vec::new();
    for &(text, format, (line, column, byte), needle) in cases {
        let (l, c, b, message) = parse_error(text, format);
        if !message.contains(needle) || (l, c, b) != (line, column, byte) {
            wrong.push(format!("{text:?}: {message:?} at {:?}", (l, c, b)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn bytes_that_are_not_utf8_are_a_positioned_error() {
    let input = b"a 1\nm{a=\"x\xff\"} 1\n";
    let err = Parser::new(&input[..], PROM).find_map(Result::err).unwrap();
    let Error::Parse {
        position, message, ..
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!((position.line, position.column, position.byte), (2, 7, 10));
    assert!(message.contains("0xff"), "{message}");
}

#[test]
fn the_parser_stops_after_the_first_error() {
    let results: Vec<_> = Parser::new(&b"a 1\nb {\nc 3\n"[..], PROM).collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok() && results[1].is_err());
}

#[test]
fn the_collector_builds_series_from_scrapes() {
    let mut collector = ScrapeCollector::new(PROM);
    for (i, text) in ["a 1\nb{x=\"1\"} 10\n", "a 2\nb{x=\"1\"} 11 500\n", "a 3\n"]
        .iter()
        .enumerate()
    {
        collector
            .add_str(text, Timestamp::from_secs(i as i64))
            .unwrap();
    }
    // Re-scraping at an existing time replaces the value there.
    collector.add_str("a 9\n", Timestamp::from_secs(1)).unwrap();
    assert_eq!(collector.scrapes(), 4);
    let series = collector.into_series().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].values(), &[1.0, 9.0, 3.0]);
    let b = &series[1];
    assert_eq!(b.key().to_string(), r#"b{x="1"}"#);
    // The second sample keeps its own timestamp (500 ms) over the scrape time (1 s).
    assert_eq!(
        b.timestamps(),
        &[Timestamp::from_millis(0), Timestamp::from_millis(500)]
    );
    assert_eq!(b.values(), &[10.0, 11.0]);
}

#[test]
fn the_collector_skips_infinities_and_keeps_nan() {
    let mut collector = ScrapeCollector::new(OM);
    let text = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum +Inf\nh_count NaN\n# EOF\n";
    assert_eq!(collector.add_str(text, Timestamp::EPOCH).unwrap(), 2);
    assert_eq!(collector.skipped_infinite(), 1);
    assert_eq!(
        collector.metadata().type_of("h_bucket"),
        MetricType::Histogram
    );
    let series = collector.into_series().unwrap();
    assert_eq!(series[0].key().to_string(), r#"h_bucket{le="+Inf"}"#);
    assert_eq!(series[1].name(), "h_count");
    assert!(series[1].values()[0].is_nan());
}

fn label_value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just('\\'),
            Just('"'),
            Just('\n'),
            Just('{'),
            Just(','),
            any::<char>()
        ],
        0..8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn sample() -> impl Strategy<Value = Sample> {
    (
        "[a-zA-Z_:][a-zA-Z0-9_:]{0,12}",
        prop::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,6}", label_value(), 0..4),
        prop_oneof![
            any::<f64>(),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN)
        ],
        prop::option::of(any::<i64>()),
    )
        .prop_map(|(name, labels, value, ts)| Sample {
            name,
            labels: Labels::try_from(labels).unwrap(),
            value,
            timestamp: ts.map(Timestamp::from_millis),
        })
}

/// Equality that treats NaN as equal to NaN.
fn same(a: &Sample, b: &Sample) -> bool {
    a.name == b.name
        && a.labels == b.labels
        && a.timestamp == b.timestamp
        && (a.value == b.value || (a.value.is_nan() && b.value.is_nan()))
}

proptest! {
    #[test]
    fn any_bytes_give_ok_or_err_without_panicking(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        open_metrics in any::<bool>(),
    ) {
        let format = if open_metrics { OM } else { PROM };
        for result in Parser::new(&bytes[..], format) {
            let _ = result;
        }
    }

    #[test]
    fn line_like_noise_gives_ok_or_err_without_panicking(
        text in "([a-z_{}=\",# \\\\.+\n0-9]|NaN|Inf|EOF|TYPE|HELP|UNIT|é){0,200}",
        open_metrics in any::<bool>(),
    ) {
        let format = if open_metrics { OM } else { PROM };
        let _ = parse_str(&text, format);
    }

    #[test]
    fn rendered_samples_parse_back_equal(samples in prop::collection::vec(sample(), 0..20)) {
        let text: String = samples.iter().map(|s| format!("{s}\n")).collect();
        let parsed = parse_str(&text, PROM).unwrap();
        prop_assert_eq!(parsed.samples.len(), samples.len());
        for (back, original) in parsed.samples.iter().zip(&samples) {
            prop_assert!(same(back, original), "{:?} != {:?}", back, original);
        }
    }
}
