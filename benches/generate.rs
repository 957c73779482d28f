//! Generating a million events: as a fixture (what `generate -n 1000000` writes) and as
//! stored events (what `serve --generate 1000000` loads before it answers).
//! Run with `cargo bench --bench generate`.

use altinn_events_mock::generate::{FixtureFormat, GeneratorOptions, generate, generate_to};
use altinn_events_mock::{EventStore, Registration};

fn main() {
    divan::main();
}

const MILLION: usize = 1_000_000;

#[divan::bench(sample_count = 5)]
fn write_a_million_event_fixture() {
    generate_to(
        &GeneratorOptions::default(),
        MILLION,
        FixtureFormat::Json,
        std::io::sink(),
    )
    .expect("writes");
}

#[divan::bench(sample_count = 3)]
fn generate_and_store_a_million_events() -> EventStore {
    let (events, _) = generate(&GeneratorOptions::default(), MILLION).expect("generates");
    let store = EventStore::new();
    store.append(events, Registration::BeforeStart);
    // Returned, so that freeing a million events is not part of the time.
    store
}
