//! The answer every query endpoint gives a page of events: `200`, the CloudEvents array, and
//! production's `next` header on a non-empty page — as a page fault (`drop_next`,
//! `stale_next`, `empty_page`) changes it.

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue};

use super::problem::{HttpResponse, Problem, with_body};
use crate::domain::faults::PageFault;
use crate::domain::query::{is_valid_header_value, render_page};
use crate::domain::store::StoredEvent;
use crate::service::KeptPage;

/// Production's `next` header (a constant: naming a header that is not a standard one by a
/// string costs an allocation on every response).
pub(super) const NEXT: HeaderName = HeaderName::from_static("next");

/// What production serves a page as, whatever `Accept` says.
pub(super) const CLOUDEVENTS_JSON: &str = "application/cloudevents+json; charset=utf-8";

/// The response for `page` and how many events it holds. `request_after` is the request's own
/// `after`; `next_link(after)` writes the endpoint's link continuing after event id `after`
/// (`None`: without `after`, where a fault's stale link points at the start of a traversal
/// begun with `from`).
pub(super) fn page_answer(
    page: &[StoredEvent],
    request_after: Option<&str>,
    page_fault: Option<PageFault>,
    next_link: impl FnOnce(Option<&str>) -> String,
) -> Result<(HttpResponse, usize), Problem> {
    let rendered = rendered_page(page, request_after, page_fault, next_link)?;
    Ok((kept_page_answer(&rendered)?, rendered.events))
}

/// What [`page_answer`] sends for `page`: the body, the `next` link, the number of events.
pub(super) fn rendered_page(
    page: &[StoredEvent],
    request_after: Option<&str>,
    page_fault: Option<PageFault>,
    next_link: impl FnOnce(Option<&str>) -> String,
) -> Result<KeptPage, Problem> {
    // What production answers when its authorization filter removes every event of a page.
    if page_fault == Some(PageFault::EmptyPage) {
        return Ok(KeptPage {
            body: Bytes::from_static(b"[]"),
            next: None,
            events: 0,
        });
    }
    let next_after = match page_fault {
        _ if page.is_empty() => None,
        Some(PageFault::DropNext) => None,
        // K events back from the last; K at least the page's length points where it began
        // (the request's own `after`, or none for a traversal begun with `from`).
        Some(PageFault::StaleNext(k)) => Some(match page.len().checked_sub(k.saturating_add(1)) {
            Some(index) => Some(page[index].event.id()),
            None => request_after,
        }),
        _ => page.last().map(|last| Some(last.event.id())),
    };
    let next = match next_after {
        None => None,
        Some(after) => {
            let link = next_link(after);
            // Kestrel refuses a header value outside visible ASCII, and production answers 500.
            if !is_valid_header_value(&link) {
                return Err(unsendable(&link));
            }
            Some(Bytes::from(link))
        }
    };
    Ok(KeptPage {
        body: render_page(page),
        next,
        events: page.len(),
    })
}

/// The response for a rendered page; its body is shared, not copied.
pub(super) fn kept_page_answer(page: &KeptPage) -> Result<HttpResponse, Problem> {
    let mut response = with_body(StatusCode::OK, CLOUDEVENTS_JSON, page.body.clone());
    if let Some(link) = &page.next {
        let value = HeaderValue::from_maybe_shared(link.clone())
            .map_err(|_| unsendable(&String::from_utf8_lossy(link)))?;
        response.headers_mut().insert(NEXT, value);
    }
    Ok(response)
}

fn unsendable(link: &str) -> Problem {
    Problem::Unhandled(format!("the next link {link:?} cannot be a header value").into())
}
