use super::*;

fn entry(route: Route) -> RecordedRequest {
    RecordedRequest {
        received_at: Utc::now(),
        method: Method::GET,
        uri: Uri::from_static("/"),
        headers: HeaderMap::new(),
        route,
        status: 200,
        events: None,
        next: None,
        fault: None,
    }
}

#[test]
fn keeps_the_newest_entries_up_to_the_cap_and_numbers_them() {
    let journal = Journal::new(2, DEFAULT_JOURNAL_MAX_BYTES);
    for _ in 0..3 {
        journal.record(entry(Route::Query));
    }
    let ids: Vec<u64> = journal.entries().iter().map(|e| e.id).collect();
    assert_eq!(ids, [2, 3]);
    assert_eq!(journal.query_count(), 3);
    journal.clear();
    assert!(journal.entries().is_empty());
    assert_eq!(journal.query_count(), 0);
}

#[test]
fn waiting_returns_at_once_when_enough_queries_arrived_and_times_out_otherwise() {
    let journal = Journal::new(10, DEFAULT_JOURNAL_MAX_BYTES);
    journal.record(entry(Route::Query));
    journal.record(entry(Route::Admin));
    assert_eq!(journal.wait_for_queries(1, Duration::ZERO), Ok(1));
    assert_eq!(
        journal.wait_for_queries(2, Duration::from_millis(1)),
        Err(1)
    );
}

#[test]
fn a_waiter_wakes_when_a_query_arrives() {
    let journal = std::sync::Arc::new(Journal::new(10, DEFAULT_JOURNAL_MAX_BYTES));
    let waiter = {
        let journal = journal.clone();
        std::thread::spawn(move || journal.wait_for_queries(1, Duration::from_secs(30)))
    };
    journal.record(entry(Route::Query));
    assert_eq!(waiter.join().unwrap(), Ok(1));
}

fn with_header(value: &str) -> RecordedRequest {
    let mut request = entry(Route::Query);
    request
        .headers
        .insert("x-long", HeaderValue::from_str(value).unwrap());
    request
}

#[test]
fn keeps_within_its_byte_budget_dropping_the_oldest() {
    let journal = Journal::new(10_000, 64 * 1024);
    let value = "v".repeat(3_000);
    for _ in 0..100 {
        journal.record(with_header(&value));
        assert!(journal.bytes() <= 64 * 1024, "{}", journal.bytes());
    }
    let ids: Vec<u64> = journal.entries().iter().map(|e| e.id).collect();
    assert_eq!(ids.last(), Some(&100));
    assert!(ids.len() > 10 && ids.len() < 30, "{}", ids.len());
    journal.clear();
    assert_eq!(journal.bytes(), 0);
}

#[test]
fn long_values_are_kept_truncated_and_marked() {
    let journal = Journal::new(10, DEFAULT_JOURNAL_MAX_BYTES);
    journal.record(with_header(&"a".repeat(10_000)));
    let entry = &journal.entries()[0];
    let (_, kept) = &entry.headers[0];
    assert_eq!(
        kept.len(),
        MAX_JOURNALED_VALUE + "...[truncated: 10000 bytes in all]".len()
    );
    assert!(kept.ends_with("...[truncated: 10000 bytes in all]"));
    assert!(journal.bytes() < MAX_JOURNALED_VALUE + 1024);
}

#[test]
fn pages_run_newest_first_from_before() {
    let journal = Journal::new(10, DEFAULT_JOURNAL_MAX_BYTES);
    for _ in 0..5 {
        journal.record(entry(Route::Query));
    }
    let ids = |page: Vec<JournalEntry>| page.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(journal.page(2, None)), [5, 4]);
    assert_eq!(ids(journal.page(2, Some(4))), [3, 2]);
    assert_eq!(ids(journal.page(10, Some(2))), [1]);
    assert_eq!(ids(journal.page(10, Some(1))), Vec::<u64>::new());
}

#[test]
fn a_path_and_query_in_utf8_are_kept_as_sent() {
    let journal = Journal::new(10, DEFAULT_JOURNAL_MAX_BYTES);
    let mut request = entry(Route::Query);
    request.uri = Uri::try_from("/events/api/v1/app/ttd/bl\u{e5}b\u{e6}r?resource=\u{f8}").unwrap();
    journal.record(request);
    let entry = &journal.entries()[0];
    assert_eq!(entry.path, "/events/api/v1/app/ttd/bl\u{e5}b\u{e6}r");
    assert_eq!(entry.query.as_deref(), Some("resource=\u{f8}"));
}

#[test]
fn a_long_method_counts_toward_the_byte_budget() {
    let journal = Journal::new(10_000, 64 * 1024);
    let method = Method::from_bytes(&vec![b'A'; 100_000]).unwrap();
    for _ in 0..50 {
        let mut request = entry(Route::Query);
        request.method = method.clone();
        journal.record(request);
    }
    assert!(journal.entries().is_empty(), "{}", journal.bytes());
}
