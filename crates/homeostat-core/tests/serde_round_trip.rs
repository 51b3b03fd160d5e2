//! Every data type survives JSON, and deserialising validates like the
//! constructors do.
#![allow(clippy::unwrap_used)] // helpers of a test crate: a panic is a failed test
#![cfg(feature = "serde")]

use homeostat_core::{
    Duration, Fault, FaultKind, FaultLabels, Frame, Labels, Scope, Series, SeriesKey, Timestamp,
};

fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_string(value).unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn data_types_round_trip() {
    let t = Timestamp::from_secs;
    let labels = Labels::from_pairs([("node", "n1"), ("job", "api")]).unwrap();
    let key = SeriesKey::new("cpu").unwrap().with_labels(labels.clone());
    let series = Series::new(&key, vec![t(0), t(10)], vec![0.5, 0.75]).unwrap();
    let frame = Frame::from_aligned_series([series.clone()]).unwrap();
    let faults = FaultLabels::new(vec![
        Fault::new(FaultKind::MemoryLeak, t(5), t(50), Scope::Node("n1".into())).unwrap(),
        Fault::new(
            FaultKind::Other("gc_storm".into()),
            t(7),
            t(9),
            Scope::Replica {
                service: "api".into(),
                node: "n1".into(),
            },
        )
        .unwrap(),
    ])
    .unwrap();

    assert_eq!(round_trip(&t(42)), t(42));
    assert_eq!(
        round_trip(&Duration::from_minutes(5)),
        Duration::from_minutes(5)
    );
    assert_eq!(round_trip(&labels), labels);
    assert_eq!(round_trip(&key), key);
    assert_eq!(round_trip(&series), series);
    assert_eq!(round_trip(&frame), frame);
    let masked = frame
        .clone()
        .with_quality(ndarray::array![
            [homeostat_core::Quality::Filled],
            [homeostat_core::Quality::Observed]
        ])
        .unwrap();
    assert_eq!(round_trip(&masked), masked);
    let back = round_trip(&faults);
    assert_eq!(back, faults);
    assert!(back.is_faulty(t(8)), "the search index is rebuilt");
}

#[test]
fn invalid_json_is_rejected_not_trusted() {
    let unsorted = r#"{"key":{"name":"m","labels":{}},"timestamps":[2,1],"values":[0,0]}"#;
    assert!(serde_json::from_str::<Series>(unsorted).is_err());
    let bad_label = r#"{"name":"m","labels":{"bad-name":"x"}}"#;
    assert!(serde_json::from_str::<SeriesKey>(bad_label).is_err());
    let empty_name = r#"{"name":"","labels":{}}"#;
    assert!(serde_json::from_str::<SeriesKey>(empty_name).is_err());
    let inverted = r#"{"start":10,"end":5,"kind":"crash","scope":"cluster"}"#;
    assert!(serde_json::from_str::<Fault>(inverted).is_err());
    let ragged = r#"{"index":[0,1],"columns":[{"name":"a","labels":{}}],"values":{"v":1,"dim":[1,1],"data":[0.0]}}"#;
    assert!(serde_json::from_str::<Frame>(ragged).is_err());
}
