//! Not part of the API: the in-process paths the micro-benchmarks in `benches/` time, which
//! the public API reaches only over HTTP. Hidden from the docs; may change at any time.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::event::{Event, ReadAccess};
use crate::domain::generate::{FixtureFormat, GeneratorError, GeneratorOptions, generate_to};
use crate::domain::query::{EventQuery, QueryParams, bind, render_page};
use crate::domain::store::{EventStore, Registration};

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
    pub fn answer(&self, (org, app): (&str, &str), raw_query: &str) -> usize {
        let params = QueryParams::parse(raw_query);
        let bound = bind(&params, &[]).expect("binds");
        let query = EventQuery::plan(org, app, &bound, &self.store).expect("plans");
        let page = query
            .run(&self.store, Some(Utc::now()), |stored| {
                matches!(stored.event.read_access(), ReadAccess::Org(owner) if owner == org)
            })
            .expect("runs");
        render_page(&page).len()
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
    let (events, _) = crate::domain::generate::generate(options, count)?;
    Ok(QueryBench::new(events))
}

/// Writes `count` generated events as a JSON fixture to `out`, as `generate -n` does.
pub fn write_fixture(
    options: &GeneratorOptions,
    count: usize,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    generate_to(options, count, FixtureFormat::Json, out)
}
