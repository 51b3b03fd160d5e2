//! Serde helpers so scenario files can write times as text (`"24h"`,
//! `"2026-01-05T00:00:00Z"`) as well as integer milliseconds.

use homeostat_core::{Duration, Timestamp};
use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrMillis {
    Text(String),
    Millis(i64),
}

/// `Duration` as `"1h30m"` text; integer milliseconds are accepted on input.
pub(crate) mod duration {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match TextOrMillis::deserialize(d)? {
            TextOrMillis::Text(text) => text.parse().map_err(serde::de::Error::custom),
            TextOrMillis::Millis(ms) => Ok(Duration::from_millis(ms)),
        }
    }
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
