//! Generating a million events: as a fixture (what `generate -n 1000000` writes) and as
//! stored events (what `serve --generate 1000000` loads before it answers).
//! Run with `cargo bench --bench generate`.

use altinn_events_mock::GeneratorOptions;
use altinn_events_mock::bench_support::{QueryBench, generate_and_store, write_fixture};

fn main() {
    divan::main();
}

const MILLION: usize = 1_000_000;

#[divan::bench(sample_count = 5)]
fn write_a_million_event_fixture() {
    write_fixture(&GeneratorOptions::default(), MILLION, std::io::sink()).expect("writes");
}

#[divan::bench(sample_count = 3)]
fn generate_and_store_a_million_events() -> QueryBench {
    // Returned, so that freeing a million events is not part of the time.
    generate_and_store(&GeneratorOptions::default(), MILLION).expect("generates")
}
