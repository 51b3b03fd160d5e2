//! `Timestamp`: milliseconds since the Unix epoch, with the text formats met in
//! monitoring data.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat};

use super::Duration;
use crate::error::{Error, Result};

/// A point in time: whole milliseconds since 1970-01-01T00:00:00Z.
///
/// [`Timestamp::parse`] (and `str::parse`) accepts:
///
/// - RFC 3339, with any offset: `2014-03-07T03:41:00Z`, `2014-03-07T04:41:00.5+01:00`;
/// - `YYYY-MM-DD HH:MM:SS[.fff]` and `YYYY-MM-DDTHH:MM:SS[.fff]` without an
///   offset, read as UTC (NAB and most CSV exports write this);
/// - a bare date `YYYY-MM-DD`, read as midnight UTC;
/// - a Unix time: an integer of magnitude below 10^11 is seconds, from 10^11
///   on it is milliseconds (10^11 seconds is the year 5138, 10^11 ms is March
///   1973, so real data is never ambiguous); a number with a fraction or an
///   exponent is seconds, as Prometheus writes it. Use
///   [`Timestamp::parse_unix`] to state the unit instead of inferring it.
///
/// Sub-millisecond precision is rounded to the nearest millisecond.
/// `Display` writes RFC 3339 in UTC, with milliseconds only when they are not
/// zero, and parsing the displayed text gives the same timestamp back.
///
/// ```
/// use homeostat_core::{Duration, Timestamp};
///
/// let t: Timestamp = "2014-03-07 03:41:00".parse()?;
/// assert_eq!(t, "2014-03-07T03:41:00Z".parse()?);
/// assert_eq!(t, "1394163660".parse()?);       // Unix seconds
/// assert_eq!(t, "1394163660000".parse()?);    // Unix milliseconds
/// assert_eq!((t + Duration::from_minutes(5)).to_string(), "2014-03-07T03:46:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Timestamp(i64);

/// The unit of a Unix time given as text, for [`Timestamp::parse_unix`].
///
/// ```
/// use homeostat_core::{Timestamp, UnixUnit};
/// let t = Timestamp::parse_unix("60", UnixUnit::Milliseconds)?;
/// assert_eq!(t.as_millis(), 60);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum UnixUnit {
    /// Seconds, possibly with a fraction (`1394163660.25`).
    Seconds,
    /// Milliseconds, possibly with a fraction (rounded).
    Milliseconds,
}

/// Integers below this magnitude are read as seconds, from it on as milliseconds.
const UNIX_SECONDS_LIMIT: i64 = 100_000_000_000;

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Timestamp::EPOCH.to_string(), "1970-01-01T00:00:00Z");
    /// ```
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The earliest representable timestamp.
    ///
    /// ```
    /// assert!(homeostat_core::Timestamp::MIN < homeostat_core::Timestamp::EPOCH);
    /// ```
    pub const MIN: Timestamp = Timestamp(i64::MIN);

    /// The latest representable timestamp.
    ///
    /// ```
    /// assert!(homeostat_core::Timestamp::MAX > homeostat_core::Timestamp::EPOCH);
    /// ```
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    /// The timestamp `ms` milliseconds after the epoch.
    ///
    /// ```
    /// let t = homeostat_core::Timestamp::from_millis(1_500);
    /// assert_eq!(t.to_string(), "1970-01-01T00:00:01.500Z");
    /// ```
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// The timestamp `s` seconds after the epoch, saturating at the range.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Timestamp::from_secs(60).as_millis(), 60_000);
    /// ```
    pub const fn from_secs(s: i64) -> Self {
        Timestamp(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Timestamp::from_secs(1).as_millis(), 1000);
    /// ```
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch as a float (what Prometheus writes).
    ///
    /// ```
    /// assert_eq!(homeostat_core::Timestamp::from_millis(1_250).as_secs_f64(), 1.25);
    /// ```
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Parses any of the formats listed on [`Timestamp`].
    ///
    /// ```
    /// use homeostat_core::Timestamp;
    /// let t = Timestamp::parse("2014-03-07T04:41:00+01:00")?;
    /// assert_eq!(t, Timestamp::parse("2014-03-07 03:41:00")?);
    /// assert!(Timestamp::parse("07/03/2014").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self> {
        let text = input.trim();
        let starts_like_number = text
            .strip_prefix(['-', '+'])
            .unwrap_or(text)
            .starts_with(|c: char| c.is_ascii_digit() || c == '.');
        let looks_like_date = text.len() >= 10 && text.as_bytes().get(4) == Some(&b'-');
        if starts_like_number && !looks_like_date {
            return parse_unix_auto(input, text);
        }
        parse_calendar(input, text)
    }

    /// Parses a Unix time in the given unit, without guessing.
    ///
    /// ```
    /// use homeostat_core::{Timestamp, UnixUnit};
    /// assert_eq!(Timestamp::parse_unix("1.5", UnixUnit::Seconds)?.as_millis(), 1500);
    /// assert_eq!(Timestamp::parse_unix("1500", UnixUnit::Milliseconds)?.as_millis(), 1500);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_unix(input: &str, unit: UnixUnit) -> Result<Self> {
        let text = input.trim();
        let scale = match unit {
            UnixUnit::Seconds => 1000,
            UnixUnit::Milliseconds => 1,
        };
        if let Ok(whole) = text.parse::<i64>() {
            return whole
                .checked_mul(scale)
                .map(Timestamp)
                .ok_or_else(|| invalid(input, "out of the millisecond range of i64"));
        }
        parse_unix_float(input, text, scale as f64)
    }

    /// `self + d`, or `None` on overflow.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// assert_eq!(Timestamp::MAX.checked_add(Duration::from_millis(1)), None);
    /// ```
    pub const fn checked_add(self, d: Duration) -> Option<Timestamp> {
        match self.0.checked_add(d.as_millis()) {
            Some(ms) => Some(Timestamp(ms)),
            None => None,
        }
    }

    /// `self - d`, or `None` on overflow.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// assert_eq!(Timestamp::from_secs(10).checked_sub(Duration::from_secs(4)),
    ///            Some(Timestamp::from_secs(6)));
    /// ```
    pub const fn checked_sub(self, d: Duration) -> Option<Timestamp> {
        match self.0.checked_sub(d.as_millis()) {
            Some(ms) => Some(Timestamp(ms)),
            None => None,
        }
    }

    /// The span from `earlier` to `self` (negative if `earlier` is later),
    /// saturating at the range of [`Duration`].
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let span = Timestamp::from_secs(90).since(Timestamp::from_secs(30));
    /// assert_eq!(span, Duration::from_minutes(1));
    /// ```
    pub const fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// Rounds down to a multiple of `step` counted from the epoch, the way
    /// Prometheus aligns range-query steps. A non-positive step returns `self`.
    ///
    /// ```
    /// use homeostat_core::{Duration, Timestamp};
    /// let t = Timestamp::from_millis(12_345);
    /// assert_eq!(t.floor_to(Duration::from_secs(10)), Timestamp::from_secs(10));
    /// assert_eq!(Timestamp::from_millis(-1).floor_to(Duration::from_secs(10)),
    ///            Timestamp::from_secs(-10));
    /// ```
    pub const fn floor_to(self, step: Duration) -> Timestamp {
        let step = step.as_millis();
        if step <= 0 {
            return self;
        }
        Timestamp(self.0.div_euclid(step).saturating_mul(step))
    }
}

fn invalid(input: &str, reason: &str) -> Error {
    Error::InvalidTimestamp {
        input: input.to_owned(),
        reason: reason.to_owned(),
    }
}

fn parse_unix_auto(input: &str, text: &str) -> Result<Timestamp> {
    if let Ok(whole) = text.parse::<i64>() {
        if whole.unsigned_abs() < UNIX_SECONDS_LIMIT.unsigned_abs() {
            return Ok(Timestamp(whole * 1000));
        }
        return Ok(Timestamp(whole));
    }
    parse_unix_float(input, text, 1000.0)
}

fn parse_unix_float(input: &str, text: &str, ms_per_unit: f64) -> Result<Timestamp> {
    // Reject words such as "inf" or "NaN" that f64's parser would accept.
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(invalid(input, "not a date-time or a Unix time"));
    }
    let value: f64 = text
        .parse()
        .map_err(|_| invalid(input, "not a date-time or a Unix time"))?;
    let ms = (value * ms_per_unit).round();
    if !ms.is_finite() || ms >= i64::MAX as f64 || ms < i64::MIN as f64 {
        return Err(invalid(input, "out of the millisecond range of i64"));
    }
    Ok(Timestamp(ms as i64))
}

fn parse_calendar(input: &str, text: &str) -> Result<Timestamp> {
    if let Some(ms) = parse_fixed_width(text.as_bytes()) {
        return Ok(Timestamp(ms));
    }
    // The general (slower) path: chrono, for whatever the fast path declined.
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Ok(Timestamp(round_to_millis(
            dt.timestamp(),
            dt.timestamp_subsec_nanos(),
        )));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            let utc = naive.and_utc();
            return Ok(Timestamp(round_to_millis(
                utc.timestamp(),
                utc.timestamp_subsec_nanos(),
            )));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(midnight) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(Timestamp(midnight.and_utc().timestamp_millis()));
    }
    Err(invalid(
        input,
        "expected RFC 3339, YYYY-MM-DD HH:MM:SS[.fff] (UTC), or Unix seconds/milliseconds",
    ))
}

/// Whole seconds plus nanoseconds, rounded to the nearest millisecond
/// (chrono's `timestamp_millis` truncates instead).
fn round_to_millis(secs: i64, nanos: u32) -> i64 {
    secs.saturating_mul(1000)
        .saturating_add(i64::from((nanos + 500_000) / 1_000_000))
}

/// Fast path for the fixed-width forms that make up nearly all real data:
/// `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][Z|±HH:MM]`. Returns `None` for anything
/// else (including leap seconds), which then goes through chrono. Ingesting
/// millions of CSV rows spends most of its parse time here.
fn parse_fixed_width(b: &[u8]) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let separators_ok = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b' ' | b'T' | b't'))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !separators_ok {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    let time = date.and_hms_opt(digits(11..13)?, digits(14..16)?, digits(17..19)?)?;
    let mut rest = b.get(19..)?;
    let mut nanos = 0u32;
    if let Some((b'.', tail)) = rest.split_first() {
        let count = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return None;
        }
        let fraction = tail[..count]
            .iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
        nanos = fraction * 10u32.pow(9 - count as u32);
        rest = &tail[count..];
    }
    let offset_secs: i64 = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let field = |x: u8, y: u8| -> Option<i64> {
                (x.is_ascii_digit() && y.is_ascii_digit())
                    .then(|| i64::from((x - b'0') * 10 + (y - b'0')))
            };
            let (hours, minutes) = (field(*h1, *h2)?, field(*m1, *m2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = hours * 3600 + minutes * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let secs = time.and_utc().timestamp() - offset_secs;
    Some(round_to_millis(secs, nanos))
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC for the years 0000 to 9999 that RFC 3339 can write;
    /// outside them the raw millisecond count, which parses back the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::from_timestamp_millis(self.0) {
            Some(dt) if (RFC3339_FIRST_MS..=RFC3339_LAST_MS).contains(&self.0) => {
                let format = if self.0.rem_euclid(1000) == 0 {
                    SecondsFormat::Secs
                } else {
                    SecondsFormat::Millis
                };
                f.write_str(&dt.to_rfc3339_opts(format, true))
            }
            _ => write!(f, "{}", self.0),
        }
    }
}

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in Unix milliseconds.
const RFC3339_FIRST_MS: i64 = -62_167_219_200_000;
const RFC3339_LAST_MS: i64 = 253_402_300_799_999;

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Timestamp::parse(s)
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;
    /// Saturating; use [`Timestamp::checked_add`] to detect overflow.
    fn add(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.as_millis()))
    }
}

impl std::ops::Sub<Duration> for Timestamp {
    type Output = Timestamp;
    /// Saturating; use [`Timestamp::checked_sub`] to detect overflow.
    fn sub(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(d.as_millis()))
    }
}

impl std::ops::Sub for Timestamp {
    type Output = Duration;
    /// The span between two timestamps, saturating; see [`Timestamp::since`].
    fn sub(self, earlier: Timestamp) -> Duration {
        self.since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn parses_every_documented_format() {
        let expected = Timestamp(1_394_163_660_000);
        // A leap second is left to chrono, which folds it into the next second.
        assert_eq!(ts("2016-12-31T23:59:60Z"), ts("2017-01-01T00:00:00Z"));
        for text in [
            "2014-03-07T03:41:00Z",
            "2014-03-07t03:41:00z",
            "2014-03-07T04:41:00+01:00",
            "2014-03-07T03:41:00.000Z",
            "2014-03-07 03:41:00",
            "2014-03-07 03:41:00.000",
            "2014-03-07T03:41:00",
            "1394163660",
            "1394163660000",
            "1394163660.0",
            "1.39416366e9",
            "  2014-03-07 03:41:00  ",
            "2014-03-06T19:41:00-08:00",
        ] {
            assert_eq!(ts(text), expected, "{text}");
        }
        assert_eq!(ts("2014-03-07"), Timestamp(1_394_150_400_000));
        assert_eq!(ts("2014-03-07 03:41:00.25").as_millis() % 1000, 250);
        assert_eq!(ts("-1"), Timestamp(-1000));
        assert_eq!(ts("0"), Timestamp::EPOCH);
    }

    #[test]
    fn rounds_sub_millisecond_precision() {
        assert_eq!(ts("2014-03-07T03:41:00.0004Z").as_millis() % 1000, 0);
        assert_eq!(ts("2014-03-07T03:41:00.0006Z").as_millis() % 1000, 1);
        assert_eq!(ts("2014-03-07 03:41:00.9996").as_millis() % 60_000, 1000);
        assert_eq!(ts("1.0006").as_millis(), 1001);
    }

    #[test]
    fn unix_integers_switch_unit_at_ten_to_the_eleventh() {
        assert_eq!(ts("99999999999"), Timestamp(99_999_999_999_000));
        assert_eq!(ts("100000000000"), Timestamp(100_000_000_000));
    }

    #[test]
    fn rejects_garbage_with_the_input_named() {
        for text in [
            "",
            "yesterday",
            "NaN",
            "inf",
            "-inf",
            "2014-13-01 00:00:00",
            "2014-03-07 25:00:00",
            "07/03/2014",
            "1e400",
            "2014-03-07 03:41",
            "0x10",
        ] {
            match Timestamp::parse(text) {
                Err(Error::InvalidTimestamp { input, .. }) => assert_eq!(input, text),
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn explicit_units_do_not_guess() {
        assert_eq!(
            Timestamp::parse_unix("1394163660000", UnixUnit::Seconds),
            Ok(Timestamp(1_394_163_660_000_000))
        );
        assert!(Timestamp::parse_unix("9223372036854775807", UnixUnit::Seconds).is_err());
        assert_eq!(
            Timestamp::parse_unix("5", UnixUnit::Milliseconds),
            Ok(Timestamp(5))
        );
        assert_eq!(
            Timestamp::parse_unix("5", UnixUnit::Seconds),
            Ok(Timestamp(5000))
        );
        assert_eq!(
            Timestamp::parse_unix("2.5", UnixUnit::Milliseconds),
            Ok(Timestamp(3))
        );
        assert!(Timestamp::parse_unix("2014-03-07", UnixUnit::Seconds).is_err());
    }

    #[test]
    fn displays_outside_the_calendar_as_raw_millis() {
        assert_eq!(Timestamp::MAX.to_string(), i64::MAX.to_string());
        assert_eq!(
            Timestamp(RFC3339_LAST_MS).to_string(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp(RFC3339_LAST_MS + 1).to_string(),
            "253402300800000"
        );
        assert_eq!(
            Timestamp(RFC3339_FIRST_MS).to_string(),
            "0000-01-01T00:00:00Z"
        );
        assert_eq!(ts(&Timestamp::MIN.to_string()), Timestamp::MIN);
    }

    #[test]
    fn floor_aligns_to_the_step() {
        let step = Duration::from_secs(15);
        assert_eq!(Timestamp(29_999).floor_to(step), Timestamp(15_000));
        assert_eq!(Timestamp(30_000).floor_to(step), Timestamp(30_000));
        assert_eq!(Timestamp(7).floor_to(Duration::ZERO), Timestamp(7));
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(ms in any::<i64>()) {
            prop_assert_eq!(ts(&Timestamp(ms).to_string()), Timestamp(ms));
        }

        #[test]
        fn realistic_display_round_trips(ms in RFC3339_FIRST_MS..=RFC3339_LAST_MS) {
            let text = Timestamp(ms).to_string();
            prop_assert!(text.ends_with('Z'));
            prop_assert_eq!(ts(&text), Timestamp(ms));
        }

        #[test]
        fn fast_path_agrees_with_chrono(
            ms in RFC3339_FIRST_MS..=RFC3339_LAST_MS,
            sep in prop::sample::select(vec![" ", "T"]),
            frac in prop::sample::select(vec!["", ".5", ".123", ".123456789", ".0004", ".9996"]),
            zone in prop::sample::select(vec!["", "Z", "+05:30", "-11:00", "+00:00"]),
        ) {
            let base = DateTime::from_timestamp_millis(ms - ms.rem_euclid(1000)).unwrap();
            let text = format!("{}{sep}{}{frac}{zone}", base.format("%Y-%m-%d"), base.format("%H:%M:%S"));
            let fast = parse_fixed_width(text.as_bytes());
            prop_assert!(fast.is_some(), "{}", text);
            // chrono's RFC 3339 parser needs a zone; without one the text is UTC.
            let zoned = if zone.is_empty() { format!("{text}Z") } else { text.clone() };
            let slow = DateTime::parse_from_rfc3339(&zoned.replace(' ', "T")).unwrap();
            prop_assert_eq!(fast, Some(round_to_millis(slow.timestamp(), slow.timestamp_subsec_nanos())));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Timestamp::parse(&text);
        }

        #[test]
        fn add_then_since_is_identity(start in -1_000_000_000_000i64..1_000_000_000_000,
                                      span in -1_000_000_000i64..1_000_000_000) {
            let t = Timestamp(start);
            let d = Duration::from_millis(span);
            prop_assert_eq!((t + d).since(t), d);
            prop_assert_eq!((t + d) - d, t);
        }
    }
}
