//! The body of `POST /events/api/v1/subscriptions`, bound as ASP.NET Core binds
//! `SubscriptionRequestModel` (spec §1): System.Text.Json with web defaults, so names match in
//! any case, a repeated name's last value wins and unknown names are ignored.

use serde_json::Value;

use super::uri::DotNetUri;

/// A body that does not bind: the model-state key (`""`, `$`, `$.endPoint` as the client
/// spelled it) and System.Text.Json's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BindingError {
    pub(crate) key: String,
    pub(crate) message: String,
}

/// A bound subscription request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SubscriptionRequest {
    pub(crate) end_point: Option<DotNetUri>,
    pub(crate) source_filter: Option<DotNetUri>,
    pub(crate) resource_filter: Option<String>,
    pub(crate) subject_filter: Option<String>,
    pub(crate) alternative_subject_filter: Option<String>,
    pub(crate) type_filter: Option<String>,
    pub(crate) include_subunits: bool,
}

const EMPTY_BODY: &str = "A non-empty request body is required.";
const MODEL: &str = "Altinn.Platform.Events.Models.SubscriptionRequestModel";

impl SubscriptionRequest {
    /// Binds `body`; a body that does not bind is the ValidationProblemDetails of rule B.
    pub(crate) fn bind(body: &[u8]) -> Result<SubscriptionRequest, BindingError> {
        let fail = |key: &str, message: String| BindingError {
            key: key.to_owned(),
            message,
        };
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
            _ => return Err(fail("$", not_converted(MODEL, "$"))),
        };
        let mut request = SubscriptionRequest::default();
        for (name, value) in properties {
            let key = format!("$.{name}");
            match name.to_ascii_lowercase().as_str() {
                "endpoint" => request.end_point = bind_uri(value, &key)?,
                "sourcefilter" => request.source_filter = bind_uri(value, &key)?,
                "resourcefilter" => request.resource_filter = bind_string(value, &key)?,
                "subjectfilter" => request.subject_filter = bind_string(value, &key)?,
                "alternativesubjectfilter" => {
                    request.alternative_subject_filter = bind_string(value, &key)?;
                }
                "typefilter" => request.type_filter = bind_string(value, &key)?,
                "includesubunits" => match value {
                    Value::Bool(flag) => request.include_subunits = flag,
                    _ => return Err(fail(&key, not_converted("System.Boolean", &key))),
                },
                _ => {}
            }
        }
        Ok(request)
    }
}

fn not_converted(target: &str, key: &str) -> String {
    format!(
        "The JSON value could not be converted to {target}. Path: {key} | LineNumber: 0 | BytePositionInLine: 1."
    )
}

fn bind_string(value: Value, key: &str) -> Result<Option<String>, BindingError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        _ => Err(BindingError {
            key: key.to_owned(),
            message: not_converted("System.String", key),
        }),
    }
}

fn bind_uri(value: Value, key: &str) -> Result<Option<DotNetUri>, BindingError> {
    let refused = || BindingError {
        key: key.to_owned(),
        message: not_converted("System.Uri", key),
    };
    match value {
        Value::Null => Ok(None),
        Value::String(text) => DotNetUri::parse(&text).map(Some).map_err(|_| refused()),
        _ => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> String {
        SubscriptionRequest::bind(body.as_bytes()).unwrap_err().key
    }

    #[test]
    fn names_bind_in_any_case_and_unknown_ones_are_ignored() {
        let request = SubscriptionRequest::bind(
            br#"{"endpoint":"https://a.no/h","TypeFilter":"t","consumer":"x","includeSubunits":true}"#,
        )
        .unwrap();
        assert_eq!(request.end_point.unwrap().text(), "https://a.no/h");
        assert_eq!(request.type_filter.as_deref(), Some("t"));
        assert!(request.include_subunits);
    }

    #[test]
    fn bodies_that_do_not_bind_are_keyed_by_their_json_path() {
        assert_eq!(key(""), "");
        assert_eq!(key("null"), "");
        assert_eq!(key("{"), "$");
        assert_eq!(key("{\"endPoint\":\"https://a.no\",}"), "$");
        assert_eq!(key("[1]"), "$");
        assert_eq!(key(r#"{"includeSubunits":null}"#), "$.includeSubunits");
        assert_eq!(key(r#"{"includeSubunits":"true"}"#), "$.includeSubunits");
        assert_eq!(key(r#"{"endpoint":"https://"}"#), "$.endpoint");
        assert_eq!(key(r#"{"typeFilter":5}"#), "$.typeFilter");
    }
}
