//! An event as production's webhook sends it (spec §8), which is not how the query API
//! serves it: the webhook body is the CloudEvent as it was published, serialised by the
//! CloudEvents SDK — `specversion` first, then the attributes **in the order the publisher
//! (or, for `POST /app`, production's `CreateEvent`) set them**, `time` with the publisher's
//! UTC offset, `datacontenttype` inferred when `data` has none, then the payload.
//!
//! The store keeps one rendering (the query API's `jsonb` order), so an event remembers
//! only what it takes to rebuild the other: the permutation from `jsonb` order to publication
//! order, packed in a `u64`, and the offset of its `time` in minutes.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde_json::{Map, Value};

use super::{DATA_ATTRIBUTES, Event, format_event_time};
use crate::domain::json;

/// The permutation from `jsonb` order to publication order: nibble `i` holds the `jsonb`
/// position of the attribute published `i`-th. More than 16 attributes (beyond what any
/// Altinn event carries) fall back to `jsonb` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PublicationOrder(u64);

/// No permutation: publication order is `jsonb` order.
const AS_STORED: u64 = u64::MAX;

impl PublicationOrder {
    /// The order of `published` (attribute names as set, without `specversion` and the
    /// payload) relative to their `jsonb` order.
    pub(crate) fn of<'a>(published: impl Iterator<Item = &'a str> + Clone) -> PublicationOrder {
        let mut stored: Vec<&str> = published.clone().collect();
        if stored.len() > 16 {
            return PublicationOrder(AS_STORED);
        }
        stored.sort_by(|a, b| json::jsonb_key_order(a, b));
        let mut packed = 0u64;
        for (i, name) in published.enumerate() {
            let position = stored.iter().position(|s| *s == name).unwrap_or(0) as u64;
            packed |= position << (4 * i);
        }
        PublicationOrder(packed)
    }

    /// The order production's `CreateEvent` sets an app event's attributes in:
    /// `id, time, source, subject, type, resource, resourceinstance[, alternativesubject]`.
    pub(crate) fn app_event(with_alternative_subject: bool) -> PublicationOrder {
        static ORDERS: OnceLock<[PublicationOrder; 2]> = OnceLock::new();
        let names = [
            "id",
            "time",
            "source",
            "subject",
            "type",
            "resource",
            "resourceinstance",
            "alternativesubject",
        ];
        let orders = ORDERS.get_or_init(|| {
            [
                PublicationOrder::of(names[..7].iter().copied()),
                PublicationOrder::of(names.iter().copied()),
            ]
        });
        orders[usize::from(with_alternative_subject)]
    }

    /// `count` attributes in publication order, as positions in `jsonb` order.
    fn positions(self, count: usize) -> Vec<usize> {
        if self.0 == AS_STORED || count > 16 {
            return (0..count).collect();
        }
        (0..count)
            .map(|i| ((self.0 >> (4 * i)) & 0xF) as usize)
            .collect()
    }
}

/// A `time` offset in whole minutes, as .NET's `DateTimeOffset` keeps it.
pub(crate) fn offset_minutes(text: &str) -> i16 {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|time| (time.offset().local_minus_utc() / 60) as i16)
        .unwrap_or(0)
}

impl Event {
    /// The body production's webhook POSTs for this event: compact JSON, strings escaped as
    /// System.Text.Json escapes them. Nested `data` objects keep the store's key order (a
    /// known difference: production keeps the publisher's).
    pub(crate) fn webhook_json(&self) -> Vec<u8> {
        let stored: Map<String, Value> = serde_json::from_str(self.json()).unwrap_or_default();
        let names: Vec<&String> = stored
            .keys()
            .filter(|name| *name != "specversion" && !DATA_ATTRIBUTES.contains(&name.as_str()))
            .collect();
        let mut out = Vec::with_capacity(self.json_len + 32);
        out.extend_from_slice(br#"{"specversion":"1.0""#);
        for position in self.publication_order.positions(names.len()) {
            let Some(name) = names.get(position) else {
                continue;
            };
            out.push(b',');
            json::write_str(&mut out, name);
            out.push(b':');
            match (name.as_str(), self.time) {
                ("time", Some(time)) => {
                    json::write_str(&mut out, &self.time_as_published(time));
                }
                _ => {
                    if let Some(value) = stored.get(name.as_str()) {
                        json::write_value(&mut out, value);
                    }
                }
            }
        }
        if let Some(data) = stored.get("data") {
            if !stored.contains_key("datacontenttype") {
                out.extend_from_slice(br#","datacontenttype":"application/json""#);
            }
            out.extend_from_slice(b",\"data\":");
            json::write_value(&mut out, data);
        } else if let Some(data) = stored.get("data_base64") {
            out.extend_from_slice(b",\"data_base64\":");
            json::write_value(&mut out, data);
        }
        out.push(b'}');
        out
    }

    /// `time` as the CloudEvents SDK writes a `DateTimeOffset`: the publisher's local time and
    /// offset (`Z` for zero), with as few fraction digits as say the value exactly.
    fn time_as_published(&self, time: DateTime<Utc>) -> String {
        let minutes = i32::from(self.time_offset_minutes);
        let local = crate::domain::event::shift(time, TimeDelta::minutes(i64::from(minutes)));
        let utc_text = format_event_time(local);
        if minutes == 0 {
            return utc_text;
        }
        let offset =
            FixedOffset::east_opt(minutes * 60).map_or_else(String::new, |o| o.to_string());
        format!("{}{offset}", utc_text.trim_end_matches('Z'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The offset's `+` is escaped like any string's: the formatter writes the time through
    /// System.Text.Json's default encoder.
    #[test]
    fn a_generic_event_is_sent_in_the_order_it_was_published() {
        let event = Event::from_json(json!({
            "specversion": "1.0",
            "id": "1337",
            "source": "https://ttd.apps.at22.altinn.cloud/ttd/apps-test",
            "type": "automated.test",
            "time": "2024-03-01T13:00:00.5+01:00",
            "resource": "urn:altinn:resource:ttd-test",
            "atta": "If the wolf eats your grandma",
            "attb": "Give the wolf a banana",
        }))
        .unwrap();
        assert_eq!(
            String::from_utf8(event.webhook_json()).unwrap(),
            r#"{"specversion":"1.0","id":"1337","source":"https://ttd.apps.at22.altinn.cloud/ttd/apps-test","type":"automated.test","time":"2024-03-01T13:00:00.500\u002B01:00","resource":"urn:altinn:resource:ttd-test","atta":"If the wolf eats your grandma","attb":"Give the wolf a banana"}"#
        );
    }

    #[test]
    fn data_gets_an_inferred_content_type_and_comes_last() {
        let event = Event::from_json(json!({
            "data": {"b": 1},
            "specversion": "1.0",
            "id": "1",
            "source": "urn:x:y",
            "type": "t",
            "time": "2024-03-01T12:00:00Z",
        }))
        .unwrap();
        assert_eq!(
            String::from_utf8(event.webhook_json()).unwrap(),
            r#"{"specversion":"1.0","id":"1","source":"urn:x:y","type":"t","time":"2024-03-01T12:00:00Z","datacontenttype":"application/json","data":{"b":1}}"#
        );
    }

    #[test]
    fn negative_offsets_and_escapes_are_written_as_the_sdk_writes_them() {
        let event = Event::from_json(json!({
            "specversion": "1.0",
            "id": "a+b",
            "source": "urn:x:y",
            "type": "t",
            "time": "2024-03-01T12:00:00.1234567-05:30",
        }))
        .unwrap();
        let body = String::from_utf8(event.webhook_json()).unwrap();
        assert!(body.contains(r#""id":"a\u002Bb""#), "{body}");
        assert!(
            body.contains(r#""time":"2024-03-01T12:00:00.1234567-05:30""#),
            "{body}"
        );
    }
}
