//! `POST /events/api/v1/app`: an app publishes an event, as production takes it (spec §7).
//!
//! Production's order: authentication (empty 401), the `PlatformAccess` policy (a missing or
//! invalid `PlatformAccessToken` is a 403), `[Consumes("application/json")]` (415), body
//! binding (400), the required values (400), the source check against the access token's app
//! (401), then 201 with `Location` = the subject and the new id as a JSON string.

use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::{HeaderMap, StatusCode};

use super::App;
use super::credentials::token_from_headers;
use super::media_type::content_type_is_json;
use super::problem::{HttpResponse, JSON, Problem, with_body};
use crate::domain::auth::AuthMode;
use crate::domain::event::{AppEventRequest, PublishRejection, absolute_path};
use crate::domain::json::write_str;
use crate::domain::query::{BindingErrors, is_valid_header_value};
use crate::service::PublishRefused;

/// The header an app's access token travels in.
const ACCESS_TOKEN_HEADER: &str = "PlatformAccessToken";

/// Checks everything that does not need the body; returns the access token's
/// `{org}/{app}` when production would compare the source with it (strict mode).
pub(super) fn authorize(app: &App, headers: &HeaderMap) -> Result<Option<String>, Problem> {
    app.service
        .authenticate(token_from_headers(headers).as_deref())
        .map_err(|_| Problem::Unauthenticated)?;
    let issuer_app = match app.service.auth_mode() {
        AuthMode::Strict => {
            let token = headers
                .get(ACCESS_TOKEN_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            Some(
                app.service
                    .verify_access_token(token.trim())
                    .ok_or(Problem::Forbidden)?,
            )
        }
        AuthMode::Lenient | AuthMode::Off => None,
    };
    // `[Consumes]` lets a request without a content type through, but then no input formatter
    // can read the body, and production answers 415 all the same.
    if !headers.contains_key(CONTENT_TYPE) || !content_type_is_json(headers) {
        return Err(Problem::UnsupportedMediaType);
    }
    Ok(issuer_app)
}

/// Creates and stores the event from a read body.
pub(super) fn publish(
    app: &App,
    issuer_app: Option<String>,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let request = bind_body(body)?;
    request.check().map_err(|_| Problem::PublishMissingValues)?;
    let source = request.source.clone().unwrap_or_default();
    if let Some(issuer_app) = issuer_app {
        let path = absolute_path(&source).ok_or_else(|| {
            Problem::Unhandled(
                format!("the source {source:?} is a relative URI, which has no path").into(),
            )
        })?;
        // Quirk: a prefix test, so `ttd/apps-test` may also publish for `ttd/apps-testing`.
        if !path.starts_with(&format!("/{issuer_app}")) {
            return Err(Problem::PublishNotAuthorized(format!(
                "{issuer_app} is not authorized to create events for {source}"
            )));
        }
    }
    let subject = request.subject.clone().unwrap_or_default();
    let id = app
        .service
        .publish_app_event(request)
        .map_err(|refused| match refused {
            PublishRefused::Rule(PublishRejection::MissingValues) => Problem::PublishMissingValues,
            PublishRefused::Rule(PublishRejection::RelativeSource) => Problem::Unhandled(
                format!("the source {source:?} is a relative URI, which has no path").into(),
            ),
            PublishRefused::Full(full) => full.into(),
        })?;
    tracing::debug!(%id, "published");

    let mut body = Vec::new();
    write_str(&mut body, &id);
    let mut response = with_body(StatusCode::CREATED, JSON, body);
    // Production answers `Created(subject, id)` after storing the event; Kestrel refuses a
    // header value outside visible ASCII, so such a subject is stored and answered with 500.
    let location = is_valid_header_value(&subject)
        .then(|| HeaderValue::from_str(&subject).ok())
        .flatten()
        .ok_or_else(|| {
            Problem::Unhandled(
                format!(
                    "event {id} was stored, but its subject {subject:?} cannot be a Location header"
                )
                .into(),
            )
        })?;
    response.headers_mut().insert(LOCATION, location);
    Ok(response)
}

/// Binds the JSON body to the request model; ASP.NET Core answers a failure with a
/// ValidationProblemDetails.
fn bind_body(body: &Bytes) -> Result<AppEventRequest, Problem> {
    AppEventRequest::from_json_body(body).map_err(|error| {
        Problem::Validation(BindingErrors {
            errors: vec![(error.key, error.message)],
        })
    })
}
