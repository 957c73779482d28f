//! `/events/api/v1/subscriptions`: create, read, list and delete webhook subscriptions as
//! production answers them (spec §3, §5).
//!
//! `POST`: authentication (empty 401), `[Consumes("application/json")]` (415), body binding
//! (400 ValidationProblemDetails), then production's checks in order, each refusal a JSON
//! string or an empty 403; 201 with the quirky `Location: /events/api/v1/subscription/{id}`.
//! `GET`/`DELETE /{id}`: 401, the id's binding (400), 404 before 403, both empty.

use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::http::request::Parts;
use hyper::{HeaderMap, Method, StatusCode};

use super::App;
use super::credentials::token_from_headers;
use super::media_type::content_type_is_json;
use super::problem::{HttpResponse, Problem, empty, with_body};
use crate::domain::push::checks::Refusal;
use crate::domain::push::identity::Subscriber;
use crate::domain::push::request::SubscriptionRequest;
use crate::domain::push::subscription::list_json;
use crate::domain::query::parse_int32;
use crate::service::Access;

const JSON: &str = "application/json; charset=utf-8";

/// Who is calling, from the token; an empty 401 without a usable one.
pub(super) fn subscriber(app: &App, headers: &HeaderMap) -> Result<Subscriber, Problem> {
    let claims = app
        .service
        .claims(token_from_headers(headers).as_deref())
        .map_err(|_| Problem::Unauthenticated)?;
    Ok(Subscriber::from_claims(&claims))
}

/// What `POST` checks before it reads the body: the token, then the content type.
pub(super) fn admit_post(app: &App, headers: &HeaderMap) -> Result<Subscriber, Problem> {
    let subscriber = subscriber(app, headers)?;
    let declared = headers
        .get(CONTENT_TYPE)
        .is_some_and(|value| !value.as_bytes().iter().all(u8::is_ascii_whitespace));
    if !declared {
        return Err(Problem::UnsupportedMediaTypeInBinding);
    }
    if !content_type_is_json(headers) {
        return Err(Problem::UnsupportedMediaType);
    }
    Ok(subscriber)
}

/// `POST /events/api/v1/subscriptions` with a read body.
pub(super) fn create(
    app: &App,
    subscriber: &Subscriber,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let request = SubscriptionRequest::bind(body).map_err(|error| Problem::BindingFailed {
        key: error.key,
        message: error.message,
    })?;
    let created = app
        .service
        .subscribe(request, subscriber)
        .map_err(refusal_problem)?;
    let mut response = with_body(StatusCode::CREATED, JSON, created.to_json());
    // Quirk: singular `subscription`, relative; following it is a 404 (in a namespace too).
    let location = format!("{}/events/api/v1/subscription/{}", app.prefix, created.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    Ok(response)
}

fn refusal_problem(refusal: Refusal) -> Problem {
    match refusal {
        Refusal::MissingScope => Problem::Bare(StatusCode::FORBIDDEN),
        Refusal::UnmappableAppResource => Problem::Unhandled(
            "the policy request cannot be built for an app resource without a second `_`".into(),
        ),
        Refusal::NotAuthorized(_) => Problem::Message {
            status: StatusCode::FORBIDDEN,
            message: refusal.message().unwrap_or_default(),
        },
        other => Problem::Message {
            status: StatusCode::BAD_REQUEST,
            message: other.message().unwrap_or_default(),
        },
    }
}

/// `GET /events/api/v1/subscriptions`: the caller's subscriptions.
pub(super) fn list(app: &App, headers: &HeaderMap) -> Result<HttpResponse, Problem> {
    let subscriber = subscriber(app, headers)?;
    let rows = app.service.subscriptions_of(subscriber.entity.as_deref());
    Ok(with_body(StatusCode::OK, JSON, list_json(&rows)))
}

/// `GET` or `DELETE /events/api/v1/subscriptions/{id}`.
pub(super) fn item(app: &App, parts: &Parts, id: &str) -> Result<HttpResponse, Problem> {
    let subscriber = subscriber(app, &parts.headers)?;
    // Model binding of an `int` route value: .NET's Int32Converter, as for query values
    // (surrounding white space, a sign, `0x`/`&h`/`#` hex); blank is the "invalid" message.
    let id = parse_int32(id).ok_or_else(|| Problem::BindingFailed {
        key: "id".into(),
        message: if id.trim().is_empty() {
            format!("The value '{id}' is invalid.")
        } else {
            format!("The value '{id}' is not valid.")
        },
    })?;
    let entity = subscriber.entity.as_deref();
    let access = |error: Access| match error {
        Access::NotFound => Problem::Bare(StatusCode::NOT_FOUND),
        Access::Forbidden => Problem::Bare(StatusCode::FORBIDDEN),
    };
    if parts.method == Method::DELETE {
        app.service
            .unsubscribe(i64::from(id), entity)
            .map_err(access)?;
        return Ok(empty(StatusCode::OK));
    }
    let row = app
        .service
        .subscription(i64::from(id), entity)
        .map_err(access)?;
    Ok(with_body(StatusCode::OK, JSON, row.to_json()))
}
