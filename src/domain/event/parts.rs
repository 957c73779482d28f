//! Building an app event from parts known to be valid, without a detour through JSON values:
//! the synthetic data generator makes a million of them at a time.

use chrono::{DateTime, Utc};

use super::{
    Event, Placed, ReadAccess, Settled, Texts, format_event_time, settle, truncate_to_ticks,
    write_text,
};

/// The attributes of an app instance event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AppEventParts<'a> {
    /// `id`.
    pub id: &'a str,
    /// `time`.
    pub time: DateTime<Utc>,
    /// `type`.
    pub event_type: &'a str,
    /// `source`.
    pub source: &'a str,
    /// `subject`.
    pub subject: &'a str,
    /// `resource`.
    pub resource: &'a str,
    /// `resourceinstance`.
    pub resource_instance: &'a str,
    /// `alternativesubject`.
    pub alternative_subject: Option<&'a str>,
}

impl Event {
    /// The event these parts make, rendered exactly as [`Event::from_json`] renders the same
    /// attributes (production's order: `specversion`, then `jsonb` key order).
    pub(crate) fn from_app_parts(parts: &AppEventParts<'_>) -> Event {
        let mut out = Vec::with_capacity(256 + parts.source.len() * 2);
        let texts = render_parts(parts, &mut out);
        let Settled {
            text,
            json_len,
            spans,
        } = settle(out, texts, [parts.id, parts.source, parts.event_type]);
        Event {
            text,
            json_len,
            spans,
            time: Some(truncate_to_ticks(parts.time)),
            read_access: ReadAccess::of(parts.source, Some(parts.subject)),
            publication_order: super::delivery::PublicationOrder::app_event(
                parts.alternative_subject.is_some(),
            ),
            time_offset_minutes: 0,
        }
    }
}

/// Appends the event these parts make as production writes it.
pub(crate) fn render_app_parts(parts: &AppEventParts<'_>, out: &mut Vec<u8>) {
    render_parts(parts, out);
}

/// Appends `,"name":value`, saying where the value stands.
fn write_field<'v>(out: &mut Vec<u8>, name: &str, value: &'v str) -> Option<Placed<'v>> {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    Some(write_text(out, value))
}

/// [`render_app_parts`], saying where each kept value stands.
fn render_parts<'a>(parts: &AppEventParts<'a>, out: &mut Vec<u8>) -> Texts<'a> {
    let field = write_field;
    out.extend_from_slice(br#"{"specversion":"1.0""#);
    let id = field(out, "id", parts.id);
    field(
        out,
        "time",
        &format_event_time(truncate_to_ticks(parts.time)),
    );
    let event_type = field(out, "type", parts.event_type);
    let source = field(out, "source", parts.source);
    let subject = field(out, "subject", parts.subject);
    let resource = field(out, "resource", parts.resource);
    field(out, "resourceinstance", parts.resource_instance);
    let alternative_subject = parts
        .alternative_subject
        .and_then(|alternative| field(out, "alternativesubject", alternative));
    out.push(b'}');
    Texts {
        id,
        source,
        event_type,
        subject,
        alternative_subject,
        resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_from_json_renders() {
        let parts = AppEventParts {
            id: "cf7577ad-7ae6-498f-bc48-0704bd895b41",
            time: DateTime::parse_from_rfc3339("2023-02-16T18:02:11.0276259Z")
                .unwrap()
                .to_utc(),
            event_type: "app.instance.created",
            source: "https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/50019855/f21e491f-f862-4776-b81f-725657ef0a18",
            subject: "/party/50019855",
            resource: "urn:altinn:resource:app_ttd_apps-test",
            resource_instance: "50019855/f21e491f-f862-4776-b81f-725657ef0a18",
            alternative_subject: Some("/person/16035001577"),
        };
        let fast = Event::from_app_parts(&parts);
        let slow = Event::from_json(serde_json::from_str(fast.json()).unwrap()).unwrap();
        assert_eq!(fast.json(), slow.json());
        assert_eq!(fast.read_access(), slow.read_access());
        assert_eq!(fast.resource(), slow.resource());
    }
}
