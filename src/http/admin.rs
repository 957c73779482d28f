//! `/_mock`: the powers of the Rust helper for CLI users and other languages — put events in,
//! read what clients asked, move the clock, reset — plus a token minter and a health check.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::App;
use super::problem::{HttpResponse, JSON, Problem, empty, json_response, with_body};
use super::router::AdminEndpoint;
use crate::domain::auth::TokenRequest;
use crate::domain::event::format_rfc3339;
use crate::domain::fixtures::{self, Format};
use crate::domain::units::parse_duration;

/// Refuses the request unless it may use `endpoint`: with `--no-admin` everything but token
/// and health is a 404, and with `--admin-token` it needs that bearer token.
pub(super) fn admit(app: &App, endpoint: &AdminEndpoint, parts: &Parts) -> Result<(), Problem> {
    if endpoint.is_open() {
        return Ok(());
    }
    if !app.settings.admin {
        return Err(Problem::NoSuchPath);
    }
    if let Some(secret) = &app.settings.admin_token {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        if presented != Some(secret.as_str()) {
            return Err(Problem::AdminUnauthorized);
        }
    }
    Ok(())
}

/// Whether `endpoint` needs the request body.
pub(super) fn wants_body(endpoint: &AdminEndpoint, method: &Method) -> bool {
    method == Method::POST
        && matches!(
            endpoint,
            AdminEndpoint::Events
                | AdminEndpoint::Clock
                | AdminEndpoint::Live
                | AdminEndpoint::Faults
                | AdminEndpoint::Subscriptions
                | AdminEndpoint::Grants
                | AdminEndpoint::Namespaces
        )
}

/// Answers an admitted request to `endpoint`.
pub(super) async fn answer(
    app: &App,
    endpoint: AdminEndpoint,
    parts: &Parts,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let service = &app.service;
    match (&endpoint, &parts.method) {
        (AdminEndpoint::Token, &Method::GET) => {
            mint_token(app, parts.uri.query().unwrap_or_default())
        }
        (AdminEndpoint::Health, &Method::GET) => Ok(health(app)),
        (AdminEndpoint::OpenApi, &Method::GET) => Ok(with_body(
            StatusCode::OK,
            "application/json",
            super::openapi::document_for(&app.base_url(&parts.headers), &app.openapi_served()),
        )),
        (AdminEndpoint::Events, &Method::GET) => super::admin_paging::events(app, parts),
        (AdminEndpoint::Events, &Method::POST) => store_events(app, parts, body),
        (AdminEndpoint::Events, &Method::DELETE) => {
            service.clear_events();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (AdminEndpoint::Requests, &Method::GET) => super::admin_paging::requests(app, parts),
        (AdminEndpoint::Requests, &Method::DELETE) => {
            service.clear_requests();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (AdminEndpoint::Clock, &Method::GET) => Ok(clock_response(app)),
        (AdminEndpoint::Clock, &Method::POST) => set_clock(app, body).await,
        (AdminEndpoint::Reset, &Method::POST) => {
            service.reset();
            Ok(health(app))
        }
        (AdminEndpoint::Live, _) => super::admin_live::answer(app, &endpoint, &parts.method, body),
        (AdminEndpoint::Faults | AdminEndpoint::Fault(_), _) => {
            super::admin_faults::answer(app, &endpoint, &parts.method, body)
        }
        (
            AdminEndpoint::Subscriptions
            | AdminEndpoint::ValidateSubscription(_)
            | AdminEndpoint::Deliveries
            | AdminEndpoint::RetryDelivery(_),
            _,
        ) => super::admin_push::answer(app, &endpoint, parts, body),
        (AdminEndpoint::Grants, _) => super::admin_grants::answer(app, &parts.method, body),
        (AdminEndpoint::Namespaces | AdminEndpoint::Namespace(_), _) => {
            super::admin_namespaces::answer(app, &endpoint, parts, body).await
        }
        _ => Err(Problem::MethodNotAllowed {
            allow: endpoint.allowed(),
        }),
    }
}

/// `{"status":"ok","events":N,"droppedLogLines":K}`, in that order.
fn health(app: &App) -> HttpResponse {
    let body = format!(
        "{{\"status\":\"ok\",\"events\":{},\"droppedLogLines\":{}}}",
        app.service.event_count(),
        app.settings.dropped_log_lines.load(Ordering::Relaxed)
    );
    with_body(StatusCode::OK, JSON, body)
}

fn mint_token(app: &App, raw_query: &str) -> Result<HttpResponse, Problem> {
    let request =
        TokenRequest::from_query(raw_query).map_err(|e| Problem::MockBadRequest(e.to_string()))?;
    let token = app
        .service
        .mint(&request)
        .map_err(|e| Problem::MockBadRequest(e.to_string()))?;
    Ok(with_body(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        token,
    ))
}

/// `POST /_mock/events`: a JSON array, one event, `{"events", "parties"}`, or NDJSON; all
/// stored or none.
fn store_events(app: &App, parts: &Parts, body: &Bytes) -> Result<HttpResponse, Problem> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Problem::MockBadRequest("the body is not UTF-8".into()))?;
    let declared_ndjson = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains("ndjson"));
    let origin = std::path::Path::new("request body");
    let format = if declared_ndjson || looks_like_ndjson(text) {
        Format::Ndjson
    } else {
        Format::Json
    };
    let fixtures = fixtures::parse_as(origin, text, format).map_err(|error| {
        let place = match error.location {
            fixtures::FixtureLocation::File => String::new(),
            location => format!("{location}: "),
        };
        Problem::MockBadRequest(format!("{place}{}; nothing was stored", error.message))
    })?;
    let sequence_numbers = app.service.publish_fixtures(fixtures)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "sequenceNumbers": sequence_numbers }),
    ))
}

/// Several lines that each hold an object: NDJSON, even without its content type.
fn looks_like_ndjson(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines.len() > 1 && lines.iter().all(|line| line.starts_with('{'))
}

fn clock_response(app: &App) -> HttpResponse {
    json_response(
        StatusCode::OK,
        &json!({ "now": format_rfc3339(app.service.now()) }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    advance: Option<String>,
    now: Option<DateTime<Utc>>,
}

/// `{"advance": "30s"}` (a leading `-` goes back) or `{"now": "2024-03-01T12:00:00Z"}`; every
/// webhook attempt that became due is made before the answer.
async fn set_clock(app: &App, body: &Bytes) -> Result<HttpResponse, Problem> {
    let change: ClockChange = serde_json::from_slice(body).map_err(|e| {
        Problem::MockBadRequest(format!(
            "expected {{\"advance\": \"30s\"}} or {{\"now\": \"2024-03-01T12:00:00Z\"}}: {e}"
        ))
    })?;
    let settle = match (change.advance, change.now) {
        (Some(advance), None) => app.service.advance_clock(signed_duration(&advance)?),
        (None, Some(now)) => app
            .service
            .set_clock(now)
            .map_err(|error| Problem::MockBadRequest(error.to_string()))?,
        _ => {
            return Err(Problem::MockBadRequest(
                "give exactly one of \"advance\" and \"now\"".into(),
            ));
        }
    };
    if let Some(settle) = settle {
        app.service.settle(settle).await;
    }
    Ok(clock_response(app))
}

fn signed_duration(text: &str) -> Result<TimeDelta, Problem> {
    let (negative, magnitude) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let duration = parse_duration(magnitude).map_err(Problem::MockBadRequest)?;
    let delta = TimeDelta::from_std(duration)
        .map_err(|_| Problem::MockBadRequest("advance is too large".into()))?;
    Ok(if negative { -delta } else { delta })
}
