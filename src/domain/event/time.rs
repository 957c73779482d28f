//! Event `time` as production stores and writes it.
//!
//! The CloudEvents .NET SDK keeps times as `DateTimeOffset` (100 ns ticks) and writes them in UTC
//! with as few fraction digits as say the value exactly: none, 3, 6 or 7.

use chrono::{DateTime, Datelike, SecondsFormat, TimeDelta, Timelike, Utc};

/// One .NET tick, the finest time production can hold.
const NANOS_PER_TICK: u32 = 100;

/// Parses an event's `time` attribute (RFC 3339) and truncates it to .NET's 100 ns ticks.
pub(crate) fn parse_event_time(value: &str) -> Result<DateTime<Utc>, String> {
    let parsed = DateTime::parse_from_rfc3339(value)
        .map_err(|e| format!("`time` {value:?} is not an RFC 3339 date-time: {e}"))?;
    Ok(truncate_to_ticks(parsed.with_timezone(&Utc)))
}

/// Drops precision finer than one .NET tick (100 ns).
pub(crate) fn truncate_to_ticks(time: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = time.nanosecond();
    let truncated = nanos - nanos % NANOS_PER_TICK;
    time.with_nanosecond(truncated).unwrap_or(time)
}

/// Writes `time` in UTC as the CloudEvents .NET SDK does: `2023-02-16T18:02:11.0276259Z`,
/// `2023-02-16T18:02:11.027Z`, `2023-02-16T18:02:11Z`.
pub(crate) fn format_event_time(time: DateTime<Utc>) -> String {
    // Written digit by digit: chrono's general formatter costs more than the whole rest of
    // rendering an event, and a million events are rendered at a time.
    fn digits(out: &mut String, value: u32, width: u32) {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
        }
    }
    // A leap second (nanos >= 1e9) cannot come from the parser; fold it defensively.
    let nanos = time.nanosecond() % 1_000_000_000;
    let mut out = String::with_capacity(28);
    let year = u32::try_from(time.year()).unwrap_or(0).min(9999);
    digits(&mut out, year, 4);
    out.push('-');
    digits(&mut out, time.month(), 2);
    out.push('-');
    digits(&mut out, time.day(), 2);
    out.push('T');
    digits(&mut out, time.hour(), 2);
    out.push(':');
    digits(&mut out, time.minute(), 2);
    out.push(':');
    digits(&mut out, time.second(), 2);
    if nanos != 0 {
        out.push('.');
        if nanos.is_multiple_of(1_000_000) {
            digits(&mut out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            digits(&mut out, nanos / 1_000, 6);
        } else {
            digits(&mut out, nanos / NANOS_PER_TICK, 7);
        }
    }
    out.push('Z');
    out
}

/// RFC 3339 with a `Z` and the shortest exact fraction, for logs and admin listings.
pub(crate) fn format_rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The earliest time .NET can hold: 0001-01-01T00:00:00Z.
pub(crate) fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The latest time .NET can hold: 9999-12-31T23:59:59.9999999Z.
pub(crate) fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 999_999_900).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `time` moved by `by`, held at the ends of the representable range instead of overflowing
/// (a huge `--visibility-lag` or clock move must not take a request down).
pub(crate) fn shift(time: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    time.checked_add_signed(by)
        .unwrap_or(if by < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(input: &str) -> String {
        format_event_time(parse_event_time(input).unwrap())
    }

    #[test]
    fn writes_whole_seconds_without_a_fraction() {
        assert_eq!(roundtrip("2023-02-16T18:02:11Z"), "2023-02-16T18:02:11Z");
        assert_eq!(
            roundtrip("2023-02-16T18:02:11.000Z"),
            "2023-02-16T18:02:11Z"
        );
    }

    #[test]
    fn writes_milliseconds_microseconds_or_ticks() {
        assert_eq!(
            roundtrip("2023-02-16T18:02:11.5Z"),
            "2023-02-16T18:02:11.500Z"
        );
        assert_eq!(
            roundtrip("2023-02-16T18:02:11.0276Z"),
            "2023-02-16T18:02:11.027600Z"
        );
        assert_eq!(
            roundtrip("2023-02-16T18:02:11.0276259Z"),
            "2023-02-16T18:02:11.0276259Z"
        );
    }

    #[test]
    fn truncates_below_a_tick_and_converts_offsets_to_utc() {
        assert_eq!(
            roundtrip("2023-02-16T18:02:11.027625999Z"),
            "2023-02-16T18:02:11.0276259Z"
        );
        assert_eq!(
            roundtrip("2023-02-16T20:02:11+02:00"),
            "2023-02-16T18:02:11Z"
        );
    }

    #[test]
    fn pads_every_field() {
        assert_eq!(
            roundtrip("0001-02-03T04:05:06.0000007Z"),
            "0001-02-03T04:05:06.0000007Z"
        );
        assert_eq!(
            roundtrip("9999-12-31T23:59:59.9999999Z"),
            "9999-12-31T23:59:59.9999999Z"
        );
    }

    #[test]
    fn rejects_what_is_not_rfc_3339() {
        assert!(parse_event_time("16.02.2023").is_err());
        assert!(parse_event_time("2023-02-16T18:02:11").is_err());
    }
}
