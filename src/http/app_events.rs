//! `GET /events/api/v1/app/{org}/{app}`: parse, run production's checks in order, render.
//! Its authentication, binding and `next` link serve the party's query too (same controller).

use hyper::HeaderMap;
use hyper::header::{HOST, HeaderName, HeaderValue};
use hyper::http::request::Parts;

use super::App;
use super::credentials::token_from_headers;
use super::media_type::content_type_is_json;
use super::page::{kept_page_answer, rendered_page};
use super::problem::{HttpResponse, Problem};
use crate::domain::auth::Caller;
use crate::domain::faults::PageFault;
use crate::domain::query::{self, BoundQuery, QueryParams, link_with, request_path};
use crate::domain::store::StoredEvent;
use crate::service::KeptPage;

/// The header production reads a person's number from (a constant: naming a header by a
/// string parses the name on every lookup).
const PERSON: HeaderName = HeaderName::from_static("person");

/// Answers one query for the events of app `org`/`app`; also says how many events the page
/// holds. `page_fault` is a fault rule's `drop_next`, `stale_next` or `empty_page`.
///
/// A request asked before with the same key (see [`page_key`]) is answered with the page
/// kept then, as long as the core says the store and the visibility cut are unchanged: the
/// checks it passed then are pure functions of what the key holds, so it passes them again.
pub(super) fn query(
    app: &App,
    parts: &Parts,
    (org, name): (&str, &str),
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let caller = authenticate(app, &parts.headers)?;
    // An answer under a fault is its own; one without an org cannot be a page (below).
    let key = match (&caller, page_fault) {
        (Caller::Token(principal), None) if app.service.keeps_pages() => principal
            .org
            .as_deref()
            .map(|caller_org| page_key(parts, caller_org)),
        (Caller::Anonymous, None) if app.service.keeps_pages() => Some(page_key(parts, org)),
        _ => None,
    };
    if let Some(key) = &key
        && content_type_is_json(&parts.headers)
        && let Some(kept) = app.service.kept_app_page(key)
    {
        return Ok((kept_page_answer(&kept)?, kept.events));
    }
    let (params, bound) = bind_request(parts)?;
    // C: the action's first statement.
    let caller_org = match &caller {
        Caller::Token(principal) => principal.org.as_deref().ok_or(Problem::OnlyOrgs)?,
        Caller::Anonymous => org,
    };
    // Rules 1–9, selection, the visibility lag and the authorization filter.
    let (page, stamp) = app.service.app_events((org, name), &bound, caller_org)?;
    let rendered = rendered(app, parts, (&params, &bound), &page, page_fault)?;
    let response = kept_page_answer(&rendered)?;
    let events = rendered.events;
    if let Some(key) = key {
        app.service.keep_app_page(&key, stamp, rendered);
    }
    Ok((response, events))
}

/// All of a request the app owners' page depends on besides the store: the path and query
/// string as sent, the `person` headers, the caller's org and the `Host` header (the base of
/// the `next` link: the namespace's and `--base-url` are the same for every request this
/// core answers; a request without `Host` links to the listening address, one with an empty
/// `Host` to none). Each part is preceded by its length, and whether there was a `Host` is a
/// byte of its own, so that no two requests that could be answered differently share a key.
fn page_key(parts: &Parts, caller_org: &str) -> Vec<u8> {
    let host = parts.headers.get(HOST).map(HeaderValue::as_bytes);
    let person = parts.headers.get_all(&PERSON);
    let parts_of_key = [
        parts.uri.path().as_bytes(),
        parts.uri.query().unwrap_or_default().as_bytes(),
        caller_org.as_bytes(),
        host.unwrap_or_default(),
    ];
    let size = parts_of_key
        .iter()
        .map(|part| part.len() + 4)
        .sum::<usize>()
        + person.iter().map(|value| value.len() + 4).sum::<usize>();
    let mut key = Vec::with_capacity(1 + size);
    key.push(u8::from(host.is_some()));
    for part in parts_of_key
        .into_iter()
        .chain(person.iter().map(|value| value.as_bytes()))
    {
        // A part longer than 4 GiB cannot come in a request head.
        key.extend_from_slice(&(part.len() as u32).to_le_bytes());
        key.extend_from_slice(part);
    }
    key
}

/// A: authentication runs before anything else.
pub(super) fn authenticate(app: &App, headers: &HeaderMap) -> Result<Caller, Problem> {
    app.service
        .authenticate(token_from_headers(headers).as_deref())
        .map_err(|_| Problem::Unauthenticated)
}

/// The content type, then B: model binding of the query and the `person` header — what both
/// app queries share.
pub(super) fn bind_request(parts: &Parts) -> Result<(QueryParams, BoundQuery), Problem> {
    let headers = &parts.headers;
    // [Consumes("application/json")] is a resource filter: after authorization, before binding.
    if !content_type_is_json(headers) {
        return Err(Problem::UnsupportedMediaType);
    }
    let params = QueryParams::parse(parts.uri.query().unwrap_or_default());
    // Kestrel has already refused header values that are not UTF-8 (see `kestrel`).
    let person: Vec<&str> = headers
        .get_all(&PERSON)
        .iter()
        .filter_map(|value| std::str::from_utf8(value.as_bytes()).ok())
        .collect();
    let bound = query::bind(&params, &person).map_err(Problem::Validation)?;
    Ok((params, bound))
}

/// The answer for `page`, which both app queries share (see [`rendered`]).
pub(super) fn answer(
    app: &App,
    parts: &Parts,
    query: (&QueryParams, &BoundQuery),
    page: &[StoredEvent],
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let rendered = rendered(app, parts, query, page, page_fault)?;
    Ok((kept_page_answer(&rendered)?, rendered.events))
}

/// The page with production's `SetNextLink`: the query string as sent (so the `person`
/// header is never carried).
fn rendered(
    app: &App,
    parts: &Parts,
    (params, bound): (&QueryParams, &BoundQuery),
    page: &[StoredEvent],
    page_fault: Option<PageFault>,
) -> Result<KeptPage, Problem> {
    let base = app.base_url(&parts.headers);
    let path = request_path(parts.uri.path());
    rendered_page(page, bound.after.as_deref(), page_fault, |after| {
        link_with(&base, &path, after, params)
    })
}
