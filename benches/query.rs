//! The cost of answering a query in-process: planning, selecting and rendering a page from a
//! store of 100 000 events, and appending. Run with `cargo bench --bench query`; the HTTP
//! round trip is measured by `scripts/load.sh`.

use std::sync::{Arc, OnceLock};

use altinn_events_mock::query::{EventQuery, QueryParams, bind, render_page};
use altinn_events_mock::{Event, EventStore, Registration};
use chrono::Utc;

fn main() {
    divan::main();
}

const EVENTS: usize = 100_000;
const APPS: [&str; 5] = ["apps-test", "skjema-a", "skjema-b", "skjema-c", "skjema-d"];
const TYPES: [&str; 4] = [
    "app.instance.created",
    "app.instance.process.movedTo.Task_1",
    "app.instance.process.completed",
    "app.instance.substatus.changed",
];

fn event(i: usize) -> Event {
    let app = APPS[i % APPS.len()];
    let party = 50_000_000 + (i * 7919) % 1000;
    Event::from_json(serde_json::json!({
        "specversion": "1.0",
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "time": "2026-10-01T12:00:00.1234567Z",
        "type": TYPES[(i / APPS.len()) % TYPES.len()],
        "source": format!("https://ttd.apps.tt02.altinn.no/ttd/{app}/instances/{party}/00000000-0000-4000-8000-{:012}", i / 4),
        "subject": format!("/party/{party}"),
        "alternativesubject": "/person/16035001577",
    }))
    .expect("valid event")
}

fn store() -> &'static EventStore {
    static STORE: OnceLock<EventStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let store = EventStore::new();
        store.append((0..EVENTS).map(event).collect(), Registration::BeforeStart);
        store
    })
}

fn answer(raw_query: &str) -> usize {
    let params = QueryParams::parse(raw_query);
    let bound = bind(&params, &[]).expect("binds");
    let query = EventQuery::plan("ttd", "apps-test", &bound, store()).expect("plans");
    let page = query.run(store(), "ttd", Some(Utc::now())).expect("runs");
    render_page(&page).len()
}

#[divan::bench]
fn page_of_50_after_an_id_mid_store() -> usize {
    answer(divan::black_box(
        "after=00000000-0000-4000-8000-000000050000",
    ))
}

#[divan::bench]
fn page_of_50_from_the_start() -> usize {
    answer(divan::black_box("from=2020-01-01Z"))
}

#[divan::bench]
fn page_of_50_for_one_party() -> usize {
    answer(divan::black_box("from=2020-01-01Z&party=50000007"))
}

#[divan::bench]
fn page_of_50_with_a_type_pattern() -> usize {
    answer(divan::black_box(
        "from=2020-01-01Z&type=app.instance.process.%25",
    ))
}

#[divan::bench]
fn page_of_1000() -> usize {
    answer(divan::black_box("from=2020-01-01Z&size=1000"))
}

#[divan::bench]
fn type_matching_nothing_scans_the_app() -> usize {
    answer(divan::black_box("from=2020-01-01Z&type=nothing"))
}

#[divan::bench(sample_count = 20)]
fn append_1000_events(bencher: divan::Bencher) {
    bencher
        .with_inputs(|| (EventStore::new(), (0..1000).map(event).collect::<Vec<_>>()))
        .bench_values(|(store, events)| store.append(events, Registration::BeforeStart).len());
}

#[divan::bench]
fn validate_and_render_one_event() -> Arc<Event> {
    Arc::new(event(divan::black_box(42)))
}
