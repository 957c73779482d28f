//! The HTTP request production's webhook client sends (spec §6, §8): `POST {endPoint}` with
//! one CloudEvent as compact JSON, `Content-Type: application/json; charset=utf-8`, no
//! authorization, no signature — and, quirk, the Slack envelope for any endpoint whose text
//! contains `hooks.slack.com`.

use bytes::Bytes;

use super::uri::DotNetUri;
use crate::domain::json::write_str;

/// The content type of every webhook request: `StringContent(payload, UTF8, "application/json")`.
pub(crate) const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The type of the handshake event.
pub(crate) const VALIDATION_TYPE: &str = "platform.events.validatesubscription";

/// Production's `PlatformSettings:ApiEventsEndpoint`, the base of the handshake's `source`.
pub(crate) const PRODUCTION_EVENTS_ENDPOINT: &str = "https://platform.altinn.no/events/api/v1/";

/// The handshake (`CreateValidateEvent`): a new GUID `id` on every attempt, `source`
/// `{ApiEventsEndpoint}subscriptions/{id}`, the validation type — no time, subject or
/// resource.
pub(crate) fn validation_event(
    event_id: &str,
    events_endpoint: &str,
    subscription_id: u64,
) -> Vec<u8> {
    let source_text = format!("{events_endpoint}subscriptions/{subscription_id}");
    // `new Uri(…)` normalises it as any URI.
    let source = DotNetUri::parse(&source_text).map_or(source_text, |uri| uri.text());
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(br#"{"specversion":"1.0","id":"#);
    write_str(&mut out, event_id);
    out.extend_from_slice(br#","source":"#);
    write_str(&mut out, &source);
    out.extend_from_slice(br#","type":"#);
    write_str(&mut out, VALIDATION_TYPE);
    out.push(b'}');
    out
}

/// The body sent to `endpoint` for the serialised event `event_json`: the event itself, or,
/// for Slack, `{"text": "…"}` — a space after the colon, every `"` of the event written `\"`
/// and nothing else escaped (`SlackEnvelope.Serialize`).
pub(crate) fn body_for(endpoint: &str, event_json: &[u8]) -> Bytes {
    if !endpoint.contains("hooks.slack.com") {
        return Bytes::copy_from_slice(event_json);
    }
    let mut out = Vec::with_capacity(event_json.len() + 32);
    out.extend_from_slice(br#"{"text": ""#);
    for &byte in event_json {
        if byte == b'"' {
            out.extend_from_slice(br#"\""#);
        } else {
            out.push(byte);
        }
    }
    out.extend_from_slice(br#""}"#);
    Bytes::from(out)
}

/// A W3C `traceparent` for one attempt, as .NET's HTTP diagnostics add one to outgoing
/// requests while a handler span is active (spec §8: inferred, not asserted by production's
/// tests). `trace` and `span` are random bytes the caller draws.
pub(crate) fn traceparent(trace: u128, span: u64) -> String {
    format!("00-{trace:032x}-{span:016x}-01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handshake_has_an_id_a_source_and_a_type_only() {
        let body = validation_event(
            "694caa35-8b25-4cd7-b800-f6eeb93c56ed",
            PRODUCTION_EVENTS_ENDPOINT,
            1234,
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"specversion":"1.0","id":"694caa35-8b25-4cd7-b800-f6eeb93c56ed","source":"https://platform.altinn.no/events/api/v1/subscriptions/1234","type":"platform.events.validatesubscription"}"#
        );
    }

    #[test]
    fn slack_endpoints_get_the_text_envelope() {
        let event = br#"{"specversion":"1.0","id":"1337","source":"https://ttd.apps.at22.altinn.cloud/ttd/apps-test","type":"automated.test"}"#;
        let body = body_for("https://hooks.slack.com/services/T/B/X", event);
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"text": "{\"specversion\":\"1.0\",\"id\":\"1337\",\"source\":\"https://ttd.apps.at22.altinn.cloud/ttd/apps-test\",\"type\":\"automated.test\"}"}"#
        );
        assert_eq!(&body_for("https://example.com/hook", event)[..], &event[..]);
    }

    #[test]
    fn traceparent_is_w3c_shaped() {
        assert_eq!(
            traceparent(1, 2),
            "00-00000000000000000000000000000001-0000000000000002-01"
        );
    }
}
