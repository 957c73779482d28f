//! `POST /events/api/v1/events`: publishing a generic CloudEvent, as production's
//! `EventsController.Post` takes it (contract `generic-events-query.md`, part II):
//! authentication (empty 401), the publish scope or a platform access token (empty 403),
//! `application/cloudevents+json` only (415), the CloudEvents SDK's reading (400 under
//! `RequestBody`), rules 1–2 (400), the publish stand-in (empty 403), then `200` with no body.

use bytes::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::{HeaderMap, StatusCode};

use super::App;
use super::app_events::authenticate;
use super::problem::{HttpResponse, Problem, empty};
use crate::domain::auth::Caller;
use crate::domain::event::{GenericPublishError, read_structured};
use crate::domain::query::BindingErrors;
use crate::service::PublishRefused;

/// The scope production's `PublishScopeOrAccessToken` policy accepts.
pub(super) const PUBLISH_SCOPE: &str = "altinn:events.publish";

/// The header a platform access token travels in.
const ACCESS_TOKEN_HEADER: &str = "PlatformAccessToken";

/// Checks everything that does not need the body; returns the caller.
pub(super) fn authorize(app: &App, headers: &HeaderMap) -> Result<Caller, Problem> {
    let caller = authenticate(app, headers)?;
    if let Caller::Token(principal) = &caller {
        let access_token = headers
            .get(ACCESS_TOKEN_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|token| !token.is_empty());
        let allowed = principal.has_scope(PUBLISH_SCOPE)
            || access_token.is_some_and(|token| app.service.accepts_access_token(token));
        if !allowed {
            return Err(Problem::Forbidden);
        }
    }
    // `[Consumes("application/cloudevents+json")]`; without a content type no input formatter
    // can read the body, which production answers with the same 415.
    if !is_cloudevents_json(headers) {
        return Err(Problem::UnsupportedMediaType);
    }
    Ok(caller)
}

/// Reads the event from a read body and publishes it.
pub(super) fn publish(app: &App, caller: &Caller, body: &Bytes) -> Result<HttpResponse, Problem> {
    let attributes = read_structured(body).map_err(|rejection| {
        Problem::BodyValidation(BindingErrors {
            errors: vec![(rejection.key, rejection.message)],
        })
    })?;
    app.service
        .publish_generic(attributes, caller)
        .map_err(|refused| match refused {
            PublishRefused::Rule(GenericPublishError::Invalid(rejection)) => {
                Problem::GenericPublishBadRequest(rejection.detail())
            }
            PublishRefused::Rule(GenericPublishError::Forbidden) => Problem::Forbidden,
            PublishRefused::Rule(GenericPublishError::Unhandled(reason)) => {
                Problem::Unhandled(reason.into())
            }
            PublishRefused::Full(full) => full.into(),
        })?;
    // `return Ok()`: a 200 with no body and no content type.
    Ok(empty(StatusCode::OK))
}

/// `application/cloudevents+json`, with or without parameters, in any case.
fn is_cloudevents_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/cloudevents+json")
        })
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn only_cloudevents_json_passes_the_consumes_filter() {
        let passes = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            is_cloudevents_json(&headers)
        };
        assert!(passes("application/cloudevents+json"));
        assert!(passes("Application/CloudEvents+JSON; charset=utf-8"));
        assert!(!passes("application/json"));
        assert!(!passes("application/cloudevents-batch+json"));
        assert!(!is_cloudevents_json(&HeaderMap::new()));
    }
}
