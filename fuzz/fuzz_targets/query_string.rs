//! The query-string binder and the query's checks, selection, rendering and `next` link, on
//! arbitrary bytes: the first line is the raw query string, every further line a `person`
//! header value. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let query = lines.next().unwrap_or_default();
    let person: Vec<&str> = lines.collect();
    altinn_events_mock::fuzz_support::query_string(query, &person);
});
