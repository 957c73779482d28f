//! `GET /events/api/v1/events`: generic events, as production's `EventsController.Get`
//! answers (contract `generic-events-query.md`, part I): authentication, the scope, the
//! content type, binding, rules 1–3 — every 400 served as `application/cloudevents+json` —
//! then the page and its `next` link with the appended `subject`.

use hyper::http::request::Parts;

use super::App;
use super::app_events::authenticate;
use super::media_type::content_type_is_json;
use super::page::page_answer;
use super::problem::{HttpResponse, Problem};
use crate::domain::auth::Caller;
use crate::domain::faults::PageFault;
use crate::domain::query::{
    GenericQuery, QueryError, QueryParams, bind_generic, generic_next_link, request_path,
};

/// The scope production's `ScopeEventsSubscribe` policy requires.
pub(super) const SUBSCRIBE_SCOPE: &str = "altinn:events.subscribe";

/// The header production reads the alternative subject from.
const ALTERNATIVE_SUBJECT_HEADER: &str = "Altinn-AlternativeSubject";

/// Answers one generic query; also says how many events the page holds.
pub(super) fn query(
    app: &App,
    parts: &Parts,
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let headers = &parts.headers;
    let caller = authenticate(app, headers)?;
    // S: the policy's scope requirement (the authorization middleware, before any filter).
    if let Caller::Token(principal) = &caller
        && !principal.has_scope(SUBSCRIBE_SCOPE)
    {
        return Err(Problem::Forbidden);
    }
    if !content_type_is_json(headers) {
        return Err(Problem::UnsupportedMediaType);
    }
    let params = QueryParams::parse(parts.uri.query().unwrap_or_default());
    // Kestrel has already refused header values that are not UTF-8 (see `kestrel`).
    let alternative: Vec<&str> = headers
        .get_all(ALTERNATIVE_SUBJECT_HEADER)
        .iter()
        .filter_map(|value| std::str::from_utf8(value.as_bytes()).ok())
        .collect();
    let bound = bind_generic(&params, &alternative).map_err(Problem::GenericValidation)?;
    let query = GenericQuery::plan(&bound).map_err(|error| match error {
        QueryError::Invalid(detail) => Problem::GenericBadRequest(detail),
        other => Problem::from(other),
    })?;
    let page = app.service.generic_events(&query, &caller);
    let base = app.base_url(headers);
    let path = request_path(parts.uri.path());
    page_answer(&page, bound.after.as_deref(), page_fault, |after| {
        generic_next_link((&base, &path), &params, &bound, after, &page)
    })
}
