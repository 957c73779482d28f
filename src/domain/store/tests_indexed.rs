//! The indexes change what a scan costs, never what it selects: every scan of a random store
//! is compared with a plain filter over all its events in sequence order.

use chrono::{TimeDelta, TimeZone};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use super::*;

const RESOURCES: [&str; 2] = ["urn:altinn:resource:r1", "urn:altinn:resource:r2"];
const SUBJECTS: [&str; 3] = ["/party/1", "/party/2", "/party/3"];
const TYPES: [&str; 5] = [
    "a.created",
    "A.Created",
    "a.completed",
    "b.moved_1",
    "b.moved%",
];
const SOURCES: [&str; 2] = [
    "https://ttd.apps.altinn.no/ttd/one/instances/1/x",
    "https://skd.apps.altinn.no/skd/two/instances/1/y",
];

fn minute(m: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + TimeDelta::minutes(m)
}

/// Events mostly in time order, with runs out of order and some without a time.
fn random_store(rng: &mut Xoshiro256PlusPlus, count: usize) -> EventStore {
    let mut store = EventStore::default();
    let events = (0..count).map(|i| {
        let pick = |rng: &mut Xoshiro256PlusPlus, n: usize| rng.random_range(0..n);
        let mut event = json!({
            "specversion": "1.0",
            "id": format!("e{}", pick(rng, count * 2)),
            "type": TYPES[pick(rng, TYPES.len())],
            "source": SOURCES[pick(rng, SOURCES.len())],
            "resource": RESOURCES[pick(rng, RESOURCES.len())],
        });
        if pick(rng, 10) > 0 {
            event["subject"] = json!(SUBJECTS[pick(rng, SUBJECTS.len())]);
            event["alternativesubject"] = json!(format!("/alt{}", pick(rng, 3)));
        }
        let time = match pick(rng, 20) {
            0 => None,
            1 => Some(minute(rng.random_range(0..count as i64))),
            _ => Some(minute(i as i64)),
        };
        if let Some(time) = time {
            event["time"] = json!(crate::domain::event::format_rfc3339(time));
        }
        Arc::new(Event::from_json(event).unwrap())
    });
    store.append_all(events, Registration::BeforeStart);
    store
}

/// What the scan must select, found the slow way.
fn expected(store: &EventStore, scan: &Scan<'_>) -> Vec<u64> {
    let start_after = scan
        .after
        .and_then(|id| store.first_sequence_number(id))
        .unwrap_or(0);
    let in_lane = |event: &Event| match scan.lane {
        Lane::Resource { resource, narrowed } => {
            event.resource() == Some(resource) && narrowed.is_none_or(|n| n.admits(event))
        }
        Lane::Subject { subject, .. } => event.subject() == Some(subject),
    };
    let in_times = |event: &Event| {
        let time = event.time();
        let bounds = scan.times;
        (bounds.from.is_none() || time.is_some_and(|t| bounds.from.is_none_or(|f| t >= f)))
            && (bounds.to.is_none() || time.is_some_and(|t| bounds.to.is_none_or(|to| t <= to)))
    };
    store
        .events()
        .iter()
        .filter(|stored| stored.sequence_number > start_after)
        .filter(|stored| in_lane(&stored.event) && in_times(&stored.event))
        .filter(|stored| {
            scan.types
                .is_none_or(|types| types(stored.event.event_type()))
        })
        .take(scan.limit)
        .map(|stored| stored.sequence_number)
        .collect()
}

#[test]
fn indexed_scans_select_what_a_plain_filter_selects() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let count = 20_000;
    let store = random_store(&mut rng, count);
    // Type filters as the queries' `LIKE ANY` / `ILIKE ANY` behave: any predicate on the
    // published value.
    let filters: [fn(&str) -> bool; 6] = [
        |t| t == "a.created",
        |t| t.eq_ignore_ascii_case("a.created"),
        |t| t.starts_with("a."),
        |t| t.contains("moved"),
        |t| t == "b.moved%",
        |_| false,
    ];
    for round in 0..400 {
        let pick = |rng: &mut Xoshiro256PlusPlus, n: usize| rng.random_range(0..n);
        let chosen: Vec<fn(&str) -> bool> = (0..pick(&mut rng, 3))
            .map(|_| filters[pick(&mut rng, filters.len())])
            .collect();
        let filter = |event_type: &str| chosen.iter().any(|f| f(event_type));
        let lane = match pick(&mut rng, 4) {
            0 => Lane::Subject {
                subject: SUBJECTS[pick(&mut rng, 3)],
                source_prefixes: None,
            },
            n => Lane::Resource {
                resource: RESOURCES[pick(&mut rng, 2)],
                narrowed: match n {
                    1 => None,
                    2 => Some(Narrowing::Subject(SUBJECTS[pick(&mut rng, 3)])),
                    _ => Some(Narrowing::AlternativeSubject(
                        ["/alt0", "/alt1"][pick(&mut rng, 2)],
                    )),
                },
            },
        };
        let bound = |rng: &mut Xoshiro256PlusPlus| {
            (pick(rng, 2) == 0).then(|| minute(rng.random_range(-10..count as i64 + 10)))
        };
        let scan = Scan {
            lane,
            types: (!chosen.is_empty()).then_some(&filter as TypeFilter<'_>),
            times: TimeBounds {
                from: bound(&mut rng),
                to: bound(&mut rng),
            },
            after: (pick(&mut rng, 3) == 0).then_some("e5000"),
            visibility: Visibility::All,
            limit: [1, 50, 1000, usize::MAX][pick(&mut rng, 4)],
        };
        let scanned: Vec<u64> = store
            .scan(&scan, |event| {
                let time = event.time();
                scan.times.from.is_none_or(|f| time.is_some_and(|t| t >= f))
                    && scan.times.to.is_none_or(|to| time.is_some_and(|t| t <= to))
            })
            .iter()
            .map(|stored| stored.sequence_number)
            .collect();
        assert_eq!(scanned, expected(&store, &scan), "round {round}: {scan:?}");
    }
}

#[test]
fn a_type_no_event_has_is_found_without_walking_the_events() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let store = random_store(&mut rng, 2_000);
    let nothing = |_: &str| false;
    let lane = Lane::Resource {
        resource: RESOURCES[0],
        narrowed: None,
    };
    let candidates = store.indexes.candidates(&lane, Some(&nothing));
    assert!(candidates.lists.is_empty());
    let every = |_: &str| true;
    let candidates = store.indexes.candidates(&lane, Some(&every));
    assert_eq!(candidates.lists.len(), 1, "the resource's own list");
}
