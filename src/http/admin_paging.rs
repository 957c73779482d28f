//! The admin API's long lists in pages: `GET /_mock/events?after=SEQ&limit=N` (in sequence
//! order, with a `next` link while more follow) and `GET /_mock/requests?limit=N&before=ID`
//! (newest first). Without parameters a small store or journal answers as it always did,
//! whole; a store of millions answers its first page instead of half a gigabyte.

use hyper::StatusCode;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;

use super::App;
use super::problem::{HttpResponse, Problem, json_response, with_body};
use crate::domain::event::format_rfc3339;
use crate::domain::store::{Registration, StoredEvent};

/// Events in a page when no `limit` is given.
pub(super) const DEFAULT_EVENTS_LIMIT: usize = 10_000;

/// `GET /_mock/events`: up to `limit` events after sequence number `after`.
pub(super) fn events(app: &App, parts: &Parts) -> Result<HttpResponse, Problem> {
    let query = parts.uri.query().unwrap_or_default();
    let after = number(query, "after")?.unwrap_or(0);
    let limit = limit(query)?.unwrap_or(DEFAULT_EVENTS_LIMIT);
    let (page, more) = app.service.events_page(after, limit);
    let mut response = with_body(
        StatusCode::OK,
        "application/json; charset=utf-8",
        render_events(&page),
    );
    if let (true, Some(last)) = (more, page.last()) {
        let next = format!(
            "{}/_mock/events?after={}&limit={limit}",
            app.base_url(&parts.headers),
            last.sequence_number
        );
        if let Ok(next) = HeaderValue::from_str(&next) {
            response.headers_mut().insert("next", next);
        }
    }
    Ok(response)
}

/// `GET /_mock/requests`: up to `limit` journal entries older than entry `before`, newest
/// first (every kept entry without parameters).
pub(super) fn requests(app: &App, parts: &Parts) -> Result<HttpResponse, Problem> {
    let query = parts.uri.query().unwrap_or_default();
    let before = number(query, "before")?;
    let limit = limit(query)?.unwrap_or(usize::MAX);
    Ok(json_response(
        StatusCode::OK,
        &app.service.requests_page(limit, before),
    ))
}

/// Query parameter `name` as a whole number, if given.
fn number(query: &str, name: &str) -> Result<Option<u64>, Problem> {
    let Some(text) = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
    else {
        return Ok(None);
    };
    text.trim().parse().map(Some).map_err(|_| {
        Problem::MockBadRequest(format!("{name} must be a whole number, not {text:?}"))
    })
}

/// `limit`, from 1.
fn limit(query: &str) -> Result<Option<usize>, Problem> {
    match number(query, "limit")? {
        None => Ok(None),
        Some(0) => Err(Problem::MockBadRequest(
            "limit must be a whole number from 1, not \"0\"".into(),
        )),
        Some(limit) => Ok(Some(usize::try_from(limit).unwrap_or(usize::MAX))),
    }
}

/// Events with their sequence number and registration time (`null` for events loaded at
/// startup), each event as the query serves it.
fn render_events(events: &[StoredEvent]) -> Vec<u8> {
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
    body
}
