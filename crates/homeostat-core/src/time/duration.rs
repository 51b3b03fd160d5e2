//! `Duration`: a signed span of whole milliseconds with PromQL-style text.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A span of time in whole milliseconds, possibly negative.
///
/// Text form follows PromQL's duration grammar: one or more `<integer><unit>`
/// parts with units `y` (365 days), `w`, `d`, `h`, `m`, `s` and `ms`, each unit
/// at most once and from largest to smallest, as in `10s`, `5m`, `1h30m`, `7d`.
/// A bare `0` is zero, and a leading `-` negates. Display gives the canonical
/// form, so `"90m"` displays as `1h30m`; parsing a displayed duration gives the
/// same duration back.
///
/// ```
/// use homeostat_core::Duration;
///
/// let d: Duration = "1h30m".parse()?;
/// assert_eq!(d, Duration::from_minutes(90));
/// assert_eq!(d.to_string(), "1h30m");
/// assert_eq!("7d".parse::<Duration>()?.as_millis(), 7 * 24 * 3_600_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// With the `serde` feature a duration is written as its text (`"1h30m"`),
/// so configuration files read naturally; integer milliseconds are also
/// accepted when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;
const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;
const MS_PER_YEAR: i64 = 365 * MS_PER_DAY;

/// Units from largest to smallest; the grammar requires this order.
const UNITS: [(&str, i64); 7] = [
    ("y", MS_PER_YEAR),
    ("w", MS_PER_WEEK),
    ("d", MS_PER_DAY),
    ("h", MS_PER_HOUR),
    ("m", MS_PER_MINUTE),
    ("s", MS_PER_SECOND),
    ("ms", 1),
];

impl Duration {
    /// The zero-length duration.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::ZERO.as_millis(), 0);
    /// ```
    pub const ZERO: Duration = Duration(0);

    /// A duration of `ms` milliseconds.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_millis(1500).as_secs_f64(), 1.5);
    /// ```
    pub const fn from_millis(ms: i64) -> Self {
        Duration(ms)
    }

    /// A duration of `s` seconds, saturating at the representable range.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_secs(10).to_string(), "10s");
    /// ```
    pub const fn from_secs(s: i64) -> Self {
        Duration(s.saturating_mul(MS_PER_SECOND))
    }

    /// A duration of `m` minutes, saturating at the representable range.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_minutes(5).to_string(), "5m");
    /// ```
    pub const fn from_minutes(m: i64) -> Self {
        Duration(m.saturating_mul(MS_PER_MINUTE))
    }

    /// A duration of `h` hours, saturating at the representable range.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_hours(48).to_string(), "2d");
    /// ```
    pub const fn from_hours(h: i64) -> Self {
        Duration(h.saturating_mul(MS_PER_HOUR))
    }

    /// A duration of `d` days, saturating at the representable range.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_days(7).to_string(), "1w");
    /// ```
    pub const fn from_days(d: i64) -> Self {
        Duration(d.saturating_mul(MS_PER_DAY))
    }

    /// A duration of `secs` seconds rounded to the nearest millisecond.
    ///
    /// Fails on NaN, infinities and values beyond the `i64` millisecond range.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// assert_eq!(Duration::try_from_secs_f64(0.25)?, Duration::from_millis(250));
    /// assert!(Duration::try_from_secs_f64(f64::NAN).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_from_secs_f64(secs: f64) -> Result<Self> {
        let ms = (secs * 1000.0).round();
        // i64::MAX as f64 rounds up to 2^63, so compare with a strict bound.
        if !ms.is_finite() || ms >= i64::MAX as f64 || ms < i64::MIN as f64 {
            return Err(Error::InvalidDuration {
                input: secs.to_string(),
                reason: "not a finite number of seconds within range".into(),
            });
        }
        Ok(Duration(ms as i64))
    }

    /// The duration in whole milliseconds.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_secs(2).as_millis(), 2000);
    /// ```
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The duration in seconds as a float.
    ///
    /// ```
    /// assert_eq!(homeostat_core::Duration::from_millis(250).as_secs_f64(), 0.25);
    /// ```
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Whether the duration is negative.
    ///
    /// ```
    /// assert!(homeostat_core::Duration::from_millis(-1).is_negative());
    /// ```
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The absolute value, saturating for `i64::MIN` milliseconds.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// assert_eq!(Duration::from_secs(-3).abs(), Duration::from_secs(3));
    /// ```
    pub const fn abs(self) -> Self {
        Duration(self.0.saturating_abs())
    }

    /// `self + other`, or `None` on overflow.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// assert_eq!(Duration::from_secs(1).checked_add(Duration::from_millis(5)),
    ///            Some(Duration::from_millis(1005)));
    /// assert_eq!(Duration::from_millis(i64::MAX).checked_add(Duration::from_millis(1)), None);
    /// ```
    pub const fn checked_add(self, other: Duration) -> Option<Duration> {
        match self.0.checked_add(other.0) {
            Some(ms) => Some(Duration(ms)),
            None => None,
        }
    }

    /// `self * factor`, or `None` on overflow.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// assert_eq!(Duration::from_secs(10).checked_mul(6), Some(Duration::from_minutes(1)));
    /// ```
    pub const fn checked_mul(self, factor: i64) -> Option<Duration> {
        match self.0.checked_mul(factor) {
            Some(ms) => Some(Duration(ms)),
            None => None,
        }
    }

    /// Converts to a `std::time::Duration`, or `None` when negative.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// assert_eq!(Duration::from_secs(3).to_std(), Some(std::time::Duration::from_secs(3)));
    /// assert_eq!(Duration::from_secs(-3).to_std(), None);
    /// ```
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_millis)
    }

    /// Converts from a `std::time::Duration`, truncating to whole milliseconds.
    ///
    /// Fails when the duration exceeds `i64::MAX` milliseconds.
    ///
    /// ```
    /// use homeostat_core::Duration;
    /// let d = Duration::from_std(std::time::Duration::from_micros(2_500))?;
    /// assert_eq!(d, Duration::from_millis(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_std(d: std::time::Duration) -> Result<Self> {
        i64::try_from(d.as_millis())
            .map(Duration)
            .map_err(|_| Error::TimeOverflow {
                what: format!("{d:?} exceeds i64 milliseconds"),
            })
    }
}

impl fmt::Display for Duration {
    /// Canonical PromQL form: largest units first, zero parts omitted, `0s` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        if self.0 < 0 {
            f.write_str("-")?;
        }
        // unsigned_abs avoids overflow for i64::MIN.
        let mut rest = self.0.unsigned_abs();
        for (unit, size) in UNITS {
            let size = size.unsigned_abs();
            let count = rest / size;
            if count > 0 {
                write!(f, "{count}{unit}")?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl FromStr for Duration {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self> {
        let fail = |reason: &str| Error::InvalidDuration {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let text = input.trim();
        let (negative, body) = match text.strip_prefix('-') {
            Some(body) => (true, body),
            None => (false, text),
        };
        if body.is_empty() {
            return Err(fail("empty duration"));
        }
        if body == "0" {
            return Ok(Duration::ZERO);
        }
        // i128 has room for any sum of in-range parts, and for i64::MIN.
        let mut total: i128 = 0;
        let mut next_unit = 0; // index into UNITS of the smallest unit still allowed
        let mut rest = body;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(fail("expected a number before each unit, like 1h30m"));
            }
            let (number, tail) = rest.split_at(digits);
            let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
            let (unit, tail) = tail.split_at(unit_len);
            let position = UNITS
                .iter()
                .position(|(name, _)| *name == unit)
                .ok_or_else(|| {
                    if unit.is_empty() {
                        fail("missing unit (one of y, w, d, h, m, s, ms)")
                    } else {
                        fail(&format!(
                            "unknown unit {unit:?} (one of y, w, d, h, m, s, ms)"
                        ))
                    }
                })?;
            if position < next_unit {
                return Err(fail(
                    "units must appear once each, from largest to smallest",
                ));
            }
            next_unit = position + 1;
            let size = i128::from(UNITS[position].1);
            let count: u64 = number
                .parse()
                .map_err(|_| fail("duration overflows i64 milliseconds"))?;
            total += i128::from(count) * size;
            if total > i128::from(i64::MAX) + 1 {
                return Err(fail("duration overflows i64 milliseconds"));
            }
            rest = tail;
        }
        let signed = if negative { -total } else { total };
        i64::try_from(signed)
            .map(Duration)
            .map_err(|_| fail("duration overflows i64 milliseconds"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"1h30m\" or integer milliseconds")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                text: &str,
            ) -> std::result::Result<Duration, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, ms: i64) -> std::result::Result<Duration, E> {
                Ok(Duration(ms))
            }
            fn visit_u64<E: serde::de::Error>(self, ms: u64) -> std::result::Result<Duration, E> {
                i64::try_from(ms)
                    .map(Duration)
                    .map_err(|_| E::custom(format!("{ms} ms exceeds the i64 range")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl std::ops::Add for Duration {
    type Output = Duration;
    /// Saturating addition; use [`Duration::checked_add`] to detect overflow.
    fn add(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::Sub for Duration {
    type Output = Duration;
    /// Saturating subtraction.
    fn sub(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_sub(rhs.0))
    }
}

impl std::ops::Neg for Duration {
    type Output = Duration;
    /// Saturating negation.
    fn neg(self) -> Duration {
        Duration(self.0.saturating_neg())
    }
}

impl std::ops::Mul<i64> for Duration {
    type Output = Duration;
    /// Saturating multiplication; use [`Duration::checked_mul`] to detect overflow.
    fn mul(self, rhs: i64) -> Duration {
        Duration(self.0.saturating_mul(rhs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_documented_examples() {
        let cases = [
            ("10s", 10_000),
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("7d", 604_800_000),
            ("2w", 1_209_600_000),
            ("1y", 31_536_000_000),
            ("250ms", 250),
            ("1m30s500ms", 90_500),
            ("0", 0),
            ("0s", 0),
            ("-5m", -300_000),
            (" 15s ", 15_000),
        ];
        for (text, ms) in cases {
            assert_eq!(text.parse::<Duration>(), Ok(Duration(ms)), "{text}");
        }
    }

    #[test]
    fn rejects_malformed_text_with_a_reason() {
        for text in [
            "", "-", "10", "s", "5x", "1m1h", "1m1m", "1.5h", "h1", "1h 30m", "--1s",
        ] {
            let err = text.parse::<Duration>().unwrap_err();
            assert!(
                matches!(err, Error::InvalidDuration { ref input, .. } if input == text),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn rejects_overflow() {
        assert!("9223372036854775808ms".parse::<Duration>().is_err());
        assert!("300000000y".parse::<Duration>().is_err());
        assert_eq!(
            "-9223372036854775808ms".parse::<Duration>(),
            Ok(Duration(i64::MIN))
        );
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(Duration(0).to_string(), "0s");
        assert_eq!(Duration(5_400_000).to_string(), "1h30m");
        assert_eq!(Duration(-1).to_string(), "-1ms");
        assert_eq!(Duration::from_days(366).to_string(), "1y1d");
        assert_eq!(
            Duration(i64::MIN).to_string().parse(),
            Ok(Duration(i64::MIN))
        );
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Duration(i64::MAX) + Duration(1), Duration(i64::MAX));
        assert_eq!(-Duration(i64::MIN), Duration(i64::MAX));
        assert_eq!(Duration(3) * 4, Duration(12));
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(ms in any::<i64>()) {
            let d = Duration(ms);
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }

        #[test]
        fn extreme_values_round_trip(ms in prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX])) {
            let d = Duration(ms);
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,20}") {
            let _ = text.parse::<Duration>();
        }

        #[test]
        fn parts_add_up(h in 0i64..1000, m in 0i64..60, s in 0i64..60) {
            let text = format!("{h}h{m}m{s}s");
            let d: Duration = text.parse().unwrap();
            prop_assert_eq!(d.as_millis(), ((h * 60 + m) * 60 + s) * 1000);
        }
    }
}
