//! One CloudEvent as the store keeps it: validated, normalised and rendered once.
//!
//! Production parses each event with the CloudEvents .NET SDK, stores it as `jsonb` and writes it
//! back with the SDK. [`Event::from_json`] applies the same rules once, at insert, so serving a
//! page is a concatenation of ready bytes.

mod source;
mod text;
mod time;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

mod delivery;
mod error;
mod generic;
mod parts;
mod published;
mod sdk_values;
mod structured;

pub use error::{EventError, InvalidEvent};
pub(crate) use generic::{
    GenericPublishError, Handled, can_register, check_generic, handle_registration, is_valid_urn,
};
pub(crate) use parts::{AppEventParts, render_app_parts};
pub use published::{AppEventRequest, PublishRejection};
pub(crate) use source::{ReadAccess, absolute_path, app_resource, instance_app, parse_app_source};
pub(crate) use structured::{Attributes as StructuredAttributes, read_structured};
pub(crate) use time::{earliest, latest, shift};
pub(crate) use time::{format_event_time, format_rfc3339, parse_event_time, truncate_to_ticks};

use crate::domain::json;
use text::{Placed, Settled, Spans, Texts, settle, write_text};

/// A validated, normalised event with its JSON rendered in production's property order.
#[derive(Debug, Clone)]
pub struct Event {
    /// The JSON, then any kept value that had to be escaped in it (see `text`).
    text: Box<str>,
    json_len: usize,
    spans: Spans,
    time: Option<DateTime<Utc>>,
    read_access: ReadAccess,
    /// How to rebuild the order the attributes were published in, for the webhook body.
    publication_order: delivery::PublicationOrder,
    /// The publisher's UTC offset of `time`, in minutes, for the webhook body.
    time_offset_minutes: i16,
}

/// What [`Event::build`] adds that the attributes do not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Derive {
    /// `resource` and `resourceinstance` from an app instance source, where absent.
    AppParts,
    /// Nothing.
    Nothing,
}

/// Attributes that carry the payload and are written last, after all others.
const DATA_ATTRIBUTES: [&str; 2] = ["data", "data_base64"];

impl Event {
    /// Validates a CloudEvent in structured JSON form and normalises it as production would
    /// store it: `time` (when present) in UTC at 100 ns precision, `resource` and
    /// `resourceinstance` derived from an instance `source` when absent (a convenience for
    /// fixtures of app events; production's app publishing derives them the same way) — not
    /// for an event whose `resource` is no app's (`urn:altinn:resource:app_…`).
    ///
    /// ```
    /// use altinn_events_mock::Event;
    ///
    /// let event = Event::from_json(serde_json::json!({
    ///     "specversion": "1.0",
    ///     "id": "cf7577ad-7ae6-498f-bc48-0704bd895b41",
    ///     "type": "app.instance.created",
    ///     "source": "https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/50019855/f21e491f-f862-4776-b81f-725657ef0a18",
    ///     "subject": "/party/50019855",
    ///     "time": "2023-02-16T19:02:11.0276259+01:00",
    /// }))?;
    /// assert_eq!(event.resource(), Some("urn:altinn:resource:app_ttd_apps-test"));
    /// assert!(event.json().starts_with(r#"{"specversion":"1.0","id":"cf7577ad"#));
    /// assert!(event.json().contains(r#""time":"2023-02-16T18:02:11.0276259Z""#));
    /// # Ok::<(), altinn_events_mock::EventError>(())
    /// ```
    pub fn from_json(value: Value) -> Result<Event, EventError> {
        let Value::Object(attributes) = value else {
            return Err(EventError::NotAnObject);
        };
        Event::build(attributes, Derive::AppParts)
    }

    /// The event a generic publisher's attributes make, stored as they are: nothing is
    /// derived from the source (`POST /events/api/v1/events` stores what the SDK read).
    pub(crate) fn from_attributes(attributes: Map<String, Value>) -> Result<Event, EventError> {
        Event::build(attributes, Derive::Nothing)
    }

    fn build(mut attributes: Map<String, Value>, derive: Derive) -> Result<Event, EventError> {
        // CloudEvents reads a null attribute as an absent one.
        attributes.retain(|_, v| !v.is_null());
        check_attribute_names(&attributes)?;

        let spec_version = required_string(&attributes, "specversion")?;
        if spec_version != "1.0" {
            return Err(EventError::UnsupportedSpecVersion(spec_version.to_owned()));
        }
        required_string(&attributes, "id")?;
        let source = required_string(&attributes, "source")?.to_owned();
        required_string(&attributes, "type")?;
        let time_text = optional_string(&attributes, "time")?;
        let time = time_text
            .map(|text| parse_event_time(text).map_err(EventError::BadTime))
            .transpose()?;
        let time_offset_minutes = time_text.map_or(0, delivery::offset_minutes);
        let subject = optional_string(&attributes, "subject")?.map(str::to_owned);
        optional_string(&attributes, "alternativesubject")?;
        for (name, value) in &attributes {
            check_attribute_type(name, value)?;
        }

        if let Some(time) = time {
            attributes.insert("time".into(), Value::String(format_event_time(time)));
        }
        // Only app events get the parts derived: a generic event with a long source path and a
        // resource of its own keeps exactly what it was given.
        let app_event = match attributes.get("resource") {
            None => true,
            Some(resource) => resource
                .as_str()
                .is_some_and(|r| r.starts_with("urn:altinn:resource:app_")),
        };
        let derivable =
            parse_app_source(&source).filter(|_| derive == Derive::AppParts && app_event);
        if let Some(app) = derivable {
            if !attributes.contains_key("resource") {
                attributes.insert("resource".into(), Value::String(app.resource()));
            }
            if !attributes.contains_key("resourceinstance") {
                attributes.insert(
                    "resourceinstance".into(),
                    Value::String(app.resource_instance()),
                );
            }
        }
        optional_string(&attributes, "resource")?;
        let read_access = ReadAccess::of(&source, subject.as_deref());
        let publication_order = delivery::PublicationOrder::of(
            attributes
                .keys()
                .map(String::as_str)
                .filter(|name| *name != "specversion" && !DATA_ATTRIBUTES.contains(name)),
        );
        let (json, texts) = render(&attributes);
        let required = |name: &str| {
            attributes
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let Settled {
            text,
            json_len,
            spans,
        } = settle(
            json,
            texts,
            [required("id"), required("source"), required("type")],
        );
        Ok(Event {
            text,
            json_len,
            spans,
            time,
            read_access,
            publication_order,
            time_offset_minutes,
        })
    }

    /// The event's `id`.
    pub fn id(&self) -> &str {
        self.spans.id.get(&self.text)
    }

    /// The event's `source`.
    pub fn source(&self) -> &str {
        self.spans.source.get(&self.text)
    }

    /// The event's `type`.
    pub fn event_type(&self) -> &str {
        self.spans.event_type.get(&self.text)
    }

    /// The event's `subject`, e.g. `/party/50019855`.
    pub fn subject(&self) -> Option<&str> {
        self.spans.subject.map(|span| span.get(&self.text))
    }

    /// The event's `alternativesubject`, e.g. `/person/16035001577`.
    pub fn alternative_subject(&self) -> Option<&str> {
        self.spans
            .alternative_subject
            .map(|span| span.get(&self.text))
    }

    /// The event's `time`, in UTC at .NET's 100 ns precision; generic events may have none.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        self.time
    }

    /// The event's `resource`, given or derived from its source.
    pub fn resource(&self) -> Option<&str> {
        self.spans.resource.map(|span| span.get(&self.text))
    }

    /// Who production's authorization filter lets read this event.
    pub(crate) fn read_access(&self) -> &ReadAccess {
        &self.read_access
    }

    /// The event exactly as a query response writes it.
    pub fn json(&self) -> &str {
        self.text.get(..self.json_len).unwrap_or_default()
    }

    /// The rendered JSON's bytes, for building response bodies.
    pub(crate) fn json_bytes(&self) -> &[u8] {
        self.json().as_bytes()
    }
}

fn check_attribute_names(attributes: &Map<String, Value>) -> Result<(), EventError> {
    let valid = |name: &str| {
        DATA_ATTRIBUTES.contains(&name)
            || (!name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    };
    match attributes.keys().find(|name| !valid(name)) {
        Some(name) => Err(EventError::BadAttributeName(name.clone())),
        None => Ok(()),
    }
}

/// The SDK accepts strings, integers and booleans for context attributes; `data` may be anything.
fn check_attribute_type(name: &str, value: &Value) -> Result<(), EventError> {
    let accepted = match name {
        "data" => true,
        "data_base64" => value.is_string(),
        _ => value.is_string() || value.is_boolean() || value.as_i64().is_some_and(fits_int32),
    };
    if accepted {
        return Ok(());
    }
    let expected = if name == "data_base64" {
        "a string"
    } else {
        "a string, a 32-bit integer or a boolean"
    };
    Err(EventError::WrongType {
        attribute: name.to_owned(),
        expected,
    })
}

fn fits_int32(n: i64) -> bool {
    i32::try_from(n).is_ok()
}

fn required_string<'a>(
    attributes: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, EventError> {
    match optional_string(attributes, name)? {
        Some("") => Err(EventError::Empty(name)),
        Some(value) => Ok(value),
        None => Err(EventError::Missing(name)),
    }
}

fn optional_string<'a>(
    attributes: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, EventError> {
    match attributes.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(EventError::WrongType {
            attribute: name.to_owned(),
            expected: "a string",
        }),
    }
}

/// `specversion` first, then the other attributes in `jsonb` key order, the payload last: the
/// order the SDK writes an event it read back from `jsonb`.
fn render(attributes: &Map<String, Value>) -> (Vec<u8>, Texts<'_>) {
    let mut names: Vec<&String> = attributes
        .keys()
        .filter(|name| *name != "specversion" && !DATA_ATTRIBUTES.contains(&name.as_str()))
        .collect();
    names.sort_by(|a, b| json::jsonb_key_order(a, b));
    let ordered = std::iter::once("specversion")
        .chain(names.into_iter().map(String::as_str))
        .chain(DATA_ATTRIBUTES);

    let mut out = Vec::with_capacity(512);
    let mut texts = Texts::default();
    out.push(b'{');
    let mut first = true;
    for name in ordered {
        let Some(value) = attributes.get(name) else {
            continue;
        };
        if !first {
            out.push(b',');
        }
        first = false;
        json::write_str(&mut out, name);
        out.push(b':');
        match (texts.slot(name), value) {
            (Some(slot), Value::String(text)) => *slot = Some(write_text(&mut out, text)),
            _ => json::write_value(&mut out, value),
        }
    }
    out.push(b'}');
    (out, texts)
}

#[cfg(test)]
mod tests;
