//! Not part of the API: the pure entry points the `cargo fuzz` targets in `fuzz/` drive (the
//! query-string binder and the fixture loader), which the public API reaches only over HTTP
//! or at start. Hidden from the docs; may change at any time. Each function must return for
//! every input: a panic is a bug the fuzzer reports.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::Utc;

use crate::domain::event::{Event, ReadAccess};
use crate::domain::fixtures::{Format, parse_as};
use crate::domain::query::{EventQuery, QueryParams, bind, link_with, render_page};
use crate::domain::store::{EventStore, Registration};

/// A small store of the demo data, built once.
fn store() -> &'static EventStore {
    static STORE: OnceLock<EventStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut store = EventStore::default();
        let demo = crate::domain::fixtures::demo().map(|fixtures| fixtures.events);
        let events = demo.unwrap_or_default().into_iter().map(Arc::new);
        store.append_all(events, Registration::BeforeStart);
        store
    })
}

/// Answers `raw_query` (and the `person` header values) for `ttd/apps-test` as the query
/// endpoint does: parsing, binding, the rules, selection, rendering and the `next` link.
/// Returns the page's length in bytes, or 0 for a refusal.
pub fn query_string(raw_query: &str, person_header: &[&str]) -> usize {
    let params = QueryParams::parse(raw_query);
    let Ok(bound) = bind(&params, person_header) else {
        return 0;
    };
    let store = store();
    let Ok(query) = EventQuery::plan("ttd", "apps-test", &bound, store) else {
        return 0;
    };
    let Ok(page) = query.run(
        store,
        Some(Utc::now()),
        |stored| matches!(stored.event.read_access(), ReadAccess::Org(owner) if owner == "ttd"),
    ) else {
        return 0;
    };
    let link = page.last().map_or(0, |last| {
        link_with(
            "http://127.0.0.1:5080",
            "/events/api/v1/app/ttd/apps-test",
            Some(last.event.id()),
            &params,
        )
        .len()
    });
    render_page(&page).len() + link
}

/// Loads `text` as a fixture file in both formats (JSON and NDJSON), as `--fixtures` and
/// `POST /_mock/events` do; how many events loaded.
pub fn fixture(text: &str) -> usize {
    let origin = Path::new("fuzz input");
    [Format::Json, Format::Ndjson]
        .into_iter()
        .filter_map(|format| parse_as(origin, text, format).ok())
        .map(|fixtures| {
            fixtures
                .events
                .iter()
                .filter(|event: &&Event| !event.json_bytes().is_empty())
                .count()
        })
        .sum()
}
