//! Not part of the API: the in-process paths the micro-benchmarks in `benches/` time, which
//! the public API reaches only over HTTP. Hidden from the docs; may change at any time.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::auth::{Access, Principal};
use crate::domain::event::{Event, ReadAccess};
use crate::domain::generate::{FixtureFormat, GeneratorError, GeneratorOptions, generate_to};
use crate::domain::query::{
    EventQuery, GenericQuery, PartyReader, QueryParams, bind, bind_generic, render_page,
};
use crate::domain::store::{EventStore, Registration};

/// The worker threads the server takes by default (`--workers`), for a baseline that must
/// run on as many (`examples/bare_hyper.rs`).
pub fn default_workers() -> usize {
    crate::http::default_workers()
}

/// A store filled once, queried many times.
#[derive(Debug)]
pub struct QueryBench {
    store: EventStore,
}

impl QueryBench {
    /// A store holding `events`, registered before the start.
    pub fn new(events: Vec<Event>) -> QueryBench {
        let mut store = EventStore::default();
        store.append_all(events.into_iter().map(Arc::new), Registration::BeforeStart);
        QueryBench { store }
    }

    /// How many events it holds.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// Answers `raw_query` for `org`/`app` as org `org` (binding, rules, selection, the
    /// authorization filter, rendering); the page's length in bytes. Panics on a query that
    /// production would refuse.
    pub fn answer(&self, org_app: (&str, &str), raw_query: &str) -> usize {
        self.answer_as(org_app, raw_query, None)
    }

    /// As [`answer`](Self::answer), with a `person` header if given.
    pub fn answer_as(
        &self,
        (org, app): (&str, &str),
        raw_query: &str,
        person: Option<&str>,
    ) -> usize {
        let params = QueryParams::parse(raw_query);
        let header: Vec<&str> = person.into_iter().collect();
        let bound = bind(&params, &header).expect("binds");
        let query = EventQuery::plan(org, app, &bound, &self.store).expect("plans");
        let page = query
            .run(&self.store, Some(Utc::now()), |stored| {
                matches!(stored.event.read_access(), ReadAccess::Org(owner) if owner == org)
            })
            .expect("runs");
        render_page(&page).len()
    }

    /// Answers `raw_query` of `GET /events/api/v1/app/party` as a person acting as party
    /// `caller_party` (binding, rules, selection, the stand-in filter, rendering); the page's
    /// length in bytes. Panics on a query that production would refuse.
    pub fn answer_party(&self, raw_query: &str, caller_party: u32) -> usize {
        let params = QueryParams::parse(raw_query);
        let bound = bind(&params, &[]).expect("binds");
        let query = EventQuery::plan_for_party(&bound, &self.store).expect("plans");
        let caller = Principal {
            party_id: Some(caller_party),
            ..Principal::default()
        };
        let access = Access::default();
        let reader = PartyReader {
            caller: &caller,
            own_party: caller.party_id,
            access: &access,
        };
        let page = query
            .run(&self.store, Some(Utc::now()), |stored| {
                reader.permits(stored)
            })
            .expect("runs");
        render_page(&page).len()
    }

    /// Answers `raw_query` of `GET /events/api/v1/events`, with an `Altinn-AlternativeSubject`
    /// header if given, every event permitted, the per-event visibility lag at now; the page's
    /// length in bytes. Panics on a query that production would refuse.
    pub fn answer_generic(&self, raw_query: &str, alternative_subject: Option<&str>) -> usize {
        let params = QueryParams::parse(raw_query);
        let header: Vec<&str> = alternative_subject.into_iter().collect();
        let bound = bind_generic(&params, &header).expect("binds");
        let query = GenericQuery::plan(&bound).expect("plans");
        let page = query.run(&self.store, Some(Utc::now()), |_| true);
        render_page(&page).len()
    }

    /// The event stored at `index` (from 0), to pick real ids, subjects and sources from.
    pub fn event_at(&self, index: usize) -> Option<&Event> {
        self.store.events().get(index).map(|stored| &*stored.event)
    }

    /// Appends `events` registered now; how many were new.
    pub fn append(&mut self, events: Vec<Event>) -> usize {
        let registered = Registration::At(Utc::now());
        self.store
            .append_all(events.into_iter().map(Arc::new), registered)
            .iter()
            .flatten()
            .count()
    }
}

/// Generates `count` events with `options` and stores them, as `--generate` does at start.
pub fn generate_and_store(
    options: &GeneratorOptions,
    count: usize,
) -> Result<QueryBench, GeneratorError> {
    Ok(QueryBench::new(generate_events(options, count)?))
}

/// Generates `count` events with `options`.
pub fn generate_events(
    options: &GeneratorOptions,
    count: usize,
) -> Result<Vec<Event>, GeneratorError> {
    let (events, _) = crate::domain::generate::generate(options, count)?;
    Ok(events)
}

/// Writes `count` generated events as a JSON fixture to `out`, as `generate -n` does.
pub fn write_fixture(
    options: &GeneratorOptions,
    count: usize,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    generate_to(options, count, FixtureFormat::Json, out)
}
