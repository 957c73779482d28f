//! `GET /events/api/v1/app/party`: the app events a party may read, as production's
//! `AppController.GetForParty` answers (contract `app-party-query.md`). Authentication,
//! binding and the `next` link are the app owners' query's; there is no org check (rule C),
//! and rule 8 (a subject is required) and the `source` filter are the service's.

use hyper::http::request::Parts;

use super::App;
use super::app_events::{answer, authenticate, bind_request};
use super::problem::{HttpResponse, Problem};
use crate::domain::faults::PageFault;

/// Answers one party query; also says how many events the page holds.
pub(super) fn query(
    app: &App,
    parts: &Parts,
    page_fault: Option<PageFault>,
) -> Result<(HttpResponse, usize), Problem> {
    let caller = authenticate(app, &parts.headers)?;
    let (params, bound) = bind_request(parts)?;
    let page = app.service.party_events(&bound, &caller)?;
    answer(app, parts, (&params, &bound), &page, page_fault)
}
