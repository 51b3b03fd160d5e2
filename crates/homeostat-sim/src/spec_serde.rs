//! Serde helper so scenario files can write instants as text
//! (`"2026-01-05T00:00:00Z"`) as well as integer milliseconds. Durations
//! need none: core's `Duration` already reads and writes `"24h"`.

use homeostat_core::Timestamp;
use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrMillis {
    Text(String),
    Millis(i64),
}

/// `Timestamp` as RFC 3339 text; any text `Timestamp::parse` accepts, or
/// integer milliseconds, on input.
pub(crate) mod timestamp {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(t)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        match TextOrMillis::deserialize(d)? {
            TextOrMillis::Text(text) => text.parse().map_err(serde::de::Error::custom),
            TextOrMillis::Millis(ms) => Ok(Timestamp::from_millis(ms)),
        }
    }
}
