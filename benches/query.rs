//! The cost of answering a query in-process: planning, selecting and rendering a page from a
//! store of 100 000 events, and appending. Run with `cargo bench --bench query`; the HTTP
//! round trip is measured by `scripts/load.sh`.

use std::sync::OnceLock;

use altinn_events_mock::Event;
use altinn_events_mock::bench_support::QueryBench;

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

fn store() -> &'static QueryBench {
    static STORE: OnceLock<QueryBench> = OnceLock::new();
    STORE.get_or_init(|| QueryBench::new((0..EVENTS).map(event).collect()))
}

fn answer(raw_query: &str) -> usize {
    store().answer(("ttd", "apps-test"), raw_query)
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
        .with_inputs(|| {
            (
                QueryBench::new(Vec::new()),
                (0..1000).map(event).collect::<Vec<_>>(),
            )
        })
        .bench_values(|(mut store, events)| store.append(events));
}

#[divan::bench]
fn validate_and_render_one_event() -> Event {
    event(divan::black_box(42))
}
