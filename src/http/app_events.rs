//! `GET /events/api/v1/app/{org}/{app}`: parse, run production's checks in order, render.

use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::http::request::Parts;
use hyper::{HeaderMap, StatusCode};

use super::App;
use super::credentials::token_from_headers;
use super::problem::{HttpResponse, Problem, with_body};
use crate::domain::auth::Caller;
use crate::domain::faults::PageFault;
use crate::domain::query::{
    self, QueryParams, is_valid_header_value, link_with, render_page, request_path,
};

const CLOUDEVENTS_JSON: &str = "application/cloudevents+json; charset=utf-8";

/// Answers one query for the events of app `org`/`app`; also says how many events the page
/// holds. `page_fault` is a fault rule's `drop_next`, `stale_next` or `empty_page`.
pub(super) fn query(
    app: &App,
    parts: &Parts,
    (org, name): (&str, &str),
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let headers = &parts.headers;
    // A: authentication runs before anything else.
    let caller = app
        .service
        .authenticate(token_from_headers(headers).as_deref())
        .map_err(|_| Problem::Unauthenticated)?;
    // [Consumes("application/json")] is a resource filter: after authorization, before binding.
    if !content_type_is_json(headers) {
        return Err(Problem::UnsupportedMediaType);
    }
    // B: model binding.
    let params = QueryParams::parse(parts.uri.query().unwrap_or_default());
    // Kestrel has already refused header values that are not UTF-8 (see `kestrel`).
    let person: Vec<&str> = headers
        .get_all("person")
        .iter()
        .filter_map(|value| std::str::from_utf8(value.as_bytes()).ok())
        .collect();
    let bound = query::bind(&params, &person).map_err(Problem::Validation)?;
    // C: the action's first statement.
    let caller_org = match caller {
        Caller::Token(principal) => principal.org.ok_or(Problem::OnlyOrgs)?,
        Caller::Anonymous => org.to_owned(),
    };
    // Rules 1–9, selection, the visibility lag and the authorization filter.
    let page = app.service.app_events((org, name), &bound, &caller_org)?;
    // What production answers when its authorization filter removes every event of a page.
    if page_fault == Some(PageFault::EmptyPage) {
        return Ok((with_body(StatusCode::OK, CLOUDEVENTS_JSON, &b"[]"[..]), 0));
    }

    let mut response = with_body(StatusCode::OK, CLOUDEVENTS_JSON, render_page(&page));
    let next_after = match page_fault {
        _ if page.is_empty() => None,
        Some(PageFault::DropNext) => None,
        // K events back from the last; K at least the page's length points where it began
        // (the request's own `after`, or none for a traversal begun with `from`).
        Some(PageFault::StaleNext(k)) => Some(match page.len().checked_sub(k.saturating_add(1)) {
            Some(index) => Some(page[index].event.id()),
            None => bound.after.as_deref(),
        }),
        _ => page.last().map(|last| Some(last.event.id())),
    };
    if let Some(after) = next_after {
        let base = app.base_url(headers);
        let link = link_with(&base, &request_path(parts.uri.path()), after, &params);
        // Kestrel refuses a header value outside visible ASCII, and production answers 500.
        let value = is_valid_header_value(&link)
            .then(|| HeaderValue::from_str(&link).ok())
            .flatten()
            .ok_or(Problem::Unhandled(
                "the next link is not a valid header value",
            ))?;
        response.headers_mut().insert("next", value);
    }
    Ok((response, page.len()))
}

/// No `Content-Type`, or `application/json`, or `application/*+json` (ASP.NET Core's subset
/// test against the action's `[Consumes("application/json")]`).
pub(super) fn content_type_is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return true;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    if text.trim().is_empty() {
        return true;
    }
    let media_type = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(content_type: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        content_type_is_json(&headers)
    }

    #[test]
    fn json_content_types_pass_the_consumes_filter() {
        assert!(content_type_is_json(&HeaderMap::new()));
        assert!(json("application/json"));
        assert!(json("Application/JSON; charset=utf-8"));
        assert!(json("application/cloudevents+json"));
        assert!(!json("text/plain"));
        assert!(!json("text/json"));
        assert!(!json("application/xml"));
        assert!(!json("*/*"));
        assert!(!json("garbage"));
    }
}
