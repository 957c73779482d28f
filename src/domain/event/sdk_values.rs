//! How the CloudEvents .NET SDK parses and checks the text of each context attribute, with its
//! messages: what `POST /events/api/v1/events` refuses before production's own checks run.
//!
//! The SDK types each attribute of spec 1.0 (`id`, `type`, `subject`, `datacontenttype` are
//! strings, `source` a URI-reference, `dataschema` a URI, `time` a timestamp) and treats every
//! other name as a string extension. Parsing the text can fail (`Text for attribute … is
//! invalid`), then checking the value (`Value for attribute … is invalid`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use super::{earliest, latest};

/// The SDK's type of an attribute, named as its messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttributeType {
    String,
    UriReference,
    Uri,
    Timestamp,
}

impl AttributeType {
    /// `String`, `URI-Reference`, `URI`, `Timestamp`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AttributeType::String => "String",
            AttributeType::UriReference => "URI-Reference",
            AttributeType::Uri => "URI",
            AttributeType::Timestamp => "Timestamp",
        }
    }
}

/// A context attribute of spec 1.0: its type, and whether an event needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContextAttribute {
    pub(crate) name: &'static str,
    pub(crate) kind: AttributeType,
}

/// Spec 1.0's attributes but `specversion`, in the SDK's order (required ones first: the
/// order its "missing required attributes" message lists them in).
pub(crate) const CONTEXT_ATTRIBUTES: [ContextAttribute; 7] = [
    attribute("id", AttributeType::String),
    attribute("source", AttributeType::UriReference),
    attribute("type", AttributeType::String),
    attribute("datacontenttype", AttributeType::String),
    attribute("dataschema", AttributeType::Uri),
    attribute("subject", AttributeType::String),
    attribute("time", AttributeType::Timestamp),
];

/// The attributes every event must have, in the SDK's order.
pub(crate) const REQUIRED: [&str; 3] = ["id", "source", "type"];

const fn attribute(name: &'static str, kind: AttributeType) -> ContextAttribute {
    ContextAttribute { name, kind }
}

/// The spec 1.0 attribute called `name`, if it is one.
pub(crate) fn context_attribute(name: &str) -> Option<ContextAttribute> {
    CONTEXT_ATTRIBUTES.into_iter().find(|a| a.name == name)
}

/// `CloudEventAttribute.Parse` then `Validate` for `text` of attribute `name` (an extension
/// when `attribute` is `None`): the SDK's message when it refuses.
pub(crate) fn check_attribute_text(
    name: &str,
    attribute: Option<ContextAttribute>,
    text: &str,
) -> Result<(), String> {
    let kind = attribute.map_or(AttributeType::String, |a| a.kind);
    let parsed = match kind {
        AttributeType::String => Ok(()),
        AttributeType::UriReference => parse_uri_reference(text),
        AttributeType::Uri => parse_absolute_uri(text),
        AttributeType::Timestamp => parse_sdk_timestamp(text).map(|_| ()),
    };
    parsed.map_err(|reason| {
        format!("Text for attribute '{name}' is invalid: {reason} (Parameter 'text')")
    })?;
    let checked = match (kind, name) {
        (AttributeType::String, _) => check_string(text).and_then(|()| match name {
            "id" | "type" | "subject" if text.is_empty() => Err("Value must be non-empty".into()),
            "datacontenttype" if attribute.is_some() => check_content_type(text),
            _ => Ok(()),
        }),
        (AttributeType::UriReference | AttributeType::Uri, _) if text.is_empty() => {
            Err("URI reference must be non-empty".into())
        }
        _ => Ok(()),
    };
    checked.map_err(|reason| {
        format!("Value for attribute '{name}' is invalid: {reason} (Parameter 'value')")
    })
}

/// The SDK's check of every string attribute: no control characters, no noncharacters.
fn check_string(text: &str) -> Result<(), String> {
    for c in text.chars() {
        let code = u32::from(c);
        if code <= 0x1f || (0x7f..=0x9f).contains(&code) {
            return Err(format!(
                "Control character U+{code:04x} is not permitted in string attributes"
            ));
        }
        let noncharacter = (0xfdd0..=0xfdef).contains(&code) || (code & 0xfffe) == 0xfffe;
        if noncharacter {
            let shown = if code > 0xffff {
                format!("{code:x}")
            } else {
                format!("{code:04x}")
            };
            return Err(format!(
                "Noncharacter U+{shown} is not permitted in string attributes"
            ));
        }
    }
    Ok(())
}

/// `System.Net.Mime.ContentType`'s grammar, roughly: `type/subtype` tokens, then
/// `; name=value` parameters (a token or a quoted string).
fn check_content_type(text: &str) -> Result<(), String> {
    const RFC2046: &str = "The 'datacontenttype' attribute value must be a content-type expression compliant with RFC2046";
    let is_token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    let mut parts = text.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    let valid_type = media_type
        .split_once('/')
        .is_some_and(|(kind, sub)| is_token(kind) && is_token(sub));
    let valid_parameters = parts.all(|parameter| {
        parameter.split_once('=').is_some_and(|(name, value)| {
            let value = value.trim();
            let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
            is_token(name.trim()) && (quoted || is_token(value))
        })
    });
    if valid_type && valid_parameters {
        Ok(())
    } else {
        Err(RFC2046.into())
    }
}

/// The media type of a valid `datacontenttype`, lower-cased.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `new Uri(text, UriKind.RelativeOrAbsolute)`: nearly anything is a relative reference; an
/// absolute one with an authority needs a host.
fn parse_uri_reference(text: &str) -> Result<(), String> {
    match scheme_and_rest(text) {
        Some((_, rest)) if rest.starts_with("//") && host_is_empty(&rest[2..]) => {
            Err("Invalid URI: The hostname could not be parsed.".into())
        }
        _ => Ok(()),
    }
}

/// `new Uri(text, UriKind.Absolute)`, refusing a path that .NET on Linux would take for a file.
fn parse_absolute_uri(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("Invalid URI: The URI is empty.".into());
    }
    if text.starts_with('/') {
        return Err("Invalid URI: expected an absolute URI".into());
    }
    match scheme_and_rest(text) {
        None => Err("Invalid URI: The format of the URI could not be determined.".into()),
        Some(_) => parse_uri_reference(text),
    }
}

fn scheme_and_rest(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then_some((scheme, rest))
}

fn host_is_empty(authority_and_path: &str) -> bool {
    let authority = authority_and_path
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.split(':').next().unwrap_or_default().is_empty()
}

/// The SDK's own timestamp parser (`Timestamps.TryParse`): `yyyy-MM-ddTHH:mm:ss`, up to seven
/// fraction digits (more are dropped if they are digits), then `Z` or `±HH:MM` up to 14 hours;
/// nothing else (no lower-case `t` or `z`, no space). The instant in UTC.
pub(crate) fn parse_sdk_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    const INVALID: &str = "Invalid timestamp";
    let chars: Vec<char> = text.chars().collect();
    let offset_at = chars
        .iter()
        .skip(19)
        .position(|c| matches!(c, 'Z' | '+' | '-'))
        .map(|i| i + 19)
        .filter(|_| chars.len() >= 20)
        .ok_or(INVALID)?;
    // Seven fraction digits end at index 27; later characters must be digits, and are dropped.
    let local_end = offset_at.min(27);
    if !chars[local_end..offset_at].iter().all(char::is_ascii_digit) {
        return Err(INVALID.into());
    }
    let local: String = chars[..local_end].iter().collect();
    let local = parse_local(&local).ok_or(INVALID)?;
    let offset: String = chars[offset_at..].iter().collect();
    let offset = parse_offset(&offset).ok_or(INVALID)?;
    let utc = local - offset;
    let in_range = utc >= earliest().naive_utc() && utc <= latest().naive_utc();
    if !in_range {
        return Err("The UTC time represented when the offset is applied must be between year 0 and 10,000. (Parameter 'offset')".into());
    }
    Ok(utc.and_utc())
}

/// `yyyy-MM-dd'T'HH:mm:ss.FFFFFFF` as `DateTime.TryParseExact` reads it.
fn parse_local(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(digits).ok()?.parse().ok())?
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if bytes.len() < 19 || separators.iter().any(|&(at, c)| bytes[at] != c) {
        return None;
    }
    // .NET's years run from 1.
    let year = number(0..4).filter(|&year| year >= 1)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, number(5..7)?, number(8..10)?)?;
    let nanos = match &bytes[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=7).contains(&fraction.len()) => {
            let digits = number(20..bytes.len())?;
            digits * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time =
        NaiveTime::from_hms_nano_opt(number(11..13)?, number(14..16)?, number(17..19)?, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

/// `Z`, or exactly `+HH:MM` / `-HH:MM` within 14 hours.
fn parse_offset(text: &str) -> Option<TimeDelta> {
    if text == "Z" {
        return Some(TimeDelta::zero());
    }
    let bytes = text.as_bytes();
    let digit = |at: usize| {
        bytes
            .get(at)
            .filter(|b| b.is_ascii_digit())
            .map(|b| i64::from(b - b'0'))
    };
    if bytes.len() != 6 || bytes[3] != b':' {
        return None;
    }
    let hours = digit(1)? * 10 + digit(2)?;
    let minutes = digit(4)? * 10 + digit(5)?;
    let total = hours * 60 + minutes;
    if minutes >= 60 || total > 14 * 60 {
        return None;
    }
    let sign = if bytes[0] == b'-' { -1 } else { 1 };
    Some(TimeDelta::minutes(sign * total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timestamp(text: &str) -> Result<String, String> {
        parse_sdk_timestamp(text).map(crate::domain::event::format_event_time)
    }

    #[test]
    fn timestamps_follow_the_sdk_s_narrow_format() {
        assert_eq!(
            timestamp("2024-03-01T12:00:00Z").unwrap(),
            "2024-03-01T12:00:00Z"
        );
        assert_eq!(
            timestamp("2024-03-01T13:00:00.123456789+01:00").unwrap(),
            "2024-03-01T12:00:00.1234567Z"
        );
        for bad in [
            "2024-03-01t12:00:00Z",
            "2024-03-01 12:00:00Z",
            "2024-03-01T12:00:00z",
            "2024-03-01T12:00Z",
            "2024-03-01T12:00:00+0100",
            "2024-03-01T12:00:00+15:00",
            "2024-02-30T12:00:00Z",
            "2024-03-01T12:00:00.12345678xZ",
            "2024-03-01T12:00:00",
        ] {
            assert_eq!(timestamp(bad), Err("Invalid timestamp".into()), "{bad}");
        }
        assert!(
            timestamp("0001-01-01T00:30:00+01:00")
                .unwrap_err()
                .contains("year 0 and 10,000")
        );
    }

    #[test]
    fn attribute_texts_get_the_sdk_s_messages() {
        let check =
            |name: &str, text: &str| check_attribute_text(name, context_attribute(name), text);
        assert_eq!(
            check("subject", ""),
            Err("Value for attribute 'subject' is invalid: Value must be non-empty (Parameter 'value')".into())
        );
        assert_eq!(
            check("source", ""),
            Err("Value for attribute 'source' is invalid: URI reference must be non-empty (Parameter 'value')".into())
        );
        assert_eq!(
            check("time", "yesterday"),
            Err(
                "Text for attribute 'time' is invalid: Invalid timestamp (Parameter 'text')".into()
            )
        );
        assert_eq!(
            check("dataschema", "schema.json"),
            Err("Text for attribute 'dataschema' is invalid: Invalid URI: The format of the URI could not be determined. (Parameter 'text')".into())
        );
        assert!(
            check("datacontenttype", "not a type")
                .unwrap_err()
                .contains("RFC2046")
        );
        assert_eq!(
            check("datacontenttype", "application/json; charset=utf-8"),
            Ok(())
        );
        assert_eq!(
            check("correlation", "a\nb"),
            Err("Value for attribute 'correlation' is invalid: Control character U+000a is not permitted in string attributes (Parameter 'value')".into())
        );
        assert!(
            check("x", "\u{fffe}")
                .unwrap_err()
                .contains("Noncharacter U+fffe")
        );
        assert!(
            check("x", "\u{1fffe}")
                .unwrap_err()
                .contains("Noncharacter U+1fffe")
        );
        assert_eq!(check("x", ""), Ok(()), "an extension may be empty");
        assert_eq!(check("source", "/relative/is/fine"), Ok(()));
        assert!(check("source", "https://").is_err());
    }
}
