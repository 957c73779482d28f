//! `/_mock`: the powers of the Rust helper for CLI users and other languages — put events in,
//! read what clients asked, move the clock, reset — plus a token minter and a health check.

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use std::sync::Arc;

use super::problem::{HttpResponse, Problem, empty, with_body};
use super::{AppState, LiveFeed};
use crate::auth::TokenRequest;
use crate::event::format_rfc3339;
use crate::fixtures::{self, Format};
use crate::store::Registration;
use crate::units::Rate;
use crate::units::parse_duration;

/// The endpoints under `/_mock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockRoute {
    /// `/_mock/token`: always served.
    Token,
    /// `/_mock/health`: always served.
    Health,
    /// `/_mock/events`.
    Events,
    /// `/_mock/requests`.
    Requests,
    /// `/_mock/clock`.
    Clock,
    /// `/_mock/reset`.
    Reset,
    /// `/_mock/openapi.json`.
    OpenApi,
    /// `/_mock/live`.
    Live,
    /// `/_mock/faults`.
    Faults,
    /// `/_mock/faults/{id}`.
    Fault(u64),
}

/// The OpenAPI 3.1 description of the faked endpoints and of `/_mock`.
const OPENAPI: &str = include_str!("openapi.json");

impl MockRoute {
    /// The endpoint named `name` (the segment after `/_mock/`).
    pub fn named(name: &str) -> Option<MockRoute> {
        Some(match name {
            "token" => MockRoute::Token,
            "health" => MockRoute::Health,
            "events" => MockRoute::Events,
            "requests" => MockRoute::Requests,
            "clock" => MockRoute::Clock,
            "reset" => MockRoute::Reset,
            "openapi.json" => MockRoute::OpenApi,
            "live" => MockRoute::Live,
            "faults" => MockRoute::Faults,
            _ => return None,
        })
    }

    /// `/_mock/faults/{id}`, or `None` for an id that is not a number (a 404).
    pub fn fault(id: &str) -> Option<MockRoute> {
        id.parse().ok().map(MockRoute::Fault)
    }

    /// The fault endpoints, which no fault rule touches.
    pub fn is_faults(self) -> bool {
        matches!(self, MockRoute::Faults | MockRoute::Fault(_))
    }

    /// Token and health stay open with `--no-admin` and `--admin-token`.
    fn is_open(self) -> bool {
        matches!(self, MockRoute::Token | MockRoute::Health)
    }

    /// The methods the endpoint answers, for the 405's `Allow`.
    pub(super) fn allowed(self) -> &'static str {
        match self {
            MockRoute::Token | MockRoute::Health | MockRoute::OpenApi => "GET",
            MockRoute::Events => "GET, POST, DELETE",
            MockRoute::Requests => "GET, DELETE",
            MockRoute::Clock => "GET, POST",
            MockRoute::Reset => "POST",
            MockRoute::Live | MockRoute::Faults => "GET, POST, DELETE",
            MockRoute::Fault(_) => "GET, DELETE",
        }
    }
}

/// Whether the request may use `route` at all: `Ok(false)` hides it (`--no-admin`).
pub fn admit(state: &AppState, route: MockRoute, parts: &Parts) -> Result<(), Problem> {
    if route.is_open() {
        return Ok(());
    }
    if !state.admin.enabled {
        return Err(Problem::NoSuchPath);
    }
    if let Some(secret) = &state.admin.token {
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

/// Whether `route` needs the request body.
pub fn wants_body(route: MockRoute, method: &Method) -> bool {
    method == Method::POST
        && matches!(
            route,
            MockRoute::Events | MockRoute::Clock | MockRoute::Live | MockRoute::Faults
        )
}

/// Answers an admitted request to `route`.
pub fn answer(
    state: &Arc<AppState>,
    route: MockRoute,
    parts: &Parts,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let method = &parts.method;
    match (route, method) {
        (MockRoute::Token, &Method::GET) => {
            mint_token(state, parts.uri.query().unwrap_or_default())
        }
        (MockRoute::Health, &Method::GET) => Ok(health(state)),
        (MockRoute::OpenApi, &Method::GET) => {
            Ok(with_body(StatusCode::OK, "application/json", OPENAPI))
        }
        (MockRoute::Events, &Method::GET) => Ok(list_events(state)),
        (MockRoute::Events, &Method::POST) => store_events(state, parts, body),
        (MockRoute::Events, &Method::DELETE) => {
            state.store.clear();
            state.live.restart_fresh();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (MockRoute::Requests, &Method::GET) => {
            let mut entries = state.journal.entries();
            entries.reverse();
            Ok(json_response(StatusCode::OK, &entries))
        }
        (MockRoute::Requests, &Method::DELETE) => {
            state.journal.clear();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (MockRoute::Clock, &Method::GET) => Ok(clock_response(state)),
        (MockRoute::Clock, &Method::POST) => set_clock(state, body),
        (MockRoute::Reset, &Method::POST) => {
            state.reset();
            Ok(health(state))
        }
        (MockRoute::Live, &Method::GET) => Ok(json_response(StatusCode::OK, &state.live.status())),
        (MockRoute::Live, &Method::POST) => start_live(state, body),
        (MockRoute::Live, &Method::DELETE) => {
            state.live.stop();
            Ok(json_response(StatusCode::OK, &state.live.status()))
        }
        (MockRoute::Faults | MockRoute::Fault(_), _) => {
            super::admin_faults::answer(state, route, method, body)
        }
        _ => Err(Problem::MethodNotAllowed {
            allow: route.allowed(),
        }),
    }
}

pub(super) fn json_response(status: StatusCode, value: &impl serde::Serialize) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    with_body(status, "application/json; charset=utf-8", body)
}

/// `{"status":"ok","events":N}`, in that order.
fn health(state: &AppState) -> HttpResponse {
    let body = format!("{{\"status\":\"ok\",\"events\":{}}}", state.store.len());
    with_body(StatusCode::OK, "application/json; charset=utf-8", body)
}

fn mint_token(state: &AppState, raw_query: &str) -> Result<HttpResponse, Problem> {
    let request = TokenRequest::from_query(raw_query).map_err(|e| Problem::MockBadRequest(e.0))?;
    let token = state
        .auth
        .mint(&request)
        .map_err(|e| Problem::MockBadRequest(e.0))?;
    Ok(with_body(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        token,
    ))
}

/// Every stored event with its sequence number and registration time (`null` for events
/// loaded at startup), the event itself as the query serves it.
fn list_events(state: &AppState) -> HttpResponse {
    let events = state.store.events();
    let mut body = Vec::with_capacity(
        events
            .iter()
            .map(|e| e.event.json_bytes().len() + 80)
            .sum::<usize>()
            + 2,
    );
    body.push(b'[');
    for (i, stored) in events.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let registered = match stored.registered {
            Registration::BeforeStart => "null".to_owned(),
            Registration::At(time) => format!("\"{}\"", format_rfc3339(time)),
        };
        body.extend_from_slice(
            format!(
                "{{\"sequenceNumber\":{},\"registeredAt\":{registered},\"event\":",
                stored.sequence_number
            )
            .as_bytes(),
        );
        body.extend_from_slice(stored.event.json_bytes());
        body.push(b'}');
    }
    body.push(b']');
    with_body(StatusCode::OK, "application/json; charset=utf-8", body)
}

/// `POST /_mock/events`: a JSON array, one event, `{"events", "parties"}`, or NDJSON; all
/// stored or none.
fn store_events(state: &AppState, parts: &Parts, body: &Bytes) -> Result<HttpResponse, Problem> {
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
    let parsed = fixtures::parse_as(origin, text, format);
    let fixtures = parsed.map_err(|error| {
        let place = if error.location.is_empty() {
            String::new()
        } else {
            format!("{}: ", error.location)
        };
        Problem::MockBadRequest(format!("{place}{}; nothing was stored", error.message))
    })?;
    for (identifier, party_id) in fixtures.parties {
        state.store.add_party(identifier, party_id);
    }
    let sequence_numbers = state.store.append_now(fixtures.events, &state.clock);
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveChange {
    rate: String,
}

/// `{"rate": "10/s"}`: starts the live feed, or changes its rate.
fn start_live(state: &Arc<AppState>, body: &Bytes) -> Result<HttpResponse, Problem> {
    let change: LiveChange = serde_json::from_slice(body)
        .map_err(|e| Problem::MockBadRequest(format!("expected {{\"rate\": \"10/s\"}}: {e}")))?;
    let rate: Rate = change.rate.parse().map_err(Problem::MockBadRequest)?;
    LiveFeed::start(state, rate, &tokio::runtime::Handle::current())
        .map_err(Problem::MockBadRequest)?;
    Ok(json_response(StatusCode::OK, &state.live.status()))
}

fn clock_response(state: &AppState) -> HttpResponse {
    json_response(
        StatusCode::OK,
        &json!({ "now": format_rfc3339(state.clock.now()) }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    advance: Option<String>,
    now: Option<DateTime<Utc>>,
}

/// `{"advance": "30s"}` (a leading `-` goes back) or `{"now": "2024-03-01T12:00:00Z"}`.
fn set_clock(state: &AppState, body: &Bytes) -> Result<HttpResponse, Problem> {
    let change: ClockChange = serde_json::from_slice(body).map_err(|e| {
        Problem::MockBadRequest(format!(
            "expected {{\"advance\": \"30s\"}} or {{\"now\": \"2024-03-01T12:00:00Z\"}}: {e}"
        ))
    })?;
    match (change.advance, change.now) {
        (Some(advance), None) => state.clock.advance(signed_duration(&advance)?),
        (None, Some(now)) if (crate::clock::earliest()..=crate::clock::latest()).contains(&now) => {
            state.clock.set(now)
        }
        (None, Some(now)) => {
            return Err(Problem::MockBadRequest(format!(
                "{} is outside what production can hold (years 1 to 9999)",
                format_rfc3339(now)
            )));
        }
        _ => {
            return Err(Problem::MockBadRequest(
                "give exactly one of \"advance\" and \"now\"".into(),
            ));
        }
    }
    Ok(clock_response(state))
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
