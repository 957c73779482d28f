//! The cost of a page of the party's query and of the generic query in-process, in a store of
//! 100 000 and of 1 000 000 generated events (20 apps, 1 000 parties): the indexes must keep a
//! page's cost the same in both. Run with `cargo bench --bench neighbours`.

use std::sync::OnceLock;

use altinn_events_mock::GeneratorOptions;
use altinn_events_mock::bench_support::{QueryBench, generate_and_store};

fn main() {
    divan::main();
}

/// The store sizes. `cargo test --all-targets` runs each bench once in a debug build, only to
/// check the code: small stores there keep CI fast; the figures come from release builds.
const SIZES: [usize; 2] = if cfg!(debug_assertions) {
    [1_000, 10_000]
} else {
    [100_000, 1_000_000]
};

/// The store of `size` events, made once per size.
fn store(size: usize) -> &'static QueryBench {
    static SMALL: OnceLock<QueryBench> = OnceLock::new();
    static LARGE: OnceLock<QueryBench> = OnceLock::new();
    let cell = if size == SIZES[0] { &SMALL } else { &LARGE };
    cell.get_or_init(|| {
        let options = GeneratorOptions {
            orgs: vec!["ttd".into(), "skd".into(), "nav".into(), "dat".into()],
            apps_per_org: 5,
            parties: 1_000,
            ..GeneratorOptions::default()
        };
        generate_and_store(&options, size).expect("generates")
    })
}

/// A party of the store, its subject, alternative subject and an app root of its first event.
struct Sample {
    party: u32,
    subject: String,
    alternative: String,
    app_root: String,
    resource: String,
}

fn sample(size: usize) -> Sample {
    let event = store(size).event_at(0).expect("an event");
    let subject = event.subject().expect("a subject").to_owned();
    let source = event.source();
    let app_root = source[..source.find("/instances/").expect("an instance source")].to_owned();
    Sample {
        party: subject
            .trim_start_matches("/party/")
            .parse()
            .expect("a party"),
        alternative: event
            .alternative_subject()
            .expect("an alternative subject")
            .to_owned(),
        resource: event.resource().expect("a resource").to_owned(),
        subject,
        app_root,
    }
}

#[divan::bench(args = SIZES)]
fn party_page_of_50(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let query = format!("after=0&party={}", s.party);
    bencher.bench(|| store(size).answer_party(divan::black_box(&query), s.party));
}

#[divan::bench(args = SIZES)]
fn party_page_of_one_app_by_source_prefix(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    // Five events, so that the page is full in both stores (a party has about 5 events of
    // one app in the small one, 50 in the large one): the cost follows the page.
    let query = format!("after=0&party={}&source={}/%25&size=5", s.party, s.app_root);
    bencher.bench(|| store(size).answer_party(divan::black_box(&query), s.party));
}

#[divan::bench(args = SIZES)]
fn party_source_prefix_matching_nothing(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let query = format!(
        "after=0&party={}&source=https://nobody.apps.tt02.altinn.no/%25",
        s.party
    );
    bencher.bench(|| store(size).answer_party(divan::black_box(&query), s.party));
}

#[divan::bench(args = SIZES)]
fn generic_page_of_50(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let query = format!("resource={}&after=0", s.resource);
    bencher.bench(|| store(size).answer_generic(divan::black_box(&query), None));
}

/// Pages of five: one party has about 5 events of one resource in the small store.
#[divan::bench(args = SIZES)]
fn generic_page_for_one_subject(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let query = format!(
        "resource={}&after=0&subject={}&size=5",
        s.resource, s.subject
    );
    bencher.bench(|| store(size).answer_generic(divan::black_box(&query), None));
}

#[divan::bench(args = SIZES)]
fn generic_page_for_one_alternative_subject(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let query = format!("resource={}&after=0&size=5", s.resource);
    bencher.bench(|| store(size).answer_generic(divan::black_box(&query), Some(&s.alternative)));
}

#[divan::bench(args = SIZES)]
fn generic_page_after_an_id_mid_store(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let middle = store(size)
        .event_at(size / 2)
        .expect("an event")
        .id()
        .to_owned();
    let query = format!("resource={}&after={middle}", s.resource);
    bencher.bench(|| store(size).answer_generic(divan::black_box(&query), None));
}

#[divan::bench(args = SIZES)]
fn generic_type_matching_nothing_scans_the_resource(bencher: divan::Bencher, size: usize) {
    let s = sample(size);
    let query = format!("resource={}&after=0&type=nothing", s.resource);
    bencher.bench(|| store(size).answer_generic(divan::black_box(&query), None));
}
