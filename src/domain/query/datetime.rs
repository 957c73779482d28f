//! The `from` and `to` parameters as .NET's `DateTime.Parse` (invariant culture) reads them.
//!
//! .NET is lenient: `2023-02-16T18:00Z` (no seconds, the docs' own format), `2020-01-01Z`,
//! `2022-02-14 07:22:19Z` (space), any fraction length, offsets with or without a colon,
//! `GMT`, US-style `02/16/2023 18:00`, and RFC 1123. A value with a zone becomes an instant; a
//! value without one parses but fails production's timezone rule. The forms below cover what
//! clients send; anything else is a binding error, as an unparsable value is in production.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};

/// A parsed `from`/`to` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetDateTime {
    /// It carried `Z`, `GMT` or an offset: an instant (.NET kind `Utc` or `Local`).
    Zoned(DateTime<Utc>),
    /// It carried no zone (.NET kind `Unspecified`): parses, then fails rule 2 or 3.
    Unzoned(NaiveDateTime),
}

/// Parses `text` as `DateTime.Parse` would, or `None` where it would throw.
pub(crate) fn parse_net_datetime(text: &str) -> Option<NetDateTime> {
    let mut cursor = Cursor::new(text.trim());
    let date = cursor
        .iso_date()
        .or_else(|| cursor.restart().us_date())
        .or_else(|| cursor.restart().rfc1123_date())?;
    let (time, fraction) = cursor.time_after_date()?;
    let offset = cursor.zone()?;
    if !cursor.at_end() {
        return None;
    }
    // A fraction that rounds up to a whole second carries into the next one, as in .NET.
    let local = NaiveDateTime::new(date, time).checked_add_signed(fraction)?;
    match offset {
        None => Some(NetDateTime::Unzoned(local)),
        Some(offset) => {
            let utc = local.checked_sub_signed(offset)?;
            (1..=9999)
                .contains(&utc.year())
                .then(|| NetDateTime::Zoned(utc.and_utc()))
        }
    }
}

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            text: text.as_bytes(),
            pos: 0,
        }
    }

    fn restart(&mut self) -> &mut Self {
        self.pos = 0;
        self
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let matched = self.peek().is_some_and(|b| b.eq_ignore_ascii_case(&byte));
        if matched {
            self.pos += 1;
        }
        matched
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Between `min` and `max` ASCII digits as a number.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.text[start..self.pos];
        if digits.len() < min || self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    fn word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// `2023-02-16` or `2023/2/16`.
    fn iso_date(&mut self) -> Option<NaiveDate> {
        let year = self.number(4, 4)?;
        let separator = self.peek().filter(|b| *b == b'-' || *b == b'/')?;
        self.pos += 1;
        let month = self.number(1, 2)?;
        self.eat(separator).then_some(())?;
        let day = self.number(1, 2)?;
        NaiveDate::from_ymd_opt(year as i32, month, day)
    }

    /// `02/16/2023`: the invariant culture puts the month first.
    fn us_date(&mut self) -> Option<NaiveDate> {
        let month = self.number(1, 2)?;
        self.eat(b'/').then_some(())?;
        let day = self.number(1, 2)?;
        self.eat(b'/').then_some(())?;
        let year = self.number(4, 4)?;
        NaiveDate::from_ymd_opt(year as i32, month, day)
    }

    /// `Thu, 16 Feb 2023` (the weekday is optional but must be right when given).
    fn rfc1123_date(&mut self) -> Option<NaiveDate> {
        let mut weekday = None;
        if self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            let word = self.word().to_ascii_lowercase();
            let (_, day) = WEEKDAYS
                .iter()
                .find(|(name, _)| word.starts_with(name.as_bytes()))?;
            weekday = Some(*day);
            self.eat(b',');
            self.skip_spaces();
        }
        let day = self.number(1, 2)?;
        (self.skip_spaces() > 0).then_some(())?;
        let month_word = self.word().to_ascii_lowercase();
        let month = MONTHS
            .iter()
            .position(|m| month_word.len() >= 3 && month_word.starts_with(m.as_bytes()))?;
        (self.skip_spaces() > 0).then_some(())?;
        let year = self.number(4, 4)?;
        let date = NaiveDate::from_ymd_opt(year as i32, month as u32 + 1, day)?;
        match weekday {
            Some(expected) if date.weekday() != expected => None,
            _ => Some(date),
        }
    }

    /// An optional `T18:00[:00[.fffffff]]` or ` 18:00…` (midnight when absent), with its
    /// fraction of a second apart.
    fn time_after_date(&mut self) -> Option<(NaiveTime, Duration)> {
        let before = self.pos;
        let separated = self.eat(b'T') || self.skip_spaces() > 0;
        if !separated || !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos = before;
            return Some((NaiveTime::MIN, Duration::zero()));
        }
        let hour = self.number(1, 2)?;
        self.eat(b':').then_some(())?;
        let minute = self.number(1, 2)?;
        let mut second = 0;
        let mut ticks = 0;
        if self.eat(b':') {
            second = self.number(1, 2)?;
            if self.eat(b'.') {
                ticks = self.fraction_ticks()?;
            }
        }
        let time = NaiveTime::from_hms_opt(hour, minute, second)?;
        Some((time, Duration::nanoseconds(i64::from(ticks) * 100)))
    }

    /// Fraction digits rounded to 100 ns ticks (banker's rounding, as .NET's `Math.Round`).
    fn fraction_ticks(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = std::str::from_utf8(&self.text[start..self.pos]).ok()?;
        if digits.is_empty() {
            return None;
        }
        let fraction: f64 = format!("0.{digits}").parse().ok()?;
        Some((fraction * 10_000_000.0).round_ties_even() as u32)
    }

    /// `Z`, `GMT`, `+02:00`, `+0200`, `-2`: `Some(None)` when there is no zone.
    fn zone(&mut self) -> Option<Option<Duration>> {
        self.skip_spaces();
        if self.at_end() {
            return Some(None);
        }
        if self.eat(b'Z') {
            return Some(Some(Duration::zero()));
        }
        let sign = match self.peek()? {
            b'+' => 1,
            b'-' => -1,
            _ => {
                return (self.word().eq_ignore_ascii_case(b"GMT"))
                    .then_some(Some(Duration::zero()));
            }
        };
        self.pos += 1;
        let start = self.pos;
        let number = self.number(1, 4)?;
        let (hours, minutes) = match self.pos - start {
            // `+0200`: hours and minutes without a colon.
            4 => (number / 100, number % 100),
            3 => return None,
            _ if self.eat(b':') => (number, self.number(2, 2)?),
            _ => (number, 0),
        };
        let total = i64::from(hours) * 60 + i64::from(minutes);
        if minutes >= 60 || total > 14 * 60 {
            return None;
        }
        Some(Some(Duration::minutes(sign * total)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zoned(text: &str) -> String {
        match parse_net_datetime(text) {
            Some(NetDateTime::Zoned(t)) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn reads_the_forms_production_documents() {
        assert_eq!(zoned("2023-02-16T18:00Z"), "2023-02-16T18:00:00Z");
        assert_eq!(zoned("2020-01-01Z"), "2020-01-01T00:00:00Z");
        assert_eq!(
            zoned("2022-07-07T11:00:53.3917Z"),
            "2022-07-07T11:00:53.391700Z"
        );
        assert_eq!(zoned("2022-02-14 07:22:19Z"), "2022-02-14T07:22:19Z");
        assert_eq!(zoned("2022-07-07T13:00:53+02:00"), "2022-07-07T11:00:53Z");
    }

    #[test]
    fn reads_other_lenient_forms() {
        assert_eq!(zoned(" 2022-07-07T13:00:53-0130 "), "2022-07-07T14:30:53Z");
        assert_eq!(zoned("2022-07-07T13:00+02"), "2022-07-07T11:00:00Z");
        assert_eq!(zoned("2022/7/7 13:00:53 GMT"), "2022-07-07T13:00:53Z");
        assert_eq!(zoned("07/07/2022 13:00:53Z"), "2022-07-07T13:00:53Z");
        assert_eq!(
            zoned("Thu, 07 Jul 2022 13:00:53 GMT"),
            "2022-07-07T13:00:53Z"
        );
        assert_eq!(
            zoned("2022-07-07t13:00:53.123456789z"),
            "2022-07-07T13:00:53.123456800Z"
        );
        assert_eq!(
            zoned("2022-07-07T23:59:59.99999999Z"),
            "2022-07-08T00:00:00Z"
        );
    }

    #[test]
    fn values_without_a_zone_parse_unzoned() {
        for text in ["2022-07-07T11:00:53.3917", "2020-01-01", "2022-07-07 11:00"] {
            assert!(
                matches!(parse_net_datetime(text), Some(NetDateTime::Unzoned(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_what_dotnet_rejects() {
        for text in [
            "",
            "abc",
            "2022-13-01Z",
            "2022-02-30Z",
            "2022-07-07T25:00Z",
            "2022-07-07T13Z",
            "2022-07-07T13:00:53 02:00",
            "2022-07-07T13:00+15:00",
            "Wed, 07 Jul 2022 13:00:53 GMT",
            "2022-07-07T13:00:53Zjunk",
            "0001-01-01T00:00:00+01:00",
        ] {
            assert_eq!(parse_net_datetime(text), None, "{text:?}");
        }
    }
}
