//! An event as an app publishes it with `POST /events/api/v1/app` (spec §7).
//!
//! The app sends `source`, `subject`, `type`, `specversion` and maybe `alternativesubject` and
//! `data`; production sets `id` (a new lower-case GUID) and `time` (its UTC now), derives
//! `resource` and `resourceinstance` from the source path, and drops `data`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::source::absolute_path;
use super::{Event, format_event_time, truncate_to_ticks};

/// What an app sends to publish an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppEventRequest {
    /// The instance URI, `https://{org}.apps.{env}/{org}/{app}/instances/{partyId}/{guid}`.
    pub source: Option<String>,
    /// The CloudEvents version; production only requires it to be present.
    pub specversion: Option<String>,
    /// The event type, e.g. `app.instance.created`.
    pub event_type: Option<String>,
    /// `/party/{partyId}`.
    pub subject: Option<String>,
    /// `/person/{id}` or `/org/{number}`.
    pub alternativesubject: Option<String>,
}

/// Why production would not create the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishRejection {
    /// `source`, `specversion`, `type` or `subject` is missing or empty.
    MissingValues,
    /// The source is a relative URI, whose path .NET cannot take: production answers 500.
    RelativeSource,
}

impl std::fmt::Display for PublishRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PublishRejection::MissingValues => {
                "Missing parameter values: source, subject and type cannot be null"
            }
            PublishRejection::RelativeSource => {
                "the source is a relative URI, which production cannot take apart"
            }
        })
    }
}

impl std::error::Error for PublishRejection {}

/// A body that does not bind: the model-state key and ASP.NET Core's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyBindingError {
    /// `""` for a missing body, `$` for one that is not an object, `$.type` and so on for a
    /// property of the wrong JSON type.
    pub key: &'static str,
    /// The message, modelled on System.Text.Json's.
    pub message: String,
}

const EMPTY_BODY: &str = "A non-empty request body is required.";

impl AppEventRequest {
    /// Binds a request body as production does: System.Text.Json with ASP.NET Core's web
    /// defaults, so property names match in any case and a repeated property's last value
    /// wins; `data`, `dataschema` and unknown properties are not kept.
    pub(crate) fn from_json_body(body: &[u8]) -> Result<AppEventRequest, BodyBindingError> {
        let fail = |key: &'static str, message: String| BodyBindingError { key, message };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(fail("", EMPTY_BODY.into()));
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            fail(
                "$",
                format!(
                    "The request body is not valid JSON ({}). Path: $ | LineNumber: {} | BytePositionInLine: {}.",
                    crate::domain::json::json_reason(&e),
                    e.line().saturating_sub(1),
                    e.column()
                ),
            )
        })?;
        let properties = match value {
            Value::Null => return Err(fail("", EMPTY_BODY.into())),
            Value::Object(properties) => properties,
            _ => {
                return Err(fail(
                    "$",
                    "The JSON value could not be converted to Altinn.Platform.Events.Models.AppCloudEventRequestModel. Path: $ | LineNumber: 0 | BytePositionInLine: 1.".into(),
                ));
            }
        };
        let mut request = AppEventRequest::default();
        for (name, value) in properties {
            let (slot, key, target) = match name.to_ascii_lowercase().as_str() {
                "source" => (&mut request.source, "$.source", "System.Uri"),
                "specversion" => (&mut request.specversion, "$.specversion", "System.String"),
                "type" => (&mut request.event_type, "$.type", "System.String"),
                "subject" => (&mut request.subject, "$.subject", "System.String"),
                "alternativesubject" => (
                    &mut request.alternativesubject,
                    "$.alternativesubject",
                    "System.String",
                ),
                _ => continue,
            };
            *slot = match value {
                Value::Null => None,
                Value::String(text) => Some(text),
                _ => {
                    return Err(fail(
                        key,
                        format!(
                            "The JSON value could not be converted to {target}. Path: {key} | LineNumber: 0 | BytePositionInLine: 1."
                        ),
                    ));
                }
            };
        }
        Ok(request)
    }

    /// A request for an event of `event_type` about `subject`, from `source`.
    pub fn new(source: &str, subject: &str, event_type: &str) -> AppEventRequest {
        AppEventRequest {
            source: Some(source.to_owned()),
            specversion: Some("1.0".to_owned()),
            event_type: Some(event_type.to_owned()),
            subject: Some(subject.to_owned()),
            alternativesubject: None,
        }
    }

    /// The same request with an `alternativesubject`.
    pub fn with_alternative_subject(mut self, alternative_subject: &str) -> AppEventRequest {
        self.alternativesubject = Some(alternative_subject.to_owned());
        self
    }

    /// Production's `ValidateRequiredProperties`: source, specversion, type and subject.
    pub(crate) fn check(&self) -> Result<(), PublishRejection> {
        let present = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
        let complete = present(&self.source)
            && present(&self.specversion)
            && present(&self.event_type)
            && present(&self.subject);
        if !complete {
            return Err(PublishRejection::MissingValues);
        }
        Ok(())
    }

    /// The event production creates from this request with id `id` at `now`. Like
    /// production, a source with too short a path gives `urn:altinn:resource:app__` and
    /// `resourceinstance` `/`.
    pub(crate) fn into_event(
        self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Event, PublishRejection> {
        self.check()?;
        let source = self.source.unwrap_or_default();
        let path = absolute_path(&source).ok_or(PublishRejection::RelativeSource)?;
        let parts: Vec<&str> = path.split('/').collect();
        let part = |i: usize| if parts.len() > 5 { parts[i] } else { "" };
        let mut attributes = Map::new();
        attributes.insert("specversion".into(), json!("1.0"));
        attributes.insert("id".into(), json!(id));
        attributes.insert(
            "time".into(),
            json!(format_event_time(truncate_to_ticks(now))),
        );
        attributes.insert("type".into(), json!(self.event_type));
        attributes.insert("subject".into(), json!(self.subject));
        attributes.insert(
            "resource".into(),
            json!(format!("urn:altinn:resource:app_{}_{}", part(1), part(2))),
        );
        attributes.insert(
            "resourceinstance".into(),
            json!(format!("{}/{}", part(4), part(5))),
        );
        if let Some(alternative) = self.alternativesubject.filter(|a| !a.is_empty()) {
            attributes.insert("alternativesubject".into(), json!(alternative));
        }
        attributes.insert("source".into(), json!(source));
        Event::from_json(Value::Object(attributes)).map_err(|_| PublishRejection::MissingValues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/3c42ee2a-f6c2-4a4a-9a5e-3e7b1e0a8a43";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-03-01T12:00:00.123456789Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn sets_id_and_time_and_derives_the_resource() {
        let request = AppEventRequest::new(SOURCE, "/party/1337", "app.instance.created")
            .with_alternative_subject("/person/16035001577");
        let event = request
            .into_event("f1e2d3c4-0000-4000-8000-000000000001", now())
            .unwrap();
        assert_eq!(
            event.json(),
            r#"{"specversion":"1.0","id":"f1e2d3c4-0000-4000-8000-000000000001","time":"2024-03-01T12:00:00.1234567Z","type":"app.instance.created","source":"https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/3c42ee2a-f6c2-4a4a-9a5e-3e7b1e0a8a43","subject":"/party/1337","resource":"urn:altinn:resource:app_ttd_apps-test","resourceinstance":"1337/3c42ee2a-f6c2-4a4a-9a5e-3e7b1e0a8a43","alternativesubject":"/person/16035001577"}"#
        );
    }

    #[test]
    fn a_short_source_gives_production_s_empty_resource() {
        let request =
            AppEventRequest::new("https://ttd.apps.altinn.no/ttd/apps-test", "/party/1", "t");
        let event = request.into_event("x", now()).unwrap();
        assert_eq!(event.resource(), Some("urn:altinn:resource:app__"));
        assert!(event.json().contains(r#""resourceinstance":"/""#));
    }

    #[test]
    fn binds_names_in_any_case_and_the_last_of_a_repeated_name() {
        let body = br#"{"Source":"s","SpecVersion":"1.0","TYPE":"t","subject":"x","subject":"/party/1","data":{"a":1}}"#;
        let request = AppEventRequest::from_json_body(body).unwrap();
        assert_eq!(request.source.as_deref(), Some("s"));
        assert_eq!(request.event_type.as_deref(), Some("t"));
        assert_eq!(request.subject.as_deref(), Some("/party/1"));
    }

    #[test]
    fn reports_bodies_that_do_not_bind_under_model_state_keys() {
        let key = |body: &[u8]| AppEventRequest::from_json_body(body).unwrap_err().key;
        assert_eq!(key(b""), "");
        assert_eq!(key(b"null"), "");
        assert_eq!(key(b"{nope"), "$");
        assert_eq!(key(b"[1]"), "$");
        assert_eq!(key(br#"{"type": 5}"#), "$.type");
        assert_eq!(key(br#"{"source": {}}"#), "$.source");
    }

    #[test]
    fn refuses_missing_values_and_relative_sources() {
        let mut request = AppEventRequest::new(SOURCE, "/party/1", "t");
        request.specversion = None;
        assert_eq!(request.check(), Err(PublishRejection::MissingValues));
        let request = AppEventRequest::new(SOURCE, "", "t");
        assert_eq!(
            request.into_event("x", now()).unwrap_err(),
            PublishRejection::MissingValues
        );
        let request = AppEventRequest::new("ttd/apps-test/instances/1/g", "/party/1", "t");
        assert_eq!(
            request.into_event("x", now()).unwrap_err(),
            PublishRejection::RelativeSource
        );
    }
}
