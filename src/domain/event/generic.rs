//! An event published with `POST /events/api/v1/events` (generic events spec, part II): the
//! controller's checks on what the SDK read (rules 1 and 2), and the form production stores.

use serde_json::Value;

use super::sdk_values::parse_sdk_timestamp;
use super::structured::{Attributes, serializable};
use super::{Event, absolute_path, format_event_time};

/// Why production's controller refuses a CloudEvent the SDK read: a 400 with this detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenericRejection {
    /// Rule 1: no `resource` attribute, or an empty one.
    MissingResource,
    /// Rule 2: `resource` is not a URN as production's pattern says.
    InvalidUrn,
}

impl GenericRejection {
    /// Production's message.
    pub(crate) fn detail(self) -> &'static str {
        match self {
            GenericRejection::MissingResource => "A 'resource' property must be defined.",
            GenericRejection::InvalidUrn => "'Resource' must be a valid urn.",
        }
    }
}

/// Why production does not accept a generic event whose body the SDK read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenericPublishError {
    /// Rules 1–2: a 400 with the rejection's detail.
    Invalid(GenericRejection),
    /// Rule 3: the policy engine (here: the grants) does not let the caller publish on the
    /// resource: an empty 403.
    Forbidden,
    /// Production throws before it queues the event: a 500.
    Unhandled(&'static str),
}

/// What becomes of an accepted event after production's `200`.
#[derive(Debug)]
pub(crate) enum Handled {
    /// Stored as this event.
    Stored(Event),
    /// Production's queue handler throws on it (a legacy resource with a relative source has
    /// no path to take org and app from): acknowledged, never stored.
    Lost(&'static str),
}

/// Rules 1 and 2 (`ValidateCloudEvent`). Any URN passes, not only `urn:altinn:resource:…`
/// (a quirk: `GET` refuses to query such a resource).
pub(crate) fn check_generic(attributes: &Attributes) -> Result<(), GenericRejection> {
    let resource = attributes
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if resource.is_empty() {
        return Err(GenericRejection::MissingResource);
    }
    if !is_valid_urn(resource) {
        return Err(GenericRejection::InvalidUrn);
    }
    Ok(())
}

/// Whether `RegisterNew` can serialize the event for its queue; when it cannot, production's
/// `POST` throws: a 500.
pub(crate) fn can_register(attributes: &Attributes) -> bool {
    serializable(attributes)
}

/// Production's `UriExtensions.IsValidUrn` (case-sensitive), for a generic event's resource and
/// a subscription's resource filter alike:
/// `^urn:[a-z0-9-]{1,30}(:[a-z0-9()+,.\-;$_!\/]{1,100}){1,10}$`.
pub(crate) fn is_valid_urn(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("urn:") else {
        return false;
    };
    let mut parts = rest.split(':');
    let namespace = parts.next().unwrap_or_default();
    let namespace_ok = (1..=30).contains(&namespace.len())
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let parts: Vec<&str> = parts.collect();
    let part_ok = |part: &&str| {
        (1..=100).contains(&part.len())
            && part.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"()+,.-;$_!/".contains(&b)
            })
    };
    namespace_ok && (1..=10).contains(&parts.len()) && parts.iter().all(part_ok)
}

/// The event as production stores and later serves it: the legacy resource
/// `urn:altinn:resource:altinnapp.{org}.{app}` rewritten to `…:app_{org}_{app}` with org and
/// app from the source path (`EnsureCorrectResourceFormat`), `time` at tick precision, nothing
/// derived. `None` from `Event` here would mean an attribute the SDK let through that the store
/// cannot hold, which the SDK's checks rule out.
pub(crate) fn handle_registration(mut attributes: Attributes) -> Handled {
    let resource = attributes
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if resource.starts_with("urn:altinn:resource:altinnapp.") {
        let source = attributes
            .get("source")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(path) = absolute_path(source) else {
            return Handled::Lost("a legacy resource with a relative source has no path");
        };
        let parts: Vec<&str> = path.split('/').collect();
        let part = |i: usize| if parts.len() > 5 { parts[i] } else { "" };
        let rewritten = format!("urn:altinn:resource:app_{}_{}", part(1), part(2));
        attributes.insert("resource".into(), Value::String(rewritten));
    }
    if let Some(Value::String(time)) = attributes.get("time")
        && let Ok(instant) = parse_sdk_timestamp(time)
    {
        let normalised = format_event_time(instant);
        attributes.insert("time".into(), Value::String(normalised));
    }
    match Event::from_attributes(attributes) {
        Ok(event) => Handled::Stored(event),
        Err(_) => Handled::Lost("the store refused what the SDK read"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::event::structured::read_structured;

    fn attributes(extra: Value) -> Attributes {
        let mut event = json!({
            "specversion": "1.0", "id": "e1", "type": "automatedtest.triggered",
            "source": "https://github.com/Altinn/altinn-events/tree/main/test/k6",
        });
        for (key, value) in extra.as_object().unwrap() {
            event[key] = value.clone();
        }
        read_structured(event.to_string().as_bytes()).unwrap()
    }

    fn stored(extra: Value) -> Event {
        match handle_registration(attributes(extra)) {
            Handled::Stored(event) => event,
            Handled::Lost(why) => panic!("{why}"),
        }
    }

    #[test]
    fn rule_1_and_2_need_a_resource_that_is_a_urn() {
        let check = |extra: Value| check_generic(&attributes(extra));
        assert_eq!(check(json!({})), Err(GenericRejection::MissingResource));
        assert_eq!(
            check(json!({"resource": ""})),
            Err(GenericRejection::MissingResource)
        );
        assert_eq!(
            check(json!({"resource": "this-is.not-urn"})),
            Err(GenericRejection::InvalidUrn)
        );
        assert_eq!(
            check(json!({"resource": "urn:Altinn:x"})),
            Err(GenericRejection::InvalidUrn)
        );
        assert_eq!(
            check(json!({"resource": "urn:nbib:bokoversikt.api"})),
            Ok(())
        );
        assert_eq!(
            check(json!({"resource": "urn:altinn:resource:systemx"})),
            Ok(())
        );
    }

    #[test]
    fn urns_follow_production_s_pattern() {
        assert!(is_valid_urn("urn:altinn:resource:app_ttd_apps-test"));
        assert!(is_valid_urn("urn:a:b:c:d:e:f:g:h:i:j:k"));
        assert!(
            !is_valid_urn("urn:a:b:c:d:e:f:g:h:i:j:k:l"),
            "at most ten parts"
        );
        assert!(!is_valid_urn("urn:a"), "at least one part");
        assert!(!is_valid_urn("urn:a::b"), "no empty part");
        assert!(!is_valid_urn(&format!("urn:{}:b", "a".repeat(31))));
        assert!(!is_valid_urn("urn:a:b c"));
    }

    #[test]
    fn stores_extensions_as_strings_in_jsonb_order_with_time_in_utc() {
        let event = stored(json!({
            "resource": "urn:altinn:resource:systemx", "count": 5, "atta": true,
            "time": "2022-05-12T02:02:07.541482+02:00", "subject": "/autotest/k6",
        }));
        assert_eq!(
            event.json(),
            r#"{"specversion":"1.0","id":"e1","atta":"true","time":"2022-05-12T00:02:07.541482Z","type":"automatedtest.triggered","count":"5","source":"https://github.com/Altinn/altinn-events/tree/main/test/k6","subject":"/autotest/k6","resource":"urn:altinn:resource:systemx"}"#
        );
    }

    #[test]
    fn derives_nothing_from_an_instance_source() {
        let event = stored(json!({
            "resource": "urn:altinn:resource:systemx",
            "source": "https://ttd.apps.altinn.no/ttd/apps-test/instances/1337/g",
        }));
        assert!(!event.json().contains("resourceinstance"));
        assert_eq!(event.resource(), Some("urn:altinn:resource:systemx"));
    }

    #[test]
    fn rewrites_the_legacy_app_resource_from_the_source_path() {
        let legacy = json!({"resource": "urn:altinn:resource:altinnapp.ttd.apps-test",
            "source": "https://ttd.apps.altinn.no/ttd/apps-test/instances/1337/g"});
        assert_eq!(
            stored(legacy).resource(),
            Some("urn:altinn:resource:app_ttd_apps-test")
        );
        let short =
            json!({"resource": "urn:altinn:resource:altinnapp.ttd.x", "source": "https://a/b"});
        assert_eq!(stored(short).resource(), Some("urn:altinn:resource:app__"));
        let relative =
            json!({"resource": "urn:altinn:resource:altinnapp.ttd.x", "source": "/ttd/x"});
        assert!(matches!(
            handle_registration(attributes(relative)),
            Handled::Lost(_)
        ));
    }
}
