//! The cost of answering the app owners' query in-process (binding, rules, selection, the
//! authorization filter, rendering), for every query shape, in stores of 10 000, 100 000 and
//! 1 000 000 events generated as `--generate` makes them (one org, three apps, 100 parties):
//! a page must cost the same in all three. Run with `cargo bench --bench query`; the HTTP
//! round trip is measured by `scripts/bench-compare.sh`.

use std::sync::OnceLock;

use altinn_events_mock::bench_support::{QueryBench, generate_and_store, generate_events};
use altinn_events_mock::{Event, GeneratorOptions};

fn main() {
    divan::main();
}

/// The store sizes. `cargo test --all-targets` runs each bench once in a debug build, only to
/// check the code: small stores there keep CI fast; the figures come from release builds.
const SIZES: [usize; 3] = if cfg!(debug_assertions) {
    [500, 1_000, 2_000]
} else {
    [10_000, 100_000, 1_000_000]
};

const APP: (&str, &str) = ("ttd", "apps-test");
const RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";

/// The store of `size` events, made once per size.
fn store(size: usize) -> &'static QueryBench {
    static STORES: [OnceLock<QueryBench>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = SIZES.iter().position(|s| *s == size).expect("a bench size");
    STORES[slot]
        .get_or_init(|| generate_and_store(&GeneratorOptions::default(), size).expect("generates"))
}

/// Values of the store to query by: a party of the app, its organisation number and a
/// person's national identity number, and an id 90 % of the way into the store.
struct Sample {
    party: u32,
    unit: String,
    person: String,
    deep_id: String,
}

fn sample(size: usize) -> &'static Sample {
    static SAMPLES: [OnceLock<Sample>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = SIZES.iter().position(|s| *s == size).expect("a bench size");
    SAMPLES[slot].get_or_init(|| {
        let store = store(size);
        let of_app = |prefix: &str| -> &Event {
            (0..store.len())
                .filter_map(|i| store.event_at(i))
                .find(|event| {
                    event.resource() == Some(RESOURCE)
                        && event
                            .alternative_subject()
                            .is_some_and(|alternative| alternative.starts_with(prefix))
                })
                .expect("an event of the app")
        };
        let alternative = |prefix: &str| {
            let event = of_app(prefix);
            let number = event.alternative_subject().expect("an alternative subject");
            number.trim_start_matches(prefix).to_owned()
        };
        let party = of_app("/")
            .subject()
            .and_then(|subject| subject.strip_prefix("/party/"))
            .and_then(|id| id.parse().ok())
            .expect("a party subject");
        Sample {
            party,
            unit: alternative("/org/"),
            person: alternative("/person/"),
            deep_id: store
                .event_at(size / 10 * 9)
                .expect("an event")
                .id()
                .to_owned(),
        }
    })
}

fn answer(size: usize, raw_query: &str) -> usize {
    store(size).answer(APP, divan::black_box(raw_query))
}

#[divan::bench(args = SIZES)]
fn no_filter(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&size=50"));
}

#[divan::bench(args = SIZES)]
fn party(bencher: divan::Bencher, size: usize) {
    let query = format!("from=2000-01-01Z&party={}", sample(size).party);
    bencher.bench(|| answer(size, &query));
}

#[divan::bench(args = SIZES)]
fn unit(bencher: divan::Bencher, size: usize) {
    let query = format!("from=2000-01-01Z&unit={}", sample(size).unit);
    bencher.bench(|| answer(size, &query));
}

#[divan::bench(args = SIZES)]
fn person(bencher: divan::Bencher, size: usize) {
    let person = sample(size).person.as_str();
    bencher.bench(|| {
        store(size).answer_as(
            APP,
            divan::black_box("from=2000-01-01Z"),
            divan::black_box(Some(person)),
        )
    });
}

#[divan::bench(args = SIZES)]
fn type_exact(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&type=app.instance.process.completed"));
}

#[divan::bench(args = SIZES)]
fn type_pattern(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&type=APP.instance.process.%25"));
}

#[divan::bench(args = SIZES)]
fn type_matching_nothing(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&type=nomatch"));
}

#[divan::bench(args = SIZES)]
fn party_without_events(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&party=1"));
}

#[divan::bench(args = SIZES)]
fn from_after_the_last_event(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2100-01-01Z"));
}

#[divan::bench(args = SIZES)]
fn to_before_the_first_event(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&to=2001-01-01Z"));
}

#[divan::bench(args = SIZES)]
fn after_deep_in_the_store(bencher: divan::Bencher, size: usize) {
    let query = format!("after={}", sample(size).deep_id);
    bencher.bench(|| answer(size, &query));
}

#[divan::bench(args = SIZES)]
fn size_1(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&size=1"));
}

#[divan::bench(args = SIZES)]
fn size_1000(bencher: divan::Bencher, size: usize) {
    store(size);
    bencher.bench(|| answer(size, "from=2000-01-01Z&size=1000"));
}

#[divan::bench(sample_count = 20)]
fn append_1000_events(bencher: divan::Bencher) {
    let events = || generate_events(&GeneratorOptions::default(), 1000).expect("generates");
    bencher
        .with_inputs(|| (QueryBench::new(Vec::new()), events()))
        .bench_values(|(mut store, events)| store.append(events));
}
