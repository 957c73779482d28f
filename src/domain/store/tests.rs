use chrono::TimeZone;
use serde_json::json;

use super::*;

const RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";

fn event(id: &str, party: u32) -> Event {
    Event::from_json(json!({
        "specversion": "1.0",
        "id": id,
        "type": "app.instance.created",
        "source": format!("https://ttd.apps.altinn.no/ttd/apps-test/instances/{party}/0b4b4c4e-0000-4000-8000-000000000000"),
        "subject": format!("/party/{party}"),
        "time": "2023-02-16T18:00:00Z",
    }))
    .unwrap()
}

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, second).unwrap()
}

fn scan(resource: &str) -> Scan<'_> {
    Scan {
        lane: Lane::Resource {
            resource,
            narrowed: None,
        },
        types: None,
        times: TimeBounds::default(),
        after: None,
        visibility: Visibility::SequenceCut(at(59)),
        limit: 100,
    }
}

fn by_subject<'a>(subject: &'a str, source_prefixes: Option<&'a [String]>) -> Scan<'a> {
    Scan {
        lane: Lane::Subject {
            subject,
            source_prefixes,
        },
        types: None,
        times: TimeBounds::default(),
        after: None,
        visibility: Visibility::All,
        limit: 100,
    }
}

fn generic(id: &str, resource: &str, source: &str, subject: &str) -> Event {
    Event::from_json(json!({
        "specversion": "1.0", "id": id, "type": "t", "source": source,
        "subject": subject, "resource": resource, "alternativesubject": format!("/alt{subject}"),
    }))
    .unwrap()
}

fn arc(events: Vec<Event>) -> Vec<Arc<Event>> {
    events.into_iter().map(Arc::new).collect()
}

fn ids(page: &[StoredEvent]) -> Vec<&str> {
    page.iter().map(|stored| stored.event.id()).collect()
}

#[test]
fn numbers_events_from_one_and_ignores_repeated_id_and_source() {
    let mut store = EventStore::default();
    let seqs = store.append_all(
        arc(vec![event("a", 1), event("b", 1), event("a", 1)]),
        Registration::BeforeStart,
    );
    assert_eq!(seqs, vec![Some(1), Some(2), None]);
    assert_eq!(store.len(), 2);
}

#[test]
fn every_id_is_found_after_the_id_index_grew_many_times() {
    let mut store = EventStore::default();
    let events: Vec<Event> = (0..5_000).map(|i| event(&format!("id-{i}"), 1)).collect();
    store.append_all(arc(events), Registration::BeforeStart);
    for i in 0..5_000 {
        assert_eq!(store.first_sequence_number(&format!("id-{i}")), Some(i + 1));
    }
    assert_eq!(store.first_sequence_number("id-5000"), None);
    let again = store.append_all(arc(vec![event("id-4999", 1)]), Registration::BeforeStart);
    assert_eq!(again, vec![None]);
}

#[test]
fn the_same_id_from_another_source_is_a_new_event() {
    let mut store = EventStore::default();
    let seqs = store.append_all(
        arc(vec![event("a", 1), event("a", 2)]),
        Registration::BeforeStart,
    );
    assert_eq!(seqs, vec![Some(1), Some(2)]);
}

#[test]
fn after_starts_behind_the_first_event_with_that_id_and_unknown_ids_start_at_the_beginning() {
    let mut store = EventStore::default();
    store.append_all(
        arc(vec![event("a", 1), event("b", 2), event("c", 1)]),
        Registration::BeforeStart,
    );
    let mut query = scan(RESOURCE);
    query.after = Some("a");
    assert_eq!(ids(&store.scan(&query, |_| true)), ["b", "c"]);
    query.after = Some("nope");
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a", "b", "c"]);
}

#[test]
fn selects_by_subject_and_resource() {
    let mut store = EventStore::default();
    store.append_all(
        arc(vec![event("a", 1), event("b", 2), event("c", 1)]),
        Registration::BeforeStart,
    );
    let mut query = scan(RESOURCE);
    query.lane = Lane::Resource {
        resource: RESOURCE,
        narrowed: Some(Narrowing::Subject("/party/1")),
    };
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a", "c"]);
    assert!(
        store
            .scan(&scan("urn:altinn:resource:app_ttd_other"), |_| true)
            .is_empty()
    );
}

#[test]
fn limit_applies_to_kept_events() {
    let mut store = EventStore::default();
    store.append_all(
        arc(vec![event("a", 1), event("b", 2), event("c", 1)]),
        Registration::BeforeStart,
    );
    let mut query = scan(RESOURCE);
    query.limit = 1;
    assert_eq!(ids(&store.scan(&query, |e| e.id() != "a")), ["b"]);
}

#[test]
fn hides_events_registered_after_the_cut() {
    let mut store = EventStore::default();
    store.append_all(arc(vec![event("a", 1)]), Registration::At(at(10)));
    store.append_all(arc(vec![event("b", 1)]), Registration::At(at(20)));
    let mut query = scan(RESOURCE);
    query.visibility = Visibility::SequenceCut(at(15));
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a"]);
    query.visibility = Visibility::All;
    assert_eq!(
        ids(&store.scan(&query, |_| true)),
        ["a", "b"],
        "no lag hides nothing"
    );
}

#[test]
fn no_cut_at_all_when_no_event_is_old_enough() {
    let mut store = EventStore::default();
    store.append_all(
        arc(vec![event("a", 1), event("b", 1)]),
        Registration::At(at(20)),
    );
    let mut query = scan(RESOURCE);
    query.visibility = Visibility::SequenceCut(at(5));
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a", "b"]);
}

#[test]
fn the_cut_is_right_when_the_clock_went_backwards() {
    let mut store = EventStore::default();
    store.append_all(arc(vec![event("a", 1)]), Registration::At(at(30)));
    store.append_all(arc(vec![event("b", 1)]), Registration::At(at(10)));
    store.append_all(arc(vec![event("c", 1)]), Registration::At(at(40)));
    let mut query = scan(RESOURCE);
    query.visibility = Visibility::SequenceCut(at(15));
    // The greatest sequence number registered by then is b's (2), so a and b show.
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a", "b"]);
}

#[test]
fn per_event_visibility_hides_each_young_event_even_when_none_is_old() {
    let mut store = EventStore::default();
    store.append_all(arc(vec![event("a", 1)]), Registration::At(at(30)));
    store.append_all(arc(vec![event("b", 1)]), Registration::At(at(10)));
    store.append_all(arc(vec![event("c", 1)]), Registration::At(at(40)));
    let mut query = scan(RESOURCE);
    query.visibility = Visibility::PerEvent(at(15));
    assert_eq!(ids(&store.scan(&query, |_| true)), ["b"]);
    query.visibility = Visibility::PerEvent(at(5));
    assert!(store.scan(&query, |_| true).is_empty(), "no quirk here");
    query.visibility = Visibility::PerEvent(at(35));
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a", "b"]);
}

#[test]
fn per_event_visibility_is_a_search_when_registration_times_rise() {
    let mut store = EventStore::default();
    for second in 0..50 {
        let id = format!("e{second}");
        store.append_all(arc(vec![event(&id, 1)]), Registration::At(at(second)));
    }
    let mut query = scan(RESOURCE);
    query.visibility = Visibility::PerEvent(at(2));
    assert_eq!(ids(&store.scan(&query, |_| true)), ["e0", "e1", "e2"]);
}

#[test]
fn selects_by_alternative_subject_within_a_resource() {
    let mut store = EventStore::default();
    store.append_all(
        arc(vec![
            generic("a", "urn:r:x", "urn:s", "/party/1"),
            generic("b", "urn:r:x", "urn:s", "/party/2"),
            generic("c", "urn:r:y", "urn:s", "/party/1"),
        ]),
        Registration::BeforeStart,
    );
    let mut query = scan("urn:r:x");
    query.lane = Lane::Resource {
        resource: "urn:r:x",
        narrowed: Some(Narrowing::AlternativeSubject("/alt/party/1")),
    };
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a"]);
}

#[test]
fn a_subject_lane_spans_resources_and_narrows_by_source_prefix() {
    let mut store = EventStore::default();
    let apps = "https://ttd.apps.altinn.no/ttd";
    store.append_all(
        arc(vec![
            generic(
                "a",
                "urn:r:x",
                &format!("{apps}/one/instances/1/g"),
                "/party/1",
            ),
            generic(
                "b",
                "urn:r:y",
                &format!("{apps}/two/instances/1/g"),
                "/party/1",
            ),
            generic("c", "urn:r:y", "urn:elsewhere", "/party/1"),
            generic(
                "d",
                "urn:r:y",
                &format!("{apps}/one/instances/2/g"),
                "/party/2",
            ),
            generic(
                "e",
                "urn:r:x",
                &format!("{apps}/ONE/instances/1/h"),
                "/party/1",
            ),
        ]),
        Registration::BeforeStart,
    );
    assert_eq!(
        ids(&store.scan(&by_subject("/party/1", None), |_| true)),
        ["a", "b", "c", "e"]
    );
    let prefixes = |list: &[&str]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let one = prefixes(&[&format!("{apps}/one/instances/")]);
    assert_eq!(
        ids(&store.scan(&by_subject("/party/1", Some(&one)), |_| true)),
        ["a", "e"]
    );
    let all_apps = prefixes(&["https://ttd.apps.altinn.no/"]);
    assert_eq!(
        ids(&store.scan(&by_subject("/party/1", Some(&all_apps)), |_| true)),
        ["a", "b", "e"]
    );
    let several = prefixes(&["urn:", &format!("{apps}/two")]);
    assert_eq!(
        ids(&store.scan(&by_subject("/party/1", Some(&several)), |_| true)),
        ["b", "c"]
    );
    let anything = prefixes(&["", "urn:"]);
    assert_eq!(
        store
            .scan(&by_subject("/party/1", Some(&anything)), |_| true)
            .len(),
        4
    );
    assert!(
        store
            .scan(&by_subject("/party/1", Some(&[])), |_| true)
            .is_empty()
    );
    let mut after_a = by_subject("/party/1", Some(&all_apps));
    after_a.after = Some("a");
    after_a.limit = 1;
    assert_eq!(ids(&store.scan(&after_a, |_| true)), ["b"]);
}

#[test]
fn startup_events_are_always_visible() {
    let mut store = EventStore::default();
    store.append_all(arc(vec![event("a", 1)]), Registration::BeforeStart);
    store.append_all(arc(vec![event("b", 1)]), Registration::At(at(50)));
    let mut query = scan(RESOURCE);
    query.visibility = Visibility::SequenceCut(at(0));
    assert_eq!(ids(&store.scan(&query, |_| true)), ["a"]);
}

#[test]
fn learns_parties_and_forgets_them_on_clear() {
    let mut store = EventStore::default();
    let mut value = event("a", 7).json().to_owned();
    value.insert_str(
        value.len() - 1,
        r#","alternativesubject":"/person/01038712345""#,
    );
    let with_person = Event::from_json(serde_json::from_str(&value).unwrap()).unwrap();
    store.append_all(arc(vec![with_person]), Registration::BeforeStart);
    let person = PartyIdentifier::Person("01038712345".into());
    assert_eq!(store.lookup_party(&person), Some(7));
    store.clear();
    assert_eq!(store.lookup_party(&person), None);
    assert_eq!(store.len(), 0);
}
