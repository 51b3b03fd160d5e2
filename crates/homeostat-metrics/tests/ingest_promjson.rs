#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! Prometheus HTTP API query responses into series.

use homeostat_core::{Labels, Series, SeriesKey, Timestamp};
use homeostat_metrics::Error;
use homeostat_metrics::ingest::promjson::{self, QueryReader};

/// A `query_range` response as Prometheus writes it (from its API docs,
/// extended with a result without a name and special values).
const RANGE: &str = r#"{
   "status" : "success",
   "data" : {
      "resultType" : "matrix",
      "result" : [
         {
            "metric" : {
               "__name__" : "up",
               "job" : "prometheus",
               "instance" : "localhost:9090"
            },
            "values" : [
               [ 1435781430.781, "1" ],
               [ 1435781445.781, "1" ],
               [ 1435781460.781, "1" ]
            ]
         },
         {
            "metric" : {
               "__name__" : "up",
               "job" : "node",
               "instance" : "localhost:9091"
            },
            "values" : [
               [ 1435781430.781, "0" ],
               [ 1435781445.781, "NaN" ],
               [ 1435781460.781, "+Inf" ],
               [ 1435781475.781, "-Inf" ],
               [ 1435781490.781, "1e-3" ]
            ]
         },
         {
            "metric" : { "job" : "node" },
            "values" : [ [ 1435781430, "0.25" ] ]
         }
      ]
   }
}"#;

fn key(name: &str, pairs: &[(&str, &str)]) -> SeriesKey {
    SeriesKey::new(name)
        .unwrap()
        .with_labels(Labels::from_pairs(pairs.iter().copied()).unwrap())
}

#[test]
fn reads_a_range_query_response() {
    let result = QueryReader::new().read_slice(RANGE.as_bytes()).unwrap();
    let series = &result.series;
    assert_eq!(series.len(), 3);
    // Key order: labels sort by name, so `instance` decides first.
    let prometheus = &series[0];
    let node = &series[1];
    assert_eq!(
        prometheus.key(),
        &key(
            "up",
            &[("job", "prometheus"), ("instance", "localhost:9090")]
        )
    );
    assert_eq!(
        node.key(),
        &key("up", &[("job", "node"), ("instance", "localhost:9091")])
    );
    let t = |ms| Timestamp::from_millis(ms);
    let expected = [
        t(1_435_781_430_781),
        t(1_435_781_445_781),
        t(1_435_781_460_781),
    ];
    assert_eq!(prometheus.timestamps(), &expected);
    assert_eq!(prometheus.values(), &[1.0, 1.0, 1.0]);

    // NaN is kept as missing; the two infinities are skipped and counted.
    assert_eq!(node.len(), 3);
    assert_eq!(node.values()[0], 0.0);
    assert!(node.values()[1].is_nan());
    assert_eq!(node.values()[2], 0.001);
    assert_eq!(node.timestamps()[2], t(1_435_781_490_781));
    assert_eq!(result.skipped_infinite, 2);

    // No __name__: the default name.
    assert_eq!(series[2].key(), &key("value", &[("job", "node")]));
    assert_eq!(
        series[2].timestamps(),
        &[Timestamp::from_secs(1_435_781_430)]
    );
    assert!(result.warnings.is_empty());
}

#[test]
fn reads_from_a_reader_the_same_as_from_bytes() {
    let from_reader = promjson::from_reader(RANGE.as_bytes()).unwrap();
    let from_slice = promjson::from_slice(RANGE.as_bytes()).unwrap();
    let bits = |s: &Series| s.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(from_reader.len(), from_slice.len());
    for (a, b) in from_reader.iter().zip(&from_slice) {
        assert_eq!((a.key(), a.timestamps()), (b.key(), b.timestamps()));
        assert_eq!(bits(a), bits(b));
    }
}

#[test]
fn unnamed_results_take_the_chosen_name() {
    let result = QueryReader::new()
        .unnamed("rate_5m")
        .unwrap()
        .read_slice(RANGE.as_bytes())
        .unwrap();
    assert_eq!(result.series[0].key(), &key("rate_5m", &[("job", "node")]));
    assert!(QueryReader::new().unnamed("a{b}").is_err());
}

#[test]
fn reads_an_instant_query_vector() {
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"__name__":"up","job":"prometheus","instance":"localhost:9090"},"value":[1435781451.781,"1"]},
      {"metric":{"__name__":"up","job":"node","instance":"localhost:9100"},"value":[1435781451.781,"0"]}]}}"#;
    let series = promjson::from_slice(body.as_bytes()).unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[1].labels().get("job"), Some("node"));
    assert_eq!(series[1].values(), &[0.0]);
    assert_eq!(
        series[0].timestamps(),
        &[Timestamp::from_millis(1_435_781_451_781)]
    );
}

#[test]
fn results_with_one_key_are_merged_and_the_later_value_wins() {
    let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"__name__":"m"},"values":[[2,"2"],[1,"1"]]},
      {"metric":{"__name__":"m"},"values":[[2,"3"],[3,"4"]]}]}}"#;
    let series = promjson::from_slice(body.as_bytes()).unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].values(), &[1.0, 3.0, 4.0]);
}

#[test]
fn error_responses_carry_the_error_type_and_message() {
    let body = r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#;
    match promjson::from_slice(body.as_bytes()) {
        Err(Error::QueryFailed {
            error_type,
            message,
        }) => {
            assert_eq!(error_type, "timeout");
            assert_eq!(message, "query timed out in expression evaluation");
        }
        other => panic!("{other:?}"),
    }
}

/// The position and message of a parse error.
fn parse_error(body: &str) -> (u64, u64, String) {
    match promjson::from_slice(body.as_bytes()) {
        Err(Error::Parse {
            format,
            position,
            message,
        }) => {
            assert_eq!(format, "prometheus json");
            (position.line, position.column, message)
        }
        other => panic!("expected a parse error for {body}, got {other:?}"),
    }
}

#[test]
fn malformed_responses_are_positioned_errors() {
    // Truncated JSON.
    let (line, _, message) = parse_error("{\"status\":\"success\",\n\"data\":{");
    assert_eq!(line, 2);
    assert!(message.contains("EOF"), "{message}");

    // A value that is not a number.
    let (line, column, message) = parse_error(
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n{\"metric\":{},\"values\":[[1,\"fast\"]]}]}}",
    );
    assert_eq!(line, 2);
    assert!(column > 20, "{column}");
    assert!(message.contains("\"fast\""), "{message}");

    // An invalid label name.
    let (line, _, message) = parse_error(
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[\n\n{\"metric\":{\"bad-name\":\"x\"},\"value\":[1,\"1\"]}]}}",
    );
    assert_eq!(line, 3);
    assert!(message.contains("bad-name"), "{message}");

    // A timestamp that is not a number, or out of range.
    let (_, _, message) =
        parse_error(r#"{"status":"success","data":{"resultType":"scalar","result":["now","1"]}}"#);
    assert!(message.contains("now"), "{message}");
    let (_, _, message) =
        parse_error(r#"{"status":"success","data":{"resultType":"scalar","result":[1e300,"1"]}}"#);
    assert!(message.contains("out of range"), "{message}");

    // Unknown result types and status, string results, missing data.
    let (_, _, message) =
        parse_error(r#"{"status":"success","data":{"resultType":"table","result":[]}}"#);
    assert!(message.contains("table"), "{message}");
    let (line, _, message) = parse_error(r#"{"status":"pending"}"#);
    assert_eq!(line, 0);
    assert!(message.contains("\"pending\""), "{message}");
    let (_, _, message) =
        parse_error(r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#);
    assert!(message.contains("string"), "{message}");
    let (_, _, message) = parse_error(r#"{"status":"success"}"#);
    assert!(message.contains("data"), "{message}");
}

#[test]
fn reader_failures_are_io_errors() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("connection reset"))
        }
    }
    assert!(matches!(promjson::from_reader(Failing), Err(Error::Io(_))));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_bytes_give_ok_or_err_without_panicking(
            bytes in prop::collection::vec(any::<u8>(), 0..2000),
        ) {
            let _ = promjson::from_slice(&bytes);
        }

        #[test]
        fn mangled_responses_give_ok_or_err_without_panicking(
            cut in 0..RANGE.len(),
            insert in "[\\[\\]{}\",:a-z0-9.+-]{0,3}",
        ) {
            let mut body = RANGE.as_bytes()[..cut].to_vec();
            body.extend_from_slice(insert.as_bytes());
            body.extend_from_slice(&RANGE.as_bytes()[cut..]);
            let _ = promjson::from_slice(&body);
        }
    }
}
