//! `GET /events/api/v1/app/{org}/{app}`: parse, run production's checks in order, render.
//! Its authentication, binding and `next` link serve the party's query too (same controller).

use hyper::HeaderMap;
use hyper::http::request::Parts;

use super::App;
use super::credentials::token_from_headers;
use super::media_type::content_type_is_json;
use super::page::page_answer;
use super::problem::{HttpResponse, Problem};
use crate::domain::auth::Caller;
use crate::domain::faults::PageFault;
use crate::domain::query::{self, BoundQuery, QueryParams, link_with, request_path};
use crate::domain::store::StoredEvent;

/// Answers one query for the events of app `org`/`app`; also says how many events the page
/// holds. `page_fault` is a fault rule's `drop_next`, `stale_next` or `empty_page`.
pub(super) fn query(
    app: &App,
    parts: &Parts,
    (org, name): (&str, &str),
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let caller = authenticate(app, &parts.headers)?;
    let (params, bound) = bind_request(parts)?;
    // C: the action's first statement.
    let caller_org = match &caller {
        Caller::Token(principal) => principal.org.as_deref().ok_or(Problem::OnlyOrgs)?,
        Caller::Anonymous => org,
    };
    // Rules 1–9, selection, the visibility lag and the authorization filter.
    let page = app.service.app_events((org, name), &bound, caller_org)?;
    answer(app, parts, (&params, &bound), &page, page_fault)
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
        .get_all("person")
        .iter()
        .filter_map(|value| std::str::from_utf8(value.as_bytes()).ok())
        .collect();
    let bound = query::bind(&params, &person).map_err(Problem::Validation)?;
    Ok((params, bound))
}

/// The page with production's `SetNextLink`, which both app queries share: the query string
/// as sent (so the `person` header is never carried).
pub(super) fn answer(
    app: &App,
    parts: &Parts,
    (params, bound): (&QueryParams, &BoundQuery),
    page: &[StoredEvent],
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let base = app.base_url(&parts.headers);
    let path = request_path(parts.uri.path());
    page_answer(page, bound.after.as_deref(), page_fault, |after| {
        link_with(&base, &path, after, params)
    })
}
